//! Signals back on every notification it receives (the other half of the
//! notification round trip).
#![no_std]
#![no_main]

use pd_runtime::{Channel, Handler};

pd_runtime::main!(init);

struct Pong;

fn init() -> Pong {
    Pong
}

impl Handler for Pong {
    fn notified(&mut self, channel: Channel) {
        channel.notify();
    }
}
