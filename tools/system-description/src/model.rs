//! The parsed description, every value with the span it came from. A value
//! that could not be read, or that the board cannot give, is `None` (its
//! problem is already recorded), so the checks that need it are skipped
//! instead of reporting follow-on noise.

use crate::diag::Span;

/// A value and where it is written.
#[derive(Debug, Clone)]
pub(crate) struct Sp<T> {
    pub(crate) v: T,
    pub(crate) span: Span,
}

/// A value that may have failed to parse.
pub(crate) type F<T> = Option<Sp<T>>;

/// The `get` of a field that validation guarantees is present.
pub(crate) fn ok<T: Clone>(field: &F<T>) -> T {
    field.as_ref().expect("validated description has every field").v.clone()
}

/// The board a description is built for (from its `board.toml`): which
/// `[component.board.<name>]` sections apply, and what hardware there is to
/// grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetBoard {
    /// The board's name (its folder under `board/`).
    pub name: String,
    pub arch: Arch,
    /// Every board's name, so a section for a board that does not exist
    /// (a typo) is reported instead of silently never applying.
    pub known_boards: Vec<String>,
    /// Memory-mapped devices user level may be given; empty when the board
    /// does not list them (then device memory is not checked against it).
    pub devices: Vec<BoardDevice>,
    /// Highest interrupt ID of the interrupt controller (ARM GIC).
    pub max_irq: Option<u32>,
    /// Interrupt IDs the kernel keeps for itself (its timer).
    pub kernel_irqs: Vec<u32>,
}

/// The instruction set of a board: decides which kind of interrupt and
/// which device grants exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// IO ports and IOAPIC interrupts.
    X86_64,
    /// GIC interrupts by interrupt ID; no IO ports.
    Aarch64,
}

/// A device of a board that user level may be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardDevice {
    pub name: String,
    pub paddr: u64,
    pub size: u64,
    /// Its (first) interrupt ID, if it has one.
    pub irq: Option<u32>,
}

#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) name: F<String>,
    /// `[console] component`: the component that receives every log line.
    pub(crate) console: F<String>,
    pub(crate) components: Vec<Component>,
    pub(crate) channels: Vec<Channel>,
    pub(crate) rings: Vec<Ring>,
}

#[derive(Debug, Default)]
pub(crate) struct Component {
    /// The `[[component]]` table.
    pub(crate) span: Span,
    /// How problems name it (`component `serial``, or `component #2` when
    /// its name could not be read).
    pub(crate) what: String,
    pub(crate) name: F<String>,
    /// The program it runs: for a Wasm component the Wasm runtime
    /// (`WASM_RUNTIME_PROGRAM`, spanning its `wasm` value).
    pub(crate) program: F<String>,
    /// A Wasm component: the Wasm crate (`None` for a native component once
    /// the description is valid).
    pub(crate) wasm: F<String>,
    /// A Wasm component's linear-memory limit in bytes (`None` for a native
    /// component once the description is valid).
    pub(crate) wasm_memory: F<u64>,
    pub(crate) priority: F<u8>,
    pub(crate) stack: F<u64>,
    pub(crate) heap: F<u64>,
    pub(crate) restart: F<Restart>,
    pub(crate) lifetime: F<Lifetime>,
    /// Where `io_ports` is written, even if it could not be read (IO ports
    /// are x86 only).
    pub(crate) io_ports_given: Option<Span>,
    pub(crate) io_ports: Vec<IoPorts>,
    pub(crate) irqs: Vec<Irq>,
    pub(crate) device_memory: Vec<DeviceMemory>,
    /// The control verbs it may use on the root task's control channel,
    /// each on some components (a shell); `None`: no control channel (not
    /// given, or unreadable and reported).
    pub(crate) control: Option<Control>,
    /// The unprefixed console output it may write (`console_output`).
    pub(crate) console_output: F<ConsoleOutput>,
}

/// `control = { info = "*", restart = ["kv"], ... }`: each verb granted,
/// with the components it applies to.
#[derive(Debug, Clone)]
pub(crate) struct Control {
    /// The `control` value.
    pub(crate) span: Span,
    pub(crate) verbs: Vec<VerbGrant>,
}

/// One verb of a control grant and its targets.
#[derive(Debug, Clone)]
pub(crate) struct VerbGrant {
    pub(crate) verb: Verb,
    pub(crate) targets: Sp<Targets>,
}

