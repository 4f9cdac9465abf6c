//! Peer of the Wasm benchmark driver: echoes protected calls and drains
//! the ring `wasm-ring` when signalled. Without that ring (the scale
//! systems) it only waits.
#![no_std]

use sel4_wasm_sdk::{self as sdk, Channel, Handler, Reply, RingConsumer};

sdk::component!(init);

struct Peer {
    ring: Option<RingConsumer>,
    received: u64,
}

fn init() -> Peer {
    let mut peer = Peer { ring: RingConsumer::try_open("wasm-ring").ok(), received: 0 };
    peer.drain();
    peer
}

impl Peer {
    fn drain(&mut self) {
        if let Some(ring) = &mut self.ring {
            let mut received = 0u64;
            if let Err(e) = ring.drain(|_| received += 1) {
                sdk::error!("ring `wasm-ring`: {e}");
            }
            self.received += received;
        }
    }
}

impl Handler for Peer {
    fn notified(&mut self, _channel: Channel) {
        self.drain();
    }

    /// Label 1: how many ring messages arrived; anything else: an echo.
    fn protected(&mut self, _channel: Channel, label: u64, request: &[u8], reply: &mut [u8]) -> Reply {
        if label == 1 {
            Reply::with_u64s(0, &[self.received], reply)
        } else {
            Reply::with_bytes(0, request, reply)
        }
    }
}
