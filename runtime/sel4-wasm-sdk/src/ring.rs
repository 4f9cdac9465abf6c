//! Rings of the system description, opened by name. The runtime runs the
//! ring protocol (copies, publishing, who signals whom); the component
//! sends, publishes, and drains when the ring's channel is notified.

use wasm_abi::ring_end_flags;

use crate::{sys, Channel, Error};

/// Size of the stack buffer [`RingConsumer::drain`] receives into: room for
/// an Ethernet frame. Rings with larger slots use
/// [`RingConsumer::drain_into`].
pub const DRAIN_BUFFER_BYTES: usize = 2048;

fn open(name: &str) -> Result<i32, Error> {
    // SAFETY: the host reads `name.len()` bytes at `name.as_ptr()`.
    let ring = unsafe { sys::ring_open(name.as_ptr(), name.len()) };
    Error::check(ring).map(|()| ring)
}

fn channel(ring: i32) -> Channel {
    // SAFETY: the host function takes no memory.
    let id = unsafe { sys::ring_channel(ring) };
    // Cannot fail for a ring that opened.
    Channel::from_abi(id)
}

fn open_end(index: i32) -> Result<i32, Error> {
    // SAFETY: the host function takes no memory.
    let ring = unsafe { sys::ring_open_end(index) };
    Error::check(ring).map(|()| ring)
}

/// Longest ring name [`ring_ends`] reports in full.
pub const RING_NAME_BYTES: usize = 64;

/// A ring end of this component's description, as [`ring_ends`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingEndInfo {
    /// Its position in the description (for `open_end`).
    pub index: i32,
    /// This component consumes it (otherwise produces it).
    pub consumer: bool,
    /// On the consumer end of a log ring: the unprefixed console output its
    /// producer is granted (a console prints raw and text lines only then).
    pub producer_output: ProducerOutput,
    name: [u8; RING_NAME_BYTES],
    name_len: usize,
}

/// Unprefixed console output a log ring's producer is granted
/// (`console_output` in the description).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProducerOutput {
    /// Whole lines printed as they are (a shell's output).
    pub raw: bool,
    /// Text without a line end (prompts, echo).
    pub text: bool,
}

impl RingEndInfo {
    /// The ring's name (cut at [`RING_NAME_BYTES`]).
    pub fn name(&self) -> &str {
        let bytes = &self.name[..self.name_len.min(RING_NAME_BYTES)];
        core::str::from_utf8(bytes).unwrap_or("")
    }
}

/// Every ring end this component holds, in description order (a console
/// finds its log rings this way).
pub fn ring_ends() -> impl Iterator<Item = RingEndInfo> {
    (0..).map_while(|index| {
        let mut name = [0u8; RING_NAME_BYTES];
        // SAFETY: the host writes at most `RING_NAME_BYTES` bytes to `name`.
        let info = unsafe { sys::ring_end_info(index, name.as_mut_ptr(), RING_NAME_BYTES) };
        let flags = info >> 32;
        (info >= 0).then_some(RingEndInfo {
            index,
            consumer: flags & ring_end_flags::CONSUMER != 0,
            producer_output: ProducerOutput {
                raw: flags & ring_end_flags::PRODUCER_RAW != 0,
                text: flags & ring_end_flags::PRODUCER_TEXT != 0,
            },
            name,
            name_len: (info & 0xffff_ffff) as usize,
        })
    })
}

/// Messages to send with one host call ([`RingProducer::send_batch`]),
/// written into a buffer of the caller's as the ABI's batch records: a
/// `u32` little-endian length, the bytes, padding to a multiple of 4.
pub struct Batch<'b> {
    buffer: &'b mut [u8],
    /// Bytes of records written.
    bytes_used: usize,
    /// Messages in the batch.
    count: usize,
}

