//! Each end facing a hostile peer that writes arbitrary values anywhere in
//! the shared region: it never reads or writes outside the ring (guard
//! canaries, Miri), never writes where the protocol does not let it, and
//! reports impossible values as `RingError`.
#![cfg(not(loom))]

mod common;

use common::{payload, proptest_config, GuardedRegion};
use proptest::prelude::*;
use shared_ring::*;

fn geometry(slot_count: u32, slot_size: u32) -> RingGeometry {
    RingGeometry::new(slot_count, slot_size).unwrap()
}

/// A value the hostile peer writes into an index: anything, or close to what
/// a correct peer would write (where the validation boundaries are).
#[derive(Clone, Debug)]
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

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![any::<u32>().prop_map(Value::Any), any::<i8>().prop_map(|d| Value::Near(d % 20))]
}

/// Where the hostile peer writes.
#[derive(Clone, Debug)]
enum Scribble {
    /// The index the victim reads (tail for a consumer, head for a producer).
    PeerIndex(Value),
    /// The victim's own index word (it must ignore it).
    OwnIndex(u32),
    /// Either flag.
    Flag { producer_waiting: bool, value: u32 },
    /// A slot's length word: small lengths or anything.
    Len { slot: u32, len: Value },
    /// Any aligned word of the region.
    Word { word: usize, value: u32 },
}

fn scribble() -> impl Strategy<Value = Scribble> {
    prop_oneof![
        4 => value().prop_map(Scribble::PeerIndex),
        1 => any::<u32>().prop_map(Scribble::OwnIndex),
        1 => (any::<bool>(), any::<u32>())
            .prop_map(|(producer_waiting, value)| Scribble::Flag { producer_waiting, value }),
        3 => (any::<u32>(), value()).prop_map(|(slot, len)| Scribble::Len { slot, len }),
        1 => (any::<usize>(), any::<u32>()).prop_map(|(word, value)| Scribble::Word { word, value }),
    ]
}

fn apply(
    region: &GuardedRegion,
    s: &Scribble,
    peer_index_offset: usize,
    own_index_offset: usize,
    around: u32,
) {
    let g = region.geometry;
    match s {
        Scribble::PeerIndex(v) => region.write_u32(peer_index_offset, v.resolve(around)),
        Scribble::OwnIndex(v) => region.write_u32(own_index_offset, *v),
        Scribble::Flag { producer_waiting, value } => region.write_u32(
            if *producer_waiting { PRODUCER_WAITING_OFFSET } else { CONSUMER_SLEEPING_OFFSET },
            *value,
        ),
        Scribble::Len { slot, len } => {
            region.write_u32(g.slot_offset(*slot), len.resolve(g.max_payload()))
        }
        Scribble::Word { word, value } => {
            region.write_u32(word % (region.region_len() / 4) * 4, *value)
        }
    }
}

/// Byte ranges of the control words an end may write.
fn control_words(offsets: &[usize]) -> Vec<std::ops::Range<usize>> {
    offsets.iter().map(|&o| o..o + 4).collect()
}

/// Offsets where `before` and `after` differ must all be in `allowed`.
fn changed_only_within(
    before: &[u8],
    after: &[u8],
    allowed: &[std::ops::Range<usize>],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(before.len(), after.len());
    for (c, (a, b)) in before.chunks(64).zip(after.chunks(64)).enumerate() {
        if a == b {
            continue;
        }
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            let i = c * 64 + j;
            if x != y {
                prop_assert!(
                    allowed.iter().any(|r| r.contains(&i)),
                    "byte {} changed outside what this end may write",
                    i
                );
            }
        }
    }
    Ok(())
}

#[derive(Clone, Debug)]
enum ConsumerOp {
    Hostile(Scribble),
    Recv,
    Release,
    PrepareToSleep,
    Available,
}

fn consumer_op() -> impl Strategy<Value = ConsumerOp> {
    prop_oneof![
        4 => scribble().prop_map(ConsumerOp::Hostile),
        4 => Just(ConsumerOp::Recv),
        1 => Just(ConsumerOp::Release),
        1 => Just(ConsumerOp::PrepareToSleep),
        2 => Just(ConsumerOp::Available),
    ]
}

