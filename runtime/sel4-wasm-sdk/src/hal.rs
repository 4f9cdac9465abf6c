//! embedded-hal over what a component is granted, so that driver code
//! written against the embedded-hal 1.0 traits runs in a Wasm component.
//!
//! - [`Delay`] implements [`embedded_hal::delay::DelayNs`] with the timer
//!   service (`driver_protocols::timer`): the component blocks until the
//!   timer signals, it does not spin.
//! - [`SpinDelay`] implements it by polling the clock, for components
//!   without a timer (costs fuel while it waits).
//! - [`Console`] implements [`embedded_io::Write`] (and `core::fmt::Write`)
//!   over the component's console output, for code that prints through
//!   those traits.
//! - Register access for drivers: [`crate::IoPorts`] and
//!   [`crate::DeviceWindow`], both [`device_registers::Registers`] for the
//!   driver crates; interrupts: [`crate::Irq`] with [`crate::wait`].

use driver_protocols::timer::{reply, request};
use embedded_hal::delay::DelayNs;

use crate::{Channel, ChannelKind, Error};

/// Why a timer request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerError {
    /// The call failed (e.g. the timer died).
    Call(Error),
    /// The timer refused with this label (`driver_protocols::timer::reply`).
    Refused(u64),
    /// The component has no call and notification channel to that peer.
    NotWired,
}

/// A client of the timer service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    call: Channel,
    signal: Channel,
}

impl Timer {
    /// The timer reached through protected-call channel `call`, signalling
    /// back on notification channel `signal`.
    pub const fn new(call: Channel, signal: Channel) -> Timer {
        Timer { call, signal }
    }

    /// The timer component named `peer`: its call and notification channels
    /// are found in the description.
    pub fn to(peer: &str) -> Result<Timer, TimerError> {
        let mut call = None;
        let mut signal = None;
        for info in Channel::all().filter(|i| i.peer() == peer) {
            match info.kind {
                ChannelKind::Caller => call = Some(info.channel),
                ChannelKind::Notification => signal = Some(info.channel),
                ChannelKind::Callee => {}
            }
        }
        match (call, signal) {
            (Some(call), Some(signal)) => Ok(Timer { call, signal }),
            _ => Err(TimerError::NotWired),
        }
    }

    /// The channel the timer signals on (to recognise it in `notified`).
    pub fn signal_channel(&self) -> Channel {
        self.signal
    }

    fn ask(&self, label: u64, argument: u64) -> Result<u64, TimerError> {
        let mut answer = [0u8; 8];
        let reply = self
            .call
            .call(label, &argument.to_le_bytes(), &mut answer)
            .map_err(TimerError::Call)?;
        if reply.label != reply::OK {
            return Err(TimerError::Refused(reply.label));
        }
        Ok(u64::from_le_bytes(answer))
    }

    /// The timer's clock, in nanoseconds.
    pub fn now_ns(&self) -> Result<u64, TimerError> {
        self.ask(request::NOW, 0)
    }

    /// Asks to be signalled `ns` from now; returns the deadline (as
    /// [`Timer::now_ns`] counts). Replaces a pending timeout.
    pub fn set_timeout(&self, ns: u64) -> Result<u64, TimerError> {
        self.ask(request::SET_TIMEOUT, ns)
    }

    /// Cancels the pending timeout; whether there was one.
    pub fn cancel(&self) -> Result<bool, TimerError> {
        self.ask(request::CANCEL, 0).map(|pending| pending != 0)
    }

    /// Blocks until the timer signals.
    pub fn wait(&self) -> Result<(), TimerError> {
        crate::wait(self.signal).map_err(TimerError::Call)
    }

    /// Sleeps for `ns` (at least: the timer never signals early).
    pub fn sleep_ns(&self, ns: u64) -> Result<(), TimerError> {
        self.set_timeout(ns)?;
        self.wait()
    }
}

/// [`DelayNs`] through the timer service: the component sleeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delay {
    timer: Timer,
}

impl Delay {
    pub const fn new(timer: Timer) -> Delay {
        Delay { timer }
    }
}