impl<'b> Batch<'b> {
    /// An empty batch in `buffer` (whose contents are overwritten).
    pub fn new(buffer: &'b mut [u8]) -> Batch<'b> {
        Batch { buffer, bytes_used: 0, count: 0 }
    }

    /// Bytes a message of `len` bytes takes in a batch.
    pub const fn record_bytes(len: usize) -> usize {
        4 + len.next_multiple_of(4)
    }

    /// Appends a copy of `message`; `false` (and nothing appended) if the
    /// buffer has no room for it.
    pub fn push(&mut self, message: &[u8]) -> bool {
        self.push_with(message.len(), |m| m.copy_from_slice(message))
    }

    /// Appends a message of `len` bytes that `fill` writes in place (its
    /// bytes are whatever the buffer held); `false` (and `fill` not
    /// called) if the buffer has no room for it.
    pub fn push_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) -> bool {
        let Ok(header) = u32::try_from(len) else { return false };
        let start = self.bytes_used;
        let Some(record) = self.buffer.get_mut(start..start + Batch::record_bytes(len)) else {
            return false;
        };
        record[..4].copy_from_slice(&header.to_le_bytes());
        fill(&mut record[4..4 + len]);
        self.bytes_used += record.len();
        self.count += 1;
        true
    }

    /// Messages in the batch.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Forgets every message.
    pub fn clear(&mut self) {
        self.bytes_used = 0;
        self.count = 0;
    }

    /// The records, as the host reads them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buffer[..self.bytes_used]
    }

    /// Forgets the first `n` messages, moving the rest to the front.
    fn remove_first(&mut self, n: usize) {
        if n >= self.count {
            return self.clear();
        }
        let at = Received { bytes: self.as_bytes(), left: n }
            .fold(0, |at, m| at + Batch::record_bytes(m.len()));
        self.buffer.copy_within(at..self.bytes_used, 0);
        self.bytes_used -= at;
        self.count -= n;
    }
}

/// The messages of one [`RingConsumer::recv_batch`], in order, borrowed
/// from the caller's buffer.
pub struct Received<'b> {
    bytes: &'b [u8],
    left: usize,
}

impl<'b> Iterator for Received<'b> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        if self.left == 0 {
            return None;
        }
        let header = self.bytes.get(..4)?;
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let message = self.bytes.get(4..4 + len)?;
        self.bytes = self.bytes.get(Batch::record_bytes(len)..).unwrap_or(&[]);
        self.left -= 1;
        Some(message)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// The producing end of a ring.
pub struct RingProducer {
    ring: i32,
    channel: Channel,
}

impl RingProducer {
    /// The ring `name`, of which this component is the producer. Panics if
    /// the description gives it no such ring; see [`RingProducer::try_open`].
    pub fn open(name: &str) -> RingProducer {
        RingProducer::try_open(name).unwrap_or_else(|e| panic!("ring `{name}`: {e}"))
    }

    /// Ring end `index` of [`ring_ends`], which this component produces.
    pub fn open_end(index: i32) -> Result<RingProducer, Error> {
        let ring = open_end(index)?;
        Ok(RingProducer { ring, channel: channel(ring) })
    }

    pub fn try_open(name: &str) -> Result<RingProducer, Error> {
        let ring = open(name)?;
        Ok(RingProducer { ring, channel: channel(ring) })
    }

    /// The channel the consumer signals this end on.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// Copies a message into the ring without publishing it (see
    /// [`RingProducer::publish`]). Never waits: a full ring is
    /// [`Error::RingFull`], and the caller decides (drop, count, retry
    /// later, [`RingProducer::send_spin`], or wait for space with
    /// [`RingProducer::send_blocking`]).
    pub fn send(&mut self, message: &[u8]) -> Result<(), Error> {
        // SAFETY: the host reads `message`.
        Error::check(unsafe { sys::ring_send(self.ring, message.as_ptr(), message.len()) })
    }

    /// Sends the messages of `batch` in one host call, without publishing
    /// them (see [`RingProducer::publish`]), and removes the sent ones from
    /// `batch`: what stays there did not fit (the ring filled up). Returns
    /// how many were sent. An empty batch sends nothing; a full ring before
    /// the first message is [`Error::RingFull`], a message larger than a
    /// slot [`Error::TooLarge`] (once the messages before it are sent).
    pub fn send_batch(&mut self, batch: &mut Batch<'_>) -> Result<usize, Error> {
        if batch.is_empty() {
            return Ok(0);
        }
        let bytes = batch.as_bytes();
        // SAFETY: the host reads `bytes`.
        let sent = unsafe { sys::ring_send_batch(self.ring, bytes.as_ptr(), bytes.len()) };
        if sent < 0 {
            return Err(Error::from_status(sent));
        }
        batch.remove_first(sent as usize);
        Ok(sent as usize)
    }

