//! What the Wasm serial drivers share, whatever their UART
//! (`wasm-uart-16550`, `wasm-uart-pl011`): a drop-in pair in a system
//! description.
//!
//! - Output: lines arrive over ring [`OUTPUT`] (from the console); the
//!   driver writes them to the UART, turning `\n` into `\r\n` for terminals.
//! - Input: the UART interrupts when bytes arrive (its interrupt is granted
//!   on channel [`IRQ_CHANNEL`]); the driver moves every received byte to
//!   ring [`INPUT`] (to the shell), if the system has one. Without it the
//!   receive interrupt stays off.
//!
//! Crash policy: a message is released from the output ring only once it
//! has been written out, so a restarted driver continues with the first
//! message its predecessor had not finished: no line is lost, and the line
//! being written when the driver died may appear twice (cut, then whole).
//!
//! Each UART's driver implements [`SerialPort`] (program, send, receive,
//! clear its interrupt) and exports a [`SerialDriver`] over it.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{Channel, Handler, Irq, RingConsumer, RingProducer};

/// The channel the UART's interrupt arrives on (the `channel` of the
/// description's `irqs` entry).
pub const IRQ_CHANNEL: u8 = 1;
/// The ring of text to write.
pub const OUTPUT: &str = "console-tx";
/// The ring typed bytes go to (optional).
pub const INPUT: &str = "console-rx";

/// A UART as the serial driver uses it.
pub trait SerialPort {
    /// Programs the UART, with its receive interrupt on if
    /// `receive_interrupt`. Panics if the UART cannot be used (nothing
    /// answers at the granted registers).
    fn start(&mut self, receive_interrupt: bool);

    /// Writes `bytes` as they are, waiting a bounded time for a busy
    /// transmitter; returns how many were written.
    fn send(&mut self, bytes: &[u8]) -> usize;

    /// Moves bytes already received into `buffer`; returns how many (0:
    /// none waiting).
    fn receive(&mut self, buffer: &mut [u8]) -> usize;

    /// Runs when the interrupt arrives, before the received bytes are read
    /// and the interrupt is acknowledged. A UART whose interrupt stays
    /// asserted until the device clears it (a level-triggered line) clears
    /// it here, or the acknowledged interrupt fires again at once; clearing
    /// before reading means a byte that arrives meanwhile raises it again
    /// instead of waiting unread. By default nothing: reading a 16550's
    /// receive buffer is what clears its interrupt.
    fn clear_interrupt(&mut self) {}
}

/// Writes `text` to the UART, each `\n` as `\r\n`; bytes written.
pub fn write_text<P: SerialPort + ?Sized>(port: &mut P, text: &[u8]) -> usize {
    let mut written = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        match line.split_last() {
            Some((b'\n', body)) => {
                written += port.send(body);
                written += port.send(b"\r\n");
            }
            _ => written += port.send(line),
        }
    }
    written
}

pub struct SerialDriver<P: SerialPort> {
    pub uart: P,
    output: RingConsumer,
    input: Option<RingProducer>,
    irq: Irq,
    /// Messages written, bytes received, and bytes dropped because the
    /// input ring was full (or missing).
    pub messages: u64,
    pub received: u64,
    pub input_dropped: u64,
}

impl<P: SerialPort> SerialDriver<P> {
    /// Opens the rings (panics without [`OUTPUT`]); the UART is not touched
    /// until [`Self::start`].
    pub fn new(uart: P) -> SerialDriver<P> {
        SerialDriver {
            uart,
            output: RingConsumer::open(OUTPUT),
            input: RingProducer::try_open(INPUT).ok(),
            irq: Irq::new(IRQ_CHANNEL),
            messages: 0,
            received: 0,
            input_dropped: 0,
        }
    }

    /// The channel the console signals when it queues output.
    pub fn output_channel(&self) -> Channel {
        self.output.channel()
    }

    /// Whether the system has an input ring.
    pub fn has_input(&self) -> bool {
        self.input.is_some()
    }

    /// Programs the UART and writes what is already queued.
    pub fn start(&mut self) {
        self.uart.start(self.input.is_some());
        // An interrupt may have fired before the UART was programmed.
        let _ = self.irq.ack();
        self.write_output();
        self.read_input();
    }

    /// Writes every queued message.
    pub fn write_output(&mut self) {
        self.write_output_with(|uart, message| {
            write_text(uart, message);
        });
    }

    /// Hands every queued message to `write` (a wrapper that injects faults
    /// uses this).
    pub fn write_output_with(&mut self, mut write: impl FnMut(&mut P, &[u8])) {
        let SerialDriver { uart, output, messages, .. } = self;
        let drained = output.drain(|message| {
            write(uart, message);
            *messages += 1;
        });
        if let Err(e) = drained {
            panic!("output ring: {e}");
        }
    }

