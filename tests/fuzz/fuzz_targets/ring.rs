//! The shared-ring consumer against a hostile producer.
//!
//! The input picks a geometry and a starting `head`, then a sequence of
//! operations: consumer calls (`try_recv`, `recv_into`, `release`,
//! `prepare_to_sleep`, `available`) interleaved with the producer's writes,
//! honest (a message published in the next slot) or hostile (any value in
//! `tail`, a flag, a slot's length word, any word or byte of the region).
//!
//! Asserted after every operation, as `shared-ring`'s "A hostile peer"
//! contract promises:
//! - the consumer never panics (a failed debug assertion or an overflow is a
//!   crash too), and writes nothing outside its own words (`head` and the
//!   two flags): the guard pages around the region keep their canary bytes
//!   and the region changes only there;
//! - every message it returns is a slice inside the slot of the message it
//!   reads next, at most `max_payload` long, as long as that slot's length
//!   word says; `recv_into` copies exactly those bytes into a buffer whose
//!   guard bytes stay intact;
//! - it returns no message beyond a `tail` the producer published (one
//!   the consumer could have seen, and valid when seen), and never more than
//!   `slot_count` without a release: bounded work per call;
//! - impossible values are reported, exactly: `Corrupt` only for an invalid
//!   `tail`, `BadLength` only for a length above `max_payload`;
//! - `release` stores `head` and asks to notify exactly when the producer's
//!   flag was set (clearing it); `prepare_to_sleep` sleeps only with its
//!   flag set and nothing unread.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use shared_ring::{
    Consumer, Notify, PeerIndex, RecvIntoError, RingError, RingGeometry, SleepDecision,
    CONSUMER_SLEEPING_OFFSET, HEAD_OFFSET, PAGE_SIZE, PRODUCER_WAITING_OFFSET, RING_SLOTS_OFFSET,
    SLOT_HEADER_BYTES, TAIL_OFFSET,
};

/// Byte pattern of the guard pages and of buffers' guard bytes.
const CANARY: u8 = 0xA5;

#[repr(C, align(4096))]
#[derive(Clone, Copy)]
struct Page([u8; PAGE_SIZE]);

/// The ring region, zeroed, between two guard pages of canary bytes. Every
/// access goes through the one pointer taken at creation.
struct GuardedRegion {
    all: *mut u8,
    pages: usize,
    len: usize,
}

impl GuardedRegion {
    fn new(geometry: RingGeometry) -> GuardedRegion {
        let len = geometry.region_bytes();
        let pages = len / PAGE_SIZE + 2;
        let buf: Box<[Page]> = vec![Page([CANARY; PAGE_SIZE]); pages].into_boxed_slice();
        let all = Box::into_raw(buf).cast::<u8>();
        // SAFETY: the region's pages are inside the allocation, after the
        // front guard page.
        unsafe { all.add(PAGE_SIZE).write_bytes(0, len) };
        GuardedRegion { all, pages, len }
    }

    fn base(&self) -> *mut u8 {
        // SAFETY: inside the allocation.
        unsafe { self.all.add(PAGE_SIZE) }
    }

    /// Everything, guard pages included (no ring end runs meanwhile).
    fn everything(&self) -> &[u8] {
        // SAFETY: the whole allocation; nothing writes it while borrowed.
        unsafe { std::slice::from_raw_parts(self.all, self.pages * PAGE_SIZE) }
    }

    fn region(&self) -> &[u8] {
        &self.everything()[PAGE_SIZE..PAGE_SIZE + self.len]
    }

    fn guards_intact(&self) -> bool {
        let all = self.everything();
        all[..PAGE_SIZE].iter().chain(&all[PAGE_SIZE + self.len..]).all(|&b| b == CANARY)
    }

    fn read_u32(&self, offset: usize) -> u32 {
        u32::from_ne_bytes(self.region()[offset..offset + 4].try_into().unwrap())
    }

    /// The producer's pen: writes `bytes` at `offset` of the region.
    fn write(&self, offset: usize, bytes: &[u8]) {
        assert!(offset + bytes.len() <= self.len);
        // SAFETY: in bounds (checked above); no ring end runs meanwhile.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base().add(offset), bytes.len())
        }
    }

    fn write_u32(&self, offset: usize, value: u32) {
        self.write(offset, &value.to_ne_bytes());
    }
}

impl Drop for GuardedRegion {
    fn drop(&mut self) {
        // SAFETY: `all` came from Box::into_raw of a boxed slice of `pages` pages.
        drop(unsafe {
            Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.all.cast::<Page>(), self.pages))
        });
    }
}

/// A value the producer writes into an index or length: anything, or near
/// the value an honest producer would write (where the checks' boundaries
/// are).
#[derive(Arbitrary, Debug)]
enum Value {
    Any(u32),
    Near(i8),
}

