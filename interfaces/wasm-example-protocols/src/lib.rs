//! Shared by the example components: the protocols of `wasm-calculator`
//! (also spoken by the native `example-server` and `example-client`) and
//! `wasm-kv-store` (which `wasm-client` speaks), and
//! the synthetic Ethernet frames of `wasm-frame-source` and
//! `wasm-packet-filter`.
#![no_std]
#![forbid(unsafe_code)]

/// The calculator: requests are two little-endian `u64`s, replies one.
/// The operations are numbered as the native calculator's.
pub mod calculator {
    /// a + b.
    pub const ADD: u64 = 1;
    /// a * b.
    pub const MULTIPLY: u64 = 2;
    /// The number of requests served so far.
    pub const COUNT: u64 = 3;
    /// The reply is the request's bytes.
    pub const ECHO: u64 = 4;

    /// Reply labels.
    pub mod status {
        pub const OK: u64 = 0;
        pub const UNKNOWN_OP: u64 = 1;
        pub const OVERFLOW: u64 = 2;
        /// The request is not two `u64`s.
        pub const BAD_REQUEST: u64 = 3;
    }

    /// The request of a and b.
    pub fn request(a: u64, b: u64) -> [u8; 16] {
        let mut request = [0; 16];
        request[..8].copy_from_slice(&a.to_le_bytes());
        request[8..].copy_from_slice(&b.to_le_bytes());
        request
    }

    /// The two operands of a request (its first 16 bytes: a native client
    /// sends the same two message registers).
    pub fn operands(request: &[u8]) -> Option<(u64, u64)> {
        let a = request.get(..8)?.try_into().ok()?;
        let b = request.get(8..16)?.try_into().ok()?;
        Some((u64::from_le_bytes(a), u64::from_le_bytes(b)))
    }

    /// The value of a one-`u64` reply (its first 8 bytes).
    pub fn value(reply: &[u8]) -> Option<u64> {
        Some(u64::from_le_bytes(reply.get(..8)?.try_into().ok()?))
    }
}

/// The key-value store: string keys and values, UTF-8 without NUL
/// characters. Messages travel as whole 8-byte words padded with zero
/// bytes; as the strings hold none, trailing zeros are padding
/// ([`kv::unpad`]).
pub mod kv {
    /// Request: `u16` little-endian key length, key, value. Reply: empty.
    pub const PUT: u64 = 1;
    /// Request: key. Reply: value, or NOT_FOUND.
    pub const GET: u64 = 2;
    /// Request: key. Reply: empty, or NOT_FOUND.
    pub const DELETE: u64 = 3;
    /// Request: empty. Reply: the number of keys, a little-endian `u64`.
    pub const COUNT: u64 = 4;

    /// Most keys the store keeps.
    pub const MAX_ENTRIES: usize = 1024;

    /// Reply labels.
    pub mod status {
        pub const OK: u64 = 0;
        pub const UNKNOWN_OP: u64 = 1;
        /// Malformed request, or a key or value that is not UTF-8 or holds NUL.
        pub const BAD_REQUEST: u64 = 2;
        pub const NOT_FOUND: u64 = 3;
        /// The store holds MAX_ENTRIES keys.
        pub const FULL: u64 = 4;
    }

    /// `bytes` without the zero padding of whole words.
    pub fn unpad(bytes: &[u8]) -> &[u8] {
        let len = bytes.iter().rposition(|&b| b != 0).map_or(0, |last| last + 1);
        &bytes[..len]
    }

    /// A key or value of a request or reply: `bytes` without padding, if
    /// they are UTF-8 without NUL.
    pub fn text(bytes: &[u8]) -> Option<&str> {
        let bytes = unpad(bytes);
        if bytes.contains(&0) {
            return None;
        }
        core::str::from_utf8(bytes).ok()
    }

    /// Writes the PUT request of `key` and `value` to `buffer`; its length,
    /// or `None` if it does not fit or either holds NUL.
    pub fn put_request(key: &str, value: &str, buffer: &mut [u8]) -> Option<usize> {
        if key.contains('\0') || value.contains('\0') {
            return None;
        }
        let key_len = u16::try_from(key.len()).ok()?;
        let len = 2 + key.len() + value.len();
        let out = buffer.get_mut(..len)?;
        out[..2].copy_from_slice(&key_len.to_le_bytes());
        out[2..2 + key.len()].copy_from_slice(key.as_bytes());
        out[2 + key.len()..].copy_from_slice(value.as_bytes());
        Some(len)
    }

    /// The key and value of a PUT request (padding removed).
    pub fn parse_put(request: &[u8]) -> Option<(&str, &str)> {
        let key_len = u16::from_le_bytes(request.get(..2)?.try_into().ok()?) as usize;
        let key = request.get(2..2 + key_len)?;
        if key.contains(&0) {
            return None;
        }
        Some((core::str::from_utf8(key).ok()?, text(&request[2 + key_len..])?))
    }
}

/// Synthetic Ethernet II frames: IPv4 with UDP or TCP, and ARP.
pub mod frames {
    pub const ETHERTYPE_IPV4: u16 = 0x0800;
    pub const ETHERTYPE_ARP: u16 = 0x0806;
    pub const IP_PROTOCOL_TCP: u8 = 6;
    pub const IP_PROTOCOL_UDP: u8 = 17;
    /// Ethernet header: destination, source, EtherType.
    pub const ETHERNET_HEADER: usize = 14;
    /// An IPv4 header without options.
    pub const IPV4_HEADER: usize = 20;
    /// Longest synthetic frame.
    pub const MAX_FRAME: usize = 64;

    /// A frame of at most [`MAX_FRAME`] bytes.
    #[derive(Clone, Copy)]
    pub struct Frame {
        bytes: [u8; MAX_FRAME],
        len: usize,
    }