    /// Moves received bytes to the input ring.
    pub fn read_input(&mut self) {
        let mut buffer = [0u8; 64];
        loop {
            let n = self.uart.receive(&mut buffer);
            if n == 0 {
                break;
            }
            self.received += n as u64;

            match &mut self.input {
                Some(input) => {
                    if input.send(&buffer[..n]).is_err() {
                        self.input_dropped += n as u64;
                    }
                }
                None => self.input_dropped += n as u64,
            }
        }
        if let Some(input) = &mut self.input {
            let _ = input.publish();
        }
    }
}

impl<P: SerialPort> Handler for SerialDriver<P> {
    fn notified(&mut self, channel: Channel) {
        if channel.id() == IRQ_CHANNEL {
            self.uart.clear_interrupt();
            self.read_input();
            let _ = self.irq.ack();
        }
        if channel == self.output.channel() {
            self.write_output();
        }
    }
}

/// Host tests of serial drivers: the rings a description with a console
/// (and a shell) gives the driver, in the SDK's mock host.
#[cfg(not(target_arch = "wasm32"))]
pub mod testing {
    extern crate std;

    use super::{INPUT, OUTPUT};
    use sel4_wasm_sdk::mock::{self, MockRing};

    /// The output ring's channel, and so the console's signal.
    pub const OUTPUT_CHANNEL: u8 = 3;
    /// The input ring's channel.
    pub const INPUT_CHANNEL: u8 = 4;

    /// Resets the mock host and gives it ring [`OUTPUT`] (handle 0) holding
    /// `queued`, and ring [`INPUT`] (handle 1) of `input_slots` slots if
    /// `Some`.
    pub fn console_rings(queued: &[&[u8]], input_slots: Option<usize>) {
        mock::reset();
        mock::with(|m| {
            m.rings.push(
                MockRing::new(OUTPUT, OUTPUT_CHANNEL as i32)
                    .consumer()
                    .with_messages(queued.iter().map(|m| m.to_vec())),
            );
            if let Some(slots) = input_slots {
                m.rings.push(MockRing::new(INPUT, INPUT_CHANNEL as i32).with_slots(slots));
            }
        });
    }

