//! Time since boot, from the CPU's time-stamp counter (its frequency comes
//! from the kernel's boot information, through the root task).

use core::sync::atomic::{AtomicU64, Ordering};

static TSC_MHZ: AtomicU64 = AtomicU64::new(0);

pub(crate) fn init(tsc_mhz: u64) {
    TSC_MHZ.store(tsc_mhz, Ordering::Relaxed);
}

/// The time-stamp counter.
pub fn cycles() -> u64 {
    // SAFETY: rdtsc only reads the counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Nanoseconds since boot (0 if the frequency is unknown).
pub fn now_ns() -> u64 {
    match TSC_MHZ.load(Ordering::Relaxed) {
        0 => 0,
        mhz => (cycles() as u128 * 1000 / mhz as u128) as u64,
    }
}
