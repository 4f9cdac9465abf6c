//! Sends `RING_MESSAGES` numbered messages over the ring `numbers`, in
//! batches, waiting for space when the ring is full; then exits.
#![no_std]
#![no_main]

use example_components::{ring_message, RING_MESSAGES};
use pd_runtime::ring::RingProducer;
use pd_runtime::Handler;

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

/// Messages written between two publishes.
const BATCH: u64 = 32;

fn init() -> Done {
    let mut ring = RingProducer::open("numbers");
    for sequence in 0..RING_MESSAGES {
        if let Err(e) = ring.send(&ring_message(sequence)) {
            log::error!("ring `numbers` broken at message {sequence}: {e}");
            pd_runtime::exit(1);
        }
        if sequence % BATCH == BATCH - 1 {
            ring.publish();
        }
    }
    ring.publish();
    log::info!("sent {RING_MESSAGES} messages over ring `numbers`");
    pd_runtime::exit(0)
}
