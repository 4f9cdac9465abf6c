//! Shared by the example components: the calculator protocol between
//! `example-client` and `example-server`.
#![no_std]

/// Request labels of the calculator server.
pub mod op {
    /// mr0 + mr1 → mr0.
    pub const ADD: u64 = 1;
    /// mr0 * mr1 → mr0.
    pub const MULTIPLY: u64 = 2;
    /// → mr0 = number of requests served so far.
    pub const COUNT: u64 = 3;
}

/// Reply labels.
pub mod status {
    pub const OK: u64 = 0;
    pub const UNKNOWN_OP: u64 = 1;
    pub const OVERFLOW: u64 = 2;
}
