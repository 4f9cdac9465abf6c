//! Peer of the Wasm benchmark driver: echoes protected calls and drains
//! the ring `wasm-ring` when signalled, one message per host call
//! (`ring_recv`) or, once the driver asks for it, a bufferful per host call
//! (`ring_recv_batch`). Without that ring (the scale systems) it only waits.
#![no_std]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Batch, Channel, Handler, Reply, RingConsumer};

sdk::component!(init);

/// Room for 256 records of 16-byte messages: a batch of 256 is received
/// with one host call.
const BATCH_BUFFER_BYTES: usize = 256 * Batch::record_bytes(16);

struct Peer {
    ring: Option<RingConsumer>,
    received: u64,
    batched: bool,
    buffer: [u8; BATCH_BUFFER_BYTES],
}

fn init() -> Peer {
    let mut peer = Peer {
        ring: RingConsumer::try_open("wasm-ring").ok(),
        received: 0,
        batched: false,
        buffer: [0; BATCH_BUFFER_BYTES],
    };
    peer.drain();
    peer
}

impl Peer {
    fn drain(&mut self) {
        if let Some(ring) = &mut self.ring {
            let mut received = 0u64;
            let result = if self.batched {
                ring.drain_batch_into(&mut self.buffer, |_| received += 1)
            } else {
                ring.drain(|_| received += 1)
            };
            if let Err(e) = result {
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

    /// Label 1: how many ring messages arrived; label 2: receive batched
    /// from now on if the request's first byte is 1, one by one if 0;
    /// anything else: an echo.
    fn protected(
        &mut self,
        _channel: Channel,
        label: u64,
        request: &[u8],
        reply: &mut [u8],
    ) -> Reply {
        match label {
            1 => Reply::with_u64s(0, &[self.received], reply),
            2 => {
                self.batched = request.first() == Some(&1);
                Reply::with_bytes(0, &[], reply)
            }
            _ => Reply::with_bytes(0, request, reply),
        }
    }
}
