//! The control block: the first [`CONTROL_BLOCK_BYTES`] of the region.

use crate::sync::{AtomicU32, Ordering};
#[cfg(not(loom))]
use crate::{CACHE_LINE_BYTES, CONTROL_BLOCK_BYTES};

/// The words only the producer writes (plus one the consumer clears).
#[repr(C, align(64))]
pub(crate) struct ProducerLine {
    /// Messages published, free-running (wraps at 2^32).
    pub(crate) tail: AtomicU32,
    /// Non-zero: the producer found the ring full and is about to wait for
    /// the consumer's notification. Set by the producer, cleared by the
    /// consumer when it decides to notify (or by the producer when it finds
    /// space after all).
    pub(crate) producer_waiting: AtomicU32,
}

/// The words only the consumer writes (plus one the producer clears).
#[repr(C, align(64))]
pub(crate) struct ConsumerLine {
    /// Messages consumed and released, free-running.
    pub(crate) head: AtomicU32,
    /// Non-zero: the consumer found the ring empty and is about to wait for
    /// the producer's notification. Set by the consumer, cleared by the
    /// producer when it decides to notify (or by the consumer when it finds
    /// data after all).
    pub(crate) consumer_sleeping: AtomicU32,
}

/// The shared indices and flags of one ring, laid out as at the start of the
/// shared region (see the crate docs for the byte offsets).
///
/// [`Producer::new`](crate::Producer::new) and
/// [`Consumer::new`](crate::Consumer::new) find it at the start of the region;
/// construct one yourself only for
/// [`Producer::from_parts`](crate::Producer::from_parts), e.g. in tests.
#[repr(C)]
pub struct ControlBlock {
    pub(crate) producer: ProducerLine,
    pub(crate) consumer: ConsumerLine,
}

impl ControlBlock {
    /// A control block of an empty ring: all indices and flags zero, which is
    /// also what an all-zero page is.
    pub fn new() -> Self {
        ControlBlock {
            producer: ProducerLine { tail: AtomicU32::new(0), producer_waiting: AtomicU32::new(0) },
            consumer: ConsumerLine {
                head: AtomicU32::new(0),
                consumer_sleeping: AtomicU32::new(0),
            },
        }
    }
}

impl Default for ControlBlock {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for ControlBlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Relaxed snapshot for diagnostics only.
        f.debug_struct("ControlBlock")
            .field("tail", &self.producer.tail.load(Ordering::Relaxed))
            .field("producer_waiting", &self.producer.producer_waiting.load(Ordering::Relaxed))
            .field("head", &self.consumer.head.load(Ordering::Relaxed))
            .field("consumer_sleeping", &self.consumer.consumer_sleeping.load(Ordering::Relaxed))
            .finish()
    }
}

/// Clears a peer's sleep/wait flag if it is set, and says whether this end
/// must notify. Any non-zero value counts as set (the peer may be hostile).
///
/// Called right after `store index; fence(SeqCst)`. A plain store is enough
/// to clear (no read-modify-write): only this end clears the peer's flag, and
/// its store is ordered after the flag value it just read (read-write
/// coherence), so a later call cannot see the same "set" again. If the clear
/// lands after the peer has withdrawn and re-declared (its newer `1` is
/// overwritten), this call still notifies, and that notification happens after
/// the clear, so the peer's current or next wait receives it: nothing is lost,
/// at worst a wake-up comes early and the peer's loop just re-checks.
pub(crate) fn take_flag(flag: &AtomicU32) -> bool {
    if flag.load(Ordering::Relaxed) != 0 {
        flag.store(0, Ordering::Relaxed);
        true
    } else {
        false
    }
}

// The byte layout is a contract with the other end (and with anything that
// inspects the region), so pin it down.
#[cfg(not(loom))]
const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(offset_of!(ControlBlock, producer.tail) == crate::TAIL_OFFSET);
    assert!(offset_of!(ControlBlock, producer.producer_waiting) == crate::PRODUCER_WAITING_OFFSET);
    assert!(offset_of!(ControlBlock, consumer.head) == crate::HEAD_OFFSET);
    assert!(
        offset_of!(ControlBlock, consumer.consumer_sleeping) == crate::CONSUMER_SLEEPING_OFFSET
    );
    assert!(crate::HEAD_OFFSET - crate::TAIL_OFFSET >= CACHE_LINE_BYTES);
    assert!(size_of::<ControlBlock>() <= CONTROL_BLOCK_BYTES);
    assert!(core::mem::align_of::<ControlBlock>() == CACHE_LINE_BYTES);
};
