//! The consuming end.

use core::ptr::NonNull;

use crate::control::{take_flag, ControlBlock};
use crate::ring::Ring;
use crate::sync::{fence, Ordering};
use crate::{GeometryError, Notify, PeerIndex, RingError, RingGeometry, SleepDecision, WaitPlan};

/// The consuming end of a ring: reads messages in place and releases their
/// slots in batches.
///
/// Slots read with [`try_recv`](Consumer::try_recv) stay owned by this end
/// until [`release`](Consumer::release), which is also the only point where
/// the consumer may have to notify the producer.
pub struct Consumer<'a> {
    ring: Ring<'a>,
    /// The value this end last stored to the shared `head`: messages released.
    head: u32,
    /// Messages read (released or not): the index of the next slot to read.
    read: u32,
    /// The last `tail` read from the producer and found valid; slots from
    /// `read` up to `tail` hold published messages not yet read.
    tail: u32,
}

// SAFETY: as for Producer: the value is the end's exclusive role.
unsafe impl Send for Consumer<'_> {}

impl<'a> Consumer<'a> {
    /// The consuming end of the ring whose region starts at `base`.
    ///
    /// The ring continues from the `head` found in the control block (zero in
    /// a freshly zeroed region). Nothing in the region is trusted: a bad
    /// `tail` or slot length shows up later as [`RingError`].
    ///
    /// # Safety
    /// `base` points to `geometry.region_bytes()` bytes that stay mapped,
    /// readable and writable for `'a`, that are shared with at most one
    /// producer (possibly in another address space, possibly hostile), and
    /// that no other `Consumer` uses at the same time.
    #[cfg(not(loom))]
    pub unsafe fn new(base: *mut u8, geometry: RingGeometry) -> Result<Self, GeometryError> {
        // SAFETY: forwarded from the caller (the region is at least the
        // control block's size, mapped and valid for `'a`).
        let (ctrl, slots) = unsafe { crate::split_region(base)? };
        // SAFETY: forwarded from the caller.
        unsafe { Self::from_parts(ctrl, slots, geometry) }
    }

    /// The consuming end of a ring whose control block and slots are in
    /// separate places (tests, or a layout other than the standard region).
    ///
    /// # Safety
    /// As for [`new`](Consumer::new), with `slots` pointing to
    /// `geometry.slots_bytes()` bytes, 8-aligned.
    pub unsafe fn from_parts(
        ctrl: &'a ControlBlock,
        slots: NonNull<u8>,
        geometry: RingGeometry,
    ) -> Result<Self, GeometryError> {
        // SAFETY: forwarded from the caller.
        let ring = unsafe { Ring::new(ctrl, slots, geometry)? };
        let head = ctrl.consumer.head.load(Ordering::Relaxed);
        // "Empty" until we have read the producer's tail.
        Ok(Consumer { ring, head, read: head, tail: head })
    }

    /// The geometry this end was built with.
    pub fn geometry(&self) -> RingGeometry {
        self.ring.geometry
    }

    /// Messages released since the ring was created (free-running, wraps at
    /// 2^32): where a restarted consumer continues.
    pub fn released(&self) -> u32 {
        self.head
    }

    /// Messages read but not yet released.
    pub fn unreleased(&self) -> u32 {
        self.read.wrapping_sub(self.head)
    }

    /// Published messages not yet read (reads the producer's `tail`).
    pub fn available(&mut self) -> Result<u32, RingError> {
        self.load_tail()?;
        Ok(self.tail.wrapping_sub(self.read))
    }

    /// Reads and validates the producer's `tail`.
    ///
    /// Valid: `read <= tail <= head + slot_count` (mod 2^32). A producer
    /// cannot un-publish what we have read, nor fill slots we have not
    /// released. Anything else is a hostile or broken peer, and the cached
    /// tail is left as it was.
    fn load_tail(&mut self) -> Result<(), RingError> {
        // Acquire: the producer's writes of the slots it published happen
        // before our reads of them.
        let tail = self.ring.ctrl.producer.tail.load(Ordering::Acquire);
        let in_use = tail.wrapping_sub(self.head);
        let unread = tail.wrapping_sub(self.read);
        if in_use > self.ring.geometry.slot_count() || unread > in_use {
            return Err(RingError::Corrupt {
                index: PeerIndex::Tail,
                value: tail,
                min: self.read,
                max: self.head.wrapping_add(self.ring.geometry.slot_count()),
            });
        }
        self.tail = tail;
        Ok(())
    }

