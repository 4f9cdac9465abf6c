//! Rings of the system description, opened by name, with the notification
//! protocol handled: the runtime signals the peer when the ring protocol
//! says so, and waits for the peer's signal when told to sleep.

use shared_ring::{Consumer, Producer, RingGeometry, SleepDecision};
pub use shared_ring::{RecvIntoError, RingError, SendError};
use system_manifest::{stats, ArchivedRingEnd, ArchivedRingRole};

use crate::Channel;

fn find(name: &str, role: ArchivedRingRole) -> &'static ArchivedRingEnd {
    let config = crate::config();
    // A component may hold both ends of a ring (the console's own log ring).
    let mut ends = config.rings.iter().filter(|r| r.name.as_str() == name).peekable();
    let Some(first) = ends.peek().copied() else {
        panic!("component `{}` has no ring `{name}` in the system description", crate::name());
    };
    match ends.find(|end| end.role == role) {
        Some(end) => end,
        None => panic!(
            "component `{}` is the {:?} of ring `{name}`, not its {role:?}",
            crate::name(),
            first.role
        ),
    }
}

fn geometry(end: &ArchivedRingEnd) -> RingGeometry {
    RingGeometry::new(end.slot_count.to_native(), end.slot_size.to_native())
        .unwrap_or_else(|e| panic!("ring `{}` has a bad geometry: {e}", end.name.as_str()))
}

/// The producing end of a ring.
pub struct RingProducer {
    ring: Producer<'static>,
    channel: Channel,
}

impl RingProducer {
    /// The ring `name`, of which this component is the producer.
    pub fn open(name: &str) -> RingProducer {
        Self::open_end(find(name, ArchivedRingRole::Producer))
    }

    /// The producing ring end `end` of this component's config.
    pub fn open_end(end: &'static ArchivedRingEnd) -> RingProducer {
        assert!(
            end.role == ArchivedRingRole::Producer,
            "ring `{}` is not produced here",
            end.name.as_str()
        );
        let name = end.name.as_str();
        // SAFETY: the root task maps the ring's region read-write at this
        // address for the life of the component, shared only with the consumer.
        let ring = unsafe { Producer::new(end.vaddr.to_native() as *mut u8, geometry(end)) }
            .unwrap_or_else(|e| panic!("ring `{name}`: {e}"));
        let channel = Channel::from_badge(end.channel);
        wake_peer_after_restart(channel);
        RingProducer { ring, channel }
    }

    /// The channel the consumer signals when it frees slots.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// Largest message.
    pub fn max_payload(&self) -> usize {
        self.ring.geometry().max_payload() as usize
    }

    /// Writes a message without publishing it (see [`RingProducer::publish`]).
    pub fn try_send(&mut self, message: &[u8]) -> Result<(), SendError> {
        self.ring.try_send(message)?;
        stats::bump(&crate::stats::counters().ring_sent, self.channel.id());
        Ok(())
    }

    /// Writes a message, waiting for space while the ring is full. Waiting
    /// publishes what was written, so the consumer can make room.
    pub fn send(&mut self, message: &[u8]) -> Result<(), SendError> {
        loop {
            match self.try_send(message) {
                Err(SendError::Full) => {
                    let plan = self.ring.prepare_to_wait()?;
                    if plan.notify.is_needed() {
                        self.channel.notify();
                    }
                    if plan.decision == SleepDecision::Sleep {
                        crate::wait_for(self.channel);
                    }
                }
                other => return other,
            }
        }
    }

    /// Publishes what was written and waits until the consumer has freed a
    /// slot (returns at once if one is free).
    pub fn wait_for_space(&mut self) -> Result<(), RingError> {
        loop {
            if self.ring.free_slots()? > 0 {
                return Ok(());
            }
            let plan = self.ring.prepare_to_wait()?;
            if plan.notify.is_needed() {
                self.channel.notify();
            }
            if plan.decision == SleepDecision::Sleep {
                crate::wait_for(self.channel);
            }
        }
    }

    /// Makes everything written visible to the consumer, signalling it if it sleeps.
    pub fn publish(&mut self) {
        if self.ring.publish().is_needed() {
            self.channel.notify();
        }
    }
}

/// The consuming end of a ring.
pub struct RingConsumer {
    ring: Consumer<'static>,
    channel: Channel,
}

impl RingConsumer {
    /// The ring `name`, of which this component is the consumer.
    pub fn open(name: &str) -> RingConsumer {
        Self::open_end(find(name, ArchivedRingRole::Consumer))
    }

    /// The consuming ring end `end` of this component's config.
    pub fn open_end(end: &'static ArchivedRingEnd) -> RingConsumer {
        assert!(
            end.role == ArchivedRingRole::Consumer,
            "ring `{}` is not consumed here",
            end.name.as_str()
        );
        let name = end.name.as_str();
        // SAFETY: as in `RingProducer::open`.
        let ring = unsafe { Consumer::new(end.vaddr.to_native() as *mut u8, geometry(end)) }
            .unwrap_or_else(|e| panic!("ring `{name}`: {e}"));
        let channel = Channel::from_badge(end.channel);
        wake_peer_after_restart(channel);
        RingConsumer { ring, channel }
    }

    /// The channel the producer signals when it publishes.
    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// Copies the next message into `buffer`: its length, or `None` if the
    /// ring is empty.
    pub fn recv_into(
        &mut self,
        buffer: &mut [u8],
    ) -> Result<Option<usize>, shared_ring::RecvIntoError> {
        let received = self.ring.recv_into(buffer)?;
        if received.is_some() {
            stats::bump(&crate::stats::counters().ring_received, self.channel.id());
        }
        Ok(received)
    }

    /// Releases what was received and tells the producer this end sleeps
    /// until the next publish; `true` if messages arrived meanwhile (receive
    /// again instead of sleeping).
    pub fn sleep(&mut self) -> Result<bool, RingError> {
        let plan = self.ring.prepare_to_sleep()?;
        if plan.notify.is_needed() {
            self.channel.notify();
        }
        Ok(plan.decision == SleepDecision::Ready)
    }

    /// Hands every available message to `handle` (in place, no copy), then
    /// tells the producer this end sleeps until the next publish. Call it at
    /// start and whenever [`RingConsumer::channel`] is notified; returns the
    /// number of messages handled.
    pub fn drain(&mut self, mut handle: impl FnMut(&[u8])) -> Result<usize, RingError> {
        let mut handled = 0;
        loop {
            let mut round = 0u64;
            let result = loop {
                match self.ring.try_recv() {
                    Ok(Some(message)) => {
                        handle(message);
                        round += 1;
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e),
                }
            };
            // One counter update per round rather than per message.
            stats::add(&crate::stats::counters().ring_received, self.channel.id(), round);
            handled += round as usize;
            result?;
            if !self.sleep()? {
                return Ok(handled);
            }
        }
    }
}

/// A restarted end signals its peer once (`shared_ring`, "Restarting an
/// end"): the previous run may have died between clearing the peer's flag
/// and signalling it. A log ring's consumer (the console) has no capability
/// to signal its producers, which never wait.
fn wake_peer_after_restart(channel: Channel) {
    if crate::restarted() {
        let _ = channel.try_notify();
    }
}
