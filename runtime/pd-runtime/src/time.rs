//! Time since boot, from the CPU's time-stamp counter (its frequency comes
//! from the kernel's boot information, through the root task).

use core::sync::atomic::{AtomicU64, Ordering};

static TSC_MHZ: AtomicU64 = AtomicU64::new(0);

pub(crate) fn init(tsc_mhz: u64) {
    TSC_MHZ.store(tsc_mhz, Ordering::Relaxed);
}

/// The time-stamp counter.
#[cfg(target_arch = "x86_64")]
pub fn cycles() -> u64 {
    // SAFETY: rdtsc only reads the counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The generic timer's virtual count (the kernel lets user level read it).
#[cfg(target_arch = "aarch64")]
pub fn cycles() -> u64 {
    let count: u64;
    // SAFETY: reads a counter register.
    unsafe { core::arch::asm!("mrs {}, cntvct_el0", out(reg) count, options(nomem, nostack)) };
    count
}

/// Nanoseconds since boot (0 if the frequency is unknown).
pub fn now_ns() -> u64 {
    match TSC_MHZ.load(Ordering::Relaxed) {
        0 => 0,
        mhz => (cycles() as u128 * 1000 / mhz as u128) as u64,
    }
}
