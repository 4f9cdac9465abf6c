//! The control channel (`control = true` in the description): a component
//! that may list, inspect and restart components (a shell) calls the root
//! task on channel [`CHANNEL`], whose peer is named [`PEER`].
//!
//! A request's label is one of [`request`]; message register 0 holds the
//! component index where one is needed. A reply's label is one of [`reply`];
//! its message registers are read as little-endian bytes, 8 per register.

/// The channel id of the control channel in a component that has one.
pub const CHANNEL: u8 = crate::layout::MAX_CHANNELS - 2;
/// The peer name of the control channel.
pub const PEER: &str = "root";
/// Set in the badge of a control call; the low bits are the caller's fault
/// badge.
pub const BADGE_BIT: u64 = 1 << 20;

/// Request labels.
pub mod request {
    /// Reply: word 0 = number of components.
    pub const COUNT: u64 = 0x6_0001;
    /// Reply: the component's state, exit code, counters and name, laid
    /// out as [`super::info_reply`] says.
    pub const INFO: u64 = 0x6_0002;
    /// Restarts the component now (counted like a fault restart). Empty
    /// reply, sent before the restart.
    pub const RESTART: u64 = 0x6_0003;
    /// Reply: the component's traffic counters ([`crate::stats::PdStats`])
    /// as UTF-8 text, packed from word 0 on and padded with zero bytes: one
    /// line per channel id with any traffic (its peer, calls in and out,
    /// signals in and out, ring messages sent and received), then one line
    /// with the log lines sent and dropped.
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

/// The words (message registers) of an `INFO` reply.
pub mod info_reply {
    /// The component's state ([`super::state`]).
    pub const STATE: usize = 0;
    /// Its exit code, if it exited (else 0).
    pub const EXIT_CODE: usize = 1;
    /// Times it was restarted.
    pub const RESTARTS: usize = 2;
    /// Faults it took.
    pub const FAULTS: usize = 3;
    /// Bytes of its name.
    pub const NAME_LEN: usize = 4;
    /// The first word of its name's bytes (packed 8 per word).
    pub const NAME: usize = 5;
    /// Where the name starts in the reply's bytes.
    pub const NAME_OFFSET: usize = NAME * 8;
}
