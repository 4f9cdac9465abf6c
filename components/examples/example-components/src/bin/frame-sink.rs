//! Takes the packet filter's output from ring `filtered` (a native consumer
//! of a Wasm producer) and counts the frames, logging every thousand.
#![no_std]
#![no_main]

use pd_runtime::ring::RingConsumer;
use pd_runtime::{Channel, Handler};

pd_runtime::main!(init);

struct Sink {
    ring: RingConsumer,
    frames: u64,
    bytes: u64,
}

fn init() -> Sink {
    let mut sink = Sink { ring: RingConsumer::open("filtered"), frames: 0, bytes: 0 };
    sink.drain();
    sink
}

impl Sink {
    fn drain(&mut self) {
        let (frames, bytes) = (&mut self.frames, &mut self.bytes);
        let before = *frames;
        if let Err(e) = self.ring.drain(|frame| {
            *frames += 1;
            *bytes += frame.len() as u64;
        }) {
            log::error!("ring `filtered` broken: {e}");
            pd_runtime::exit(1);
        }
        if before / 1000 != self.frames / 1000 {
            log::info!(
                "received {} filtered frames ({} bytes) from the Wasm packet filter",
                self.frames,
                self.bytes
            );
        }
    }
}

impl Handler for Sink {
    fn notified(&mut self, channel: Channel) {
        if channel == self.ring.channel() {
            self.drain();
        }
    }
}
