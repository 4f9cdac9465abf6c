//! The root task's clock: the counter components read too (the TSC on
//! x86_64, the generic timer's virtual count on aarch64).

/// The counter's current value.
#[cfg(target_arch = "x86_64")]
pub fn ticks() -> u64 {
    // SAFETY: rdtsc only reads the counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The counter's current value.
#[cfg(target_arch = "aarch64")]
pub fn ticks() -> u64 {
    let count: u64;
    // SAFETY: reads a counter register, readable at every exception level.
    unsafe { core::arch::asm!("mrs {}, cntvct_el0", out(reg) count, options(nomem, nostack)) };
    count
}

/// `ms` milliseconds in ticks of a counter running at `mhz` MHz.
pub fn ms_to_ticks(ms: u64, mhz: u64) -> u64 {
    ms.saturating_mul(mhz.max(1)).saturating_mul(1000)
}