    /// [`RingProducer::send`], and while the ring is full: publish (waking
    /// the consumer) and try again, at most `attempts` more times. This
    /// only helps if the consumer runs meanwhile (a consumer of higher
    /// priority runs as soon as it is signalled); each attempt costs fuel.
    pub fn send_spin(&mut self, message: &[u8], attempts: u32) -> Result<(), Error> {
        let mut left = attempts;
        loop {
            match self.send(message) {
                Err(Error::RingFull) if left > 0 => {
                    left -= 1;
                    self.publish()?;
                }
                other => return other,
            }
        }
    }

    /// [`RingProducer::send`], waiting while the ring is full until the
    /// consumer frees a slot (the component blocks; signals of other
    /// channels are delivered to `notified` afterwards). Inside
    /// [`crate::Handler::protected`] a full ring is [`Error::WouldBlock`]:
    /// the caller would wait on the consumer.
    pub fn send_blocking(&mut self, message: &[u8]) -> Result<(), Error> {
        loop {
            match self.send(message) {
                Err(Error::RingFull) => {
                    // SAFETY: the host function takes no memory.
                    Error::check(unsafe { sys::ring_wait_space(self.ring) })?;
                }
                other => return other,
            }
        }
    }

    /// Makes the messages sent so far visible to the consumer, signalling
    /// it if it sleeps.
    pub fn publish(&mut self) -> Result<(), Error> {
        // SAFETY: the host function takes no memory.
        Error::check(unsafe { sys::ring_publish(self.ring) })
    }
}

/// The consuming end of a ring.
pub struct RingConsumer {
    ring: i32,
    channel: Channel,
}

impl RingConsumer {
    /// The ring `name`, of which this component is the consumer. Panics if
    /// the description gives it no such ring; see [`RingConsumer::try_open`].
    pub fn open(name: &str) -> RingConsumer {
        RingConsumer::try_open(name).unwrap_or_else(|e| panic!("ring `{name}`: {e}"))
    }

    /// Ring end `index` of [`ring_ends`], which this component consumes.
    pub fn open_end(index: i32) -> Result<RingConsumer, Error> {
        let ring = open_end(index)?;
        Ok(RingConsumer { ring, channel: channel(ring) })
    }

    pub fn try_open(name: &str) -> Result<RingConsumer, Error> {
        let ring = open(name)?;
        Ok(RingConsumer { ring, channel: channel(ring) })
    }

    /// The channel the producer signals when it publishes: drain when it
    /// is notified.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// Hands every available message to `handle` (copied to a stack buffer
    /// of [`DRAIN_BUFFER_BYTES`]), then tells the producer this end sleeps
    /// until the next publish, receiving again if messages arrived
    /// meanwhile. Call it at start and whenever [`RingConsumer::channel`] is
    /// notified; returns the number of messages handled.
    pub fn drain(&mut self, handle: impl FnMut(&[u8])) -> Result<usize, Error> {
        let mut buffer = [0u8; DRAIN_BUFFER_BYTES];
        self.drain_into(&mut buffer, handle)
    }

    /// [`RingConsumer::drain`] with the caller's buffer (as large as the
    /// ring's slots). A message larger than it is [`Error::TooLarge`].
    pub fn drain_into(
        &mut self,
        buffer: &mut [u8],
        mut handle: impl FnMut(&[u8]),
    ) -> Result<usize, Error> {
        let mut handled = 0;
        loop {
            loop {
                // SAFETY: the host writes at most `buffer.len()` bytes to `buffer`.
                let len = unsafe { sys::ring_recv(self.ring, buffer.as_mut_ptr(), buffer.len()) };
                match len {
                    wasm_abi::status::RING_EMPTY => break,
                    len if len < 0 => return Err(Error::from_status(len)),
                    len => {
                        let message = buffer.get(..len as usize).ok_or(Error::TooLarge)?;
                        handle(message);
                        handled += 1;
                    }
                }
            }
            // SAFETY: the host function takes no memory.
            match unsafe { sys::ring_sleep(self.ring) } {
                0 => return Ok(handled),
                1 => continue,
                status => return Err(Error::from_status(status)),
            }
        }
    }
}

