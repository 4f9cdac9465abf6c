//! What the root task builds: kernel objects, protection domains, the
//! capabilities each one is granted and what is mapped where.

use alloc::string::String;
use alloc::vec::Vec;

use rkyv::{Archive, Deserialize, Serialize};

/// Everything packed into the root task: the manifest and the programs.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct BootImage {
    /// [`crate::FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    pub manifest: SystemManifest,
    /// Programs, referenced by index from [`Component::program`].
    pub programs: Vec<Program>,
    /// Precompiled Wasm modules, referenced by index from
    /// [`Component::wasm_module`].
    pub wasm_modules: Vec<WasmModule>,
    /// Keep supervising after every task has ended (an interactive run with
    /// a console shell), instead of ending the system.
    pub keep_running: bool,
}

/// A Wasm module precompiled for the board (a `.cwasm`), mapped read-only
/// (and so executable) at `layout::vaddr::WASM_MODULE` in the components
/// that run it; components with identical modules share the frames.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct WasmModule {
    /// The Wasm crate it was built from.
    pub name: String,
    pub cwasm: Vec<u8>,
}

/// The system the root task builds.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SystemManifest {
    pub name: String,
    /// The description file it was compiled from (for messages).
    pub source: String,
    /// Protection domains, in start order. A component's index is its
    /// position here; its fault badge is that index.
    pub components: Vec<Component>,
    /// Shared memory regions, referenced by index from [`MappingSource::Region`].
    pub regions: Vec<SharedRegion>,
    /// Every channel, for reports and statistics.
    pub channels: Vec<ChannelInfo>,
    /// The system console, if the description has one.
    pub console: Option<Console>,
}

/// The system console (`crate::console`): the component that receives every
/// log line, and the root task's own log ring to it.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Console {
    /// Index of the console component.
    pub component: u32,
    /// The shared region of the root task's log ring
    /// (`crate::console::ROOT_LOG_RING`), mapped by the root task at
    /// `crate::console::ROOT_LOG_RING_VADDR`.
    pub root_ring_region: u32,
}

/// One protection domain.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Component {
    pub name: String,
    /// Index into [`BootImage::programs`].
    pub program: u32,
    /// For a Wasm component: index into [`BootImage::wasm_modules`] (its
    /// program is then the Wasm runtime).
    pub wasm_module: Option<u32>,
    pub priority: u8,
    /// Stack size in bytes (a page multiple).
    pub stack_bytes: u64,
    /// Heap size in bytes (a page multiple), mapped at `layout::vaddr::HEAP`.
    pub heap_bytes: u64,
    pub restart: RestartPolicy,
    pub lifetime: Lifetime,
    /// Capabilities placed in the component's CSpace besides the fixed slots
    /// of `layout::slot`.
    pub grants: Vec<Grant>,
    /// Memory mapped besides the program, stack, heap, IPC buffer and config.
    pub mappings: Vec<Mapping>,
    /// The component's archived [`crate::ComponentConfig`], mapped read-only
    /// at `layout::vaddr::CONFIG`.
    pub config: Vec<u8>,
    /// What it may ask of the supervisor over the control channel
    /// (`crate::control`); `None`: it has no control channel.
    pub control: Option<ControlGrant>,
}

/// The control verbs a component is granted, each with the components it
/// may apply them to (indices into [`SystemManifest::components`], sorted,
/// no duplicates). The supervisor refuses any other request with
/// `control::reply::NOT_PERMITTED`.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlGrant {
    /// `COUNT`, `INFO` and `STATS` (a count is always allowed once any
    /// verb is granted; it names no component).
    pub info: Vec<u32>,
    /// `RESTART` of a running component.
    pub restart: Vec<u32>,
    /// `START` of a stopped or exited component.
    pub start: Vec<u32>,
    /// `STOP`: make a running component a tombstone.
    pub stop: Vec<u32>,
}

/// What the supervisor does when a component faults.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Rebuild its writable memory and restart it, at most `max_restarts`
    /// times; then stop it.
    Restart { max_restarts: u32 },
    /// Leave it stopped.
    Stop,
    /// End the whole system with a failure status.
    HaltSystem,
}

/// Whether a component runs to completion or serves for ever.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum Lifetime {
    /// Runs until the system ends (servers, drivers).
    Service,
    /// Runs to completion and exits; the system ends when every task has
    /// exited or been stopped (a system without tasks runs for ever).
    Task,
}

/// A capability placed in slot `slot` of a component's CSpace.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Grant {
    pub slot: u32,
    pub cap: GrantedCap,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum GrantedCap {
    /// A capability to call component `server`'s input endpoint, badged
    /// (`layout::badge::protected_call`) with the channel id the server uses.
    Endpoint { server: u32, badge: u64 },
    /// A capability to signal component `target`'s notification, badged
    /// (`layout::badge::notification`) with the channel id the target uses.
    Notification { target: u32, badge: u64 },
    /// A capability to call the root task's supervisor with the control
    /// badge (`crate::control`) of this component.
    Control,
    /// x86 IO ports `first..=last`.
    IoPorts { first: u16, last: u16 },
    /// The handler of an interrupt; the root task also routes it to the
    /// component's own notification with `badge`.
    Irq { irq: IrqSource, badge: u64 },
}

/// Where an interrupt comes from.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrqSource {
    /// An IOAPIC pin (x86), delivered at CPU `vector`.
    IoApic { ioapic: u32, pin: u32, level_triggered: bool, active_low: bool, vector: u32 },
    /// A GIC interrupt ID (ARM); level-triggered (the kernel configures the
    /// GIC so).
    Gic { irq: u32 },
}

/// Memory mapped into a component.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Mapping {
    pub source: MappingSource,
    pub vaddr: u64,
    /// Size in bytes (a page multiple).
    pub bytes: u64,
    pub writable: bool,
    pub cached: bool,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingSource {
    /// A shared region (index into [`SystemManifest::regions`]).
    Region(u32),
    /// Device memory at a physical address.
    Device { paddr: u64 },
}

/// Memory shared between components (e.g. a ring), zeroed at boot.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SharedRegion {
    pub name: String,
    /// Size in bytes (a page multiple).
    pub bytes: u64,
}

/// A channel of the description, for reports.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    pub name: String,
    pub kind: ChannelKindInfo,
    /// (component index, channel id at that end) of each end.
    pub ends: [(u32, u8); 2],
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum ChannelKindInfo {
    /// `ends[0]` calls `ends[1]`.
    ProtectedCall,
    Notification,
    /// The notification pair that signals a ring (`ends[0]` produces).
    Ring,
}

/// A program: its loadable segments, extracted and checked on the host.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Program {
    pub name: String,
    pub entry: u64,
    pub segments: Vec<Segment>,
}

/// A loadable segment: `data` at `vaddr`, zero-filled up to `mem_bytes`.
/// `vaddr` is page aligned; never both writable and executable.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Segment {
    pub vaddr: u64,
    pub mem_bytes: u64,
    pub access: SegmentAccess,
    pub data: Vec<u8>,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum SegmentAccess {
    ReadExecute,
    ReadOnly,
    ReadWrite,
}

impl SegmentAccess {
    pub fn writable(self) -> bool {
        matches!(self, SegmentAccess::ReadWrite)
    }
    pub fn executable(self) -> bool {
        matches!(self, SegmentAccess::ReadExecute)
    }
}
