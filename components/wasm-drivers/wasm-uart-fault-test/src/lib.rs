//! The Wasm serial driver with one injected crash, for the crash-and-restart
//! test: it traps halfway through writing the first line that contains
//! [`MARKER`]. The UART's scratch register, which survives the driver's
//! restart, remembers that the crash happened, so the restarted driver
//! writes everything (the interrupted line again included) normally.
#![no_std]

use sel4_wasm_sdk::{self as sdk, Channel, Handler, IoPorts};
use wasm_uart_16550::{write_text, PortRegisters, SerialDriver, Uart16550Port, COM1};

sdk::component!(init);

/// A line containing this makes the driver crash (once).
pub const MARKER: &[u8] = b"CRASH-THE-UART";
/// The UART's scratch register, and what it holds once the crash happened.
const SCRATCH: u16 = 7;
const CRASHED: u8 = 0x5c;

struct FaultyDriver {
    driver: SerialDriver<PortRegisters>,
    armed: bool,
}

fn init() -> FaultyDriver {
    // Read before the driver's own set-up, which tests the scratch register.
    let armed = IoPorts::new(COM1).read8(SCRATCH).unwrap_or(0) != CRASHED;
    let mut driver = SerialDriver::new(Uart16550Port::new(PortRegisters(IoPorts::new(COM1))));
    driver.start();
    if !armed {
        sdk::warn!("restarted after the injected crash");
    }
    FaultyDriver { driver, armed }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl Handler for FaultyDriver {
    fn notified(&mut self, channel: Channel) {
        if !self.armed || channel != self.driver.output_channel() {
            return self.driver.notified(channel);
        }
        self.driver.write_output_with(|uart, message| {
            if contains(message, MARKER) {
                write_text(uart, &message[..message.len() / 2]);
                uart.registers().0.write8(SCRATCH, CRASHED).ok();
                sdk::error!("fault injected: trapping in the middle of a line");
                core::arch::wasm32::unreachable();
            }
            write_text(uart, message);
        });
    }
}
