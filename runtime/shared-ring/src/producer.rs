//! The producing end.

use core::ptr::NonNull;

use crate::control::{take_flag, ControlBlock};
use crate::ring::Ring;
use crate::sync::{fence, Ordering};
use crate::{
    GeometryError, Notify, PeerIndex, RingError, RingGeometry, SendError, SleepDecision, WaitPlan,
};

/// The producing end of a ring: writes messages into free slots and publishes
/// them in batches.
///
/// Written messages become visible to the consumer only at
/// [`publish`](Producer::publish), which is also the only point where the
/// producer may have to notify the consumer.
pub struct Producer<'a> {
    ring: Ring<'a>,
    /// The value this end last stored to the shared `tail`: messages published.
    tail: u32,
    /// Messages written (published or not): the index of the next slot to write.
    written: u32,
    /// The last `head` read from the consumer and found valid; slots from
    /// `head` up to `written` are not free.
    head: u32,
}

// SAFETY: a Producer is the only user of its end of the ring; moving it to
// another thread moves that exclusive role with it. It is not Sync (no &self
// method is safe to call concurrently with a &mut self one anyway).
unsafe impl Send for Producer<'_> {}

impl<'a> Producer<'a> {
    /// The producing end of the ring whose region starts at `base`.
    ///
    /// The ring continues from the `tail` found in the control block (zero in
    /// a freshly zeroed region). Nothing in the region is trusted: a bad
    /// `head` shows up later as [`RingError`].
    ///
    /// # Safety
    /// `base` points to `geometry.region_bytes()` bytes that stay mapped,
    /// readable and writable for `'a`, that are shared with at most one
    /// consumer (possibly in another address space, possibly hostile), and
    /// that no other `Producer` uses at the same time.
    #[cfg(not(loom))]
    pub unsafe fn new(base: *mut u8, geometry: RingGeometry) -> Result<Self, GeometryError> {
        // SAFETY: forwarded from the caller (the region is at least the
        // control block's size, mapped and valid for `'a`).
        let (ctrl, slots) = unsafe { crate::split_region(base)? };
        // SAFETY: forwarded from the caller.
        unsafe { Self::from_parts(ctrl, slots, geometry) }
    }

    /// The producing end of a ring whose control block and slots are in
    /// separate places (tests, or a layout other than the standard region).
    ///
    /// # Safety
    /// As for [`new`](Producer::new), with `slots` pointing to
    /// `geometry.slots_bytes()` bytes, 8-aligned.
    pub unsafe fn from_parts(
        ctrl: &'a ControlBlock,
        slots: NonNull<u8>,
        geometry: RingGeometry,
    ) -> Result<Self, GeometryError> {
        // SAFETY: forwarded from the caller.
        let ring = unsafe { Ring::new(ctrl, slots, geometry)? };
        // Our own index: only we write it, so a fresh ring reads 0 and a
        // restarted producer continues where it stopped.
        let tail = ctrl.producer.tail.load(Ordering::Relaxed);
        Ok(Producer {
            ring,
            tail,
            written: tail,
            // "Full" until we have read the consumer's head: the first send
            // reads it.
            head: tail.wrapping_sub(geometry.slot_count()),
        })
    }

    /// The geometry this end was built with.
    pub fn geometry(&self) -> RingGeometry {
        self.ring.geometry
    }

    /// Messages published since the ring was created (free-running, wraps
    /// at 2^32): where a restarted producer continues.
    pub fn published(&self) -> u32 {
        self.tail
    }

    /// Messages written but not yet published.
    pub fn unpublished(&self) -> u32 {
        self.written.wrapping_sub(self.tail)
    }

    /// Slots free for writing now (reads the consumer's `head`).
    pub fn free_slots(&mut self) -> Result<u32, RingError> {
        self.load_head()?;
        Ok(self.cached_free())
    }

    fn cached_free(&self) -> u32 {
        // `load_head` keeps written - head <= slot_count.
        self.ring.geometry.slot_count() - self.written.wrapping_sub(self.head)
    }

    /// Reads and validates the consumer's `head`.
    ///
    /// Valid: `written - slot_count <= head <= tail` (mod 2^32). A consumer
    /// cannot have consumed what was not published, nor left more than
    /// `slot_count` slots in use. Anything else is a hostile or broken peer,
    /// and the cached head is left as it was.
    fn load_head(&mut self) -> Result<(), RingError> {
        // Acquire: the consumer's reads of the slots it freed happen before
        // our writes into them.
        let head = self.ring.ctrl.consumer.head.load(Ordering::Acquire);
        let in_use = self.written.wrapping_sub(head);
        let in_use_published = self.tail.wrapping_sub(head);
        if in_use > self.ring.geometry.slot_count() || in_use_published > in_use {
            return Err(RingError::Corrupt {
                index: PeerIndex::Head,
                value: head,
                min: self.written.wrapping_sub(self.ring.geometry.slot_count()),
                max: self.tail,
            });
        }
        self.head = head;
        Ok(())
    }

    /// Makes sure the next slot is free: from the cached head if possible,
    /// else by reading the consumer's head.
    fn ensure_space(&mut self) -> Result<(), SendError> {
        if self.cached_free() == 0 {
            self.load_head()?;
            if self.cached_free() == 0 {
                return Err(SendError::Full);
            }
        }
        Ok(())
    }

