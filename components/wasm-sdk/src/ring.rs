//! Rings of the system description, opened by name. The runtime runs the
//! ring protocol (copies, publishing, who signals whom); the component
//! sends, publishes, and drains when the ring's channel is notified.

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
    name: [u8; RING_NAME_BYTES],
    name_len: usize,
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
        (info >= 0).then(|| RingEndInfo {
            index,
            consumer: info >> 32 == 1,
            name,
            name_len: (info & 0xffff_ffff) as usize,
        })
    })
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
        Ok(RingProducer {
            ring,
            channel: channel(ring),
        })
    }

    /// The channel the consumer signals this end on.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// Copies a message into the ring without publishing it (see
    /// [`RingProducer::publish`]). Never waits: a full ring is
    /// [`Error::RingFull`], and the caller decides (drop, count, retry
    /// later, or [`RingProducer::send_spin`]). Unlike the native runtime's
    /// `send`, because a Wasm component cannot block: the ABI has no wait.
    pub fn send(&mut self, message: &[u8]) -> Result<(), Error> {
        // SAFETY: the host reads `message`.
        Error::check(unsafe { sys::ring_send(self.ring, message.as_ptr(), message.len()) })
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
    /// channels are delivered to `notified` afterwards).
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
        Ok(RingConsumer {
            ring,
            channel: channel(ring),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{self, Call, MockRing};
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
            [
                Call::RingRecv(0),
                Call::RingRecv(0),
                Call::RingRecv(0),
                Call::RingSleep(0)
            ]
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
        assert_eq!(
            got,
            [b"1".to_vec(), b"2".to_vec(), b"3".to_vec(), b"4".to_vec()]
        );
        let sleeps = mock::calls()
            .iter()
            .filter(|c| matches!(c, Call::RingSleep(_)))
            .count();
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
        assert_eq!(
            RingConsumer::try_open("nope").err(),
            Some(Error::NoSuchRing)
        );
        assert_eq!(
            RingProducer::try_open("nope").err(),
            Some(Error::NoSuchRing)
        );
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
        mock::with(|m| {
            m.rings
                .push(MockRing::new("tx", 1).with_slots(1).consumed_on_publish())
        });
        let mut producer = RingProducer::open("tx");
        assert_eq!(producer.send_spin(b"a", 0), Ok(()));
        assert_eq!(producer.send_spin(b"b", 0), Err(Error::RingFull));
        assert_eq!(producer.send_spin(b"b", 3), Ok(()));
        let publishes = mock::calls()
            .iter()
            .filter(|c| matches!(c, Call::RingPublish(_)))
            .count();
        assert_eq!(publishes, 1);

        // A consumer that never runs: give up after the attempts.
        mock::with(|m| m.rings[0].consume_on_publish = false);
        assert_eq!(producer.send_spin(b"c", 5), Err(Error::RingFull));
    }
}
