//! The serial driver as a Wasm component: an ARM PL011 UART, as on QEMU's
//! aarch64 `virt` board (registers at physical [`QEMU_VIRT_PADDR`], 4 KiB;
//! interrupt ID [`QEMU_VIRT_IRQ`], level-triggered). A drop-in replacement
//! for `wasm-uart-16550` in a system description: the same rings, the same
//! interrupt channel, the same crash policy (all from the `wasm-serial`
//! crate).
//!
//! - Output: lines arrive over ring [`OUTPUT`] (from the console); the
//!   driver writes them to the UART, turning `\n` into `\r\n` for terminals.
//! - Input: the UART interrupts when its receive FIFO reaches half full or,
//!   with fewer bytes, when the line has been idle for 32 bit periods (the
//!   receive timeout); the interrupt is granted on channel [`IRQ_CHANNEL`].
//!   The driver moves every received byte to ring [`INPUT`] (to the shell),
//!   if the system has one; without it the receive interrupts stay masked.
//!
//! The UART is reached only through the description's first
//! `device_memory` entry ([`UART_WINDOW`], 32-bit accesses) and its `irqs`
//! entry; the driver logic is the `pl011` crate, tested on the host against
//! a simulated PL011.
//!
//! The interrupt line is level-triggered: it stays asserted until the
//! device's interrupt is cleared. On each interrupt the driver first clears
//! the receive interrupts in the UART (ICR), then drains the receive FIFO,
//! then acknowledges the interrupt controller, so the acknowledged
//! interrupt does not fire again at once, and a byte arriving while the
//! FIFO is drained raises it again rather than waiting unread.
//!
//! Crash policy: a message is released from the output ring only once it
//! has been written out, so a restarted driver continues with the first
//! message its predecessor had not finished: no line is lost, and the line
//! being written when the driver died may appear twice (cut, then whole).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use device_registers::Registers;
use pl011::{reg, BaudRate, Config, FifoLevel, Interrupts, Pl011, QEMU_VIRT_UARTCLK_HZ};
use sel4_wasm_sdk::{self as sdk, DeviceWindow};
use wasm_serial::SerialPort;
pub use wasm_serial::{write_text, INPUT, IRQ_CHANNEL, OUTPUT};

#[cfg(feature = "component")]
sdk::component!(init);

/// The UART's registers: the component's first `device_memory` entry.
pub const UART_WINDOW: u32 = 0;
/// Where QEMU's `virt` board puts the PL011 (its window is 4 KiB).
pub const QEMU_VIRT_PADDR: u64 = 0x0900_0000;
/// The PL011's GIC interrupt ID on QEMU's `virt` board (SPI 1).
pub const QEMU_VIRT_IRQ: u32 = 33;
/// The line rate programmed, from QEMU `virt`'s 24 MHz UART clock.
pub const BAUD: u32 = 115_200;
/// Polls of a full transmit FIFO before the rest of a write is given up.
const SPINS_PER_BYTE: u32 = 100_000;

/// The PL011 as the shared serial driver uses it.
pub struct Pl011Port<R: Registers<u32>>(pub Pl011<R>);

impl<R: Registers<u32>> Pl011Port<R> {
    pub fn new(registers: R) -> Self {
        Pl011Port(Pl011::new(registers))
    }
}

impl<R: Registers<u32>> SerialPort for Pl011Port<R> {
    fn start(&mut self, receive_interrupt: bool) {
        // Firmware on a real board has set the line speed from a UART clock
        // this driver does not know: keep its divisors. Unset (QEMU resets
        // them to 0): 115200 from QEMU `virt`'s 24 MHz.
        let firmware_divisors = self.0.registers().read(reg::IBRD) != 0;
        let config = Config {
            baud: (!firmware_divisors)
                .then_some(BaudRate { baud: BAUD, uartclk_hz: QEMU_VIRT_UARTCLK_HZ }),
            receive_interrupt,
            // Half full or the receive timeout: a burst of typing is one or
            // two interrupts rather than one per byte.
            receive_level: FifoLevel::OneHalf,
            transmit_level: FifoLevel::OneHalf,
        };
        match self.0.init(&config) {
            Ok(identity) => sdk::info!(
                "PL011 revision {} ({}-entry FIFOs): {} 8N1, receive interrupts {}",
                identity.revision,
                identity.fifo_depth(),
                if firmware_divisors { "line speed as the firmware set it," } else { "115200" },
                if receive_interrupt { "on" } else { "off" }
            ),
            Err(e) => panic!("PL011 (device window {UART_WINDOW}): {e:?}"),
        }
    }

