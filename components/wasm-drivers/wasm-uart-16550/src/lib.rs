//! The serial driver as a Wasm component: a 16550 UART at COM1.
//!
//! - Output: lines arrive over ring [`OUTPUT`] (from the console); the
//!   driver writes them to the UART, turning `\n` into `\r\n` for terminals.
//! - Input: the UART interrupts when a byte arrives (its interrupt is
//!   granted on channel [`IRQ_CHANNEL`]); the driver moves every received
//!   byte to ring [`INPUT`] (to the shell), if the system has one.
//!
//! The UART is reached only through the IO ports and the interrupt the
//! description grants; the driver logic is the `uart-16550` crate, tested on
//! the host against a simulated UART.
//!
//! Crash policy: a message is released from the output ring only once it
//! has been written out, so a restarted driver continues with the first
//! message its predecessor had not finished: no line is lost, and the line
//! being written when the driver died may appear twice (cut, then whole).
#![cfg_attr(not(test), no_std)]

use sel4_wasm_sdk::{self as sdk, Channel, Handler, IoPorts, Irq, RingConsumer, RingProducer};
use uart_16550::{Config, ReceiveTrigger, Registers, Uart16550};

#[cfg(feature = "component")]
sdk::component!(init);

/// COM1's first IO port.
pub const COM1: u16 = 0x3f8;
/// The channel the UART's interrupt arrives on (the `channel` of the
/// description's `irqs` entry).
pub const IRQ_CHANNEL: u8 = 1;
/// The ring of text to write.
pub const OUTPUT: &str = "console-tx";
/// The ring typed bytes go to (optional).
pub const INPUT: &str = "console-rx";
/// Polls of a busy transmitter before a byte is given up.
const SPINS_PER_BYTE: u32 = 100_000;

/// The UART's registers through granted IO ports.
pub struct PortRegisters(pub IoPorts);

impl Registers for PortRegisters {
    fn read(&mut self, offset: u8) -> u8 {
        // A refused port reads as a missing device (all ones).
        self.0.read8(offset as u16).unwrap_or(0xff)
    }

    fn write(&mut self, offset: u8, value: u8) {
        let _ = self.0.write8(offset as u16, value);
    }
}

/// Writes `text` to the UART, each `\n` as `\r\n`; bytes written.
pub fn write_text<R: Registers>(uart: &mut Uart16550<R>, text: &[u8]) -> usize {
    let mut written = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        match line.split_last() {
            Some((b'\n', body)) => {
                written += uart.write_blocking(body, SPINS_PER_BYTE);
                written += uart.write_blocking(b"\r\n", SPINS_PER_BYTE);
            }
            _ => written += uart.write_blocking(line, SPINS_PER_BYTE),
        }
    }
    written
}

pub struct SerialDriver<R: Registers> {
    pub uart: Uart16550<R>,
    output: RingConsumer,
    input: Option<RingProducer>,
    irq: Irq,
    /// Messages written, bytes received, and bytes dropped because the
    /// input ring was full.
    pub messages: u64,
    pub received: u64,
    pub input_dropped: u64,
}

pub fn init() -> SerialDriver<PortRegisters> {
    let mut driver = SerialDriver::new(PortRegisters(IoPorts::new(COM1)));
    driver.start();
    driver
}

impl<R: Registers> SerialDriver<R> {
    pub fn new(registers: R) -> SerialDriver<R> {
        SerialDriver {
            uart: Uart16550::new(registers),
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

    /// Programs the UART and writes what is already queued.
    pub fn start(&mut self) {

        // Eight bytes or the character timeout: a burst of typing is one or
        // two interrupts rather than one per byte.
        let config = Config { receive_interrupt: self.input.is_some(), receive_trigger: ReceiveTrigger::Eight, ..Config::default() };
        if let Err(e) = self.uart.init(&config) {
            panic!("COM1 ({COM1:#x}): {e:?}");
        }
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
    pub fn write_output_with(&mut self, mut write: impl FnMut(&mut Uart16550<R>, &[u8])) {
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
            let n = self.uart.read_available(&mut buffer);
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

impl<R: Registers> Handler for SerialDriver<R> {
    fn notified(&mut self, channel: Channel) {
        if channel.id() == IRQ_CHANNEL {
            self.read_input();
            let _ = self.irq.ack();
        }
        if channel == self.output.channel() {
            self.write_output();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uart_16550::sim::SimUart;

    #[test]
    fn line_ends_become_crlf() {
        let mut uart = Uart16550::new(SimUart::new());
        uart.init(&Config::default()).unwrap();
        write_text(&mut uart, b"[INFO  kv] ready\nsecond\nno end");
        assert_eq!(uart.registers().transmitted(), b"[INFO  kv] ready\r\nsecond\r\nno end");
    }
}
