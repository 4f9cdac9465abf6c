//! Traffic counters of a component, kept by its runtime in a page the root
//! task also maps ([`crate::layout::vaddr::STATS`] in the component), so a
//! shell can show them ([`crate::control::request::STATS`]) without asking
//! the component. Counters are cumulative over restarts.

use core::sync::atomic::{AtomicU64, Ordering};

/// Counters per channel id (indexed by id; ids are below
/// [`crate::layout::MAX_CHANNELS`]).
pub const CHANNEL_SLOTS: usize = 32;

/// The counters page. Only the component writes it; readers may see a
/// counter a moment old, never a torn one.
#[repr(C)]
pub struct PdStats {
    /// Protected calls received on each channel.
    pub calls_in: [AtomicU64; CHANNEL_SLOTS],
    /// Protected calls made on each channel.
    pub calls_out: [AtomicU64; CHANNEL_SLOTS],
    /// Signals (notifications, ring signals, interrupts) received per channel.
    pub signals_in: [AtomicU64; CHANNEL_SLOTS],
    /// Signals sent per channel.
    pub signals_out: [AtomicU64; CHANNEL_SLOTS],
    /// Ring messages sent, by the ring's channel id.
    pub ring_sent: [AtomicU64; CHANNEL_SLOTS],
    /// Ring messages received, by the ring's channel id.
    pub ring_received: [AtomicU64; CHANNEL_SLOTS],
    /// Log lines sent to the console, and lines dropped because its ring
    /// stayed full.
    pub log_lines: AtomicU64,
    pub log_dropped: AtomicU64,
    /// The channel id + 1 of the protected call this component is making
    /// and waiting on now; 0 when it makes none. Written by the component,
    /// so only as true as it is: a shell's `ps` shows it to say who waits
    /// on whom, nothing relies on it.
    pub calling: AtomicU64,
    /// Non-zero while the component holds a protected call it has not yet
    /// answered (set when the call arrives, cleared once the answer is
    /// sent and no other call is held). Survives a restart, so the next run
    /// knows whether a caller waits for a `SERVER_DIED` answer; it may be
    /// set when no call is held (after a death between answering and
    /// clearing), never clear while one is.
    pub serving: AtomicU64,
}

impl PdStats {
    /// The channel of the call the component is waiting on, if any.
    pub fn waiting_on(&self) -> Option<u8> {
        let value = self.calling.load(Ordering::Relaxed);
        value.checked_sub(1).and_then(|id| u8::try_from(id).ok())
    }
}

const _: () = assert!(core::mem::size_of::<PdStats>() <= crate::layout::PAGE_SIZE as usize);

/// Adds one to counter `slot` of `array` (ignored past the end).
pub fn bump(array: &[AtomicU64; CHANNEL_SLOTS], channel: u8) {
    if let Some(counter) = array.get(channel as usize) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Adds `n` to counter `channel` of `array`.
pub fn add(array: &[AtomicU64; CHANNEL_SLOTS], channel: u8, n: u64) {
    if let Some(counter) = array.get(channel as usize) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}
