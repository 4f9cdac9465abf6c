//! A single-producer single-consumer message ring in memory shared by two
//! protection domains, with the signalling protocol that tells each end
//! **when** to notify the other.
//!
//! The two ends usually live in different address spaces that map the same
//! physical pages, possibly at different virtual addresses; nothing in the
//! shared memory is a pointer, only indices and lengths. The crate does not
//! know the kernel: where it returns [`Notify::Peer`], the caller signals the
//! peer's notification object (on seL4, `seL4_Signal`), and where it returns
//! [`SleepDecision::Sleep`], the caller waits on its own (`seL4_Wait`). It is
//! `#![no_std]` and allocates nothing.
//!
//! # Memory layout
//!
//! The region is [`RingGeometry::region_bytes`] bytes (the system manifest's
//! `layout::ring_region_bytes(slot_count, slot_size)`), zeroed by the root task
//! before either end runs, and must be 64-byte aligned (it is page aligned in
//! practice). Offsets are in bytes, values native-endian:
//!
//! | offset | word | written by |
//! |---|---|---|
//! | [`TAIL_OFFSET`] = 0 | `tail: u32`, messages published (free-running) | producer |
//! | [`PRODUCER_WAITING_OFFSET`] = 4 | `producer_waiting: u32`, non-zero = producer waits for space | producer sets, consumer clears |
//! | [`HEAD_OFFSET`] = 64 | `head: u32`, messages released (free-running) | consumer |
//! | [`CONSUMER_SLEEPING_OFFSET`] = 68 | `consumer_sleeping: u32`, non-zero = consumer sleeps | consumer sets, producer clears |
//! | 72 .. 4096 | unused (zero) | |
//! | [`RING_SLOTS_OFFSET`] + i × `slot_size` | slot i | |
//!
//! The producer's words and the consumer's words are on different 64-byte
//! cache lines, so the steady state (each end storing its own index, loading
//! the other's) does not bounce one line between the cores. The flags are
//! cross-written only when an end goes to sleep.
//!
//! `tail` and `head` count messages since the ring was created and wrap at
//! 2^32; message `n` lives in slot `n & (slot_count - 1)` (`slot_count` is a
//! power of two). `tail - head` (wrapping) is the number of slots in use, so
//! `0` is empty and `slot_count` is full, and no slot is wasted.
//!
//! A slot is an 8-byte header followed by the payload:
//!
//! | slot offset | |
//! |---|---|
//! | 0 | `len: u32`, payload bytes |
//! | 4 | reserved (ignored) |
//! | [`SLOT_HEADER_BYTES`] = 8 | payload, up to [`RingGeometry::max_payload`] = `slot_size - 8` bytes |
//!
//! The header is 8 bytes rather than 4 so that every payload is 8-byte aligned
//! (the region is page aligned and `slot_size` a multiple of 8), which lets a
//! zero-copy writer or reader put aligned data there.
//!
//! # The protocol
//!
//! **Data.** The producer writes payload and length into free slots
//! ([`Producer::try_send`], or in place with [`Producer::reserve`]), then
//! [`Producer::publish`] stores the new `tail` with Release ordering: a whole
//! batch becomes visible at once. The consumer loads `tail` with Acquire
//! ordering before it reads any slot up to it, so it sees complete messages
//! ([`Consumer::try_recv`] lends the payload in place). When it is done with a
//! batch, [`Consumer::release`] stores the new `head` with Release ordering, so
//! its reads of those slots happen before the producer's Acquire load of
//! `head` that lets it overwrite them. Each end keeps its own index in a
//! private variable and only ever *reads* the peer's, once per refresh.
//!
//! **Sleeping.** An end that finds nothing to do (consumer: ring empty;
//! producer: ring full) and wants to block calls
//! [`Consumer::prepare_to_sleep`] / [`Producer::prepare_to_wait`]. That:
//!
//! 1. releases (consumer) or publishes (producer) whatever is pending, since
//!    the peer may be waiting for exactly that, and hands back the resulting
//!    [`Notify`];
//! 2. sets its flag (`consumer_sleeping` / `producer_waiting`) to 1;
//! 3. issues a sequentially consistent fence;
//! 4. reads the peer's index again. If the condition went away meanwhile
//!    (data arrived / space was freed), it clears its own flag and says
//!    [`SleepDecision::Ready`]: do not sleep, try again. Otherwise
//!    [`SleepDecision::Sleep`]: wait for the notification, then try again.
//!
//! The other side of the handshake is in [`Producer::publish`] /
//! [`Consumer::release`]: store the index (Release), SeqCst fence, then load
//! the peer's flag. If it is set, clear it and return [`Notify::Peer`];
//! otherwise [`Notify::None`], and no system call is made.
//!
//! **Why no wake-up is lost.** Take the consumer (the producer is the mirror
//! image). It sleeps only if, after `store flag; fence(SeqCst)`, its load of
//! `tail` did not see a message. The producer publishes with
//! `store tail; fence(SeqCst); load flag`. The two fences are totally ordered.
//! If the consumer's fence comes first, the producer's load after its fence
//! sees the flag (or a later value), so it notifies; if the producer's fence
//! comes first, the consumer's load sees the new `tail`, so it does not sleep.
//! Without the fences both loads could read the old values (store buffering,
//! allowed even on x86) and both ends would wait forever.
//!
//! Only the producer clears `consumer_sleeping` on the notifying path, and it
//! reads before it clears, so one declaration yields at most one
//! notification. The consumer's own withdrawal (step 4) can race with the
//! producer's clear: then the producer may notify a consumer that did not
//! sleep after all, or its clear may overwrite a newer declaration, but in
//! both cases it *does* notify, after the clear, so the consumer's current or
//! next wait returns. An extra notification is harmless: after any wake-up
//! the caller just tries again, so a spurious wake-up (a notification left
//! over from a withdrawn sleep) costs one empty poll, nothing more.
//!
//! **Batching.** Notifications happen only at `publish` and `release`, at
//! most one per call, and only while the peer has its flag set; the flag is
//! cleared by the notifying end, so however many batches are published while
//! the consumer sleeps, it gets one notification until it declares sleep
//! again. An awake peer is never notified.
//!
//! **Typical loops** (`signal` and `wait` are the caller's kernel calls):
//!
//! ```
//! # use shared_ring::*;
//! # fn signal() {}
//! # fn wait() {}
//! fn consumer_loop(rx: &mut Consumer<'_>, handle: &mut impl FnMut(&[u8])) -> Result<(), RingError> {
//!     loop {
//!         while let Some(msg) = rx.try_recv()? {
//!             handle(msg);
//!         }
//!         let plan = rx.prepare_to_sleep()?; // releases the batch too
//!         if plan.notify.is_needed() { signal(); }
//!         if plan.decision == SleepDecision::Sleep { wait(); }
//! #       break Ok(());
//!     }
//! }
//! fn produce(tx: &mut Producer<'_>, msgs: &[&[u8]]) -> Result<(), RingError> {
//!     for msg in msgs {
//!         loop {
//!             match tx.try_send(msg) {
//!                 Ok(()) => break,
//!                 Err(SendError::Full) => {
//!                     let plan = tx.prepare_to_wait()?; // publishes the batch too
//!                     if plan.notify.is_needed() { signal(); }
//!                     if plan.decision == SleepDecision::Sleep { wait(); }
//!                 }
//!                 Err(SendError::TooLarge { .. }) => break, // caller's bug: drop or split it
//!                 Err(SendError::Ring(e)) => return Err(e),
//!             }
//!         }
//!     }
//!     if tx.publish().is_needed() { signal(); }
//!     Ok(())
//! }
//! ```
//!
//! # Restarting an end
//!
//! An end whose component is restarted is made anew over the same region
//! ([`Producer::new`] / [`Consumer::new`] continue from the index found
//! there: unpublished messages are lost, read but unreleased ones are read
//! again). Its previous run may have died anywhere in the handshake: after
//! storing its index but before loading the peer's flag, or after clearing
//! the flag but before signalling. Either way the peer may sleep on a wake-up
//! that never comes, and the flag no longer says so. So **a restarted end
//! signals its peer once** when it starts, whatever the flags say: a spurious
//! wake-up costs the peer one empty poll. The loom tests restart either end
//! after every step of a run, the restarted run skipping the signal its last
//! step asked for, and check that no end then waits forever.
//!
//! # A hostile peer
//!
//! The peer may be buggy or malicious and may write anything into the shared
//! region at any time. What it **cannot** do is make this end read or write
//! outside the region, or panic, or corrupt this end's private state:
//!
//! - The geometry comes from the trusted configuration, never from shared
//!   memory. Every slot address is `slots + (index & (slot_count - 1)) *
//!   slot_size`, in bounds whatever the index.
//! - Each end's own index is private; the copy in shared memory is only
//!   written, never read back (except once when an end is created, to resume).
//! - The peer's index is read once per refresh into a local and validated:
//!   the consumer accepts `tail` only in `read ..= head + slot_count`, the
//!   producer accepts `head` only in `written - slot_count ..= tail`
//!   (wrapping). Anything else is [`RingError::Corrupt`] and changes nothing.
//! - A slot's length is read once (atomically) and must be at most
//!   `max_payload`, else [`RingError::BadLength`]; only then is the slice made.
//! - Flags are read as "zero or not", and only decide whether to notify.
//!
//! What a hostile peer **can** do: send garbage or stale bytes in messages
//! that are in bounds (the payload is data to be validated by whoever parses
//! it), make this end see a full or empty ring forever, cause spurious or
//! missing notifications to *itself*, and cause extra notifications to this
//! end (which the loops above absorb). The caller should treat a
//! [`RingError`] as "peer broken": report it and stop using the ring.
//!
//! # Shared memory and Rust's aliasing rules
//!
//! Indices and flags are atomics ([`ControlBlock`]) reached through a shared
//! reference, and slot lengths are accessed with `AtomicU32::from_ptr`, so a
//! peer writing them concurrently is a defined (if garbage) value. Payload
//! bytes are copied with `core::ptr::copy_nonoverlapping` (8 to 16 bytes with
//! two unaligned 8-byte reads and writes) from and to raw pointers; the only references into shared memory are the `&[u8]` that
//! [`Consumer::try_recv`] lends and the `&mut [u8]` of
//! [`SlotWriter::payload_mut`]. Both cover slots that the protocol gives
//! exclusively to this end until it releases or publishes them, and their
//! lifetimes end before that (they borrow the end mutably). A peer that breaks
//! the protocol and writes such a slot anyway races with this end: in the
//! abstract machine that is a data race, in practice the bytes seen may
//! change; the bounds never do, since they were computed from validated
//! values held in locals.
//!
//! # Tests
//!
//! - `cargo test -p shared-ring`: a model-based property test against a
//!   `VecDeque` (`tests/model.rs`), a property test with a hostile peer
//!   writing random words into the ring inside a canary-guarded buffer
//!   (`tests/hostile.rs`), and real-thread stress tests (`tests/stress.rs`).
//! - `RUSTFLAGS="--cfg loom" cargo test -p shared-ring --release --test loom`:
//!   the sleep/notify protocol under the loom model checker, which explores
//!   every interleaving and the weak-memory outcomes C11 allows; it checks that
//!   neither end ever waits forever while the other has made progress it must
//!   see (no lost wake-up) and that messages arrive complete and in order.
//! - `cargo +nightly miri test -p shared-ring`: the same host tests (with fewer
//!   cases) under Miri, checking for out-of-bounds accesses, undefined
//!   behaviour and data races.
#![no_std]
#![warn(missing_docs)]