fn run_consumer(
    slot_count: u32,
    slot_size: u32,
    ops: Vec<ConsumerOp>,
) -> Result<(), TestCaseError> {
    let region = GuardedRegion::new(geometry(slot_count, slot_size));
    let g = region.geometry;
    // SAFETY: the region outlives the end.
    let mut rx = unsafe { Consumer::new(region.base(), g) }.unwrap();
    let slots = region.slots_range();
    // What the test knows of the consumer's private state.
    let (mut read, mut head) = (0u32, 0u32);
    let mut errors = 0;
    for op in ops {
        let before = region.snapshot();
        let tail = region.read_u32(TAIL_OFFSET);
        let tail_valid = tail.wrapping_sub(read) <= tail.wrapping_sub(head)
            && tail.wrapping_sub(head) <= slot_count;
        // A consumer writes only its head and the two flags (it clears the
        // producer's flag when it notifies, and its own when it withdraws).
        let mut allowed =
            control_words(&[HEAD_OFFSET, CONSUMER_SLEEPING_OFFSET, PRODUCER_WAITING_OFFSET]);
        match &op {
            ConsumerOp::Hostile(s) => {
                apply(&region, s, TAIL_OFFSET, HEAD_OFFSET, read);
                allowed.push(0..region.region_len());
            }
            ConsumerOp::Recv => {
                let len_word = region.read_u32(g.slot_offset(read));
                match rx.try_recv() {
                    Ok(Some(msg)) => {
                        let (start, end) =
                            (msg.as_ptr() as usize, msg.as_ptr() as usize + msg.len());
                        prop_assert!(
                            slots.start <= start && end <= slots.end,
                            "slice outside the slots"
                        );
                        prop_assert_eq!(
                            start,
                            region.base() as usize + g.slot_offset(read) + SLOT_HEADER_BYTES
                        );
                        prop_assert!(msg.len() <= g.max_payload() as usize);
                        prop_assert_eq!(msg.len() as u32, len_word);
                        // Touch every byte (Miri checks the accesses).
                        let _sum: u32 = msg.iter().map(|&b| b as u32).sum();
                        read = read.wrapping_add(1);
                    }
                    Ok(None) => {}
                    Err(RingError::BadLength { index, len, max }) => {
                        prop_assert_eq!(index, read);
                        prop_assert_eq!(len, len_word);
                        prop_assert!(len > max);
                        errors += 1;
                    }
                    Err(RingError::Corrupt { index, value, .. }) => {
                        prop_assert_eq!(index, PeerIndex::Tail);
                        prop_assert_eq!(value, tail);
                        prop_assert!(!tail_valid);
                        errors += 1;
                    }
                }
            }
            ConsumerOp::Release => {
                let _ = rx.release();
                // Stored only if something was read since the last release.
                if read != head {
                    head = read;
                    prop_assert_eq!(region.read_u32(HEAD_OFFSET), head);
                }
            }
            ConsumerOp::PrepareToSleep => {
                let got = rx.prepare_to_sleep();
                if read != head {
                    head = read;
                    prop_assert_eq!(region.read_u32(HEAD_OFFSET), head);
                }
                if let Err(e) = got {
                    prop_assert!(
                        matches!(e, RingError::Corrupt { index: PeerIndex::Tail, .. }),
                        "{:?}",
                        e
                    );
                    prop_assert!(!tail_valid);
                    errors += 1;
                }
            }
            ConsumerOp::Available => {
                // Always reads tail: the verdict must be exactly right.
                let got = rx.available();
                if tail_valid {
                    prop_assert_eq!(got, Ok(tail.wrapping_sub(read)));
                } else {
                    prop_assert_eq!(
                        got,
                        Err(RingError::Corrupt {
                            index: PeerIndex::Tail,
                            value: tail,
                            min: read,
                            max: head.wrapping_add(slot_count),
                        })
                    );
                    errors += 1;
                }
            }
        }
        changed_only_within(&before, &region.snapshot(), &allowed)?;
        prop_assert_eq!(rx.unreleased(), read.wrapping_sub(head));
        prop_assert!(region.canaries_intact());
    }
    let _ = errors;
    Ok(())
}

#[derive(Clone, Debug)]
enum ProducerOp {
    Hostile(Scribble),
    Send(usize),
    ReserveCommit(usize),
    Publish,
    FreeSlots,
    PrepareToWait,
}

