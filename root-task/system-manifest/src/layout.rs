//! The fixed layout of every protection domain: which CSpace slot holds
//! what, where things are mapped, and how badges encode channels. Shared by
//! the host tool that assigns resources, the root task that builds the PD and
//! the runtime inside it.

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
    /// that caller with `label::SERVER_DIED`.
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
    /// previous run was serving with `label::SERVER_DIED`.
    pub const RESTARTED: u64 = 2;
    /// The component was stopped by the supervisor: its runtime answers
    /// every protected call with `label::SERVER_DIED` and runs no component
    /// code, so callers of a stopped server never hang.
    pub const TOMBSTONE: u64 = 1;
}

/// Message labels between components and the supervisor (above the
/// kernel's fault labels, within the 20-bit label field).
pub mod label {
    /// Component → supervisor (on the fault endpoint): "I have finished";
    /// message register 0 holds the exit code (0 = success).
    pub const EXIT: u64 = 0x5_0001;
    /// Component → supervisor: "my Wasm module trapped"; message register 0
    /// holds the trap (`wasm_trap` below). Handled like a fault.
    pub const WASM_TRAP: u64 = 0x5_0002;
    /// Supervisor → caller: the server died while handling your call.
    pub const SERVER_DIED: u64 = 0xF_FFFF;
}

/// Bits of a badge on this kernel (seL4 5.0, 64-bit: the `Badge` field of
/// `seL4_CapData` is 28 bits; the root task checks this at compile time
/// against the generated bitfield layout).
pub const BADGE_BITS: u32 = 28;

/// Wasm traps as the runtime reports them to the supervisor.
pub mod wasm_trap {
    pub const UNKNOWN: u64 = 0;
    pub const OUT_OF_BOUNDS: u64 = 1;
    pub const UNREACHABLE: u64 = 2;
    pub const STACK_OVERFLOW: u64 = 3;
    pub const DIVISION_BY_ZERO: u64 = 4;
    pub const OUT_OF_FUEL: u64 = 5;
    pub const INTEGER_OVERFLOW: u64 = 6;
    pub const BAD_CONVERSION: u64 = 7;
    pub const INDIRECT_CALL: u64 = 8;
    /// A host function refused a guest argument (bad pointer, channel, ...).
    pub const HOST_CHECK: u64 = 9;
    /// The module could not be loaded or instantiated.
    pub const LOAD_FAILED: u64 = 10;

    /// A short description of trap `code`.
    pub fn describe(code: u64) -> &'static str {
        match code {
            OUT_OF_BOUNDS => "out-of-bounds memory access",
            UNREACHABLE => "unreachable executed (e.g. a panic)",
            STACK_OVERFLOW => "call stack exhausted",
            DIVISION_BY_ZERO => "integer division by zero",
            OUT_OF_FUEL => "out of fuel (ran too long in one event)",
            INTEGER_OVERFLOW => "integer overflow",
            BAD_CONVERSION => "invalid conversion to integer",
            INDIRECT_CALL => "bad indirect call",
            HOST_CHECK => "a host function refused its arguments",
            LOAD_FAILED => "the module could not be loaded",
            _ => "unknown trap",
        }
    }
}

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

/// The system console (`[console]` in the description): every component (the
/// console component itself included) gets a ring of its own, named
/// [`console::LOG_RING_PREFIX`] + its name, on which its runtime sends its
/// log lines to the console component; the root task has one too
/// ([`console::ROOT_LOG_RING`]). A message is one line: a level byte
/// ([`console::level`]) followed by UTF-8 text without a line end.
pub mod console {
    /// The channel id of the log ring at both ends (reserved when a system
    /// has a console). All log rings signal the console on this one channel,
    /// so the console serves any number of components with one id.
    pub const LOG_CHANNEL: u8 = super::MAX_CHANNELS - 1;
    /// Log rings are named this prefix and the producer's name.
    pub const LOG_RING_PREFIX: &str = "log:";
    /// The root task's log ring.
    pub const ROOT_LOG_RING: &str = "log:root-task";
    /// Slots of a log ring.
    pub const LOG_SLOTS: u32 = 32;
    /// Bytes of a log ring slot: a level byte and up to 255 bytes of text.
    pub const LOG_SLOT_SIZE: u32 = 256;
    /// Where the root task maps the components' counter pages in its own
    /// address space (component `i` at `+ i * PAGE_SIZE`).
    pub const ROOT_STATS_VADDR: u64 = 0x0102_0000_0000;
    /// Where the root task maps its log ring in its own address space.
    pub const ROOT_LOG_RING_VADDR: u64 = 0x0100_0000_0000;

