//! Sequential behaviour of both ends against a model, and the layout contract.
#![cfg(not(loom))]

mod common;

use std::collections::VecDeque;

use common::{payload, proptest_config, GuardedRegion};
use proptest::prelude::*;
use shared_ring::*;

fn ends(region: &GuardedRegion) -> (Producer<'_>, Consumer<'_>) {
    // SAFETY: the region lives as long as the ends; one end of each kind.
    unsafe {
        (
            Producer::new(region.base(), region.geometry).unwrap(),
            Consumer::new(region.base(), region.geometry).unwrap(),
        )
    }
}

fn geometry(slot_count: u32, slot_size: u32) -> RingGeometry {
    RingGeometry::new(slot_count, slot_size).unwrap()
}

// ---------------------------------------------------------------- model test

#[derive(Clone, Debug)]
enum Op {
    /// try_send of a message of this many bytes (may exceed max payload).
    Send(usize),
    /// reserve, fill `len` bytes in place, then commit (or drop if !commit).
    Reserve {
        len: usize,
        commit: bool,
    },
    Publish,
    Recv,
    /// recv_into a buffer of this many bytes.
    RecvInto(usize),
    Release,
    PrepareToSleep,
    PrepareToWait,
    FreeSlots,
    Available,
}

fn op(max: usize) -> impl Strategy<Value = Op> {
    let len = prop_oneof![8 => 0..=max, 1 => max + 1..=max + 8];
    prop_oneof![
        6 => len.clone().prop_map(Op::Send),
        2 => (len, any::<bool>()).prop_map(|(len, commit)| Op::Reserve { len, commit }),
        3 => Just(Op::Publish),
        6 => Just(Op::Recv),
        1 => (0..=max + 1).prop_map(Op::RecvInto),
        3 => Just(Op::Release),
        2 => Just(Op::PrepareToSleep),
        2 => Just(Op::PrepareToWait),
        1 => Just(Op::FreeSlots),
        1 => Just(Op::Available),
    ]
}

/// What the two ends should be doing, in plain collections.
struct Model {
    slot_count: usize,
    max: usize,
    unpublished: VecDeque<Vec<u8>>,
    published: VecDeque<Vec<u8>>,
    unreleased: usize,
    consumer_sleeping: bool,
    producer_waiting: bool,
    seq: u64,
}

impl Model {
    fn in_use(&self) -> usize {
        self.unpublished.len() + self.published.len() + self.unreleased
    }

    fn next_payload(&mut self, len: usize) -> Vec<u8> {
        self.seq += 1;
        payload(self.seq, len)
    }

    /// Expected result of publish, applied to the model.
    fn publish(&mut self) -> Notify {
        if self.unpublished.is_empty() {
            return Notify::None;
        }
        self.published.extend(self.unpublished.drain(..));
        Notify::from(std::mem::take(&mut self.consumer_sleeping))
    }

    fn release(&mut self) -> Notify {
        if self.unreleased == 0 {
            return Notify::None;
        }
        self.unreleased = 0;
        Notify::from(std::mem::take(&mut self.producer_waiting))
    }
}

