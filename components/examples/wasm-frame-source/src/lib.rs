//! Sends synthetic Ethernet frames into ring `frames` (a mix of IPv4/UDP,
//! UDP to port 53, ARP and TCP: `wasm_example_protocols::frames::mixed`),
//! publishing in batches, then exits.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Error, Handler, RingProducer};
use wasm_example_protocols::frames;

sdk::component!(init);

struct Done;
impl Handler for Done {}

/// The ring the frames go to.
pub const RING: &str = "frames";
/// Frames to send.
pub const FRAMES: u64 = 10_000;
/// Frames sent between two publishes.
pub const BATCH: u64 = 32;
/// Publish-and-retry attempts for one frame while the ring is full (a
/// Wasm component cannot wait; the consumer must run meanwhile).
pub const FULL_ATTEMPTS: u32 = 1000;

fn init() -> Done {
    let mut ring = RingProducer::open(RING);
    let mut dropped = 0;
    for sequence in 0..FRAMES {
        match ring.send_spin(frames::mixed(sequence).as_bytes(), FULL_ATTEMPTS) {
            Ok(()) => {}
            Err(Error::RingFull) => dropped += 1,
            Err(e) => {
                sdk::error!("ring `{RING}` at frame {sequence}: {e}");
                sdk::exit(1);
            }
        }
        if sequence % BATCH == BATCH - 1 {
            let _ = ring.publish();
        }
    }
    if let Err(e) = ring.publish() {
        sdk::error!("ring `{RING}`: {e}");
        sdk::exit(1);
    }
    sdk::info!(
        "sent {} frames over ring `{RING}` ({dropped} dropped: the ring stayed full)",
        FRAMES - dropped
    );
    sdk::exit(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sdk::mock::{self, Call, MockRing};

    #[test]
    fn sends_every_frame_in_batches() {
        mock::reset();
        mock::with(|m| {
            m.rings.push(MockRing::new("frames", 0).with_slots(64).consumed_on_publish())
        });
        assert!(std::panic::catch_unwind(init).is_err(), "init ends with exit");
        assert_eq!(mock::calls().last(), Some(&Call::Exit(0)));
        mock::with(|m| {
            assert_eq!(m.rings[0].published.len() as u64, FRAMES);
            assert_eq!(m.rings[0].published[1], frames::udp(53, 1).as_bytes());
        });
        let publishes =
            mock::calls().iter().filter(|c| matches!(c, Call::RingPublish(_))).count() as u64;
        assert_eq!(publishes, FRAMES / BATCH + 1);
    }
}