fn producer_op(max: usize) -> impl Strategy<Value = ProducerOp> {
    prop_oneof![
        4 => scribble().prop_map(ProducerOp::Hostile),
        4 => (0..=max).prop_map(ProducerOp::Send),
        1 => (0..=max).prop_map(ProducerOp::ReserveCommit),
        2 => Just(ProducerOp::Publish),
        2 => Just(ProducerOp::FreeSlots),
        1 => Just(ProducerOp::PrepareToWait),
    ]
}

fn run_producer(
    slot_count: u32,
    slot_size: u32,
    ops: Vec<ProducerOp>,
) -> Result<(), TestCaseError> {
    let region = GuardedRegion::new(geometry(slot_count, slot_size));
    let g = region.geometry;
    // SAFETY: the region outlives the end.
    let mut tx = unsafe { Producer::new(region.base(), g) }.unwrap();
    let (mut written, mut tail) = (0u32, 0u32);
    let mut seq = 0u64;
    for op in ops {
        let before = region.snapshot();
        let head = region.read_u32(HEAD_OFFSET);
        let head_valid = tail.wrapping_sub(head) <= written.wrapping_sub(head)
            && written.wrapping_sub(head) <= slot_count;
        // A producer writes only its tail, the two flags, and the payload
        // and length of the slot it is filling.
        let mut allowed =
            control_words(&[TAIL_OFFSET, PRODUCER_WAITING_OFFSET, CONSUMER_SLEEPING_OFFSET]);
        let slot = g.slot_offset(written);
        let this_slot = slot..slot + g.slot_size() as usize;
        match &op {
            ProducerOp::Hostile(s) => {
                apply(&region, s, HEAD_OFFSET, TAIL_OFFSET, written);
                allowed.push(0..region.region_len());
            }
            ProducerOp::Send(len) | ProducerOp::ReserveCommit(len) => {
                let len = &(*len % (g.max_payload() as usize + 1));
                seq += 1;
                let msg = payload(seq, *len);
                allowed.push(this_slot);
                let got = match op {
                    ProducerOp::Send(_) => tx.try_send(&msg),
                    _ => tx.reserve().and_then(|mut w| {
                        let p = w.as_mut_ptr() as usize;
                        assert!(
                            p >= region.slots_range().start
                                && p + w.capacity() <= region.slots_range().end
                        );
                        w.payload_mut()[..*len].copy_from_slice(&msg);
                        w.commit(*len)
                    }),
                };
                match got {
                    Ok(()) => {
                        prop_assert_eq!(region.read_u32(slot), *len as u32);
                        prop_assert_eq!(region.bytes(slot + SLOT_HEADER_BYTES, *len), msg);
                        written = written.wrapping_add(1);
                    }
                    Err(SendError::Full) => {}
                    Err(SendError::Ring(RingError::Corrupt { index, value, .. })) => {
                        prop_assert_eq!(index, PeerIndex::Head);
                        prop_assert_eq!(value, head);
                        prop_assert!(!head_valid);
                    }
                    Err(e) => prop_assert!(false, "unexpected {:?}", e),
                }
            }
            ProducerOp::Publish => {
                let _ = tx.publish();
                if written != tail {
                    tail = written;
                    prop_assert_eq!(region.read_u32(TAIL_OFFSET), tail);
                }
            }
            ProducerOp::FreeSlots => {
                let got = tx.free_slots();
                if head_valid {
                    prop_assert_eq!(got, Ok(slot_count - written.wrapping_sub(head)));
                } else {
                    prop_assert_eq!(
                        got,
                        Err(RingError::Corrupt {
                            index: PeerIndex::Head,
                            value: head,
                            min: written.wrapping_sub(slot_count),
                            max: tail,
                        })
                    );
                }
            }
            ProducerOp::PrepareToWait => {
                // Publishes first, then may read head (validated against the
                // new tail).
                tail = written;
                let head_valid = written.wrapping_sub(head) <= slot_count;
                if let Err(e) = tx.prepare_to_wait() {
                    prop_assert!(
                        matches!(e, RingError::Corrupt { index: PeerIndex::Head, .. }),
                        "{:?}",
                        e
                    );
                    prop_assert!(!head_valid);
                }
            }
        }
        changed_only_within(&before, &region.snapshot(), &allowed)?;
        prop_assert_eq!(tx.unpublished(), written.wrapping_sub(tail));
        prop_assert!(region.canaries_intact());
    }
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(512))]

    /// A consumer facing a producer that writes random tails, slot lengths
    /// and words only ever lends slices inside the slots area, only writes
    /// its own words, keeps the guard canaries intact, and reports every
    /// impossible tail or length as RingError.
    #[test]
    fn consumer_facing_hostile_producer_stays_in_bounds_and_reports_ring_error(
        slot_count in prop_oneof![Just(1u32), Just(2), Just(4), Just(8)],
        slot_size in prop_oneof![Just(16u32), Just(40), Just(64)],
        ops in prop::collection::vec(consumer_op(), 0..common::MAX_OPS / 2),
    ) {
        run_consumer(slot_count, slot_size, ops)?;
    }

    /// A producer facing a consumer that writes random heads and words only
    /// writes its own words and the slot it fills, keeps the guard canaries
    /// intact, and reports every impossible head as RingError.
    #[test]
    fn producer_facing_hostile_consumer_stays_in_bounds_and_reports_ring_error(
        slot_count in prop_oneof![Just(1u32), Just(2), Just(4), Just(8)],
        slot_size in prop_oneof![Just(16u32), Just(40), Just(64)],
        ops in prop::collection::vec(producer_op(24), 0..common::MAX_OPS / 2),
    ) {
        run_producer(slot_count, slot_size, ops)?;
    }
}

