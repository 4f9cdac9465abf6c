//! The timer driver as a Wasm component, on the HPET.
//!
//! Why the HPET: on this platform (pc99) the kernel owns the local APIC
//! timer for scheduling; the PIT has a 16-bit counter at 1.19 MHz (a
//! timeout above 55 ms needs chaining) and no readable free-running clock.
//! The HPET has a 64-bit main counter (QEMU: 100 MHz) that serves as the
//! clock, and comparators that interrupt; it is reached through a device
//! memory window and one interrupt, both granted by the description. Its
//! legacy route sends timer 0 to IRQ0, IOAPIC pin 2 (and disconnects the
//! PIT from it).
//!
//! Clients (`driver_protocols::timer`) call `NOW`, `SET_TIMEOUT` and
//! `CANCEL` on a protected-call channel; the driver signals them on their
//! notification channel (the one to the same peer) when their deadline
//! passes. One comparator serves everyone: it is armed for the earliest
//! deadline, and a deadline already passed is handled without waiting.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use device_registers::Registers;
use driver_protocols::timer::{reply, request, MAX_TIMEOUT_NS};
use hpet::{Deadlines, Hpet, Route};
use sel4_wasm_sdk::{self as sdk, Channel, ChannelKind, DeviceWindow, Handler, Irq, Reply};

#[cfg(feature = "component")]
sdk::component!(init);

/// The channel the HPET's interrupt arrives on (the `channel` of the
/// description's `irqs` entry).
pub const IRQ_CHANNEL: u8 = 1;
/// The HPET's register window: the component's first `device_memory` entry.
pub const HPET_WINDOW: u32 = 0;
/// Channel ids (and so clients) the driver can serve.
const CHANNEL_IDS: usize = 32;

pub struct TimerService<R: Registers<u32>> {
    pub hpet: Hpet<R>,
    /// Pending timeouts, by the client's call channel id.
    deadlines: Deadlines<CHANNEL_IDS>,
    /// For each call channel id, the notification channel to the same peer.
    signal_of: [Option<Channel>; CHANNEL_IDS],
    irq: Irq,
    /// Timeouts signalled so far.
    pub signalled: u64,
}

pub fn init() -> TimerService<DeviceWindow> {
    let hpet = match Hpet::new(DeviceWindow::new(HPET_WINDOW)) {
        Ok(hpet) => hpet,
        Err(e) => panic!("no usable HPET in device window {HPET_WINDOW}: {e:?}"),
    };
    let mut signal_of = [None; CHANNEL_IDS];
    for call in Channel::all().filter(|c| c.kind == ChannelKind::Callee) {
        let signal =
            Channel::all().find(|n| n.kind == ChannelKind::Notification && n.peer() == call.peer());
        if let Some(slot) = signal_of.get_mut(call.channel.id() as usize) {
            *slot = signal.map(|n| n.channel);
        }
    }
    let service = TimerService::new(hpet, signal_of);
    sdk::info!(
        "HPET: {} timers, period {} fs ({} MHz); serving {} clients",
        service.hpet.timers(),
        service.hpet.period_fs(),
        1_000_000_000 / service.hpet.period_fs() as u64,
        service.signal_of.iter().flatten().count()
    );
    service
}

impl<R: Registers<u32>> TimerService<R> {
    pub fn new(mut hpet: Hpet<R>, signal_of: [Option<Channel>; CHANNEL_IDS]) -> TimerService<R> {
        if let Err(e) = hpet.enable(Route::Legacy) {
            panic!("enabling the HPET: {e:?}");
        }
        let irq = Irq::new(IRQ_CHANNEL);
        let _ = irq.ack();
        TimerService { hpet, deadlines: Deadlines::new(), signal_of, irq, signalled: 0 }
    }

    /// Signals every client whose deadline has passed and arms the
    /// comparator for the earliest one left.
    pub fn expire_and_rearm(&mut self) {
        loop {
            let now = self.hpet.now_ns();
            let TimerService { deadlines, signal_of, signalled, .. } = self;
            deadlines.expire(now, |client| {
                if let Some(signal) = signal_of.get(client as usize).copied().flatten() {
                    signal.notify();
                    *signalled += 1;
                }
            });
            match self.deadlines.next() {
                None => {
                    self.hpet.disarm();
                    return;
                }
                // Armed in time: the interrupt will come.
                Some(deadline) if !self.hpet.arm(deadline) => return,
                // Passed while arming: expire again.
                Some(_) => {}
            }
        }
    }