    impl Frame {
        pub fn as_bytes(&self) -> &[u8] {
            &self.bytes[..self.len]
        }
    }

    fn ethernet(ethertype: u16) -> [u8; MAX_FRAME] {
        let mut bytes = [0; MAX_FRAME];
        bytes[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x01]);
        bytes[6..12].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x02]);
        bytes[12..14].copy_from_slice(&ethertype.to_be_bytes());
        bytes
    }

    /// An IPv4 frame of `protocol` from port 40000 to `dst_port`, whose
    /// 8-byte payload is `sequence`.
    pub fn ipv4(protocol: u8, dst_port: u16, sequence: u64) -> Frame {
        let mut bytes = ethernet(ETHERTYPE_IPV4);
        let ip = &mut bytes[ETHERNET_HEADER..];
        let transport_len = if protocol == IP_PROTOCOL_TCP { 20 } else { 8 };
        let total = (IPV4_HEADER + transport_len + 8) as u16;
        ip[0] = 0x45; // version 4, 5 words of header
        ip[2..4].copy_from_slice(&total.to_be_bytes());
        ip[8] = 64; // TTL
        ip[9] = protocol;
        ip[12..16].copy_from_slice(&[10, 0, 0, 1]);
        ip[16..20].copy_from_slice(&[10, 0, 0, 2]);
        let transport = &mut ip[IPV4_HEADER..];
        transport[..2].copy_from_slice(&40000u16.to_be_bytes());
        transport[2..4].copy_from_slice(&dst_port.to_be_bytes());
        if protocol == IP_PROTOCOL_UDP {
            transport[4..6].copy_from_slice(&16u16.to_be_bytes());
        } else {
            transport[12] = 0x50; // data offset: 5 words
        }
        transport[transport_len..transport_len + 8].copy_from_slice(&sequence.to_le_bytes());
        Frame { bytes, len: ETHERNET_HEADER + total as usize }
    }

    pub fn udp(dst_port: u16, sequence: u64) -> Frame {
        ipv4(IP_PROTOCOL_UDP, dst_port, sequence)
    }

    pub fn tcp(dst_port: u16, sequence: u64) -> Frame {
        ipv4(IP_PROTOCOL_TCP, dst_port, sequence)
    }

    /// An ARP request (who has 10.0.0.2).
    pub fn arp() -> Frame {
        let mut bytes = ethernet(ETHERTYPE_ARP);
        let arp = &mut bytes[ETHERNET_HEADER..];
        arp[..8].copy_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1]);
        arp[14..18].copy_from_slice(&[10, 0, 0, 1]);
        arp[24..28].copy_from_slice(&[10, 0, 0, 2]);
        Frame { bytes, len: ETHERNET_HEADER + 28 }
    }

    /// Frame `sequence` of the source's mix: UDP to port 1234, UDP to port
    /// 53 (DNS), ARP, TCP to port 80, in turn.
    pub fn mixed(sequence: u64) -> Frame {
        match sequence % 4 {
            0 => udp(1234, sequence),
            1 => udp(53, sequence),
            2 => arp(),
            _ => tcp(80, sequence),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calculator_requests_round_trip() {
        assert_eq!(calculator::operands(&calculator::request(2, u64::MAX)), Some((2, u64::MAX)));
        assert_eq!(calculator::operands(&[0; 15]), None);
        assert_eq!(calculator::operands(&[1; 24]), Some((0x0101010101010101, 0x0101010101010101)));
        assert_eq!(calculator::value(&7u64.to_le_bytes()), Some(7));
    }

    #[test]
    fn put_requests_round_trip() {
        let mut buffer = [0u8; 32];
        let len = kv::put_request("key", "välue", &mut buffer).unwrap();
        assert_eq!(len, 2 + 3 + 6);
        assert_eq!(kv::parse_put(&buffer[..len]), Some(("key", "välue")));
        assert_eq!(kv::put_request("key", "a value too long for the buffer", &mut buffer), None);
        assert_eq!(kv::parse_put(&[5, 0, b'a']), None, "key longer than the request");
        assert_eq!(kv::parse_put(&[1, 0, 0xff]), None, "not UTF-8");
        assert_eq!(kv::parse_put(&[1]), None);
        // As it arrives: padded to whole words.
        let mut padded = [0u8; 16];
        let len = kv::put_request("k", "v", &mut padded).unwrap();
        assert_eq!(len, 4);
        assert_eq!(kv::parse_put(&padded[..8]), Some(("k", "v")));
        assert_eq!(kv::parse_put(&[1, 0, 0, b'v']), None, "NUL in the key");
        assert_eq!(kv::parse_put(&[1, 0, b'k', b'v', 0, b'v']), None, "NUL inside the value");
        assert_eq!(kv::put_request("k\0", "v", &mut padded), None);
        assert_eq!(kv::text(b"alpha\0\0\0"), Some("alpha"));
        assert_eq!(kv::text(b"\0\0"), Some(""));
        assert_eq!(kv::text(b"a\0b"), None);
    }

    #[test]
    fn frames_have_the_right_headers() {
        let udp = frames::udp(53, 9);
        let bytes = udp.as_bytes();
        assert_eq!(bytes.len(), 14 + 20 + 8 + 8);
        assert_eq!(&bytes[12..14], &[0x08, 0x00]);
        assert_eq!(bytes[14 + 9], frames::IP_PROTOCOL_UDP);
        assert_eq!(&bytes[14 + 20 + 2..14 + 20 + 4], &[0, 53]);
        assert_eq!(frames::tcp(80, 0).as_bytes().len(), 14 + 20 + 20 + 8);
        assert_eq!(&frames::arp().as_bytes()[12..14], &[0x08, 0x06]);
    }
}
