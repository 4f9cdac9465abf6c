//! A packet filter as a Wasm component: takes Ethernet frames from ring
//! `rx` ([`INPUT`]), drops those a rule rejects, and forwards the rest to ring `tx` ([`OUTPUT`]),
//! publishing once per batch. Counts frames per rule and logs the counters.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Channel, Error, Handler, RingConsumer, RingProducer};
use wasm_example_protocols::frames::{ETHERNET_HEADER, ETHERTYPE_IPV4, IP_PROTOCOL_UDP};

sdk::component!(init);

/// What the rules decide about a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Forward,
    /// Shorter than its headers say.
    DropMalformed,
    /// Its EtherType is not IPv4.
    DropNotIpv4,
    /// UDP to port 53 (DNS).
    DropDns,
}

/// The ring frames come from.
pub const INPUT: &str = "frames";
/// The ring survivors go to.
pub const OUTPUT: &str = "filtered";

/// The UDP port the filter blocks.
pub const BLOCKED_UDP_PORT: u16 = 53;

/// The rules, in order: an Ethernet header; EtherType IPv4; a whole IPv4
/// header (options included); no UDP to [`BLOCKED_UDP_PORT`].
pub fn classify(frame: &[u8]) -> Verdict {
    let Some(ethertype) = frame.get(12..14) else {
        return Verdict::DropMalformed;
    };
    if u16::from_be_bytes([ethertype[0], ethertype[1]]) != ETHERTYPE_IPV4 {
        return Verdict::DropNotIpv4;
    }
    let ip = &frame[ETHERNET_HEADER..];
    let Some(&version_ihl) = ip.first() else {
        return Verdict::DropMalformed;
    };
    let header_len = (version_ihl & 0x0f) as usize * 4;
    if version_ihl >> 4 != 4 || header_len < 20 || ip.len() < header_len {
        return Verdict::DropMalformed;
    }
    if ip[9] == IP_PROTOCOL_UDP {
        let Some(ports) = ip.get(header_len..header_len + 4) else {
            return Verdict::DropMalformed;
        };
        if u16::from_be_bytes([ports[2], ports[3]]) == BLOCKED_UDP_PORT {
            return Verdict::DropDns;
        }
    }
    Verdict::Forward
}

/// Frames seen, forwarded, and dropped per reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    pub seen: u64,
    pub forwarded: u64,
    pub malformed: u64,
    pub not_ipv4: u64,
    pub dns: u64,
    /// Survivors dropped because `tx` was full.
    pub tx_full: u64,
}

/// Log the counters each time this many more frames have been seen.
pub const LOG_EVERY: u64 = 1000;

pub struct Filter {
    rx: RingConsumer,
    tx: RingProducer,
    pub counters: Counters,
    logged_at: u64,
}

fn init() -> Filter {
    let mut filter = Filter {
        rx: RingConsumer::open(INPUT),
        tx: RingProducer::open(OUTPUT),
        counters: Counters::default(),
        logged_at: 0,
    };
    sdk::info!("packet filter ready: forwarding IPv4 from ring {INPUT} to ring {OUTPUT}, dropping UDP to port {BLOCKED_UDP_PORT}");
    // Frames may have come before this end first slept.
    filter.batch();
    filter
}

impl Filter {
    /// Drains `rx`, forwarding survivors to `tx`; publishes once.
    fn batch(&mut self) {
        let (tx, c) = (&mut self.tx, &mut self.counters);
        let mut forwarded = 0;
        let mut broken = None;
        let drained = self.rx.drain(|frame| {
            c.seen += 1;
            match classify(frame) {
                Verdict::Forward => match tx.send(frame) {
                    Ok(()) => {
                        c.forwarded += 1;
                        forwarded += 1;
                    }
                    Err(Error::RingFull) => c.tx_full += 1,
                    Err(e) => broken = Some(e),
                },
                Verdict::DropMalformed => c.malformed += 1,
                Verdict::DropNotIpv4 => c.not_ipv4 += 1,
                Verdict::DropDns => c.dns += 1,
            }
        });
        if forwarded > 0 {
            if let Err(e) = self.tx.publish() {
                broken = Some(e);
            }
        }
        if let Err(e) = drained {
            sdk::error!("ring {INPUT}: {e}");
            sdk::exit(1);
        }
        if let Some(e) = broken {
            sdk::error!("ring {OUTPUT}: {e}");
            sdk::exit(1);
        }
        if self.counters.seen - self.logged_at >= LOG_EVERY {
            self.logged_at = self.counters.seen;
            self.log_counters();
        }
    }