    fn answer(
        &mut self,
        channel: Channel,
        label: u64,
        request_bytes: &[u8],
        out: &mut [u8],
    ) -> Reply {
        let argument = request_bytes.get(..8).map(|b| u64::from_le_bytes(b.try_into().unwrap()));
        match label {
            request::NOW => Reply::with_u64s(reply::OK, &[self.hpet.now_ns()], out),
            request::SET_TIMEOUT => {
                let Some(ns) = argument.filter(|&ns| ns <= MAX_TIMEOUT_NS) else {
                    return Reply::empty(reply::BAD_REQUEST);
                };
                if self.signal_of.get(channel.id() as usize).copied().flatten().is_none() {
                    return Reply::empty(reply::NO_NOTIFICATION_CHANNEL);
                }
                let deadline = self.hpet.now_ns() + ns;
                if self.deadlines.set(channel.id(), deadline).is_err() {
                    return Reply::empty(reply::TOO_MANY);
                }
                self.expire_and_rearm();
                Reply::with_u64s(reply::OK, &[deadline], out)
            }
            request::CANCEL => {
                let pending = self.deadlines.cancel(channel.id());
                self.expire_and_rearm();
                Reply::with_u64s(reply::OK, &[pending as u64], out)
            }
            _ => Reply::empty(reply::BAD_REQUEST),
        }
    }
}

impl<R: Registers<u32>> Handler for TimerService<R> {
    fn notified(&mut self, channel: Channel) {
        if channel.id() == IRQ_CHANNEL {
            self.hpet.acknowledge();
            let _ = self.irq.ack();
            self.expire_and_rearm();
        }
    }

    fn protected(
        &mut self,
        channel: Channel,
        label: u64,
        request_bytes: &[u8],
        out: &mut [u8],
    ) -> Reply {
        self.answer(channel, label, request_bytes, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hpet::sim::SimHpet;
    use sel4_wasm_sdk::mock::{self, Call};

    fn service() -> TimerService<SimHpet> {
        mock::reset();
        let mut signal_of = [None; CHANNEL_IDS];
        signal_of[0] = Some(Channel::new(1 + 10));
        TimerService::new(Hpet::new(SimHpet::qemu()).unwrap(), signal_of)
    }

    fn ask(
        service: &mut TimerService<SimHpet>,
        channel: u8,
        label: u64,
        argument: u64,
    ) -> (u64, u64) {
        let mut out = [0u8; 8];
        let reply = service.answer(Channel::new(channel), label, &argument.to_le_bytes(), &mut out);
        (reply.label, u64::from_le_bytes(out))
    }

    #[test]
    fn timeouts_signal_the_caller_once_their_deadline_passes() {
        let mut s = service();
        let (label, deadline) = ask(&mut s, 0, request::SET_TIMEOUT, 5_000_000);
        assert_eq!(label, reply::OK);
        s.hpet.registers().advance_ns(4_999_000);
        s.notified(Channel::new(IRQ_CHANNEL));
        assert_eq!(s.signalled, 0, "not before the deadline");
        s.hpet.registers().advance_ns(2_000);
        assert!(s.hpet.now_ns() >= deadline);
        s.notified(Channel::new(IRQ_CHANNEL));
        assert_eq!(s.signalled, 1);
        assert!(mock::calls().contains(&Call::ChannelNotify(11)));
    }

    #[test]
    fn callers_without_a_notification_channel_are_refused() {
        let mut s = service();
        assert_eq!(ask(&mut s, 3, request::SET_TIMEOUT, 1000).0, reply::NO_NOTIFICATION_CHANNEL);
        assert_eq!(ask(&mut s, 0, request::SET_TIMEOUT, MAX_TIMEOUT_NS + 1).0, reply::BAD_REQUEST);
        assert_eq!(ask(&mut s, 0, 99, 0).0, reply::BAD_REQUEST);
    }

    #[test]
    fn cancel_reports_whether_a_timeout_was_pending() {
        let mut s = service();
        ask(&mut s, 0, request::SET_TIMEOUT, 1_000_000);
        assert_eq!(ask(&mut s, 0, request::CANCEL, 0), (reply::OK, 1));
        assert_eq!(ask(&mut s, 0, request::CANCEL, 0), (reply::OK, 0));
        s.hpet.registers().advance_ns(2_000_000);
        s.notified(Channel::new(IRQ_CHANNEL));
        assert_eq!(s.signalled, 0);
    }

    #[test]
    fn now_follows_the_counter() {
        let mut s = service();
        let (_, t0) = ask(&mut s, 0, request::NOW, 0);
        s.hpet.registers().advance_ns(1_000);
        let (_, t1) = ask(&mut s, 0, request::NOW, 0);
        assert_eq!(t1 - t0, 1_000);
    }
}
