//! Channels, named by the ids of the system description or by peer.

use core::fmt;

use crate::{sys, Error};

/// A channel of this component: an id of the system description. The
/// runtime checks every use against the component's grants (a channel it
/// does not have is [`Error::NoSuchChannel`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Channel(u8);

/// The reply of a protected call: its label and how many bytes of the
/// reply buffer it filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// At most [`Reply::MAX_LABEL`].
    pub label: u64,
    pub len: usize,
}

impl Reply {
    /// Largest reply label: the ABI packs a reply as
    /// `(label << 32) | len` in a non-negative `i64`.
    pub const MAX_LABEL: u64 = i32::MAX as u64;

    pub const fn new(label: u64, len: usize) -> Reply {
        Reply { label, len }
    }

    /// A reply without bytes.
    pub const fn empty(label: u64) -> Reply {
        Reply { label, len: 0 }
    }

    /// Copies `bytes` to the start of `buffer`; a reply of them. Panics if
    /// they do not fit.
    pub fn with_bytes(label: u64, bytes: &[u8], buffer: &mut [u8]) -> Reply {
        buffer[..bytes.len()].copy_from_slice(bytes);
        Reply { label, len: bytes.len() }
    }

    /// Writes `values` little-endian to the start of `buffer`; a reply of them.
    pub fn with_u64s(label: u64, values: &[u64], buffer: &mut [u8]) -> Reply {
        assert!(
            values.len() * 8 <= buffer.len(),
            "{} values do not fit a reply of {} bytes",
            values.len(),
            buffer.len()
        );
        for (chunk, value) in buffer.chunks_exact_mut(8).zip(values) {
            chunk.copy_from_slice(&value.to_le_bytes());
        }
        Reply { label, len: values.len() * 8 }
    }

    /// The ABI's encoding, `(label << 32) | len`. Panics if the label is
    /// above [`Reply::MAX_LABEL`] or the length does not fit 32 bits.
    pub fn pack(self) -> i64 {
        assert!(
            self.label <= Self::MAX_LABEL,
            "reply label {} is above {}",
            self.label,
            Self::MAX_LABEL
        );
        assert!(self.len <= u32::MAX as usize, "reply length {} does not fit 32 bits", self.len);
        ((self.label << 32) | self.len as u64) as i64
    }

    /// Decodes the ABI's encoding: a reply, or the error of a negative status.
    pub fn unpack(packed: i64) -> Result<Reply, Error> {
        if packed < 0 {
            let status = i32::try_from(packed).unwrap_or(i32::MIN);
            return Err(Error::from_status(status));
        }
        Ok(Reply { label: packed as u64 >> 32, len: (packed as u64 & 0xffff_ffff) as usize })
    }
}

impl Channel {
    /// Channel `id` of the system description.
    pub const fn new(id: u8) -> Channel {
        Channel(id)
    }

    /// The channel to the component named `peer`. Panics (a trap the
    /// runtime reports) if there is none; see [`Channel::try_to`].
    pub fn to(peer: &str) -> Channel {
        match Channel::try_to(peer) {
            Ok(channel) => channel,
            Err(e) => panic!("no channel to `{peer}`: {e}"),
        }
    }

    /// The channel to the component named `peer`.
    pub fn try_to(peer: &str) -> Result<Channel, Error> {
        // SAFETY: the host reads `peer.len()` bytes at `peer.as_ptr()`.
        let id = unsafe { sys::channel_by_peer(peer.as_ptr(), peer.len()) };
        Error::check(id)?;
        u8::try_from(id).map(Channel).map_err(|_| Error::Unknown(id))
    }

    /// A channel the runtime names by an `i32` (what the exports receive).
    pub(crate) fn from_abi(id: i32) -> Channel {
        Channel(id as u8)
    }

