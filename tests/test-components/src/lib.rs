//! Shared by the test components.
#![no_std]

/// Request label that makes `flaky-server` crash while handling the call.
pub const CRASH: u64 = 99;