fn run_model(
    slot_count: u32,
    slot_size: u32,
    start: u32,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let region = GuardedRegion::new(geometry(slot_count, slot_size));
    // Start both indices near the wrap point so wrapping is exercised.
    region.write_u32(TAIL_OFFSET, start);
    region.write_u32(HEAD_OFFSET, start);
    let (mut tx, mut rx) = ends(&region);
    let max = region.geometry.max_payload() as usize;
    let mut m = Model {
        slot_count: slot_count as usize,
        max,
        unpublished: VecDeque::new(),
        published: VecDeque::new(),
        unreleased: 0,
        consumer_sleeping: false,
        producer_waiting: false,
        seq: 0,
    };
    for op in ops {
        match op {
            Op::Send(len) => {
                let msg = m.next_payload(len);
                let got = tx.try_send(&msg);
                if len > m.max {
                    prop_assert_eq!(got, Err(SendError::TooLarge { len, max: m.max as u32 }));
                } else if m.in_use() == m.slot_count {
                    prop_assert_eq!(got, Err(SendError::Full));
                } else {
                    prop_assert_eq!(got, Ok(()));
                    m.unpublished.push_back(msg);
                }
            }
            Op::Reserve { len, commit } => {
                let msg = m.next_payload(len);
                match tx.reserve() {
                    Err(e) => {
                        prop_assert_eq!(e, SendError::Full);
                        prop_assert_eq!(m.in_use(), m.slot_count);
                    }
                    Ok(mut w) => {
                        prop_assert!(m.in_use() < m.slot_count);
                        prop_assert_eq!(w.capacity(), m.max);
                        prop_assert_eq!(w.as_mut_ptr() as usize % 8, 0);
                        let n = len.min(m.max);
                        w.payload_mut()[..n].copy_from_slice(&msg[..n]);
                        if commit {
                            let got = w.commit(len);
                            if len > m.max {
                                prop_assert_eq!(
                                    got,
                                    Err(SendError::TooLarge { len, max: m.max as u32 })
                                );
                            } else {
                                prop_assert_eq!(got, Ok(()));
                                m.unpublished.push_back(msg);
                            }
                        }
                    }
                }
            }
            Op::Publish => prop_assert_eq!(tx.publish(), m.publish()),
            Op::Recv => {
                let got = rx.try_recv().map(|o| o.map(<[u8]>::to_vec));
                let want = m.published.pop_front();
                if want.is_some() {
                    m.unreleased += 1;
                }
                prop_assert_eq!(got, Ok(want));
            }
            Op::RecvInto(n) => {
                let mut buf = vec![0xEE; n];
                let got = rx.recv_into(&mut buf);
                match m.published.front() {
                    None => prop_assert_eq!(got, Ok(None)),
                    Some(want) if want.len() > n => {
                        prop_assert_eq!(
                            got,
                            Err(RecvIntoError::BufferTooSmall { len: want.len() })
                        );
                    }
                    Some(_) => {
                        let want = m.published.pop_front().unwrap();
                        m.unreleased += 1;
                        prop_assert_eq!(got, Ok(Some(want.len())));
                        prop_assert_eq!(&buf[..want.len()], &want[..]);
                    }
                }
            }
            Op::Release => prop_assert_eq!(rx.release(), m.release()),
            Op::PrepareToSleep => {
                let notify = m.release();
                let decision = if m.published.is_empty() {
                    m.consumer_sleeping = true;
                    SleepDecision::Sleep
                } else {
                    m.consumer_sleeping = false;
                    SleepDecision::Ready
                };
                prop_assert_eq!(rx.prepare_to_sleep(), Ok(WaitPlan { notify, decision }));
            }
            Op::PrepareToWait => {
                let notify = m.publish();
                let decision = if m.in_use() == m.slot_count {
                    m.producer_waiting = true;
                    SleepDecision::Sleep
                } else {
                    m.producer_waiting = false;
                    SleepDecision::Ready
                };
                prop_assert_eq!(tx.prepare_to_wait(), Ok(WaitPlan { notify, decision }));
            }
            Op::FreeSlots => {
                prop_assert_eq!(tx.free_slots(), Ok((m.slot_count - m.in_use()) as u32))
            }
            Op::Available => prop_assert_eq!(rx.available(), Ok(m.published.len() as u32)),
        }
        // The flags in shared memory are exactly the model's.
        prop_assert_eq!(region.read_u32(CONSUMER_SLEEPING_OFFSET) != 0, m.consumer_sleeping);
        prop_assert_eq!(region.read_u32(PRODUCER_WAITING_OFFSET) != 0, m.producer_waiting);
        prop_assert_eq!(tx.unpublished() as usize, m.unpublished.len());
        prop_assert_eq!(rx.unreleased() as usize, m.unreleased);
    }
    // Drain: everything published comes out, in order.
    let _ = m.publish();
    let _ = tx.publish();
    while let Some(want) = m.published.pop_front() {
        prop_assert_eq!(rx.try_recv().map(|o| o.map(<[u8]>::to_vec)), Ok(Some(want)));
    }
    prop_assert_eq!(rx.try_recv(), Ok(None));
    prop_assert!(region.canaries_intact());
    Ok(())
}

proptest! {
    #![proptest_config(proptest_config(512))]

    /// Random interleavings of both ends' operations, batch sizes and message
    /// lengths agree with a VecDeque model: nothing lost, duplicated or
    /// reordered; Full exactly when slot_count messages are in use; empty
    /// exactly when nothing is published and unread; Notify::Peer exactly when
    /// the peer had declared sleeping/waiting, once per declaration.
    #[test]
    fn ring_behaves_like_a_fifo_model_with_exact_notifications(
        slot_count in prop_oneof![Just(1u32), Just(2), Just(4), Just(8), Just(16)],
        slot_size in prop_oneof![Just(16u32), Just(24), Just(64)],
        start in prop_oneof![Just(0u32), Just(u32::MAX - 7), any::<u32>()],
        ops in prop::collection::vec(op(56), 0..common::MAX_OPS),
    ) {
        run_model(slot_count, slot_size, start, ops)?;
    }
}