#[test]
fn tail_beyond_slot_count_is_reported_as_corrupt() {
    let region = GuardedRegion::new(geometry(4, 16));
    // SAFETY: the region outlives the end.
    let mut rx = unsafe { Consumer::new(region.base(), region.geometry) }.unwrap();
    region.write_u32(TAIL_OFFSET, 5);
    assert_eq!(
        rx.try_recv(),
        Err(RingError::Corrupt { index: PeerIndex::Tail, value: 5, min: 0, max: 4 })
    );
    region.write_u32(TAIL_OFFSET, u32::MAX); // "behind" the consumer
    assert!(matches!(rx.try_recv(), Err(RingError::Corrupt { .. })));
    region.write_u32(TAIL_OFFSET, 4);
    assert!(rx.try_recv().is_ok());
}

#[test]
fn slot_length_beyond_max_payload_is_reported_and_not_consumed() {
    let region = GuardedRegion::new(geometry(4, 16));
    // SAFETY: the region outlives the end.
    let mut rx = unsafe { Consumer::new(region.base(), region.geometry) }.unwrap();
    region.write_u32(TAIL_OFFSET, 1);
    region.write_u32(RING_SLOTS_OFFSET, 9);
    let err = RingError::BadLength { index: 0, len: 9, max: 8 };
    assert_eq!(rx.try_recv(), Err(err));
    assert_eq!(rx.try_recv(), Err(err));
    region.write_u32(RING_SLOTS_OFFSET, u32::MAX);
    assert!(matches!(rx.try_recv(), Err(RingError::BadLength { len: u32::MAX, .. })));
    region.write_u32(RING_SLOTS_OFFSET, 8);
    assert_eq!(rx.try_recv().unwrap().map(<[u8]>::len), Some(8));
}

#[test]
fn head_ahead_of_published_tail_is_reported_as_corrupt() {
    let region = GuardedRegion::new(geometry(4, 16));
    // SAFETY: the region outlives the end.
    let mut tx = unsafe { Producer::new(region.base(), region.geometry) }.unwrap();
    tx.try_send(b"a").unwrap();
    tx.try_send(b"b").unwrap();
    // The consumer claims to have consumed an unpublished message.
    region.write_u32(HEAD_OFFSET, 1);
    assert_eq!(
        tx.free_slots(),
        Err(RingError::Corrupt {
            index: PeerIndex::Head,
            value: 1,
            min: 2u32.wrapping_sub(4),
            max: 0
        })
    );
    let _ = tx.publish();
    assert_eq!(tx.free_slots(), Ok(3));
    region.write_u32(HEAD_OFFSET, 0x8000_0000);
    assert!(matches!(tx.free_slots(), Err(RingError::Corrupt { .. })));
}