    fn send(&mut self, bytes: &[u8]) -> usize {
        self.0.write_blocking(bytes, SPINS_PER_BYTE)
    }

    fn receive(&mut self, buffer: &mut [u8]) -> usize {
        self.0.read_available(buffer)
    }

    fn clear_interrupt(&mut self) {
        self.0.clear_interrupts(Interrupts::RECEIVE_ALL);
    }
}

/// The serial driver on a PL011.
pub type SerialDriver<R> = wasm_serial::SerialDriver<Pl011Port<R>>;

pub fn init() -> SerialDriver<DeviceWindow> {
    let mut driver = SerialDriver::new(Pl011Port::new(DeviceWindow::new(UART_WINDOW)));
    driver.start();
    driver
}

#[cfg(test)]
mod tests {
    use super::*;
    use pl011::sim::SimPl011;
    use sel4_wasm_sdk::mock::{self, Call};
    use sel4_wasm_sdk::{Channel, Handler};
    use wasm_serial::testing::{console_rings, published_input, OUTPUT_CHANNEL};

    #[test]
    fn line_ends_become_crlf() {
        let mut uart = Pl011Port::new(SimPl011::new());
        uart.0.init(&Config::default()).unwrap();
        write_text(&mut uart, b"[INFO  kv] ready\nsecond\nno end");
        assert_eq!(uart.0.registers().transmitted(), b"[INFO  kv] ready\r\nsecond\r\nno end");
    }

    fn started(sim: SimPl011, queued: &[&[u8]], input: bool) -> SerialDriver<SimPl011> {
        console_rings(queued, input.then_some(8));
        let mut driver = SerialDriver::new(Pl011Port::new(sim));
        driver.start();
        driver
    }

    fn sim(driver: &mut SerialDriver<SimPl011>) -> &mut SimPl011 {
        driver.uart.0.registers()
    }

    #[test]
    fn registers_are_32_bit_accesses_to_the_first_device_window() {
        mock::reset();
        mock::with(|m| m.mmio_value = 0x90);
        let mut regs = DeviceWindow::new(UART_WINDOW);
        assert_eq!(regs.read(reg::FR), 0x90);
        regs.write(reg::DR, b'A' as u32);
        assert_eq!(
            mock::calls(),
            [
                Call::MmioRead { window: 0, offset: 0x18 },
                Call::MmioWrite { window: 0, offset: 0, value: 0x41 }
            ]
        );
        mock::with(|m| m.mmio_value = wasm_abi::status::NOT_GRANTED as i64);
        assert_eq!(regs.read(reg::FR), u32::MAX, "a refused read is all ones");
    }

    #[test]
    fn start_programs_115200_8n1_and_writes_what_is_queued() {
        let mut driver = started(SimPl011::legacy(), &[b"booted\n", b"$ "], true);
        let sim = sim(&mut driver);
        assert_eq!(sim.transmitted(), b"booted\r\n$ ");
        assert_eq!(sim.baud_divisors(), (13, 1), "24 MHz / (16 x 115200) = 13 + 1/64");
        assert_eq!(sim.line_control(), reg::LCR_H_WLEN_8 | reg::LCR_H_FEN);
        assert_eq!(sim.interrupt_mask(), reg::INT_RX | reg::INT_RT);
        assert_eq!(driver.messages, 2);
        assert!(mock::calls().contains(&Call::IrqAck(IRQ_CHANNEL as i32)));
        assert!(mock::logs().iter().any(|l| l.contains("PL011 revision 1 (16-entry FIFOs)")));
    }

