//! A Wasm serial driver with one injected crash, for the crash-and-restart
//! test: it traps halfway through writing the first line that contains
//! [`MARKER`]. Only the first run is armed (the host's `restarted` tells a
//! restart from the first start), so the restarted driver writes
//! everything, the interrupted line again included, normally.
//!
//! [`FaultyDriver`] wraps the shared serial driver over any UART; this
//! crate's component drives the 16550 at COM1, `wasm-uart-pl011-fault-test`
//! the PL011. (One module cannot drive both: importing the IO-port and the
//! device-memory functions would need both grants.)
#![no_std]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Channel, Handler};
use wasm_serial::{write_text, SerialDriver, SerialPort};

#[cfg(feature = "component")]
sdk::component!(init_16550);

/// The 16550 at COM1 with the injected crash.
#[cfg(feature = "component")]
fn init_16550() -> FaultyDriver<wasm_uart_16550::Uart16550Port<sdk::IoPorts>> {
    use wasm_uart_16550::{Uart16550Port, COM1};
    FaultyDriver::start(Uart16550Port::new(sdk::IoPorts::new(COM1)))
}

/// A line containing this makes the driver crash (once).
pub const MARKER: &[u8] = b"CRASH-THE-UART";

/// The serial driver over `P`, crashing once in the middle of the first
/// line containing [`MARKER`] on its first run.
pub struct FaultyDriver<P: SerialPort> {
    driver: SerialDriver<P>,
    armed: bool,
}

impl<P: SerialPort> FaultyDriver<P> {
    /// Opens the rings, programs the UART and writes what is queued.
    pub fn start(uart: P) -> FaultyDriver<P> {
        let mut driver = SerialDriver::new(uart);
        driver.start();
        let armed = !sdk::restarted();
        if !armed {
            sdk::warn!("restarted after the injected crash");
        }
        FaultyDriver { driver, armed }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl<P: SerialPort> Handler for FaultyDriver<P> {
    fn notified(&mut self, channel: Channel) {
        if !self.armed || channel != self.driver.output_channel() {
            return self.driver.notified(channel);
        }
        self.driver.write_output_with(|uart, message| {
            if contains(message, MARKER) {
                write_text(uart, &message[..message.len() / 2]);
                sdk::error!("fault injected: trapping in the middle of a line");
                #[cfg(target_arch = "wasm32")]
                core::arch::wasm32::unreachable();
                #[cfg(not(target_arch = "wasm32"))]
                panic!("injected fault");
            }
            write_text(uart, message);
        });
    }
}
