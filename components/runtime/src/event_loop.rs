//! The event loop: waits on the component's input endpoint and dispatches
//! protected calls and notifications to the handler.

use sel4::{CPtr, MessageInfo, Word};
use system_manifest::layout::{badge, slot, MAX_CHANNELS};

use crate::Channel;

/// What a component does when something arrives.
pub trait Handler {
    /// A signal arrived on `channel` (a notification channel, a ring's
    /// channel, or an interrupt).
    fn notified(&mut self, channel: Channel) {
        log::warn!("unhandled notification on channel {}", channel.id());
    }

    /// A protected call arrived on `channel`; the returned message (with
    /// the message registers set by [`crate::set_mr`]) is the reply.
    fn protected(&mut self, channel: Channel, request: MessageInfo) -> MessageInfo {
        log::warn!("unhandled protected call on channel {} (label {})", channel.id(), request.label());
        MessageInfo::new(0, 0, 0, 0)
    }
}

/// Runs `handler` for ever. A reply and the next receive are one syscall.
pub fn run<H: Handler>(handler: &mut H) -> ! {
    let input = CPtr::from_bits(slot::INPUT_ENDPOINT as Word);
    let (mut info, mut received) = sel4::recv(input);
    loop {
        let bits = received as u64;
        (info, received) = if bits & badge::PROTECTED_CALL != 0 {
            let channel = Channel::from_badge((bits & !badge::PROTECTED_CALL) as u8);
            let reply = handler.protected(channel, info);
            sel4::reply_recv(input, reply)
        } else {
            // One bit per channel: signals that arrived together come together.
            for id in 0..MAX_CHANNELS {
                if bits & badge::notification(id) != 0 {
                    handler.notified(Channel::from_badge(id));
                }
            }
            sel4::recv(input)
        };
    }
}