    /// The next published message, borrowed in place, or `None` if the ring
    /// is empty. Its slot stays this end's until [`release`](Consumer::release)
    /// (which the borrow cannot outlive).
    ///
    /// On [`RingError::BadLength`] the message is not consumed: the same
    /// error comes back until the peer is dealt with.
    ///
    /// Per protocol the producer does not write a slot between publishing it
    /// and seeing it released. A hostile producer that does can change the
    /// bytes you see (even while you look), never the slice's bounds: the
    /// length was read once and checked against the slot size.
    pub fn try_recv(&mut self) -> Result<Option<&[u8]>, RingError> {
        if self.read == self.tail {
            self.load_tail()?;
            if self.read == self.tail {
                return Ok(None);
            }
        }
        let index = self.read;
        let len = self.ring.load_len(index);
        let max = self.ring.geometry.max_payload();
        if len > max {
            return Err(RingError::BadLength { index, len, max });
        }
        self.read = index.wrapping_add(1);
        // SAFETY: len <= max_payload bytes from the payload start are inside
        // the slot; the slot is ours until release, which needs &mut self and
        // so ends this borrow first.
        Ok(Some(unsafe { core::slice::from_raw_parts(self.ring.payload(index), len as usize) }))
    }

    /// Copies the next message into `buf` and returns its length, or `None`
    /// if the ring is empty. A message longer than `buf` is not consumed:
    /// [`RecvIntoError::BufferTooSmall`] says how long it is.
    pub fn recv_into(&mut self, buf: &mut [u8]) -> Result<Option<usize>, RecvIntoError> {
        let before = self.read;
        match self.try_recv()? {
            None => Ok(None),
            Some(msg) if msg.len() > buf.len() => {
                let len = msg.len();
                self.read = before;
                Err(RecvIntoError::BufferTooSmall { len })
            }
            Some(msg) => {
                let len = msg.len();
                let target = &mut buf[..len];
                // SAFETY: `msg` and `target` are `len` bytes each; `buf` is
                // this end's memory, `msg` a slot, so they do not overlap.
                unsafe { crate::ring::copy_message(msg.as_ptr(), target.as_mut_ptr(), len) };
                Ok(Some(len))
            }
        }
    }

    /// Frees every slot read so far, in one Release store of `head`, and
    /// says whether the producer must be notified: only if it has declared
    /// that it waits for space (its flag is then cleared).
    ///
    /// With nothing new read it does nothing and returns [`Notify::None`].
    pub fn release(&mut self) -> Notify {
        if self.read == self.head {
            return Notify::None;
        }
        self.head = self.read;
        // Release: our reads of the freed slots happen before the producer's
        // Acquire load that sees this head, hence before it overwrites them.
        self.ring.ctrl.consumer.head.store(self.head, Ordering::Release);
        // Store head / fence / load flag against the producer's
        // store flag / fence / load head.
        fence(Ordering::SeqCst);
        Notify::from(take_flag(&self.ring.ctrl.producer.producer_waiting))
    }

    /// Call when [`try_recv`](Consumer::try_recv) returned `None` and you want
    /// to block until the producer publishes more.
    ///
    /// Releases what was read first (a producer waiting for space must get
    /// it): send the returned [`WaitPlan::notify`] in any case. Then declares
    /// "consumer sleeping" and re-reads `tail`: if a message arrived
    /// meanwhile the flag is withdrawn and the decision is
    /// [`SleepDecision::Ready`] (receive again); otherwise
    /// [`SleepDecision::Sleep`]: wait for the producer's notification, then
    /// receive again. The producer notifies on its next publish that finds
    /// the flag.
    pub fn prepare_to_sleep(&mut self) -> Result<WaitPlan, RingError> {
        let notify = self.release();
        if self.read != self.tail {
            return Ok(WaitPlan { notify, decision: SleepDecision::Ready });
        }
        let flag = &self.ring.ctrl.consumer.consumer_sleeping;
        flag.store(1, Ordering::Relaxed);
        // Store flag / fence / load tail against the producer's
        // store tail / fence / load flag.
        fence(Ordering::SeqCst);
        if let Err(e) = self.load_tail() {
            flag.store(0, Ordering::Relaxed);
            return Err(e);
        }
        let decision = if self.read != self.tail {
            flag.store(0, Ordering::Relaxed);
            SleepDecision::Ready
        } else {
            SleepDecision::Sleep
        };
        Ok(WaitPlan { notify, decision })
    }
}

impl core::fmt::Debug for Consumer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Consumer")
            .field("geometry", &self.ring.geometry)
            .field("head", &self.head)
            .field("read", &self.read)
            .field("tail", &self.tail)
            .finish()
    }
}

/// Why [`Consumer::recv_into`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvIntoError {
    /// The next message is `len` bytes, more than the buffer; it was not
    /// consumed.
    BufferTooSmall {
        /// The message's length.
        len: usize,
    },
    /// The peer broke the ring.
    Ring(RingError),
}

impl From<RingError> for RecvIntoError {
    fn from(e: RingError) -> Self {
        RecvIntoError::Ring(e)
    }
}

impl core::fmt::Display for RecvIntoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RecvIntoError::BufferTooSmall { len } => {
                write!(f, "message of {len} bytes does not fit the buffer")
            }
            RecvIntoError::Ring(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for RecvIntoError {}