// ------------------------------------------------------------- unit behaviour

#[test]
fn batch_of_sends_then_one_publish_notifies_a_sleeping_consumer_once() {
    let region = GuardedRegion::new(geometry(8, 64));
    let (mut tx, mut rx) = ends(&region);
    assert_eq!(rx.prepare_to_sleep().unwrap().decision, SleepDecision::Sleep);
    for i in 0..5u8 {
        tx.try_send(&[i; 3]).unwrap();
    }
    assert_eq!(tx.publish(), Notify::Peer);
    tx.try_send(b"more").unwrap();
    // The consumer has not declared sleep again: no second notification.
    assert_eq!(tx.publish(), Notify::None);
    for i in 0..5u8 {
        assert_eq!(rx.try_recv().unwrap(), Some(&[i; 3][..]));
    }
    assert_eq!(rx.try_recv().unwrap(), Some(&b"more"[..]));
    assert_eq!(rx.try_recv().unwrap(), None);
}

#[test]
fn awake_consumer_is_never_notified() {
    let region = GuardedRegion::new(geometry(4, 16));
    let (mut tx, mut rx) = ends(&region);
    for _ in 0..100 {
        assert_eq!(tx.send(b"x").unwrap(), Notify::None);
        assert_eq!(rx.try_recv().unwrap(), Some(&b"x"[..]));
        assert_eq!(rx.release(), Notify::None);
    }
}

#[test]
fn consumer_that_finds_data_while_preparing_to_sleep_withdraws_its_flag() {
    let region = GuardedRegion::new(geometry(4, 16));
    let (mut tx, mut rx) = ends(&region);
    tx.try_send(b"a").unwrap();
    let _ = tx.publish();
    let plan = rx.prepare_to_sleep().unwrap();
    assert_eq!(plan, WaitPlan { notify: Notify::None, decision: SleepDecision::Ready });
    assert_eq!(region.read_u32(CONSUMER_SLEEPING_OFFSET), 0);
    tx.try_send(b"b").unwrap();
    assert_eq!(tx.publish(), Notify::None);
}

#[test]
fn full_producer_waits_and_is_notified_by_the_release_that_frees_space() {
    let region = GuardedRegion::new(geometry(2, 16));
    let (mut tx, mut rx) = ends(&region);
    tx.try_send(b"1").unwrap();
    tx.try_send(b"2").unwrap();
    assert_eq!(tx.try_send(b"3"), Err(SendError::Full));
    assert_eq!(tx.free_slots(), Ok(0));
    // prepare_to_wait publishes the batch first; the consumer is awake.
    let plan = tx.prepare_to_wait().unwrap();
    assert_eq!(plan, WaitPlan { notify: Notify::None, decision: SleepDecision::Sleep });
    assert_eq!(rx.try_recv().unwrap(), Some(&b"1"[..]));
    assert_eq!(rx.release(), Notify::Peer);
    // Flag cleared by the notification: the next release is silent.
    assert_eq!(rx.try_recv().unwrap(), Some(&b"2"[..]));
    assert_eq!(rx.release(), Notify::None);
    assert_eq!(tx.free_slots(), Ok(2));
    tx.try_send(b"3").unwrap();
}

#[test]
fn prepare_to_sleep_releases_first_and_owes_the_waiting_producer_a_notification() {
    let region = GuardedRegion::new(geometry(1, 16));
    let (mut tx, mut rx) = ends(&region);
    tx.try_send(b"only").unwrap();
    assert_eq!(tx.prepare_to_wait().unwrap().decision, SleepDecision::Sleep);
    assert_eq!(rx.try_recv().unwrap(), Some(&b"only"[..]));
    let plan = rx.prepare_to_sleep().unwrap();
    assert_eq!(plan, WaitPlan { notify: Notify::Peer, decision: SleepDecision::Sleep });
}

#[test]
fn oversized_message_is_rejected_without_using_a_slot() {
    let region = GuardedRegion::new(geometry(2, 16));
    let (mut tx, _rx) = ends(&region);
    assert_eq!(tx.try_send(&[0; 9]), Err(SendError::TooLarge { len: 9, max: 8 }));
    assert_eq!(tx.free_slots(), Ok(2));
    tx.try_send(&[0; 8]).unwrap();
}