mod consumer;
mod control;
mod geometry;
mod producer;
mod ring;
mod sync;

pub use consumer::{Consumer, RecvIntoError};
pub use control::ControlBlock;
pub use geometry::{RingGeometry, MAX_SLOT_COUNT, MIN_SLOT_SIZE};
pub use producer::{Producer, SlotWriter};

/// Page size; the region's size is a whole number of pages.
pub const PAGE_SIZE: usize = 4096;
/// Bytes of the control block at the start of the region (one page).
pub const CONTROL_BLOCK_BYTES: usize = PAGE_SIZE;
/// Offset of slot 0 from the start of the region (the manifest's
/// `layout::RING_SLOTS_OFFSET`).
pub const RING_SLOTS_OFFSET: usize = CONTROL_BLOCK_BYTES;
/// Cache line size the control block is laid out for; also the region's
/// required alignment.
pub const CACHE_LINE_BYTES: usize = 64;
/// Offset of the producer's `tail` in the control block.
pub const TAIL_OFFSET: usize = 0;
/// Offset of the producer's `producer_waiting` flag in the control block.
pub const PRODUCER_WAITING_OFFSET: usize = 4;
/// Offset of the consumer's `head` in the control block.
pub const HEAD_OFFSET: usize = CACHE_LINE_BYTES;
/// Offset of the consumer's `consumer_sleeping` flag in the control block.
pub const CONSUMER_SLEEPING_OFFSET: usize = CACHE_LINE_BYTES + 4;
/// Bytes of each slot's header (`len: u32` and 4 reserved bytes) before the
/// payload.
pub const SLOT_HEADER_BYTES: usize = 8;