    /// Everything published on the input ring so far.
    pub fn published_input() -> std::vec::Vec<u8> {
        mock::with(|m| m.rings[1].published.concat())
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{console_rings, published_input, OUTPUT_CHANNEL};
    use super::*;
    use sel4_wasm_sdk::mock::{self, Call};
    use std::collections::VecDeque;
    use std::vec::Vec;

    /// What the fake UART saw, with the interrupt acknowledgements made so
    /// far at each step (to check the order against the host's calls).
    #[derive(Debug, PartialEq, Eq)]
    enum Event {
        Start { receive_interrupt: bool },
        Clear { acks_before: usize },
        Receive { acks_before: usize },
    }

    #[derive(Default)]
    struct FakeUart {
        sent: Vec<u8>,
        /// Bytes `send` takes before the transmitter "stalls".
        send_limit: Option<usize>,
        arriving: VecDeque<u8>,
        events: Vec<Event>,
    }

    fn acks() -> usize {
        mock::calls().iter().filter(|c| matches!(c, Call::IrqAck(_))).count()
    }

    impl SerialPort for FakeUart {
        fn start(&mut self, receive_interrupt: bool) {
            self.events.push(Event::Start { receive_interrupt });
        }
        fn send(&mut self, bytes: &[u8]) -> usize {
            let n = match self.send_limit {
                Some(limit) => bytes.len().min(limit - self.sent.len()),
                None => bytes.len(),
            };
            self.sent.extend_from_slice(&bytes[..n]);
            n
        }
        fn receive(&mut self, buffer: &mut [u8]) -> usize {
            let n = buffer.len().min(self.arriving.len());
            for slot in &mut buffer[..n] {
                *slot = self.arriving.pop_front().unwrap();
            }
            if n > 0 {
                self.events.push(Event::Receive { acks_before: acks() });
            }
            n
        }
        fn clear_interrupt(&mut self) {
            self.events.push(Event::Clear { acks_before: acks() });
        }
    }

    /// A driver whose output ring holds `queued`; with an input ring of
    /// `input_slots` slots if `Some`.
    fn driver(queued: &[&[u8]], input_slots: Option<usize>) -> SerialDriver<FakeUart> {
        console_rings(queued, input_slots);
        SerialDriver::new(FakeUart::default())
    }

    #[test]
    fn line_ends_become_crlf() {
        let mut uart = FakeUart::default();
        let written = write_text(&mut uart, b"[INFO  kv] ready\nsecond\nno end");
        assert_eq!(uart.sent, b"[INFO  kv] ready\r\nsecond\r\nno end");
        assert_eq!(written, uart.sent.len());
        let mut uart = FakeUart::default();
        write_text(&mut uart, b"\n\n");
        assert_eq!(uart.sent, b"\r\n\r\n");
    }

    #[test]
    fn write_text_counts_what_a_stalled_uart_took() {
        let mut uart = FakeUart { send_limit: Some(5), ..FakeUart::default() };
        assert_eq!(write_text(&mut uart, b"abc\ndef\n"), 5);
        assert_eq!(uart.sent, b"abc\r\n");
    }

    #[test]
    fn start_programs_the_uart_acks_and_writes_what_is_queued() {
        let mut d = driver(&[b"one\n", b"two\n"], Some(8));
        assert_eq!(d.output_channel(), Channel::new(OUTPUT_CHANNEL));
        assert!(d.has_input());
        d.start();
        assert_eq!(d.uart.events, [Event::Start { receive_interrupt: true }]);
        assert_eq!(d.uart.sent, b"one\r\ntwo\r\n");
        assert_eq!(d.messages, 2);
        assert_eq!(acks(), 1, "an interrupt from before start is acknowledged");
        assert!(mock::calls().contains(&Call::IrqAck(IRQ_CHANNEL as i32)));
    }

    #[test]
    fn without_an_input_ring_the_receive_interrupt_stays_off() {
        let mut d = driver(&[], None);
        assert!(!d.has_input());
        d.start();
        assert_eq!(d.uart.events, [Event::Start { receive_interrupt: false }]);
        d.uart.arriving.extend(b"lost");
        d.notified(Channel::new(IRQ_CHANNEL));
        assert_eq!((d.received, d.input_dropped), (4, 4));
    }

    #[test]
    fn the_interrupt_is_cleared_and_read_before_it_is_acknowledged() {
        let mut d = driver(&[], Some(8));
        d.start();
        d.uart.events.clear();
        d.uart.arriving.extend(b"ls -l\r");
        d.notified(Channel::new(IRQ_CHANNEL));
        assert_eq!(
            d.uart.events,
            [Event::Clear { acks_before: 1 }, Event::Receive { acks_before: 1 }]
        );
        assert_eq!(acks(), 2, "then acknowledged");
        assert_eq!(published_input(), b"ls -l\r");
        assert_eq!((d.received, d.input_dropped), (6, 0));
    }

    #[test]
    fn long_input_is_moved_in_several_reads() {
        let mut d = driver(&[], Some(8));
        d.start();
        let typed: Vec<u8> = (0..150).collect();
        d.uart.arriving.extend(&typed);
        d.notified(Channel::new(IRQ_CHANNEL));
        assert_eq!(published_input(), typed);
        let sends = mock::with(|m| m.rings[1].published.len());
        assert_eq!(sends, 3, "64 + 64 + 22");
    }

    #[test]
    fn input_that_finds_the_ring_full_is_dropped_and_counted() {
        let mut d = driver(&[], Some(1));
        d.start();
        d.uart.arriving.extend(&[b'x'; 100]);
        d.notified(Channel::new(IRQ_CHANNEL));
        assert_eq!(d.received, 100);
        assert_eq!(d.input_dropped, 36, "the first 64 fit in the one slot");
        assert_eq!(published_input().len(), 64);
    }

    #[test]
    fn output_is_written_when_the_console_signals() {
        let mut d = driver(&[], Some(8));
        d.start();
        mock::with(|m| m.rings[0].inbox.push_back(b"later\n".to_vec()));
        // Another channel's signal writes nothing.
        d.notified(Channel::new(9));
        assert_eq!(d.uart.sent, b"");
        d.notified(Channel::new(OUTPUT_CHANNEL));
        assert_eq!(d.uart.sent, b"later\r\n");
        assert_eq!(d.messages, 1);
    }

    #[test]
    fn a_wrapper_sees_every_message_before_it_is_released() {
        let mut d = driver(&[b"a\n", b"b"], None);
        let mut seen = Vec::new();
        d.write_output_with(|uart, message| {
            seen.push(message.to_vec());
            uart.send(message);
        });
        assert_eq!(seen, [b"a\n".to_vec(), b"b".to_vec()]);
        assert_eq!(d.uart.sent, b"a\nb", "the wrapper writes as it likes");
        assert_eq!(d.messages, 2);
    }
}
