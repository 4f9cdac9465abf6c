//! Shared by the test components.
#![no_std]

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