/// Whether the caller must signal the peer's notification object.
#[must_use = "if it says Peer, the peer is asleep until you signal it"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notify {
    /// Nothing to do: the peer is awake, or nothing changed.
    None,
    /// The peer declared it is going to sleep waiting for what just happened:
    /// signal it.
    Peer,
}

impl Notify {
    /// True for [`Notify::Peer`].
    pub fn is_needed(self) -> bool {
        self == Notify::Peer
    }

    /// [`Notify::Peer`] if either is: for folding several results into one
    /// signal.
    pub fn or(self, other: Notify) -> Notify {
        Notify::from(self.is_needed() || other.is_needed())
    }
}

impl From<bool> for Notify {
    fn from(needed: bool) -> Self {
        if needed {
            Notify::Peer
        } else {
            Notify::None
        }
    }
}

/// What [`Consumer::prepare_to_sleep`] or [`Producer::prepare_to_wait`]
/// decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SleepDecision {
    /// Wait for the peer's notification, then try again. The peer has been
    /// told and will notify.
    Sleep,
    /// What you were about to wait for already happened (data pending / space
    /// free): do not wait, try again now.
    Ready,
}

/// The outcome of preparing to block: a notification owed to the peer (from
/// the release/publish done first) and whether to block.
#[must_use = "send the notification (if any) before acting on the decision"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitPlan {
    /// Signal the peer if this says so, whatever the decision.
    pub notify: Notify,
    /// Whether to wait for the peer's notification.
    pub decision: SleepDecision,
}

