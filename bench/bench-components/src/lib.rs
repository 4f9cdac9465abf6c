//! Shared by the native benchmark components: how figures are reported.
//!
//! A figure is one console line, parsed by `cargo xtask bench`:
//! `BENCH <key> <unit> <operations> <trial 1 total> <trial 2 total> ...`:
//! each trial's total (in `unit`, `cycles` of the time-stamp counter here)
//! covers `operations` operations.
#![no_std]

use core::fmt::Write;

/// Trials of each figure (the table shows their median and spread).
pub const TRIALS: usize = 5;
/// Round trips per trial of the IPC and notification figures.
pub const ROUND_TRIPS: u64 = 1000;
/// Messages per trial of the ring figures.
pub const RING_MESSAGES: u64 = 4096;
/// Batch sizes (messages per publish) of the ring figures.
pub const RING_BATCHES: [u64; 3] = [1, 16, 256];

/// Rounds per trial of each compute kernel (`bench_kernels::Kernel` order).
pub const KERNEL_ROUNDS: [u32; 4] = [16, 16, 2, 8];

/// Prints one `BENCH` line.
pub fn report(key: &str, unit: &str, operations: u64, totals: &[u64]) {
    let mut line = Line { bytes: [0; 200], len: 0 };
    let _ = write!(line, "BENCH {key} {unit} {operations}");
    for total in totals {
        let _ = write!(line, " {total}");
    }
    log::info!("{}", line.as_str());
}

/// Runs `trial` [`TRIALS`] times after one warm-up run; the cycles of each.
pub fn trials(mut trial: impl FnMut()) -> [u64; TRIALS] {
    trial();
    let mut totals = [0; TRIALS];
    for total in &mut totals {
        let start = pd_runtime::time::cycles();
        trial();
        *total = pd_runtime::time::cycles() - start;
    }
    totals
}

/// A line of text without allocation.
struct Line {
    bytes: [u8; 200],
    len: usize,
}

impl Line {
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(core::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