    /// What this channel is, and its peer; `None` if the component has no
    /// such channel.
    pub fn info(self) -> Option<ChannelInfo> {
        let mut peer = [0u8; PEER_NAME_BYTES];
        // SAFETY: the host writes at most `PEER_NAME_BYTES` bytes to `peer`.
        let info =
            unsafe { sys::channel_info(self.id() as i32, peer.as_mut_ptr(), PEER_NAME_BYTES) };
        if info < 0 {
            return None;
        }
        let kind = match info >> 32 {
            0 => ChannelKind::Caller,
            1 => ChannelKind::Callee,
            _ => ChannelKind::Notification,
        };
        Some(ChannelInfo { channel: self, kind, peer, peer_len: (info & 0xffff_ffff) as usize })
    }

    /// Every channel of this component, by id.
    pub fn all() -> impl Iterator<Item = ChannelInfo> {
        (0..wasm_abi::MAX_CHANNEL_IDS).filter_map(|id| Channel::new(id).info())
    }

    pub const fn id(self) -> u8 {
        self.0
    }

    /// Calls the peer with `label` and `request` (at most
    /// [`crate::MAX_MESSAGE_BYTES`], or [`Error::TooLarge`]); the reply's
    /// bytes are copied to the start of `reply`. Messages travel as whole
    /// 8-byte words: the server receives the request padded with zeros to a
    /// multiple of 8, and the reply's length is a multiple of 8, cut to
    /// `reply.len()` if longer (so give `reply` room for whole words).
    pub fn call(self, label: u64, request: &[u8], reply: &mut [u8]) -> Result<Reply, Error> {
        // SAFETY: the host reads `request` and writes at most `reply.len()`
        // bytes to `reply`.
        let packed = unsafe {
            sys::channel_call(
                self.0 as i32,
                label as i64,
                request.as_ptr(),
                request.len(),
                reply.as_mut_ptr(),
                reply.len(),
            )
        };
        // A host that claims more than the buffer holds is not believed.
        Reply::unpack(packed).map(|r| Reply { len: r.len.min(reply.len()), ..r })
    }

    /// Signals the peer; logs a warning if this component cannot.
    pub fn notify(self) {
        if let Err(e) = self.try_notify() {
            crate::warn!("notify on channel {}: {e}", self.0);
        }
    }

