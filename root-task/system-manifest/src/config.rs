//! What a component sees of itself: mapped read-only at
//! `layout::vaddr::CONFIG`, read in place by the component runtime.

use alloc::string::String;
use alloc::vec::Vec;

use rkyv::{Archive, Deserialize, Serialize};

#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ComponentConfig {
    pub name: String,
    /// Position in the system (the fault badge).
    pub index: u32,
    /// Heap bytes mapped at `layout::vaddr::HEAP`.
    pub heap_bytes: u64,
    /// Stack bytes below `layout::vaddr::STACK_TOP`.
    pub stack_bytes: u64,
    pub channels: Vec<ChannelEnd>,
    pub rings: Vec<RingEnd>,
    pub io_ports: Vec<IoPortGrant>,
    pub irqs: Vec<IrqEnd>,
    pub device_memory: Vec<DeviceWindow>,
    /// For a Wasm component: what the Wasm runtime needs to run it.
    pub wasm: Option<WasmConfig>,
    /// The ring (in `rings`) the runtime sends log lines to, in a system with
    /// a console (`crate::console`); without one, lines go to the kernel's
    /// debug console.
    pub log_ring: Option<String>,
    /// The slot of the control channel's capability (a component with a
    /// `control` grant; also listed in `channels` as a caller of
    /// `crate::control::PEER`).
    pub control_slot: Option<u32>,
    /// Unprefixed console output this component may write (`console_output`
    /// in the description). Other lines are printed with the level and the
    /// sender's name, their control characters escaped.
    pub console_output: ConsoleOutput,
}

/// Unprefixed console output (`crate::console::level::RAW` and `TEXT`).
/// Granted per component: without it a component cannot print a line that
/// looks like another's (`[ERROR root-task] ...`).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub struct ConsoleOutput {
    /// Whole lines printed as written (a shell's output).
    pub raw: bool,
    /// Text without a line end (prompts, echo).
    pub text: bool,
}

/// How the Wasm runtime runs a component's module.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct WasmConfig {
    /// The Wasm crate the module was built from.
    pub module: String,
    /// Most linear memory the module may have, in bytes.
    pub memory_limit_bytes: u64,
}

/// One end of a channel, as this component names it.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ChannelEnd {
    /// The channel id this component uses (`0..layout::MAX_CHANNELS`).
    pub id: u8,
    /// The component at the other end.
    pub peer: String,
    pub kind: ChannelEndKind,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelEndKind {
    /// This component calls the peer through the endpoint capability in `slot`.
    Caller { slot: u32 },
    /// The peer calls this component; the calls arrive on its input endpoint
    /// with this channel's badge.
    Callee,
    /// Signals both ways; this component signals the peer through `slot`.
    Notification { slot: u32 },
}

/// One end of a ring: the shared region at `vaddr` holds the ring's control
/// block and `slot_count` slots of `slot_size` bytes; `channel` is the
/// notification channel that signals the peer.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RingEnd {
    pub name: String,
    pub role: RingRole,
    pub vaddr: u64,
    pub region_bytes: u64,
    pub slot_count: u32,
    pub slot_size: u32,
    pub channel: u8,
    /// For the console's end of a log ring (`crate::console`): the
    /// unprefixed output the ring's producer is granted. The console
    /// enforces it, since a native producer writes its ring directly.
    pub producer_output: ConsoleOutput,
}

#[derive(Archive, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum RingRole {
    Producer,
    Consumer,
}

/// IO ports `first..=last` through the capability in `slot`.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct IoPortGrant {
    pub name: String,
    pub slot: u32,
    pub first: u16,
    pub last: u16,
}

/// An interrupt: its handler capability is in `slot`; it arrives as a signal
/// of channel `channel`.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct IrqEnd {
    pub name: String,
    pub slot: u32,
    pub channel: u8,
}

/// Device memory mapped at `vaddr`.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DeviceWindow {
    pub name: String,
    pub vaddr: u64,
    pub bytes: u64,
}
