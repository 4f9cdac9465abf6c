//! The sleep/notify protocol under the loom model checker.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p shared-ring --release --test loom`.
//!
//! Loom runs the two ends' threads under every scheduling it can tell apart
//! and lets atomic loads return every value the C11 memory model allows, so
//! a missing fence or a too-weak ordering in the handshake shows up as a
//! failure. The notification is `loom::sync::Notify`: a binary semaphore that
//! remembers one signal, with Acquire/Release synchronisation and spurious
//! wake-ups, like an seL4 notification seen by a careful caller. If an end
//! waits while nothing will ever signal it (a lost wake-up), loom reports a
//! deadlock and the test fails.
//!
//! Slot payloads are raw memory that loom does not track; the test still
//! checks every message's contents and order, and the real-thread stress
//! tests and Miri cover the payload accesses.
#![cfg(loom)]

use std::ptr::NonNull;
use std::sync::Arc;

use loom::sync::Notify as Signal;
use shared_ring::*;

/// A fresh ring for one loom execution, leaked (loom's threads need
/// 'static, and a few hundred bytes per execution are nothing).
fn ring(slot_count: u32) -> (&'static ControlBlock, NonNull<u8>, RingGeometry) {
    let g = RingGeometry::new(slot_count, 16).unwrap();
    let ctrl: &'static ControlBlock = Box::leak(Box::new(ControlBlock::new()));
    let slots = Box::leak(vec![0u64; g.slots_bytes() / 8].into_boxed_slice());
    (ctrl, NonNull::new(slots.as_mut_ptr().cast()).unwrap(), g)
}

fn message(i: u8) -> [u8; 3] {
    [i, i.wrapping_mul(7), 0xA0 | i]
}

/// Default preemption bound: 4 is beyond the 2-3 that loom's documentation
/// says finds bugs in practice, and keeps the whole run around 20 s (5 takes
/// about 70 s). Removing the SeqCst fence from `Producer::publish` makes all
/// three tests fail with a deadlock within 0.1 s.
const PREEMPTIONS: usize = 4;

struct Plan {
    slot_count: u32,
    messages: u8,
    /// Producer publishes after this many sends (and when full, and at the end).
    publish_every: u8,
    /// Consumer releases after this many receives (and before sleeping, and at the end).
    release_every: u32,
}

