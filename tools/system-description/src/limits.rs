//! The defaults a description may leave out and the limits its values must
//! keep, in one place: most follow from the virtual-address layout the
//! root task gives every component (`system_manifest::layout`) or from the
//! hardware.

use system_manifest::layout::{self, PAGE_SIZE};

/// Most components a system may have (for now).
pub const MAX_COMPONENTS: usize = 64;

/// Largest stack: it must fit between the IPC buffer and `STACK_TOP`,
/// leaving the unmapped guard page below it.
pub(crate) const MAX_STACK: u64 =
    layout::vaddr::STACK_TOP - layout::vaddr::IPC_BUFFER - 2 * PAGE_SIZE;
/// Largest heap: it must end at least a page below the shared-region area.
pub(crate) const MAX_HEAP: u64 = layout::vaddr::SHARED - layout::vaddr::HEAP - PAGE_SIZE;
/// Largest device memory window: the whole device area.
pub(crate) const MAX_DEVICE_WINDOW: u64 = layout::vaddr::END - layout::vaddr::DEVICE;
pub(crate) const DEFAULT_STACK: u64 = 64 * 1024;
pub(crate) const DEFAULT_HEAP: u64 = 256 * 1024;
/// A Wasm component's default stack: the Wasm runtime runs compiled Wasm on
/// the native stack and needs more than `wasm-engine-config`'s
/// `MAX_WASM_STACK` (256 KiB) of it.
pub(crate) const DEFAULT_WASM_STACK: u64 = 512 * 1024;
/// Native stack the Wasm runtime needs besides what Wasm code may use: the
/// runtime's own frames (its event loop, host functions, Wasmtime's entry
/// trampolines and trap handling) sit below the Wasm frames on the same
/// stack. Without it, Wasm code at its limit overflows the native stack (a
/// VM fault of the runtime) before it traps with "call stack exhausted".
pub(crate) const WASM_RUNTIME_STACK_MARGIN: u64 = 64 * 1024;
/// Smallest stack of a Wasm component: Wasmtime's stack limit plus the
/// runtime's margin.
pub(crate) const MIN_WASM_STACK: u64 =
    wasm_engine_config::MAX_WASM_STACK as u64 + WASM_RUNTIME_STACK_MARGIN;
const _: () = assert!(DEFAULT_WASM_STACK >= MIN_WASM_STACK, "the default Wasm stack is too small");
const _: () = assert!(MIN_WASM_STACK.is_multiple_of(PAGE_SIZE), "a stack is whole pages");
/// A Wasm component's default heap: its linear memory plus the runtime's own.
pub(crate) const DEFAULT_WASM_HEAP: u64 = 4 << 20;
/// A Wasm component's default linear-memory limit.
pub(crate) const DEFAULT_WASM_MEMORY: u64 = 1 << 20;
/// The Wasm page: linear memory grows in these.
pub(crate) const WASM_PAGE: u64 = 64 * 1024;
/// Heap a Wasm component keeps for the runtime besides its linear memory.
pub(crate) const WASM_RUNTIME_HEAP: u64 = 1 << 20;
pub(crate) const DEFAULT_MAX_RESTARTS: u32 = 3;
/// Lowest and highest priority a component may have: 255 is the root
/// task's, 0 is reserved.
pub(crate) const MIN_PRIORITY: u8 = 1;
pub(crate) const MAX_PRIORITY: u8 = 254;
/// Smallest ring slot: a slot holds at least a 16-byte message.
pub(crate) const MIN_RING_SLOT_SIZE: u32 = 16;
/// Ring slots are multiples of this.
pub(crate) const RING_SLOT_ALIGN: u32 = 8;
/// Highest IOAPIC index.
pub(crate) const MAX_IOAPIC: u32 = 255;
/// IOAPIC pins per IOAPIC (seL4 x86: `IOAPIC_IRQ_LINES`).
pub(crate) const IOAPIC_PINS: u32 = 24;
/// Largest `vector` seL4 accepts for an IOAPIC interrupt (x86:
/// `irq_user_max - irq_user_min`).
pub(crate) const MAX_IRQ_VECTOR: u32 = 107;
/// Lowest GIC interrupt ID a component may be given: 0..15 are
/// software-generated (inter-processor) interrupts.
pub(crate) const MIN_GIC_IRQ: u32 = 16;
/// Highest GIC interrupt ID (1020..1023 are special) when no board says.
pub(crate) const MAX_GIC_IRQ: u32 = 1019;
/// Physical addresses have at most 52 bits (x86_64 and aarch64 alike).
pub(crate) const PHYS_ADDR_BITS: u32 = 52;
/// Longest name.
pub(crate) const MAX_NAME_LEN: usize = 64;