    #[test]
    fn divisors_the_firmware_set_are_kept() {
        let mut uart = SimPl011::legacy();
        // As firmware leaves it: 115200 from a 19.2 MHz clock (10 + 27/64).
        uart.write(reg::IBRD, 10);
        uart.write(reg::FBRD, 27);
        uart.write(reg::LCR_H, reg::LCR_H_WLEN_8);
        let mut driver = started(uart, &[b"hi\n"], true);
        let sim = sim(&mut driver);
        assert_eq!(sim.baud_divisors(), (10, 27));
        assert_eq!(sim.transmitted(), b"hi\r\n");
        assert!(mock::logs().iter().any(|l| l.contains("line speed as the firmware set it")));
    }

    #[test]
    fn without_an_input_ring_the_receive_interrupts_stay_masked() {
        let mut driver = started(SimPl011::new(), &[], false);
        assert_eq!(sim(&mut driver).interrupt_mask(), 0);
        sim(&mut driver).inject(&[b'k'; 20]);
        assert!(!sim(&mut driver).irq_asserted());
    }

    #[test]
    fn typed_bytes_reach_the_input_ring_and_the_line_drops() {
        let mut driver = started(SimPl011::legacy(), &[], true);
        sim(&mut driver).inject(b"ls\r");
        assert!(!sim(&mut driver).irq_asserted(), "below the level");
        sim(&mut driver).line_idle();
        assert!(sim(&mut driver).irq_asserted(), "the receive timeout");
        driver.notified(Channel::new(IRQ_CHANNEL));
        assert_eq!(published_input(), b"ls\r");
        assert!(!sim(&mut driver).irq_asserted(), "low before the acknowledgement");
        assert_eq!(driver.received, 3);
        let acks = mock::calls().iter().filter(|c| **c == Call::IrqAck(1)).count();
        assert_eq!(acks, 2, "at start, and for this interrupt");
    }

    #[test]
    fn a_full_fifo_of_typing_is_one_interrupt() {
        let mut driver = started(SimPl011::new(), &[], true);
        let typed: Vec<u8> = (b'a'..=b'z').collect();
        sim(&mut driver).inject(&typed);
        assert!(sim(&mut driver).irq_asserted(), "at half full");
        driver.notified(Channel::new(IRQ_CHANNEL));
        assert!(!sim(&mut driver).irq_asserted());
        assert_eq!(published_input(), typed);
    }

    #[test]
    fn the_device_interrupt_is_cleared_before_the_controller_is_acknowledged() {
        console_rings(&[], Some(8));
        // Every register reads as FR with both FIFOs empty: nothing received.
        mock::with(|m| m.mmio_value = (reg::FR_RXFE | reg::FR_TXFE) as i64);
        let mut driver = SerialDriver::new(Pl011Port::new(DeviceWindow::new(UART_WINDOW)));
        mock::with(|m| m.calls.clear());
        driver.notified(Channel::new(IRQ_CHANNEL));
        let calls = mock::calls();
        let clear = calls
            .iter()
            .position(|c| {
                *c == Call::MmioWrite {
                    window: 0,
                    offset: reg::ICR as i32,
                    value: Interrupts::RECEIVE_ALL.bits() as i32,
                }
            })
            .expect("ICR written");
        let drained = calls
            .iter()
            .position(|c| *c == Call::MmioRead { window: 0, offset: reg::FR as i32 })
            .expect("FR polled");
        let ack = calls
            .iter()
            .position(|c| *c == Call::IrqAck(IRQ_CHANNEL as i32))
            .expect("acknowledged");
        assert!(clear < drained && drained < ack, "{calls:?}");
    }

    #[test]
    fn output_signals_write_and_other_channels_do_not() {
        let mut driver = started(SimPl011::new(), &[], true);
        mock::with(|m| m.rings[0].inbox.push_back(b"echo\n".to_vec()));
        driver.notified(Channel::new(9));
        assert_eq!(sim(&mut driver).transmitted(), b"");
        driver.notified(Channel::new(OUTPUT_CHANNEL));
        assert_eq!(sim(&mut driver).transmitted(), b"echo\r\n");
    }

    #[test]
    #[should_panic(expected = "PL011 (device window 0): NotPresent")]
    fn no_pl011_in_the_window_is_fatal() {
        started(SimPl011::absent(), &[], true);
    }
}