impl Value {
    fn resolve(&self, around: u32) -> u32 {
        match *self {
            Value::Any(v) => v,
            Value::Near(d) => around.wrapping_add(d as i32 as u32),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    // The consumer.
    Recv,
    RecvInto { capacity: u8 },
    Release,
    PrepareToSleep,
    Available,
    // An honest producer: the next message, published.
    Publish { len: u8, fill: u8 },
    // A hostile producer.
    Tail(Value),
    ProducerWaiting(u32),
    ConsumerSleeping(u32),
    Head(u32),
    Len { slot: u8, len: Value },
    Word { word: u16, value: u32 },
    Byte { offset: u16, value: u8 },
}

/// What the test knows of the consumer: its private indices (from what it
/// returned) and the valid `tail`s it could have loaded.
struct Model {
    slot_count: u32,
    read: u32,
    head: u32,
    /// `tail` values that were in shared memory, and valid, when the
    /// consumer could load them, and are still ahead of `read`.
    tails_seen: Vec<u32>,
}

impl Model {
    fn tail_valid(&self, tail: u32) -> bool {
        let in_use = tail.wrapping_sub(self.head);
        in_use <= self.slot_count && tail.wrapping_sub(self.read) <= in_use
    }

    /// Called before each consumer operation with the `tail` it may load.
    fn may_load(&mut self, tail: u32) {
        if self.tail_valid(tail) && !self.tails_seen.contains(&tail) {
            self.tails_seen.push(tail);
        }
    }

    /// The consumer returned message `read`: some tail it could have seen
    /// is past it.
    fn received(&mut self) {
        let at = self.read.wrapping_sub(self.head);
        assert!(
            self.tails_seen.iter().any(|t| t.wrapping_sub(self.head) > at),
            "message {:#x} returned, but no published tail was past it (tails seen {:x?})",
            self.read,
            self.tails_seen
        );
        self.read = self.read.wrapping_add(1);
        assert!(
            self.read.wrapping_sub(self.head) <= self.slot_count,
            "more than slot_count messages returned without a release"
        );
        let (read, head) = (self.read, self.head);
        self.tails_seen.retain(|t| t.wrapping_sub(head) > read.wrapping_sub(head));
    }
}

/// Offsets the consumer may write: its head and the two flags.
fn consumer_may_write(offset: usize) -> bool {
    [HEAD_OFFSET, CONSUMER_SLEEPING_OFFSET, PRODUCER_WAITING_OFFSET]
        .iter()
        .any(|&word| (word..word + 4).contains(&offset))
}

fn run(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    let slot_count = 1u32 << u.int_in_range(0..=4)?;
    let slot_size = 16 + 8 * u.int_in_range(0..=6)?;
    let geometry = RingGeometry::new(slot_count, slot_size).expect("a valid geometry");
    let start: u32 = Value::arbitrary(&mut u)?.resolve(0);
    let region = GuardedRegion::new(geometry);
    // The consumer resumes from the head it finds; the tail starts there.
    region.write_u32(HEAD_OFFSET, start);
    region.write_u32(TAIL_OFFSET, start);
    // SAFETY: the region is `region_bytes()` bytes, page aligned, outlives
    // the consumer, and only this thread (playing the producer between
    // consumer calls) touches it.
    let mut rx = unsafe { Consumer::new(region.base(), geometry) }.expect("a valid region");
    let slots = region.base() as usize + RING_SLOTS_OFFSET;
    let max_payload = geometry.max_payload();
    let mut model = Model { slot_count, read: start, head: start, tails_seen: Vec::new() };

    for _ in 0..u.arbitrary_len::<Op>()?.min(512) {
        let op = Op::arbitrary(&mut u)?;
        let before = region.region().to_vec();
        let tail = region.read_u32(TAIL_OFFSET);
        let len_word = region.read_u32(geometry.slot_offset(model.read));
        let consumer_op = matches!(
            op,
            Op::Recv | Op::RecvInto { .. } | Op::Release | Op::PrepareToSleep | Op::Available
        );
        // prepare_to_sleep releases what was read before it loads the tail.
        let releases_first = matches!(op, Op::PrepareToSleep) && model.read != model.head;
        if releases_first {
            model.head = model.read;
        }
        if consumer_op {
            model.may_load(tail);
        }
        let corrupt = RingError::Corrupt {
            index: PeerIndex::Tail,
            value: tail,
            min: model.read,
            max: model.head.wrapping_add(slot_count),
        };
        match &op {
            Op::Recv => match rx.try_recv() {
                Ok(Some(msg)) => {
                    let start = msg.as_ptr() as usize;
                    let expected = slots + geometry.slot_offset(model.read) - RING_SLOTS_OFFSET
                        + SLOT_HEADER_BYTES;
                    assert_eq!(start, expected, "the message is not in its slot's payload");
                    assert!(msg.len() <= max_payload as usize, "message longer than a slot");
                    assert_eq!(msg.len() as u32, len_word, "length differs from the slot's");
                    model.received();
                }
                // Empty: it read the tail, and it says nothing is unread.
                Ok(None) => assert_eq!(tail, model.read, "empty with messages published"),
                Err(RingError::BadLength { index, len, max }) => {
                    assert_eq!((index, len, max), (model.read, len_word, max_payload));
                    assert!(len > max);
                }
                Err(e) => {
                    assert!(!model.tail_valid(tail), "{e:?} for a valid tail");
                    assert_eq!(e, corrupt);
                }
            },
            Op::RecvInto { capacity } => {
                let capacity = *capacity as usize;
                let mut buf = vec![CANARY; capacity + 16];
                match rx.recv_into(&mut buf[8..8 + capacity]) {
                    Ok(Some(len)) => {
                        assert!(len <= capacity && len as u32 == len_word);
                        let at = geometry.slot_offset(model.read) + SLOT_HEADER_BYTES;
                        assert_eq!(&buf[8..8 + len], &before[at..at + len], "bytes not copied");
                        model.received();
                    }
                    Ok(None) => {}
                    Err(RecvIntoError::BufferTooSmall { len }) => {
                        assert!(len > capacity && len as u32 == len_word);
                    }
                    Err(RecvIntoError::Ring(RingError::BadLength { index, len, .. })) => {
                        assert!(index == model.read && len == len_word && len > max_payload);
                    }
                    Err(RecvIntoError::Ring(e)) => {
                        assert!(!model.tail_valid(tail), "{e:?} for a valid tail");
                        assert_eq!(e, corrupt);
                    }
                }
                assert!(buf[..8].iter().chain(&buf[8 + capacity..]).all(|&b| b == CANARY));
            }
            Op::Release => {
                let waiting = region.read_u32(PRODUCER_WAITING_OFFSET);
                let notify = rx.release();
                if model.read == model.head {
                    assert_eq!(notify, Notify::None);
                } else {
                    model.head = model.read;
                    assert_eq!(region.read_u32(HEAD_OFFSET), model.head);
                    assert_eq!(notify, Notify::from(waiting != 0));
                    assert_eq!(region.read_u32(PRODUCER_WAITING_OFFSET), 0);
                }
            }
            Op::PrepareToSleep => {
                let got = rx.prepare_to_sleep();
                if releases_first {
                    assert_eq!(region.read_u32(HEAD_OFFSET), model.head);
                }
                let sleeping = region.read_u32(CONSUMER_SLEEPING_OFFSET);
                match got {
                    Ok(plan) if plan.decision == SleepDecision::Sleep => {
                        assert_eq!(sleeping, 1, "sleeps without its flag set");
                        assert_eq!(tail, model.read, "sleeps with messages unread");
                    }
                    Ok(_) => {}
                    Err(e) => {
                        assert!(!model.tail_valid(tail), "{e:?} for a valid tail");
                        assert_eq!(sleeping, 0, "left its flag set after an error");
                    }
                }
            }
            Op::Available => match rx.available() {
                Ok(n) => {
                    assert!(model.tail_valid(tail));
                    assert_eq!(n, tail.wrapping_sub(model.read));
                }
                Err(e) => assert_eq!(e, corrupt),
            },
            Op::Publish { len, fill } => {
                let len = *len as u32 % (max_payload + 1);
                let offset = geometry.slot_offset(tail);
                region.write_u32(offset, len);
                region.write(offset + SLOT_HEADER_BYTES, &vec![*fill; len as usize]);
                region.write_u32(TAIL_OFFSET, tail.wrapping_add(1));
            }
            Op::Tail(v) => region.write_u32(TAIL_OFFSET, v.resolve(model.read)),
            Op::ProducerWaiting(v) => region.write_u32(PRODUCER_WAITING_OFFSET, *v),
            Op::ConsumerSleeping(v) => region.write_u32(CONSUMER_SLEEPING_OFFSET, *v),
            Op::Head(v) => region.write_u32(HEAD_OFFSET, *v),
            Op::Len { slot, len } => {
                region.write_u32(geometry.slot_offset(*slot as u32), len.resolve(max_payload))
            }
            Op::Word { word, value } => {
                region.write_u32(*word as usize % (region.len / 4) * 4, *value)
            }
            Op::Byte { offset, value } => region.write(*offset as usize % region.len, &[*value]),
        }
        if consumer_op {
            let after = region.region();
            for (i, (a, b)) in before.iter().zip(after).enumerate() {
                assert!(
                    a == b || consumer_may_write(i),
                    "the consumer wrote byte {i} of the region"
                );
            }
            assert_eq!(rx.unreleased(), model.read.wrapping_sub(model.head));
        }
        assert!(region.guards_intact(), "a write outside the region");
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