    /// The first byte of a log message.
    pub mod level {
        /// Printed as it is, without a prefix (a shell's output).
        pub const RAW: u8 = 0;
        pub const ERROR: u8 = 1;
        pub const WARN: u8 = 2;
        pub const INFO: u8 = 3;
        pub const DEBUG: u8 = 4;
        pub const TRACE: u8 = 5;
        /// Written exactly as it is, without a line end (echo, prompts).
        pub const TEXT: u8 = 6;
    }

    /// A log message as it travels over a log ring: the level byte, then as
    /// much of the text as fits the ring's largest message, cut on a
    /// character boundary. Both senders (the root task and the components'
    /// runtime) format into one of these on the stack.
    pub struct LogMessage {
        bytes: [u8; LOG_SLOT_SIZE as usize],
        len: usize,
        limit: usize,
    }

    impl LogMessage {
        /// `args` at `level` (see [`level`]), for a ring whose messages are
        /// at most `max_payload` bytes.
        pub fn new(level: u8, max_payload: usize, args: core::fmt::Arguments<'_>) -> LogMessage {
            let mut message = LogMessage {
                bytes: [0; LOG_SLOT_SIZE as usize],
                len: 1,
                limit: max_payload.clamp(1, LOG_SLOT_SIZE as usize),
            };
            message.bytes[0] = level;
            let _ = core::fmt::Write::write_fmt(&mut message, args);
            message
        }

        /// The level byte and the text, to send as one ring message.
        pub fn as_bytes(&self) -> &[u8] {
            &self.bytes[..self.len]
        }
    }

    impl core::fmt::Write for LogMessage {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let mut take = s.len().min(self.limit - self.len);
            while !s.is_char_boundary(take) {
                take -= 1;
            }
            self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
            self.len += take;
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_message_is_the_level_byte_then_the_text() {
            let m = LogMessage::new(level::WARN, 256, format_args!("disk {}% full", 93));
            assert_eq!(m.as_bytes(), b"\x02disk 93% full");
        }

        #[test]
        fn text_is_cut_to_the_ring_message_size_on_a_character_boundary() {
            // 1 level byte + 4 bytes of room: "ab" then "é" (2 bytes) fits,
            // the next "é" would be cut in half, so it is left out.
            let m = LogMessage::new(level::INFO, 5, format_args!("abéé"));
            assert_eq!(m.as_bytes(), "\x03abé".as_bytes());
            let long = [b'x'; 600];
            let m = LogMessage::new(
                level::INFO,
                4096,
                format_args!("{}", core::str::from_utf8(&long).unwrap()),
            );
            assert_eq!(m.as_bytes().len(), LOG_SLOT_SIZE as usize, "never more than a slot");
        }
    }
}

/// The control channel (`control = true` in the description): a component
/// that may list, inspect and restart components (a shell) calls the root
/// task on channel [`control::CHANNEL`], whose peer is named [`control::PEER`].
pub mod control {
    /// The channel id of the control channel in a component that has one.
    pub const CHANNEL: u8 = super::MAX_CHANNELS - 2;
    /// The peer name of the control channel.
    pub const PEER: &str = "root";
    /// Set in the badge of a control call; the low bits are the caller's
    /// fault badge.
    pub const BADGE_BIT: u64 = 1 << 20;

    /// Request labels; message register 0 holds the component index where
    /// one is needed. Replies carry `OK` or an error label.
    pub mod request {
        /// Reply: word 0 = number of components.
        pub const COUNT: u64 = 0x6_0001;
        /// Reply: words 0..4 = state ([`super::state`]), exit code,
        /// restarts, faults; word 4 = name length; the name's bytes from word 5.
        pub const INFO: u64 = 0x6_0002;
        /// Restarts the component now (counted like a fault restart).
        pub const RESTART: u64 = 0x6_0003;
        /// Reply: per channel id with any traffic, 4 words: id, calls in,
        /// calls out, signals in; then the same for rings is included in
        /// the signal counters. See [`crate::stats`].
        pub const STATS: u64 = 0x6_0004;
    }

    /// Reply labels.
    pub mod reply {
        pub const OK: u64 = 0;
        pub const NO_SUCH_COMPONENT: u64 = 1;
        pub const FAILED: u64 = 2;
        pub const UNKNOWN_REQUEST: u64 = 3;
    }

    /// Component states in an `INFO` reply.
    pub mod state {
        pub const RUNNING: u64 = 0;
        pub const EXITED: u64 = 1;
        pub const STOPPED: u64 = 2;
    }
}