#[test]
fn dropped_slot_writer_writes_no_message() {
    let region = GuardedRegion::new(geometry(2, 16));
    let (mut tx, mut rx) = ends(&region);
    {
        // Filled, never committed.
        let mut w = tx.reserve().unwrap();
        w.payload_mut().fill(7);
    }
    let mut w = tx.reserve().unwrap();
    w.payload_mut()[..2].copy_from_slice(b"ok");
    w.commit(2).unwrap();
    assert_eq!(tx.unpublished(), 1);
    let _ = tx.publish();
    assert_eq!(rx.try_recv().unwrap(), Some(&b"ok"[..]));
    assert_eq!(rx.try_recv().unwrap(), None);
}

#[test]
fn indices_wrap_around_u32_without_losing_messages() {
    let region = GuardedRegion::new(geometry(4, 16));
    region.write_u32(TAIL_OFFSET, u32::MAX - 2);
    region.write_u32(HEAD_OFFSET, u32::MAX - 2);
    let (mut tx, mut rx) = ends(&region);
    for i in 0..20u8 {
        tx.try_send(&[i]).unwrap();
        let _ = tx.publish();
        assert_eq!(rx.try_recv().unwrap(), Some(&[i][..]));
        let _ = rx.release();
    }
    assert_eq!(region.read_u32(TAIL_OFFSET), 17);
    assert_eq!(region.read_u32(HEAD_OFFSET), 17);
}

#[test]
fn shared_memory_layout_matches_the_documented_offsets() {
    let g = geometry(4, 32);
    let region = GuardedRegion::new(g);
    let (mut tx, mut rx) = ends(&region);
    tx.try_send(b"abc").unwrap();
    tx.try_send(b"defgh").unwrap();
    let _ = tx.publish();
    assert_eq!(region.read_u32(TAIL_OFFSET), 2);
    assert_eq!(region.read_u32(RING_SLOTS_OFFSET), 3);
    assert_eq!(region.bytes(RING_SLOTS_OFFSET + SLOT_HEADER_BYTES, 3), b"abc");
    assert_eq!(g.slot_offset(1), RING_SLOTS_OFFSET + 32);
    assert_eq!(region.read_u32(g.slot_offset(1)), 5);
    assert_eq!(region.bytes(g.slot_offset(1) + SLOT_HEADER_BYTES, 5), b"defgh");
    assert_eq!(g.slot_offset(5), g.slot_offset(1));
    let _ = rx.try_recv().unwrap();
    let _ = rx.release();
    assert_eq!(region.read_u32(HEAD_OFFSET), 1);
    assert_eq!(rx.prepare_to_sleep().unwrap().decision, SleepDecision::Ready);
    let _ = rx.try_recv().unwrap();
    assert_eq!(rx.prepare_to_sleep().unwrap().decision, SleepDecision::Sleep);
    assert_eq!(region.read_u32(CONSUMER_SLEEPING_OFFSET), 1);
}

#[test]
fn layout_constants_agree_with_the_system_manifest() {
    use system_manifest::layout;
    assert_eq!(RING_SLOTS_OFFSET as u64, layout::RING_SLOTS_OFFSET);
    assert_eq!(PAGE_SIZE as u64, layout::PAGE_SIZE);
    for (count, size) in [(1, 16), (2, 2048), (64, 64), (256, 2048), (512, 4096), (1 << 20, 24)] {
        let g = geometry(count, size);
        assert_eq!(g.region_bytes() as u64, layout::ring_region_bytes(count as u64, size as u64));
    }
}

#[test]
fn geometry_rejects_non_power_of_two_counts_and_bad_slot_sizes() {
    assert_eq!(
        RingGeometry::new(3, 64),
        Err(GeometryError::SlotCountNotPowerOfTwo { slot_count: 3 })
    );
    assert_eq!(
        RingGeometry::new(0, 64),
        Err(GeometryError::SlotCountNotPowerOfTwo { slot_count: 0 })
    );
    assert!(RingGeometry::new(1 << 31, 16).is_ok() == (usize::BITS == 64));
    assert_eq!(RingGeometry::new(4, 8), Err(GeometryError::BadSlotSize { slot_size: 8 }));
    assert_eq!(RingGeometry::new(4, 20), Err(GeometryError::BadSlotSize { slot_size: 20 }));
    let g = geometry(4, 24);
    assert_eq!(g.max_payload(), 16);
    assert_eq!(g.region_bytes(), 8192);
}

#[test]
fn ends_reject_null_and_misaligned_regions() {
    let region = GuardedRegion::new(geometry(2, 16));
    let g = region.geometry;
    // SAFETY: the constructors fail before using the pointers.
    unsafe {
        assert_eq!(Producer::new(core::ptr::null_mut(), g).unwrap_err(), GeometryError::NullBase);
        let off = region.base().add(8);
        assert!(matches!(Consumer::new(off, g), Err(GeometryError::Misaligned { align: 64, .. })));
    }
}