/// Which peer-written index was found impossible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerIndex {
    /// The consumer's `head`, as seen by the producer.
    Head,
    /// The producer's `tail`, as seen by the consumer.
    Tail,
}

/// The peer broke the ring: a value it wrote into shared memory is
/// impossible. Nothing was read or written because of it; report it and stop
/// using the ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingError {
    /// `index` had `value`, outside `min ..= max` (in wrapping arithmetic).
    Corrupt {
        /// Which index.
        index: PeerIndex,
        /// What the peer wrote.
        value: u32,
        /// Smallest valid value.
        min: u32,
        /// Largest valid value.
        max: u32,
    },
    /// Message `index`'s length word says `len`, more than `max` (the
    /// geometry's `max_payload`).
    BadLength {
        /// Free-running index of the message.
        index: u32,
        /// What the peer wrote.
        len: u32,
        /// Largest valid length.
        max: u32,
    },
}

impl core::fmt::Display for RingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RingError::Corrupt { index, value, min, max } => write!(
                f,
                "peer wrote an impossible {} index {value:#x} (valid {min:#x}..={max:#x}, wrapping)",
                match index {
                    PeerIndex::Head => "head",
                    PeerIndex::Tail => "tail",
                }
            ),
            RingError::BadLength { index, len, max } => {
                write!(f, "message {index:#x} has length {len} > max payload {max}")
            }
        }
    }
}