impl DelayNs for Delay {
    fn delay_ns(&mut self, ns: u32) {
        // DelayNs cannot fail: fall back to spinning if the timer cannot help.
        if self.timer.sleep_ns(u64::from(ns)).is_err() {
            SpinDelay.delay_ns(ns);
        }
    }
}

/// [`DelayNs`] by polling the clock (`time_now_ns`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpinDelay;

impl DelayNs for SpinDelay {
    fn delay_ns(&mut self, ns: u32) {
        let end = crate::time_now_ns().saturating_add(u64::from(ns));
        while crate::time_now_ns() < end {}
    }
}

/// The component's console output as a byte stream: text goes out as it
/// is (no level or name prefix), in pieces of at most
/// [`crate::log::LINE_BYTES`]; bytes that are not UTF-8 are replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Console;

impl embedded_io::ErrorType for Console {
    type Error = core::convert::Infallible;
}

impl embedded_io::Write for Console {
    fn write(&mut self, bytes: &[u8]) -> Result<usize, Self::Error> {
        let chunk = &bytes[..bytes.len().min(crate::log::LINE_BYTES)];
        match core::str::from_utf8(chunk) {
            Ok(text) => {
                crate::log::write_text(text);
                Ok(chunk.len())
            }
            // Up to the first bad byte (the caller writes the rest again).
            Err(e) if e.valid_up_to() > 0 => {
                // SAFETY: `valid_up_to` bytes are valid UTF-8.
                crate::log::write_text(unsafe {
                    core::str::from_utf8_unchecked(&chunk[..e.valid_up_to()])
                });
                Ok(e.valid_up_to())
            }
            // A bad sequence (or one cut at the chunk's end): one replacement.
            Err(e) => {
                crate::log::write_text("\u{fffd}");
                Ok(e.error_len().unwrap_or(chunk.len()).max(1))
            }
        }
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl core::fmt::Write for Console {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        let mut rest = text.as_bytes();
        while !rest.is_empty() {
            let n = embedded_io::Write::write(self, rest).unwrap_or(rest.len());
            rest = &rest[n..];
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{self, Call};
    use std::vec;

    fn wired() {
        mock::reset();
        mock::with(|m| {
            m.channel_infos =
                vec![(3, 0, "timer".into()), (4, 2, "timer".into()), (5, 0, "other".into())];
        });
    }

    #[test]
    fn the_timer_is_found_by_peer() {
        wired();
        let timer = Timer::to("timer").unwrap();
        assert_eq!(timer, Timer::new(Channel::new(3), Channel::new(4)));
        assert_eq!(
            Timer::to("other"),
            Err(TimerError::NotWired),
            "a call channel alone is not enough"
        );
    }

    #[test]
    fn delay_sets_a_timeout_and_waits_for_the_signal() {
        wired();
        mock::with(|m| m.call_replies.push_back(Ok((0, 1234u64.to_le_bytes().to_vec()))));
        let mut delay = Delay::new(Timer::to("timer").unwrap());
        delay.delay_ms(2);
        let calls = mock::calls();
        assert!(calls.contains(&Call::ChannelCall {
            channel: 3,
            label: request::SET_TIMEOUT as i64,
            request: 2_000_000u64.to_le_bytes().to_vec(),
            reply_capacity: 8
        }));
        assert_eq!(calls.last(), Some(&Call::Wait(4)));
    }

    #[test]
    fn console_writes_text_as_it_is() {
        use embedded_io::Write as _;
        mock::reset();
        let mut console = Console;
        console.write_all(b"sel4> ").unwrap();
        console.write_all(b"a\xffb").unwrap();
        let texts: std::vec::Vec<_> = mock::calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Log { level: 6, text } => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["sel4> ", "a", "\u{fffd}", "b"]);
    }

    #[test]
    fn refusals_are_reported() {
        wired();
        mock::with(|m| m.call_replies.push_back(Ok((reply::TOO_MANY, vec![]))));
        assert_eq!(
            Timer::to("timer").unwrap().set_timeout(5),
            Err(TimerError::Refused(reply::TOO_MANY))
        );
    }
}