    pub fn log_counters(&self) {
        let c = &self.counters;
        sdk::info!(
            "seen {} forwarded {} dropped: not IPv4 {}, UDP to port {BLOCKED_UDP_PORT} {}, malformed {}, tx full {}",
            c.seen,
            c.forwarded,
            c.not_ipv4,
            c.dns,
            c.malformed,
            c.tx_full
        );
    }
}

impl Handler for Filter {
    fn notified(&mut self, channel: Channel) {
        if channel == self.rx.channel() {
            self.batch();
        }
        // tx's channel: the consumer freed slots; nothing waits for them.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sdk::mock::{self, MockRing};
    use wasm_example_protocols::frames;

    #[test]
    fn rules() {
        assert_eq!(classify(frames::udp(1234, 0).as_bytes()), Verdict::Forward);
        assert_eq!(
            classify(frames::tcp(53, 0).as_bytes()),
            Verdict::Forward,
            "only UDP to 53 is dropped"
        );
        assert_eq!(classify(frames::udp(53, 0).as_bytes()), Verdict::DropDns);
        assert_eq!(classify(frames::arp().as_bytes()), Verdict::DropNotIpv4);
        assert_eq!(classify(&[0; 13]), Verdict::DropMalformed);
        assert_eq!(
            classify(&frames::udp(1234, 0).as_bytes()[..14]),
            Verdict::DropMalformed,
            "no IPv4 header"
        );
        assert_eq!(
            classify(&frames::udp(53, 0).as_bytes()[..14 + 20 + 3]),
            Verdict::DropMalformed,
            "cut in the UDP ports"
        );
    }

    #[test]
    fn options_move_the_udp_header() {
        // IHL 6: 4 bytes of options, then UDP to port 53.
        let mut frame = frames::udp(53, 0).as_bytes()[..14 + 20].to_vec();
        frame[14] = 0x46;
        frame.extend_from_slice(&[1, 1, 1, 1]); // options (NOPs)
        frame.extend_from_slice(&[0x9c, 0x40, 0, 53, 0, 8, 0, 0]);
        assert_eq!(classify(&frame), Verdict::DropDns);
        frame[14 + 24 + 3] = 54;
        assert_eq!(classify(&frame), Verdict::Forward);
        frame[14] = 0x44; // IHL below 5
        assert_eq!(classify(&frame), Verdict::DropMalformed);
        frame[14] = 0x65; // IPv6 version in an IPv4 frame
        assert_eq!(classify(&frame), Verdict::DropMalformed);
    }

    #[test]
    fn forwards_survivors_and_publishes_once_per_batch() {
        mock::reset();
        let input: Vec<Vec<u8>> = (0..8).map(|i| frames::mixed(i).as_bytes().to_vec()).collect();
        mock::with(|m| {
            m.rings.push(MockRing::new(INPUT, 0));
            m.rings.push(MockRing::new(OUTPUT, 1).with_slots(3));
        });
        let mut filter = init();
        assert_eq!(filter.counters, Counters::default());
        mock::with(|m| m.rings[0].inbox.extend(input.clone()));
        filter.notified(Channel::new(1)); // tx's channel: ignored
        assert_eq!(filter.counters.seen, 0);
        filter.notified(Channel::new(0));
        // 0: UDP 1234, 1: DNS, 2: ARP, 3: TCP 80, 4..: again. tx holds 3.
        let expected =
            Counters { seen: 8, forwarded: 3, malformed: 0, not_ipv4: 2, dns: 2, tx_full: 1 };
        assert_eq!(filter.counters, expected);
        mock::with(|m| {
            assert_eq!(
                m.rings[1].published,
                [input[0].clone(), input[3].clone(), input[4].clone()]
            );
            assert!(m.rings[1].unpublished.is_empty());
        });
        let publishes =
            mock::calls().iter().filter(|c| matches!(c, mock::Call::RingPublish(1))).count();
        assert_eq!(publishes, 1);
        filter.log_counters();
        assert!(mock::logs()
            .last()
            .unwrap()
            .starts_with("seen 8 forwarded 3 dropped: not IPv4 2, UDP to port 53 2"));
    }
}
