//! Receives the ring producer's messages and checks that none is lost,
//! duplicated, reordered or corrupted; exits when all have arrived.
#![no_std]
#![no_main]

use example_components::{ring_sequence, RING_MESSAGES};
use pd_runtime::ring::RingConsumer;
use pd_runtime::{Channel, Handler};

pd_runtime::main!(init);

struct Checker {
    ring: RingConsumer,
    next: u64,
    bad: u64,
    wakeups: u64,
}

fn init() -> Checker {
    let mut checker = Checker { ring: RingConsumer::open("numbers"), next: 0, bad: 0, wakeups: 0 };
    // Take what is already there and tell the producer we sleep.
    checker.drain();
    checker
}

impl Checker {
    fn drain(&mut self) {
        let (next, bad) = (&mut self.next, &mut self.bad);
        let result = self.ring.drain(|message| match ring_sequence(message) {
            Some(sequence) if sequence == *next => *next += 1,
            Some(sequence) => {
                if *bad < 5 {
                    log::error!("expected message {next}, got {sequence}");
                }
                *bad += 1;
                *next = sequence + 1;
            }
            None => *bad += 1,
        });
        if let Err(e) = result {
            log::error!("ring `numbers` broken: {e}");
            pd_runtime::exit(1);
        }
        if self.next == RING_MESSAGES {
            if self.bad == 0 {
                log::info!(
                    "received {RING_MESSAGES} messages in order: none lost, duplicated, reordered or corrupted ({} wake-ups)",
                    self.wakeups
                );
            } else {
                log::error!(
                    "received {RING_MESSAGES} messages with {} out of order or corrupted",
                    self.bad
                );
            }
            pd_runtime::exit(self.bad.min(1));
        }
    }
}

impl Handler for Checker {
    fn notified(&mut self, channel: Channel) {
        if channel == self.ring.channel() {
            self.wakeups += 1;
            self.drain();
        }
    }
}