/// A control verb as the description names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Info,
    Restart,
    Start,
    Stop,
}

impl Verb {
    pub(crate) const ALL: [Verb; 4] = [Verb::Info, Verb::Restart, Verb::Start, Verb::Stop];

    /// Its key in a `control` table.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Verb::Info => "info",
            Verb::Restart => "restart",
            Verb::Start => "start",
            Verb::Stop => "stop",
        }
    }
}

/// The components a verb is granted on.
#[derive(Debug, Clone)]
pub(crate) enum Targets {
    /// `"*"`: every component of the system.
    Every,
    /// Components by name (distinct, as written).
    Named(Vec<Sp<String>>),
}

/// Unprefixed console output a component may write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ConsoleOutput {
    /// `"raw"`: whole lines as written.
    pub(crate) raw: bool,
    /// `"text"`: text without a line end.
    pub(crate) text: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifetime {
    Service,
    Task,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub(crate) enum Restart {
    Restart { max: u32 },
    Stop,
    HaltSystem,
}

#[derive(Debug)]
pub(crate) struct IoPorts {
    pub(crate) span: Span,
    pub(crate) name: F<String>,
    pub(crate) first: F<u16>,
    pub(crate) last: F<u16>,
}

/// An interrupt: an IOAPIC pin routed to a vector (x86, `pin`/`vector`) or
/// a GIC interrupt ID (ARM, `irq`). The fields of the other kind are `None`.
/// Interrupt numbers are kept as written: validation checks them against
/// the interrupt controller (`validate::hardware`).
#[derive(Debug)]
pub(crate) struct Irq {
    pub(crate) span: Span,
    /// How problems name it (`interrupt `com1` (component `serial`)`).
    pub(crate) what: String,
    pub(crate) name: F<String>,
    /// The controller its keys are for: spans the `irq` value (GIC) or the
    /// interrupt's table (IOAPIC).
    pub(crate) controller: Sp<Controller>,
    /// ARM: the GIC interrupt ID.
    pub(crate) gic_irq: F<i128>,
    pub(crate) ioapic: F<u32>,
    /// x86: the IOAPIC input.
    pub(crate) pin: F<i128>,
    /// x86: the seL4 IRQ number the pin is routed to.
    pub(crate) vector: F<i128>,
    pub(crate) channel: F<u8>,
    pub(crate) level: F<bool>,
    pub(crate) active_low: F<bool>,
}

impl Irq {
    /// How problems name `irq`, `pin` and `vector`.
    pub(crate) const GIC_IRQ: &str = "`irq` (GIC interrupt ID)";
    pub(crate) const PIN: &str = "`pin` (IOAPIC input)";
    pub(crate) const VECTOR: &str = "`vector` (seL4 IRQ number)";
}

/// The interrupt controller an interrupt is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Controller {
    /// ARM: `irq`.
    Gic,
    /// x86: `pin` and `vector`.
    IoApic,
}

#[derive(Debug)]
pub(crate) struct DeviceMemory {
    pub(crate) span: Span,
    /// How problems name it (`device memory `uart` (component `serial`)`).
    pub(crate) what: String,
    pub(crate) name: F<String>,
    pub(crate) paddr: F<u64>,
    pub(crate) size: F<u64>,
    pub(crate) cached: F<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChannelKind {
    ProtectedCall,
    Notification,
}

/// One end of a channel or ring: a component and the channel id it uses.
#[derive(Debug)]
pub(crate) struct End {
    pub(crate) span: Span,
    pub(crate) component: F<String>,
    pub(crate) id: F<u8>,
}

#[derive(Debug, Default)]
pub(crate) struct Channel {
    pub(crate) span: Span,
    pub(crate) name: F<String>,
    pub(crate) kind: F<ChannelKind>,
    /// Protected call: `[caller, callee]`; notification: the two `ends`.
    pub(crate) ends: Option<[End; 2]>,
}

#[derive(Debug, Default)]
pub(crate) struct Ring {
    pub(crate) span: Span,
    pub(crate) name: F<String>,
    pub(crate) producer: Option<End>,
    pub(crate) consumer: Option<End>,
    pub(crate) slots: F<u32>,
    pub(crate) slot_size: F<u32>,
}
