//! This component's traffic counters (`system_manifest::stats`), in the page
//! the root task maps at `layout::vaddr::STATS` and also reads (a shell's
//! `stats`).

use system_manifest::layout::vaddr;
pub use system_manifest::stats::PdStats;

/// The counters page.
pub fn counters() -> &'static PdStats {
    // SAFETY: the root task maps a zeroed page here, writable, for the life
    // of the component; all access is atomic.
    unsafe { &*(vaddr::STATS as *const PdStats) }
}
