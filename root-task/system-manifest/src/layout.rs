//! The fixed layout of every protection domain: which CSpace slot holds
//! what, where things are mapped, and how badges encode channels. Shared by
//! the host tool that assigns resources, the root task that builds the PD and
//! the runtime inside it. (What travels over the channels this sets up is in
//! [`crate::ipc`], [`crate::console`] and [`crate::control`].)

/// Size of a page (and of every mapping granule).
pub const PAGE_SIZE: u64 = 4096;

/// A component's CSpace: one CNode of `2^CNODE_SLOT_BITS` slots, whose guard
/// makes every slot resolve at full word depth from the thread's root.
pub const CNODE_SLOT_BITS: u8 = 8;
/// Largest slot number a grant may use.
pub const MAX_SLOT: u32 = (1 << CNODE_SLOT_BITS) - 1;

/// Fixed slots of a component's CSpace.
pub mod slot {
    /// The fault endpoint, badged with the component's index: where the
    /// kernel reports this component's faults to the supervisor.
    pub const FAULT_ENDPOINT: u32 = 1;
    /// The endpoint this component receives on: protected calls from its
    /// clients and, through the bound notification, its signals.
    pub const INPUT_ENDPOINT: u32 = 2;
    /// This component's notification (bound to its thread).
    pub const NOTIFICATION: u32 = 3;
    /// Where the runtime, when it starts, saves a reply capability left over
    /// from its previous run (a call it was serving when it died), to answer
    /// that caller with [`crate::ipc::label::SERVER_DIED`].
    pub const REPLY: u32 = 4;
    /// The component's own CNode (for saving a reply capability).
    pub const CNODE: u32 = 5;
    /// Where the runtime moves a saved reply capability to learn whether
    /// there was one (a move from an empty slot fails).
    pub const REPLY_PROBE: u32 = 6;
    /// First slot of the capabilities granted by the description.
    pub const FIRST_GRANT: u32 = 16;
}

/// Fixed virtual addresses of a component's address space. Program segments
/// must lie in `[PROGRAM_START, PROGRAM_END)`.
pub mod vaddr {
    pub const PROGRAM_START: u64 = 0x0040_0000;
    pub const PROGRAM_END: u64 = 0x0800_0000;
    /// The component's archived `ComponentConfig`, read-only.
    pub const CONFIG: u64 = 0x0800_0000;
    /// Largest config archive.
    pub const CONFIG_MAX_BYTES: u64 = 0x0010_0000;
    /// The IPC buffer (one page).
    pub const IPC_BUFFER: u64 = 0x0900_0000;
    /// The component's traffic counters (`crate::stats::PdStats`), one page.
    pub const STATS: u64 = 0x0910_0000;
    /// Top of the stack; the stack grows down from here and the page below
    /// its lowest page is never mapped (guard).
    pub const STACK_TOP: u64 = 0x0A00_0000;
    /// A Wasm component's precompiled module, read-only (and so executable).
    pub const WASM_MODULE: u64 = 0x0B00_0000;
    /// Largest precompiled module.
    pub const WASM_MODULE_MAX_BYTES: u64 = 0x0100_0000;
    /// Start of the heap.
    pub const HEAP: u64 = 0x1000_0000;
    /// Shared memory regions (rings) are placed from here up.
    pub const SHARED: u64 = 0x4000_0000;
    /// Device memory (MMIO) is placed from here up.
    pub const DEVICE: u64 = 0x6000_0000;
    /// End of the area the layout uses.
    pub const END: u64 = 0x8000_0000;
}

/// Registers at a component's entry: RSP = `vaddr::STACK_TOP`, and
/// RDI = `vaddr::CONFIG`, RSI = `vaddr::IPC_BUFFER`, RDX = the config
/// archive's length in bytes, RCX = the start mode, R8 = the length of the
/// precompiled Wasm module at `vaddr::WASM_MODULE` (Wasm components; else 0),
/// R9 = the time-stamp counter's frequency in MHz.
pub mod start_mode {
    /// First start.
    pub const NORMAL: u64 = 0;
    /// Started again after a fault: the runtime first answers a call its
    /// previous run was serving with [`crate::ipc::label::SERVER_DIED`].
    pub const RESTARTED: u64 = 2;
    /// The component was stopped by the supervisor: its runtime answers
    /// every protected call with [`crate::ipc::label::SERVER_DIED`] and runs no component
    /// code, so callers of a stopped server never hang.
    pub const TOMBSTONE: u64 = 1;
    /// The component exited: a tombstone as for [`TOMBSTONE`] (a call it
    /// was serving when it exited is answered too), without the warning.
    pub const EXITED: u64 = 3;
}

/// Bits of a badge on this kernel (seL4 5.0, 64-bit: the `Badge` field of
/// `seL4_CapData` is 28 bits; the root task checks this at compile time
/// against the generated bitfield layout).
pub const BADGE_BITS: u32 = 28;

/// Channel ids: a component names its channels `0..MAX_CHANNELS`. A
/// notification badge has one bit per channel and protected calls use the
/// top badge bit, so the badge width sets the limit.
pub const MAX_CHANNELS: u8 = (BADGE_BITS - 1) as u8;

/// Badges the runtime receives on its input endpoint.
pub mod badge {
    /// Set in the badge of a protected call; the low bits are the channel id.
    pub const PROTECTED_CALL: u64 = 1 << (super::BADGE_BITS - 1);

    /// Badge of a client's endpoint capability for channel `id` (as the
    /// server names it).
    pub const fn protected_call(id: u8) -> u64 {
        PROTECTED_CALL | id as u64
    }

    /// Badge of a capability that signals channel `id` (as the receiver
    /// names it): one bit per channel, so pending signals accumulate.
    pub const fn notification(id: u8) -> u64 {
        1 << id
    }
}

/// Shared-memory rings: the first page of a ring's region is its control
/// block (indices and sleep flags); slot `i` starts at
/// `RING_SLOTS_OFFSET + i * slot_size`.
pub const RING_SLOTS_OFFSET: u64 = PAGE_SIZE;

/// Bytes of the shared region of a ring of `slot_count` slots of `slot_size` bytes.
pub const fn ring_region_bytes(slot_count: u64, slot_size: u64) -> u64 {
    RING_SLOTS_OFFSET + (slot_count * slot_size).div_ceil(PAGE_SIZE) * PAGE_SIZE
}