    /// Signals the peer.
    pub fn try_notify(self) -> Result<(), Error> {
        // SAFETY: the host function takes no memory.
        Error::check(unsafe { sys::channel_notify(self.0 as i32) })
    }
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Channel({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{self, Call};
    use wasm_abi::status;

    #[test]
    fn packing_round_trips() {
        for (label, len) in [(0, 0), (1, 8), (4, crate::MAX_MESSAGE_BYTES), (Reply::MAX_LABEL, 0)] {
            let reply = Reply::new(label, len);
            let packed = reply.pack();
            assert!(packed >= 0);
            assert_eq!(packed, ((label << 32) | len as u64) as i64);
            assert_eq!(Reply::unpack(packed), Ok(reply));
        }
    }

    #[test]
    #[should_panic(expected = "reply label")]
    fn labels_above_31_bits_do_not_pack() {
        Reply::new(Reply::MAX_LABEL + 1, 0).pack();
    }

    #[test]
    fn negative_results_are_statuses() {
        assert_eq!(Reply::unpack(status::SERVER_DIED as i64), Err(Error::ServerDied));
        assert_eq!(Reply::unpack(status::TOO_LARGE as i64), Err(Error::TooLarge));
        assert_eq!(Reply::unpack(-1000), Err(Error::Unknown(-1000)));
        assert_eq!(Reply::unpack(i64::MIN), Err(Error::Unknown(i32::MIN)));
    }

    #[test]
    fn reply_helpers_write_little_endian() {
        let mut buffer = [0u8; 24];
        assert_eq!(Reply::with_u64s(7, &[1, 2], &mut buffer), Reply::new(7, 16));
        assert_eq!(&buffer[..16], &[1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Reply::with_bytes(0, b"abc", &mut buffer), Reply::new(0, 3));
        assert_eq!(&buffer[..3], b"abc");
    }

    #[test]
    fn channel_to_a_peer() {
        mock::reset();
        mock::with(|m| m.peers.push(("kv".into(), 3)));
        assert_eq!(Channel::try_to("kv"), Ok(Channel::new(3)));
        assert_eq!(Channel::to("kv").id(), 3);
        assert_eq!(Channel::try_to("nobody"), Err(Error::NoSuchChannel));
        assert!(mock::calls().contains(&Call::ChannelByPeer("nobody".into())));
    }

    #[test]
    #[should_panic(expected = "no channel to `nobody`: no such channel")]
    fn channel_to_a_missing_peer_panics() {
        mock::reset();
        Channel::to("nobody");
    }

    #[test]
    fn calls_copy_the_reply() {
        mock::reset();
        mock::with(|m| {
            m.call_replies.push_back(Ok((5, b"hello".to_vec())));
            m.call_replies.push_back(Err(status::SERVER_DIED));
            m.call_replies.push_back(Ok((0, [0u8; 16].to_vec())));
        });
        let channel = Channel::new(2);
        let mut reply = [0xffu8; 8];
        assert_eq!(channel.call(9, b"req", &mut reply), Ok(Reply::new(5, 8)), "whole words");
        assert_eq!(&reply, b"hello\0\0\0");
        assert_eq!(channel.call(9, b"", &mut reply), Err(Error::ServerDied));
        assert_eq!(channel.call(9, b"", &mut reply), Ok(Reply::new(0, 8)), "cut to the buffer");
        assert_eq!(
            channel.call(9, &[0; crate::MAX_MESSAGE_BYTES + 1], &mut reply),
            Err(Error::TooLarge)
        );
        assert_eq!(
            mock::calls()[0],
            Call::ChannelCall { channel: 2, label: 9, request: b"req".to_vec(), reply_capacity: 8 }
        );
    }

    /// Found by `cargo xtask fuzz` (host-abi): a host answering a length
    /// beyond the reply buffer made callers slicing `reply[..len]` panic.
    #[test]
    fn a_reply_length_beyond_the_buffer_is_cut_to_it() {
        mock::reset();
        // A non-negative "status" is read as (label 0, len 774778414).
        mock::with(|m| m.call_replies.push_back(Err(774_778_414)));
        let mut reply = [0u8; 16];
        let answer = Channel::new(2).call(1, b"", &mut reply).expect("a reply");
        assert_eq!(answer, Reply::new(0, 16));
        assert!(reply.get(..answer.len).is_some());
    }

    #[test]
    fn notify_reports_failures() {
        mock::reset();
        assert_eq!(Channel::new(1).try_notify(), Ok(()));
        mock::with(|m| m.notify_status = status::NO_SUCH_CHANNEL);
        assert_eq!(Channel::new(1).try_notify(), Err(Error::NoSuchChannel));
        Channel::new(1).notify();
        assert!(matches!(mock::calls().last(), Some(Call::Log { level: 2, .. })));
    }
}

/// Longest peer name [`Channel::info`] reports in full.
pub const PEER_NAME_BYTES: usize = 64;

/// What a channel is to this component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// This component calls the peer.
    Caller,
    /// The peer calls this component.
    Callee,
    /// Signals both ways.
    Notification,
}

/// A channel as [`Channel::info`] describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelInfo {
    pub channel: Channel,
    pub kind: ChannelKind,
    peer: [u8; PEER_NAME_BYTES],
    peer_len: usize,
}

impl ChannelInfo {
    /// The component at the other end (cut at [`PEER_NAME_BYTES`]).
    pub fn peer(&self) -> &str {
        core::str::from_utf8(&self.peer[..self.peer_len.min(PEER_NAME_BYTES)]).unwrap_or("")
    }
}
