//! The event loop: waits on the component's input endpoint and dispatches
//! protected calls and notifications to the handler.

use core::sync::atomic::{AtomicU64, Ordering};

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
        log::warn!(
            "unhandled protected call on channel {} (label {})",
            channel.id(),
            request.label()
        );
        MessageInfo::new(0, 0, 0, 0)
    }
}

/// Signals taken by [`wait_for`] that were meant for other channels: the
/// event loop hands them to the handler before it waits again.
static DEFERRED: AtomicU64 = AtomicU64::new(0);

/// Waits until `channel` is signalled (e.g. a ring's peer); signals of other
/// channels that arrive meanwhile are kept for the event loop.
pub fn wait_for(channel: Channel) {
    let notification = CPtr::from_bits(slot::NOTIFICATION as Word);
    let wanted = badge::notification(channel.id());
    loop {
        let bits = sel4::recv(notification).1 as u64;
        DEFERRED.fetch_or(bits & !wanted, Ordering::Relaxed);
        if bits & wanted != 0 {
            return;
        }
    }
}

fn dispatch_signals<H: Handler>(handler: &mut H, bits: u64) {
    // One bit per channel: signals that arrived together come together.
    for id in 0..MAX_CHANNELS {
        if bits & badge::notification(id) != 0 {
            system_manifest::stats::bump(&crate::stats::counters().signals_in, id);
            handler.notified(Channel::from_badge(id));
        }
    }
}

/// Hands deferred signals to the handler until none are left (a handler
/// may itself wait and defer more).
fn dispatch_deferred<H: Handler>(handler: &mut H) {
    loop {
        let bits = DEFERRED.swap(0, Ordering::Relaxed);
        if bits == 0 {
            return;
        }
        dispatch_signals(handler, bits);
    }
}

/// Runs `handler` for ever. A reply and the next receive are one syscall.
pub fn run<H: Handler>(handler: &mut H) -> ! {
    let input = CPtr::from_bits(slot::INPUT_ENDPOINT as Word);
    let serving = &crate::stats::counters().serving;
    dispatch_deferred(handler);
    let (mut info, mut received) = sel4::recv(input);
    loop {
        let bits = received as u64;
        (info, received) = if bits & badge::PROTECTED_CALL != 0 {
            serving.store(1, Ordering::Relaxed);
            let channel = Channel::from_badge((bits & !badge::PROTECTED_CALL) as u8);
            system_manifest::stats::bump(&crate::stats::counters().calls_in, channel.id());
            // The handler sees only this caller's words.
            crate::message::clear_beyond(info.length());
            let reply = handler.protected(channel, info);
            if DEFERRED.load(Ordering::Relaxed) == 0 {
                sel4::reply_recv(input, reply)
            } else {
                sel4::reply(reply);
                serving.store(0, Ordering::Relaxed);
                dispatch_deferred(handler);
                sel4::recv(input)
            }
        } else {
            // Whatever call was held has been answered (`reply_recv`).
            serving.store(0, Ordering::Relaxed);
            dispatch_signals(handler, bits);
            dispatch_deferred(handler);
            sel4::recv(input)
        };
    }
}
