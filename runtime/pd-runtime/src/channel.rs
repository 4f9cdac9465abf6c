//! Channels, named by the ids of the system description.

use core::fmt;
use core::sync::atomic::Ordering;

use sel4::{CPtr, MessageInfo, Word};
use system_manifest::ipc::label;
use system_manifest::layout::MAX_CHANNELS;
use system_manifest::ArchivedChannelEndKind;

use crate::global::Global;

/// What this component can do on each channel id.
#[derive(Clone, Copy)]
enum Use {
    None,
    /// Calls the peer through the endpoint capability in this slot.
    Call(Word),
    /// The peer calls this component.
    Serve,
    /// Signals the peer through the notification capability in this slot.
    Signal(Word),
    /// Receives signals only (an interrupt).
    Receive,
}

static TABLE: Global<[Use; MAX_CHANNELS as usize]> = Global::new();

/// Builds the channel table from the config.
pub(crate) fn init() {
    let mut table = [Use::None; MAX_CHANNELS as usize];
    let config = crate::config();
    for end in config.channels.iter() {
        table[end.id as usize] = match end.kind {
            ArchivedChannelEndKind::Caller { slot } => Use::Call(slot.to_native() as Word),
            ArchivedChannelEndKind::Callee => Use::Serve,
            ArchivedChannelEndKind::Notification { slot } => Use::Signal(slot.to_native() as Word),
        };
    }
    for irq in config.irqs.iter() {
        table[irq.channel as usize] = Use::Receive;
    }
    TABLE.set(table);
}

fn use_of(id: u8) -> Use {
    TABLE.get().get(id as usize).copied().unwrap_or(Use::None)
}

/// A channel of this component.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Channel(u8);

/// Why a protected call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallError {
    /// The server died while handling the call, or is stopped.
    ServerDied,
    /// This component does not call on this channel.
    NotACaller { channel: u8 },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::ServerDied => f.write_str("the server died"),
            CallError::NotACaller { channel } => {
                write!(f, "channel {channel} is not one this component calls on")
            }
        }
    }
}

impl Channel {
    /// Channel `id` of the system description. Panics (a component fault,
    /// reported by the supervisor) if the description gives this component
    /// no such channel.
    pub fn new(id: u8) -> Channel {
        if matches!(use_of(id), Use::None) {
            panic!("component `{}` has no channel {id} in the system description", crate::name());
        }
        Channel(id)
    }

    /// Channel `id`, if the description gives this component one.
    pub fn try_new(id: u8) -> Option<Channel> {
        (!matches!(use_of(id), Use::None)).then_some(Channel(id))
    }

    /// The channel whose other end is component `peer`. Panics if there is
    /// none, or more than one.
    pub fn to(peer: &str) -> Channel {
        let mut ends = crate::config().channels.iter().filter(|c| c.peer.as_str() == peer);
        match (ends.next(), ends.next()) {
            (Some(end), None) => Channel(end.id),
            (None, _) => panic!("component `{}` has no channel to `{peer}`", crate::name()),
            (Some(_), Some(_)) => panic!(
                "component `{}` has several channels to `{peer}`: use Channel::new(id)",
                crate::name()
            ),
        }
    }

    pub(crate) fn from_badge(id: u8) -> Channel {
        Channel(id)
    }

    /// Channel `id` whatever this component may do on it (to wait for its
    /// signals; ids come from the description, or an interrupt's channel).
    pub fn from_id(id: u8) -> Channel {
        Channel(id)
    }

    pub fn id(self) -> u8 {
        self.0
    }

    /// Signals the peer (no effect on a channel this component only receives on).
    pub fn notify(self) {
        if !self.try_notify() {
            log::warn!("notify on channel {}, which this component cannot signal", self.0);
        }
    }

    /// Signals the peer; `false` if this component cannot signal on this channel.
    pub fn try_notify(self) -> bool {
        match use_of(self.0) {
            Use::Signal(slot) => {
                sel4::send(CPtr::from_bits(slot), MessageInfo::new(0, 0, 0, 0));
                system_manifest::stats::bump(&crate::stats::counters().signals_out, self.0);
                true
            }
            _ => false,
        }
    }

    /// Calls the peer with `request` (and the message registers set by
    /// [`crate::set_mr`]); returns the reply.
    pub fn call(self, request: MessageInfo) -> Result<MessageInfo, CallError> {
        let Use::Call(slot) = use_of(self.0) else {
            return Err(CallError::NotACaller { channel: self.0 });
        };
        let stats = crate::stats::counters();
        system_manifest::stats::bump(&stats.calls_out, self.0);
        stats.calling.store(u64::from(self.0) + 1, Ordering::Relaxed);
        let reply = sel4::call(CPtr::from_bits(slot), request).0;
        stats.calling.store(0, Ordering::Relaxed);
        crate::message::received(reply.length());
        if reply.label() == label::SERVER_DIED as Word {
            Err(CallError::ServerDied)
        } else {
            Ok(reply)
        }
    }
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Channel({})", self.0)
    }
}
