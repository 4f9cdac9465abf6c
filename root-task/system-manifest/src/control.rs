//! The control channel (`control` in the description): a component that
//! may list, inspect, restart, start or stop components (a shell) calls the
//! root task on channel [`CHANNEL`], whose peer is named [`PEER`].
//!
//! A request's label is one of [`request`]; message register 0 holds the
//! component index where one is needed (a request without that register is
//! refused with [`reply::BAD_REQUEST`]). Each verb is granted per target
//! (`crate::ControlGrant`); anything else is [`reply::NOT_PERMITTED`]. A
//! reply's label is one of [`reply`]; its message registers are read as
//! little-endian bytes, 8 per register.

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
    /// Restarts a running component now, from fresh memory. Not counted
    /// against its fault restarts, but at most [`super::RESTARTS_PER_WINDOW`]
    /// per component in [`super::RATE_WINDOW_MS`]. Empty reply, sent before
    /// the restart (the caller may restart itself).
    pub const RESTART: u64 = 0x6_0003;
    /// Reply: the component's traffic counters ([`crate::stats::PdStats`])
    /// as UTF-8 text, packed from word 0 on and padded with zero bytes: one
    /// line per channel id with any traffic (its peer, calls in and out,
    /// signals in and out, ring messages sent and received), then one line
    /// with the log lines sent and dropped.
    pub const STATS: u64 = 0x6_0004;
    /// Starts a stopped or exited component again, from fresh memory, with
    /// its fault restarts reset. Rate-limited like [`RESTART`].
    pub const START: u64 = 0x6_0005;
    /// Stops a running component: it becomes a tombstone that answers
    /// every call with `SERVER_DIED`. Empty reply, sent before the stop.
    pub const STOP: u64 = 0x6_0006;
}

/// Control restarts and starts of one component allowed per window
/// ([`RATE_WINDOW_MS`]); more are refused with [`reply::RATE_LIMITED`].
pub const RESTARTS_PER_WINDOW: u32 = 3;
/// The window of [`RESTARTS_PER_WINDOW`], in milliseconds.
pub const RATE_WINDOW_MS: u64 = 10_000;

/// Reply labels.
pub mod reply {
    pub const OK: u64 = 0;
    pub const NO_SUCH_COMPONENT: u64 = 1;
    pub const FAILED: u64 = 2;
    pub const UNKNOWN_REQUEST: u64 = 3;
    /// The caller is not granted this verb on this component.
    pub const NOT_PERMITTED: u64 = 4;
    /// The message is shorter than the request needs.
    pub const BAD_REQUEST: u64 = 5;
    /// The component was restarted or started too often lately.
    pub const RATE_LIMITED: u64 = 6;
    /// The verb does not apply in the component's state (`RESTART` or
    /// `STOP` of one not running, `START` of one running).
    pub const WRONG_STATE: u64 = 7;
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
    /// Times it was restarted after a fault (counted against its limit).
    pub const RESTARTS: usize = 2;
    /// Faults it took.
    pub const FAULTS: usize = 3;
    /// Times it was restarted or started over the control channel.
    pub const REQUESTED_RESTARTS: usize = 4;
    /// The index + 1 of the component whose server it is calling and waiting
    /// on now (as its runtime reports it), 0 if none.
    pub const WAITS_ON: usize = 5;
    /// Bytes of its name.
    pub const NAME_LEN: usize = 6;
    /// The first word of its name's bytes (packed 8 per word).
    pub const NAME: usize = 7;
    /// Where the name starts in the reply's bytes.
    pub const NAME_OFFSET: usize = NAME * 8;
}
