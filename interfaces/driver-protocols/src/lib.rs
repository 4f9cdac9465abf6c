//! Protocols of the driver services, shared by drivers and their clients.
#![no_std]
#![forbid(unsafe_code)]

/// The timer service (`wasm-timer-hpet`).
///
/// A client has two channels to the timer: a protected-call channel for the
/// requests below, and a notification channel on which the timer signals
/// when the client's timeout expires. Numbers are little-endian `u64`s.
pub mod timer {
    /// Request labels.
    pub mod request {
        /// Reply: the time in nanoseconds since the timer started.
        pub const NOW: u64 = 1;
        /// Request: a relative timeout in nanoseconds. Reply: the absolute
        /// deadline (as `NOW` counts). When it passes, the timer signals
        /// the caller's notification channel. A later `SET_TIMEOUT`
        /// replaces a pending one.
        pub const SET_TIMEOUT: u64 = 2;
        /// Cancels the pending timeout, if any. Reply: 1 if one was pending.
        pub const CANCEL: u64 = 3;
    }

    /// Reply labels.
    pub mod reply {
        pub const OK: u64 = 0;
        /// The caller has no notification channel to the timer: nothing
        /// could tell it that its timeout passed.
        pub const NO_NOTIFICATION_CHANNEL: u64 = 1;
        /// The request was too short or the label unknown.
        pub const BAD_REQUEST: u64 = 2;
        /// Every timeout slot is in use.
        pub const TOO_MANY: u64 = 3;
    }

    /// The longest timeout accepted (a bad request above): about 584 years
    /// of nanoseconds would overflow the deadline, so cap at a day.
    pub const MAX_TIMEOUT_NS: u64 = 24 * 3600 * 1_000_000_000;
}