    /// Copies `payload` into the next free slot. The message is **not**
    /// visible to the consumer until [`publish`](Producer::publish).
    pub fn try_send(&mut self, payload: &[u8]) -> Result<(), SendError> {
        let max = self.ring.geometry.max_payload();
        if payload.len() > max as usize {
            return Err(SendError::TooLarge { len: payload.len(), max });
        }
        self.ensure_space()?;
        let index = self.written;
        // SAFETY: the payload area has max_payload bytes, payload.len() <=
        // max_payload; the slot is free, so per protocol the consumer does not
        // touch it; `payload` is our own memory, so they do not overlap.
        unsafe {
            crate::ring::copy_message(payload.as_ptr(), self.ring.payload(index), payload.len());
        }
        self.ring.store_len(index, payload.len() as u32);
        self.written = index.wrapping_add(1);
        Ok(())
    }

    /// [`try_send`](Producer::try_send) then [`publish`](Producer::publish):
    /// one message, at most one notification.
    pub fn send(&mut self, payload: &[u8]) -> Result<Notify, SendError> {
        self.try_send(payload)?;
        Ok(self.publish())
    }

    /// Zero-copy: the next free slot, to write a message into in place and
    /// then [`SlotWriter::commit`]. Dropping the writer without committing
    /// writes no message.
    pub fn reserve(&mut self) -> Result<SlotWriter<'_, 'a>, SendError> {
        self.ensure_space()?;
        Ok(SlotWriter { producer: self })
    }

    /// Publishes every message written so far, in one Release store of
    /// `tail`, and says whether the consumer must be notified: only if it has
    /// declared that it is going to sleep (its flag is then cleared, so a
    /// batch of publishes during one sleep notifies once).
    ///
    /// With nothing new written it does nothing and returns [`Notify::None`].
    pub fn publish(&mut self) -> Notify {
        if self.written == self.tail {
            return Notify::None;
        }
        self.tail = self.written;
        // Release: the slot contents and lengths happen before the
        // consumer's Acquire load that sees this tail.
        self.ring.ctrl.producer.tail.store(self.tail, Ordering::Release);
        // Store tail / fence / load flag against the consumer's
        // store flag / fence / load tail: one of us sees the other's store.
        fence(Ordering::SeqCst);
        Notify::from(take_flag(&self.ring.ctrl.consumer.consumer_sleeping))
    }

    /// Call when [`try_send`](Producer::try_send) or
    /// [`reserve`](Producer::reserve) said [`SendError::Full`] and you want to
    /// block until the consumer frees a slot.
    ///
    /// Publishes what is unpublished first (the consumer cannot free slots it
    /// cannot see): send the returned [`WaitPlan::notify`] in any case. Then
    /// declares "producer waiting", and re-reads `head`: if a slot became free
    /// meanwhile the flag is withdrawn and the decision is
    /// [`SleepDecision::Ready`] (try again); otherwise [`SleepDecision::Sleep`]:
    /// wait for the consumer's notification, then try again. The consumer
    /// notifies after its next release that finds the flag.
    pub fn prepare_to_wait(&mut self) -> Result<WaitPlan, RingError> {
        let notify = self.publish();
        if self.cached_free() > 0 {
            return Ok(WaitPlan { notify, decision: SleepDecision::Ready });
        }
        let flag = &self.ring.ctrl.producer.producer_waiting;
        flag.store(1, Ordering::Relaxed);
        // Store flag / fence / load head against the consumer's
        // store head / fence / load flag.
        fence(Ordering::SeqCst);
        if let Err(e) = self.load_head() {
            flag.store(0, Ordering::Relaxed);
            return Err(e);
        }
        let decision = if self.cached_free() > 0 {
            flag.store(0, Ordering::Relaxed);
            SleepDecision::Ready
        } else {
            SleepDecision::Sleep
        };
        Ok(WaitPlan { notify, decision })
    }
}

impl core::fmt::Debug for Producer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Producer")
            .field("geometry", &self.ring.geometry)
            .field("tail", &self.tail)
            .field("written", &self.written)
            .field("head", &self.head)
            .finish()
    }
}

/// A free slot reserved by [`Producer::reserve`], to fill in place.
pub struct SlotWriter<'p, 'a> {
    producer: &'p mut Producer<'a>,
}

impl SlotWriter<'_, '_> {
    /// Bytes that fit ([`RingGeometry::max_payload`]).
    pub fn capacity(&self) -> usize {
        self.producer.ring.geometry.max_payload() as usize
    }

    /// The payload area: [`capacity`](SlotWriter::capacity) bytes, 8-aligned.
    /// Prefer this to [`payload_mut`](SlotWriter::payload_mut) when you do not
    /// want a `&mut` into shared memory.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.producer.ring.payload(self.producer.written)
    }

    /// The payload area as a slice (its old contents are whatever was there).
    ///
    /// Per protocol the consumer does not touch a free slot, so this end has
    /// it to itself until it is published. A hostile consumer that writes it
    /// anyway can change the bytes you wrote, never the slice's bounds.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let len = self.capacity();
        // SAFETY: `len` bytes at the payload start are inside the slot, which
        // this end owns until publish; the borrow ends with `self`.
        unsafe { core::slice::from_raw_parts_mut(self.as_mut_ptr(), len) }
    }

    /// Makes the first `len` payload bytes the next message (still
    /// unpublished: see [`Producer::publish`]).
    pub fn commit(self, len: usize) -> Result<(), SendError> {
        let max = self.producer.ring.geometry.max_payload();
        if len > max as usize {
            return Err(SendError::TooLarge { len, max });
        }
        let p = self.producer;
        p.ring.store_len(p.written, len as u32);
        p.written = p.written.wrapping_add(1);
        Ok(())
    }
}
