//! Shared by the test components.
#![no_std]

use example_components::{op, status};
use pd_runtime::{get_mr, set_mr, CallError, Channel, MessageInfo};

/// `a + b` computed by the calculator-like server on `server` (its `ADD`);
/// panics if it answers anything but `OK`.
pub fn add(server: Channel, a: u64, b: u64) -> Result<u64, CallError> {
    set_mr(0, a);
    set_mr(1, b);
    let reply = server.call(MessageInfo::new(op::ADD as usize, 0, 0, 2))?;
    assert_eq!(reply.label() as u64, status::OK);
    Ok(get_mr(0))
}

/// Request label that makes `flaky-server` crash while handling the call.
pub const CRASH: u64 = 99;

/// Request label that makes `exit-server` exit while it handles the call.
pub const EXIT_NOW: u64 = 98;

/// Words a `mr-writer` sends to `mr-echo`, which another client must never see.
pub const SECRET: [u64; 4] =
    [0x5EC2_E700_0000_0001, 0x5EC2_E700_0000_0002, 0x5EC2_E700_0000_0003, 0x5EC2_E700_0000_0004];

/// Prints `what: as expected` or `what: WRONG` and counts the wrong ones.
pub struct Checks {
    pub failures: u64,
}

impl Checks {
    pub fn new() -> Checks {
        Checks { failures: 0 }
    }

    pub fn check(&mut self, what: core::fmt::Arguments<'_>, ok: bool) {
        log::info!("{what}: {}", if ok { "as expected" } else { "WRONG" });
        self.failures += u64::from(!ok);
    }
}

impl Default for Checks {
    fn default() -> Self {
        Self::new()
    }
}