fn check(plan: Plan) {
    let Plan { slot_count, messages, publish_every, release_every } = plan;
    let mut model = loom::model::Builder::new();
    // Bounded preemption (the usual loom practice): every schedule with up to
    // PREEMPTIONS forced thread switches, plus all weak-memory outcomes.
    // LOOM_MAX_PREEMPTIONS in the environment overrides it.
    if model.preemption_bound.is_none() {
        model.preemption_bound = Some(PREEMPTIONS);
    }
    model.check(move || {
        let (ctrl, slots, g) = ring(slot_count);
        // SAFETY: ring memory is leaked, so it lives for 'static; one end each.
        let mut tx = unsafe { Producer::from_parts(ctrl, slots, g) }.unwrap();
        let mut rx = unsafe { Consumer::from_parts(ctrl, slots, g) }.unwrap();
        let to_consumer = Arc::new(Signal::new());
        let to_producer = Arc::new(Signal::new());

        let producer = {
            let (to_consumer, to_producer) = (to_consumer.clone(), to_producer.clone());
            loom::thread::spawn(move || {
                let mut batch = 0;
                for i in 0..messages {
                    loop {
                        match tx.try_send(&message(i)) {
                            Ok(()) => break,
                            Err(SendError::Full) => {
                                let plan = tx.prepare_to_wait().unwrap();
                                if plan.notify.is_needed() {
                                    to_consumer.notify();
                                }
                                if plan.decision == SleepDecision::Sleep {
                                    to_producer.wait();
                                }
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                    batch += 1;
                    if batch == publish_every {
                        batch = 0;
                        if tx.publish().is_needed() {
                            to_consumer.notify();
                        }
                    }
                }
                if tx.publish().is_needed() {
                    to_consumer.notify();
                }
            })
        };

        let mut next = 0u8;
        while next < messages {
            match rx.try_recv().unwrap() {
                Some(msg) => {
                    assert_eq!(msg, message(next), "message {next} lost, duplicated or reordered");
                    next += 1;
                    if rx.unreleased() == release_every && rx.release().is_needed() {
                        to_producer.notify();
                    }
                }
                None => {
                    let plan = rx.prepare_to_sleep().unwrap();
                    if plan.notify.is_needed() {
                        to_producer.notify();
                    }
                    if plan.decision == SleepDecision::Sleep {
                        // A lost wake-up makes this wait forever: loom
                        // reports the deadlock.
                        to_consumer.wait();
                    }
                }
            }
        }
        if rx.release().is_needed() {
            to_producer.notify();
        }
        producer.join().unwrap();
        assert_eq!(rx.try_recv().unwrap(), None);
    });
}

/// Three messages through two slots, each published alone and released
/// alone: both ends fill, drain and sleep in every order loom can find, and
/// neither ever sleeps through the other's progress.
#[test]
fn no_lost_wake_up_with_per_message_publish_and_release() {
    check(Plan { slot_count: 2, messages: 3, publish_every: 1, release_every: 1 });
}

/// Batches: the producer publishes two at a time, the consumer releases only
/// before it sleeps or after two messages.
#[test]
fn no_lost_wake_up_with_batched_publish_and_release() {
    check(Plan { slot_count: 2, messages: 3, publish_every: 2, release_every: 2 });
}

/// One slot: every message is a full/empty transition on both sides, so
/// both flags are exercised on every message.
#[test]
fn no_lost_wake_up_through_a_single_slot() {
    check(Plan { slot_count: 1, messages: 2, publish_every: 1, release_every: 1 });
}

/// Which end is restarted, and after how many of its notifying steps
/// (`publish` for the producer, `release` for the consumer).
#[derive(Clone, Copy)]
enum Restart {
    Producer { after_publishes: u8 },
    Consumer { after_releases: u8 },
}

/// As [`check`], with one end restarted once: after its chosen step it
/// skips the signal that step asked for (its run died between clearing the
/// peer's flag and signalling, the worst place), is made anew over the same
/// region, signals its peer once (the rule for a restarted end) and goes on
/// from the index it finds. Every message published arrives, in order;
/// neither end waits forever.
fn check_restart(slot_count: u32, messages: u8, restart: Restart) {
    let mut model = loom::model::Builder::new();
    if model.preemption_bound.is_none() {
        model.preemption_bound = Some(2);
    }
    model.check(move || {
        let (ctrl, slots, g) = ring(slot_count);
        // SAFETY: ring memory is leaked, so it lives for 'static; one end
        // each (a restarted end replaces its predecessor, which is dropped).
        let new_tx = move || unsafe { Producer::from_parts(ctrl, slots, g) }.unwrap();
        // SAFETY: as above.
        let new_rx = move || unsafe { Consumer::from_parts(ctrl, slots, g) }.unwrap();
        let (mut tx, mut rx) = (new_tx(), new_rx());
        let to_consumer = Arc::new(Signal::new());
        let to_producer = Arc::new(Signal::new());

        let producer = {
            let (to_consumer, to_producer) = (to_consumer.clone(), to_producer.clone());
            loom::thread::spawn(move || {
                let mut publishes = 0u8;
                let mut restarted = false;
                let mut i = 0u8;
                while i < messages {
                    match tx.try_send(&message(i)) {
                        Ok(()) => i += 1,
                        Err(SendError::Full) => {
                            let plan = tx.prepare_to_wait().unwrap();
                            if plan.notify.is_needed() {
                                to_consumer.notify();
                            }
                            if plan.decision == SleepDecision::Sleep {
                                to_producer.wait();
                            }
                            continue;
                        }
                        Err(e) => panic!("{e}"),
                    }
                    let notify = tx.publish();
                    publishes += 1;
                    match restart {
                        Restart::Producer { after_publishes }
                            if !restarted && publishes == after_publishes =>
                        {
                            restarted = true;
                            tx = new_tx();
                            to_consumer.notify();
                            i = tx.published() as u8;
                        }
                        _ if notify.is_needed() => to_consumer.notify(),
                        _ => {}
                    }
                }
            })
        };

        let mut releases = 0u8;
        let mut restarted = false;
        let mut next = 0u8;
        while next < messages {
            match rx.try_recv().unwrap() {
                Some(msg) => {
                    assert_eq!(msg, message(next), "message {next} lost, duplicated or reordered");
                    next += 1;
                    let notify = rx.release();
                    releases += 1;
                    match restart {
                        Restart::Consumer { after_releases }
                            if !restarted && releases == after_releases =>
                        {
                            restarted = true;
                            rx = new_rx();
                            to_producer.notify();
                            next = rx.released() as u8;
                        }
                        _ if notify.is_needed() => to_producer.notify(),
                        _ => {}
                    }
                }
                None => {
                    let plan = rx.prepare_to_sleep().unwrap();
                    if plan.notify.is_needed() {
                        to_producer.notify();
                    }
                    if plan.decision == SleepDecision::Sleep {
                        to_consumer.wait();
                    }
                }
            }
        }
        producer.join().unwrap();
        assert_eq!(rx.try_recv().unwrap(), None);
    });
}

/// A producer restarted after each of its publishes in turn.
#[test]
fn no_lost_wake_up_when_the_producer_restarts_after_any_publish() {
    for after_publishes in 1..=3 {
        check_restart(1, 3, Restart::Producer { after_publishes });
    }
}

/// A consumer restarted after each of its releases in turn.
#[test]
fn no_lost_wake_up_when_the_consumer_restarts_after_any_release() {
    for after_releases in 1..=3 {
        check_restart(1, 3, Restart::Consumer { after_releases });
    }
}
