//! Real threads: a producer and a consumer on different cores push a million
//! messages through the ring, blocking per the protocol, with a notification
//! modelled as a binary semaphore. A lost wake-up shows up as a wait that
//! times out (each wait is bounded, so the test fails instead of hanging).
#![cfg(not(loom))]

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use common::GuardedRegion;
use shared_ring::*;

/// Like an seL4 notification: signals before a wait are remembered (once).
#[derive(Default)]
struct Semaphore {
    pending: Mutex<bool>,
    cv: Condvar,
    signals: AtomicU64,
    waits: AtomicU64,
}

impl Semaphore {
    fn signal(&self) {
        self.signals.fetch_add(1, Ordering::Relaxed);
        *self.pending.lock().unwrap() = true;
        self.cv.notify_one();
    }

    fn wait(&self, who: &str) {
        self.waits.fetch_add(1, Ordering::Relaxed);
        let guard = self.pending.lock().unwrap();
        let (mut guard, timeout) = self
            .cv
            .wait_timeout_while(guard, Duration::from_secs(20), |pending| !*pending)
            .unwrap();
        assert!(!timeout.timed_out(), "lost wake-up: {who} waited 20 s for a notification");
        *guard = false;
    }
}

const LIMIT: u64 = if cfg!(miri) { 300 } else { 1_000_000 };

/// Message `seq`: its sequence number, then a seq-dependent tail.
fn fill(buf: &mut [u8], seq: u64, max: usize) -> usize {
    let len = 8 + (seq as usize * 7) % (max - 8 + 1);
    buf[..8].copy_from_slice(&seq.to_le_bytes());
    for (i, b) in buf[8..len].iter_mut().enumerate() {
        *b = (seq as u8) ^ (i as u8);
    }
    len
}

fn check(msg: &[u8], seq: u64, max: usize) {
    let mut want = vec![0; max];
    let len = fill(&mut want, seq, max);
    assert_eq!(msg, &want[..len], "message {seq} wrong (lost, duplicated, reordered or torn)");
}

/// Runs `LIMIT` messages; `spin` is how many empty/full polls an end makes
/// before it prepares to sleep. Returns messages per second.
fn run(messages: u64, slot_count: u32, slot_size: u32, spin: u32, label: &str) -> f64 {
    let limit = messages.min(LIMIT);
    let region = GuardedRegion::new(RingGeometry::new(slot_count, slot_size).unwrap());
    let g = region.geometry;
    let max = g.max_payload() as usize;
    let to_consumer = Semaphore::default();
    let to_producer = Semaphore::default();
    // SAFETY: the region outlives the scoped threads; one end of each kind.
    let (mut tx, mut rx) = unsafe {
        (Producer::new(region.base(), g).unwrap(), Consumer::new(region.base(), g).unwrap())
    };
    let start = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut seq = 0;
            let mut polls = 0;
            let mut batch = 0;
            while seq < limit {
                match tx.reserve() {
                    Ok(mut w) => {
                        let len = fill(w.payload_mut(), seq, max);
                        w.commit(len).unwrap();
                        seq += 1;
                        batch += 1;
                        polls = 0;
                        // Publish in batches of varying size (1..=16).
                        if batch > ((seq * 2_654_435_761) >> 7) % 16 {
                            batch = 0;
                            if tx.publish().is_needed() {
                                to_consumer.signal();
                            }
                        }
                    }
                    Err(SendError::Full) if polls < spin => {
                        polls += 1;
                        std::hint::spin_loop();
                    }
                    Err(SendError::Full) => {
                        polls = 0;
                        let plan = tx.prepare_to_wait().unwrap();
                        if plan.notify.is_needed() {
                            to_consumer.signal();
                        }
                        if plan.decision == SleepDecision::Sleep {
                            to_producer.wait("producer");
                        }
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            if tx.publish().is_needed() {
                to_consumer.signal();
            }
        });
        s.spawn(|| {
            let mut seq = 0;
            let mut polls = 0;
            while seq < limit {
                match rx.try_recv().unwrap() {
                    Some(msg) => {
                        check(msg, seq, max);
                        seq += 1;
                        polls = 0;
                        if rx.unreleased() == 32 && rx.release().is_needed() {
                            to_producer.signal();
                        }
                    }
                    None if polls < spin => {
                        polls += 1;
                        std::hint::spin_loop();
                    }
                    None => {
                        polls = 0;
                        let plan = rx.prepare_to_sleep().unwrap();
                        if plan.notify.is_needed() {
                            to_producer.signal();
                        }
                        if plan.decision == SleepDecision::Sleep {
                            to_consumer.wait("consumer");
                        }
                    }
                }
            }
            if rx.release().is_needed() {
                to_producer.signal();
            }
        });
    });
    let secs = start.elapsed().as_secs_f64();
    let rate = limit as f64 / secs;
    assert!(region.canaries_intact());
    eprintln!(
        "{label}: {limit} messages in {secs:.3} s = {:.2} M msg/s; consumer slept {} times ({} signals), producer waited {} times ({} signals)",
        rate / 1e6,
        to_consumer.waits.load(Ordering::Relaxed),
        to_consumer.signals.load(Ordering::Relaxed),
        to_producer.waits.load(Ordering::Relaxed),
        to_producer.signals.load(Ordering::Relaxed),
    );
    rate
}

#[test]
fn million_messages_arrive_in_order_when_both_ends_sleep_at_once() {
    run(LIMIT, 64, 64, 0, "sleep at once, 64 x 64 B");
}

#[test]
fn million_messages_arrive_in_order_when_both_ends_spin_before_sleeping() {
    run(LIMIT, 256, 128, 2_000, "spin then sleep, 256 x 128 B");
}

#[test]
fn messages_arrive_in_order_through_a_single_slot_ring() {
    // Every message forces a full/empty transition, so nearly every message
    // costs a sleep and a signal on each side: the protocol's worst case
    // (and slow, hence fewer messages).
    run(100_000, 1, 32, 0, "single slot");
}
