//! Shared by the native benchmark components: how figures are reported.
//!
//! A figure is one console line, parsed by `cargo xtask bench`:
//! `BENCH <key> <unit> <operations> <trial 1 total> <trial 2 total> ...`:
//! each trial's total (in `unit`, `cycles` of the time-stamp counter here)
//! covers `operations` operations.
#![no_std]

use core::fmt::Write;

use fixed_line::FixedLine;

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
    let mut text = [0; 200];
    let mut line = FixedLine::new(&mut text);
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