impl RingConsumer {
    /// Copies as many of the next messages as fit into `buffer`, in one
    /// host call, and returns them (empty if the ring is empty). A message
    /// takes [`Batch::record_bytes`] of the buffer; if the next one does
    /// not fit at all it is [`Error::TooLarge`] (and stays in the ring).
    /// Slots are released by [`RingConsumer::drain`]'s sleep, as with
    /// single receives; prefer [`RingConsumer::drain_batch_into`].
    pub fn recv_batch<'b>(&mut self, buffer: &'b mut [u8]) -> Result<Received<'b>, Error> {
        // SAFETY: the host writes at most `buffer.len()` bytes to `buffer`.
        let received =
            unsafe { sys::ring_recv_batch(self.ring, buffer.as_mut_ptr(), buffer.len()) };
        match received {
            wasm_abi::status::RING_EMPTY => Ok(Received { bytes: &[], left: 0 }),
            n if n < 0 => Err(Error::from_status(n)),
            n => Ok(Received { bytes: buffer, left: n as usize }),
        }
    }

    /// [`RingConsumer::drain_into`], receiving with
    /// [`RingConsumer::recv_batch`]: one host call per bufferful of
    /// messages rather than per message. `buffer` must hold at least one
    /// record of the ring's largest message (4 bytes more than a slot's
    /// payload, rounded up to 4), or such a message is [`Error::TooLarge`].
    pub fn drain_batch_into(
        &mut self,
        buffer: &mut [u8],
        mut handle: impl FnMut(&[u8]),
    ) -> Result<usize, Error> {
        let mut handled = 0;
        loop {
            loop {
                let mut received = 0;
                for message in self.recv_batch(buffer)? {
                    handle(message);
                    received += 1;
                }
                if received == 0 {
                    break;
                }
                handled += received;
            }
            // SAFETY: the host function takes no memory.
            match unsafe { sys::ring_sleep(self.ring) } {
                0 => return Ok(handled),
                1 => continue,
                status => return Err(Error::from_status(status)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{self, Call, MockRing};
    use std::vec;
    use std::vec::Vec;

    fn consumer_with(ring: MockRing) -> RingConsumer {
        mock::reset();
        mock::with(|m| m.rings.push(ring));
        RingConsumer::open("rx")
    }

    fn collect(consumer: &mut RingConsumer) -> (Result<usize, Error>, Vec<Vec<u8>>) {
        let mut got = Vec::new();
        let result = consumer.drain(|m| got.push(m.to_vec()));
        (result, got)
    }

    #[test]
    fn drains_everything_then_sleeps() {
        let mut consumer =
            consumer_with(MockRing::new("rx", 4).with_messages([b"a".to_vec(), b"bc".to_vec()]));
        assert_eq!(consumer.channel(), Channel::new(4));
        let (result, got) = collect(&mut consumer);
        assert_eq!(result, Ok(2));
        assert_eq!(got, [b"a".to_vec(), b"bc".to_vec()]);
        let ring_calls: Vec<_> = mock::calls()
            .into_iter()
            .filter(|c| !matches!(c, Call::RingOpen(_) | Call::RingChannel(_)))
            .collect();
        assert_eq!(
            ring_calls,
            [Call::RingRecv(0), Call::RingRecv(0), Call::RingRecv(0), Call::RingSleep(0)]
        );
        // Nothing more: one empty receive, then sleep.
        assert_eq!(collect(&mut consumer), (Ok(0), Vec::new()));
    }

    #[test]
    fn receives_again_when_messages_arrive_before_sleeping() {
        let ring = MockRing::new("rx", 0)
            .with_messages([b"1".to_vec()])
            .arriving_at_sleep([b"2".to_vec(), b"3".to_vec()])
            .arriving_at_sleep([])
            .arriving_at_sleep([b"4".to_vec()]);
        let mut consumer = consumer_with(ring);
        let (result, got) = collect(&mut consumer);
        assert_eq!(result, Ok(4));
        assert_eq!(got, [b"1".to_vec(), b"2".to_vec(), b"3".to_vec(), b"4".to_vec()]);
        let sleeps = mock::calls().iter().filter(|c| matches!(c, Call::RingSleep(_))).count();
        assert_eq!(sleeps, 4, "three times told to receive again, then asleep");
    }

    #[test]
    fn errors_stop_the_drain() {
        let mut consumer = consumer_with(
            MockRing::new("rx", 0)
                .with_messages([b"ok".to_vec(), [0u8; DRAIN_BUFFER_BYTES + 1].to_vec()]),
        );
        let (result, got) = collect(&mut consumer);
        assert_eq!(result, Err(Error::TooLarge));
        assert_eq!(got.len(), 1);

        let mut consumer = consumer_with(MockRing::new("rx", 0).with_messages([b"x".to_vec()]));
        mock::with(|m| m.rings[0].broken = true);
        assert_eq!(collect(&mut consumer).0, Err(Error::RingBroken));
    }

    #[test]
    fn a_missing_ring_is_an_error() {
        mock::reset();
        assert_eq!(RingConsumer::try_open("nope").err(), Some(Error::NoSuchRing));
        assert_eq!(RingProducer::try_open("nope").err(), Some(Error::NoSuchRing));
    }

    #[test]
    fn producer_sends_then_publishes() {
        mock::reset();
        mock::with(|m| m.rings.push(MockRing::new("tx", 1).with_slots(2)));
        let mut producer = RingProducer::open("tx");
        assert_eq!(producer.send(b"a"), Ok(()));
        assert_eq!(producer.send(b"b"), Ok(()));
        assert_eq!(producer.send(b"c"), Err(Error::RingFull));
        mock::with(|m| assert!(m.rings[0].published.is_empty()));
        assert_eq!(producer.publish(), Ok(()));
        mock::with(|m| assert_eq!(m.rings[0].published, [b"a".to_vec(), b"b".to_vec()]));
    }

    #[test]
    fn send_spin_publishes_while_full() {
        mock::reset();
        // The consumer takes what is published: the slots free up.
        mock::with(|m| m.rings.push(MockRing::new("tx", 1).with_slots(1).consumed_on_publish()));
        let mut producer = RingProducer::open("tx");
        assert_eq!(producer.send_spin(b"a", 0), Ok(()));
        assert_eq!(producer.send_spin(b"b", 0), Err(Error::RingFull));
        assert_eq!(producer.send_spin(b"b", 3), Ok(()));
        let publishes = mock::calls().iter().filter(|c| matches!(c, Call::RingPublish(_))).count();
        assert_eq!(publishes, 1);

        // A consumer that never runs: give up after the attempts.
        mock::with(|m| m.rings[0].consume_on_publish = false);
        assert_eq!(producer.send_spin(b"c", 5), Err(Error::RingFull));
    }

    #[test]
    fn batch_records_are_length_prefixed_and_padded() {
        let mut buffer = [0xaau8; 24];
        let mut batch = Batch::new(&mut buffer);
        assert!(batch.is_empty());
        assert!(batch.push(b"abcde"));
        assert!(batch.push_with(2, |m| m.copy_from_slice(b"xy")));
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.as_bytes(), b"\x05\0\0\0abcde\xaa\xaa\xaa\x02\0\0\0xy\xaa\xaa");
        // 4 bytes left: a record of 1 byte needs 8.
        assert!(!batch.push(b"z"));
        assert!(batch.push(b""));
        assert_eq!(batch.len(), 3);
        assert_eq!(Batch::record_bytes(0), 4);
        assert_eq!(Batch::record_bytes(16), 20);
    }

    #[test]
    fn send_batch_sends_what_fits_and_keeps_the_rest() {
        mock::reset();
        mock::with(|m| m.rings.push(MockRing::new("tx", 1).with_slots(3)));
        let mut producer = RingProducer::open("tx");
        let mut buffer = [0u8; 64];
        let mut batch = Batch::new(&mut buffer);
        assert_eq!(producer.send_batch(&mut batch), Ok(0));
        for m in [&b"a"[..], b"bb", b"ccc", b"dddd", b"eeeee"] {
            assert!(batch.push(m));
        }
        assert_eq!(producer.send_batch(&mut batch), Ok(3));
        // The two that did not fit stay, at the front.
        assert_eq!(batch.len(), 2);
        assert_eq!(
            Received { bytes: batch.as_bytes(), left: 2 }.collect::<Vec<_>>(),
            [&b"dddd"[..], b"eeeee"]
        );
        assert_eq!(producer.send_batch(&mut batch), Err(Error::RingFull));
        assert_eq!(batch.len(), 2);
        mock::with(|m| assert!(m.rings[0].published.is_empty()));
        assert_eq!(producer.publish(), Ok(()));
        mock::with(|m| {
            assert_eq!(m.rings[0].published, [b"a".to_vec(), b"bb".to_vec(), b"ccc".to_vec()]);
            m.rings[0].in_flight = 0;
        });
        assert_eq!(producer.send_batch(&mut batch), Ok(2));
        assert!(batch.is_empty());
        let batches: Vec<_> = mock::calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::RingSendBatch { ring, messages } => Some((ring, messages.len())),
                _ => None,
            })
            .collect();
        // The empty batch made no host call.
        assert_eq!(batches, [(0, 5), (0, 2), (0, 2)]);
    }

    #[test]
    fn recv_batch_returns_what_fits() {
        let mut consumer = consumer_with(MockRing::new("rx", 4).with_messages([
            b"one".to_vec(),
            b"two!".to_vec(),
            b"three".to_vec(),
        ]));
        // Room for the records of "one" (8 bytes) and "two!" (8 bytes), not "three" (12).
        let mut buffer = [0u8; 20];
        let got: Vec<Vec<u8>> =
            consumer.recv_batch(&mut buffer).unwrap().map(<[u8]>::to_vec).collect();
        assert_eq!(got, [b"one".to_vec(), b"two!".to_vec()]);
        let got: Vec<Vec<u8>> =
            consumer.recv_batch(&mut buffer).unwrap().map(<[u8]>::to_vec).collect();
        assert_eq!(got, [b"three".to_vec()]);
        assert_eq!(consumer.recv_batch(&mut buffer).unwrap().count(), 0);
        // A message larger than the whole buffer stays in the ring.
        mock::with(|m| m.rings[0].inbox.push_back([7u8; 17].to_vec()));
        assert_eq!(consumer.recv_batch(&mut buffer).err(), Some(Error::TooLarge));
        mock::with(|m| assert_eq!(m.rings[0].inbox.len(), 1));
        assert_eq!(consumer.recv_batch(&mut [0u8; 3]).err(), Some(Error::TooLarge));
        mock::with(|m| m.rings[0].broken = true);
        assert_eq!(consumer.recv_batch(&mut buffer).err(), Some(Error::RingBroken));
    }

    #[test]
    fn drain_batch_receives_in_batches_then_sleeps() {
        let ring = MockRing::new("rx", 0)
            .with_messages((0u8..5).map(|i| vec![i; 4]))
            .arriving_at_sleep([b"late".to_vec()]);
        let mut consumer = consumer_with(ring);
        let mut buffer = [0u8; 24];
        let mut got = Vec::new();
        assert_eq!(consumer.drain_batch_into(&mut buffer, |m| got.push(m.to_vec())), Ok(6));
        let expected: Vec<Vec<u8>> =
            (0u8..5).map(|i| vec![i; 4]).chain([b"late".to_vec()]).collect();
        assert_eq!(got, expected);
        let ring_calls: Vec<_> = mock::calls()
            .into_iter()
            .filter(|c| !matches!(c, Call::RingOpen(_) | Call::RingChannel(_)))
            .collect();
        let recv = Call::RingRecvBatch { ring: 0, capacity: 24 };
        assert_eq!(
            ring_calls,
            [
                // 3 + 2 messages, empty; sleep brings one; 1, empty; asleep.
                recv.clone(),
                recv.clone(),
                recv.clone(),
                Call::RingSleep(0),
                recv.clone(),
                recv,
                Call::RingSleep(0)
            ]
        );
    }
}