impl core::error::Error for RingError {}

/// Why a message was not written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendError {
    /// No free slot: publish, and wait ([`Producer::prepare_to_wait`]) or
    /// retry later.
    Full,
    /// `len` is more than the geometry's `max_payload`.
    TooLarge {
        /// The message's length.
        len: usize,
        /// Largest valid length.
        max: u32,
    },
    /// The consumer broke the ring.
    Ring(RingError),
}

impl From<RingError> for SendError {
    fn from(e: RingError) -> Self {
        SendError::Ring(e)
    }
}

impl core::fmt::Display for SendError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SendError::Full => f.write_str("ring full"),
            SendError::TooLarge { len, max } => {
                write!(f, "message of {len} bytes exceeds max payload {max}")
            }
            SendError::Ring(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for SendError {}

/// Why an end could not be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeometryError {
    /// `slot_count` is not a power of two in `1..=MAX_SLOT_COUNT`.
    SlotCountNotPowerOfTwo {
        /// The rejected value.
        slot_count: u32,
    },
    /// `slot_size` is not a multiple of 8, or is below [`MIN_SLOT_SIZE`].
    BadSlotSize {
        /// The rejected value.
        slot_size: u32,
    },
    /// The region would not be addressable.
    TooLarge {
        /// Requested slot count.
        slot_count: u32,
        /// Requested slot size.
        slot_size: u32,
    },
    /// The region (or slots) pointer is null.
    NullBase,
    /// The region (or slots) pointer is not aligned to `align` bytes.
    Misaligned {
        /// The pointer's address.
        address: usize,
        /// Required alignment.
        align: usize,
    },
}

impl core::fmt::Display for GeometryError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            GeometryError::SlotCountNotPowerOfTwo { slot_count } => {
                write!(f, "slot count {slot_count} is not a power of two in 1..=2^31")
            }
            GeometryError::BadSlotSize { slot_size } => {
                write!(
                    f,
                    "slot size {slot_size} is not a multiple of 8 of at least {MIN_SLOT_SIZE}"
                )
            }
            GeometryError::TooLarge { slot_count, slot_size } => {
                write!(f, "{slot_count} slots of {slot_size} bytes do not fit the address space")
            }
            GeometryError::NullBase => f.write_str("ring region pointer is null"),
            GeometryError::Misaligned { address, align } => {
                write!(f, "ring region pointer {address:#x} is not {align}-byte aligned")
            }
        }
    }
}

impl core::error::Error for GeometryError {}

/// Splits a region into its control block and slots.
///
/// # Safety
/// `base`, if non-null and aligned, points to at least `RING_SLOTS_OFFSET`
/// bytes valid for `'a` (the caller's contract in `Producer::new`).
#[cfg(not(loom))]
unsafe fn split_region<'a>(
    base: *mut u8,
) -> Result<(&'a ControlBlock, core::ptr::NonNull<u8>), GeometryError> {
    let base = core::ptr::NonNull::new(base).ok_or(GeometryError::NullBase)?;
    if !(base.as_ptr() as usize).is_multiple_of(CACHE_LINE_BYTES) {
        return Err(GeometryError::Misaligned {
            address: base.as_ptr() as usize,
            align: CACHE_LINE_BYTES,
        });
    }
    // SAFETY: aligned, inside the region, and every bit pattern (zero in a
    // fresh region) is a valid ControlBlock (four AtomicU32 and padding);
    // all access through it is atomic.
    let ctrl = unsafe { &*base.as_ptr().cast::<ControlBlock>() };
    // SAFETY: RING_SLOTS_OFFSET < region size.
    let slots = unsafe { base.add(RING_SLOTS_OFFSET) };
    Ok((ctrl, slots))
}
