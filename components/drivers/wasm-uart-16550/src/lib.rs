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
//! the host against a simulated UART. Rings, interrupt handling and crash
//! policy are the `wasm-serial` crate's, shared with the PL011 driver.
//!
//! Crash policy: a message is released from the output ring only once it
//! has been written out, so a restarted driver continues with the first
//! message its predecessor had not finished: no line is lost, and the line
//! being written when the driver died may appear twice (cut, then whole).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::ops::{Deref, DerefMut};

use device_registers::Registers;
use sel4_wasm_sdk::IoPorts;
use uart_16550::{Config, ReceiveTrigger, Uart16550};
use wasm_serial::SerialPort;
pub use wasm_serial::{write_text, INPUT, IRQ_CHANNEL, OUTPUT};

#[cfg(feature = "component")]
sel4_wasm_sdk::component!(init);

/// COM1's first IO port.
pub const COM1: u16 = 0x3f8;
/// Polls of a busy transmitter before a byte is given up.
const SPINS_PER_BYTE: u32 = 100_000;

/// The 16550 as the shared serial driver uses it (dereferences to the
/// [`Uart16550`]).
pub struct Uart16550Port<R: Registers<u8>>(pub Uart16550<R>);

impl<R: Registers<u8>> Uart16550Port<R> {
    pub fn new(registers: R) -> Self {
        Uart16550Port(Uart16550::new(registers))
    }
}

impl<R: Registers<u8>> Deref for Uart16550Port<R> {
    type Target = Uart16550<R>;
    fn deref(&self) -> &Uart16550<R> {
        &self.0
    }
}

impl<R: Registers<u8>> DerefMut for Uart16550Port<R> {
    fn deref_mut(&mut self) -> &mut Uart16550<R> {
        &mut self.0
    }
}

impl<R: Registers<u8>> SerialPort for Uart16550Port<R> {
    fn start(&mut self, receive_interrupt: bool) {
        // Eight bytes or the character timeout: a burst of typing is one or
        // two interrupts rather than one per byte.
        let config = Config {
            receive_interrupt,
            receive_trigger: ReceiveTrigger::Eight,
            ..Config::default()
        };
        if let Err(e) = self.0.init(&config) {
            panic!("COM1 ({COM1:#x}): {e:?}");
        }
    }

    fn send(&mut self, bytes: &[u8]) -> usize {
        self.0.write_blocking(bytes, SPINS_PER_BYTE)
    }

    fn receive(&mut self, buffer: &mut [u8]) -> usize {
        self.0.read_available(buffer)
    }
}

/// The serial driver on a 16550.
pub type SerialDriver<R> = wasm_serial::SerialDriver<Uart16550Port<R>>;

pub fn init() -> SerialDriver<IoPorts> {
    let mut driver = SerialDriver::new(Uart16550Port::new(IoPorts::new(COM1)));
    driver.start();
    driver
}

#[cfg(test)]
mod tests {
    use super::*;
    use uart_16550::sim::SimUart;

    #[test]
    fn line_ends_become_crlf() {
        let mut uart = Uart16550Port::new(SimUart::new());
        uart.init(&Config::default()).unwrap();
        write_text(&mut uart, b"[INFO  kv] ready\nsecond\nno end");
        assert_eq!(uart.registers().transmitted(), b"[INFO  kv] ready\r\nsecond\r\nno end");
    }
}
