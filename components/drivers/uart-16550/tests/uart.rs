use device_registers::Registers;
use embedded_io::{Read, ReadReady, Write, WriteReady};
use proptest::prelude::*;
use uart_16550::sim::{SimUart, FIFO_DEPTH};
use uart_16550::{reg, Config, InitError, Interrupt, LineErrors, Uart16550};

fn initialised(config: Config) -> Uart16550<SimUart> {
    let mut uart = Uart16550::new(SimUart::new());
    uart.init(&config).expect("init");
    uart
}

#[test]
fn init_programs_115200_8n1_fifos_and_modem_control() {
    let mut uart = initialised(Config::default());
    let sim = uart.registers();
    assert_eq!(sim.divisor(), 1);
    assert_eq!(sim.line_control(), reg::LCR_8N1, "8N1 with DLAB cleared");
    assert!(sim.fifo_enabled());
    assert_eq!(sim.modem_control(), reg::MCR_DTR | reg::MCR_RTS | reg::MCR_OUT2);
    assert_eq!(sim.interrupt_enable(), reg::IER_RECEIVED_DATA);
}

#[test]
fn init_programs_the_divisor_for_slower_rates() {
    for (baud, divisor) in [(57_600, 2), (38_400, 3), (9_600, 12), (300, 384), (50, 2304)] {
        let mut uart = initialised(Config { baud, receive_interrupt: false, ..Config::default() });
        assert_eq!(uart.registers().divisor(), divisor, "baud {baud}");
        assert_eq!(uart.registers().interrupt_enable(), 0);
    }
}

#[test]
fn init_clears_stale_receive_data_and_errors() {
    let mut sim = SimUart::new();
    sim.write(reg::IIR_FCR, reg::FCR_ENABLE);
    sim.inject(&[1; FIFO_DEPTH + 1]);
    let mut uart = Uart16550::new(sim);
    uart.init(&Config::default()).unwrap();
    assert_eq!(uart.read_available(&mut [0; 32]), 0);
    assert_eq!(uart.line_errors(), LineErrors::default());
}

#[test]
fn init_works_when_a_previous_owner_left_dlab_set() {
    let mut sim = SimUart::new();
    sim.write(reg::LCR, reg::LCR_DLAB);
    sim.write(reg::IER_DLM, 0x12);
    let mut uart = Uart16550::new(sim);
    uart.init(&Config { baud: 9_600, receive_interrupt: true, ..Config::default() }).unwrap();
    let sim = uart.registers();
    assert_eq!(sim.divisor(), 12);
    assert_eq!(sim.line_control(), reg::LCR_8N1);
    assert_eq!(sim.interrupt_enable(), reg::IER_RECEIVED_DATA);
}

#[test]
fn bad_baud_is_rejected_without_touching_the_device() {
    for baud in [0, 7, 100_000, 115_201, 230_400] {
        let mut uart = Uart16550::new(SimUart::new());
        assert_eq!(
            uart.init(&Config { baud, receive_interrupt: true, ..Config::default() }),
            Err(InitError::BadBaud { baud })
        );
        assert_eq!(uart.registers().divisor(), 0);
    }
}

#[test]
fn absent_uart_is_not_present() {
    let mut uart = Uart16550::new(SimUart::absent());
    assert_eq!(uart.init(&Config::default()), Err(InitError::NotPresent));
}

#[test]
fn write_blocking_sends_bytes_in_order() {
    let mut uart = initialised(Config::default());
    assert_eq!(uart.write_blocking(b"hello, world\n", 1), 13);
    assert_eq!(uart.registers().transmitted(), b"hello, world\n");
}

#[test]
fn write_blocking_waits_for_a_busy_transmitter() {
    let mut uart = initialised(Config::default());
    uart.registers().set_transmit_busy_polls(3);
    // 3 busy polls then the 4th sees THRE.
    assert_eq!(uart.write_blocking(b"abc", 4), 3);
    assert_eq!(uart.registers().transmitted(), b"abc");
}

#[test]
fn write_blocking_gives_up_when_the_transmitter_stays_busy() {
    let mut uart = initialised(Config::default());
    uart.registers().set_transmit_busy_polls(10);
    // The first byte goes out (THR empty); the second waits 3 polls of 10 needed.
    assert_eq!(uart.write_blocking(b"xyz", 3), 1);
    assert_eq!(uart.registers().transmitted(), b"x");
    assert!(!uart.try_write_byte(b'y'));
}

#[test]
fn read_available_drains_injected_bytes_in_order() {
    let mut uart = initialised(Config::default());
    uart.registers().inject(b"0123456789");
    let mut buf = [0; 4];
    assert_eq!(uart.read_available(&mut buf), 4);
    assert_eq!(&buf, b"0123");
    let mut rest = [0; 32];
    assert_eq!(uart.read_available(&mut rest), 6);
    assert_eq!(&rest[..6], b"456789");
    assert_eq!(uart.read_available(&mut rest), 0);
}

#[test]
fn fifo_overrun_is_counted() {
    let mut uart = initialised(Config::default());
    let kept = uart.registers().inject(&[0xa5; FIFO_DEPTH + 4]);
    assert_eq!(kept, FIFO_DEPTH);
    let mut buf = [0; 32];
    assert_eq!(uart.read_available(&mut buf), FIFO_DEPTH);
    let errors = uart.line_errors();
    assert_eq!(errors.overrun, 1);
    assert_eq!(errors.total(), 1);
}

#[test]
fn injected_line_errors_are_counted_once_each() {
    let mut uart = initialised(Config::default());
    uart.registers().inject_line_error(reg::LSR_PARITY | reg::LSR_FRAMING);
    uart.registers().inject(b"?");
    uart.read_available(&mut [0; 4]);
    uart.registers().inject_line_error(reg::LSR_BREAK);
    let errors = uart.line_errors();
    assert_eq!(errors, LineErrors { overrun: 0, parity: 1, framing: 1, break_interrupt: 1 });
    assert_eq!(uart.line_errors(), errors, "reading again does not count again");
}

#[test]
fn received_data_interrupt_and_irq_line() {
    let mut uart = initialised(Config::default());
    assert_eq!(uart.pending_interrupt(), None);
    assert!(!uart.registers().irq_asserted());
    uart.registers().inject(b"k");
    assert_eq!(uart.pending_interrupt(), Some(Interrupt::ReceivedData));
    assert!(uart.registers().irq_asserted());
    uart.read_available(&mut [0; 4]);
    assert_eq!(uart.pending_interrupt(), None);
    assert!(!uart.registers().irq_asserted());
}

#[test]
fn irq_line_needs_out2() {
    let mut uart = initialised(Config::default());
    let mcr = uart.registers().modem_control();
    uart.registers().write(reg::MCR, mcr & !reg::MCR_OUT2);
    uart.registers().inject(b"k");
    assert_eq!(uart.pending_interrupt(), Some(Interrupt::ReceivedData), "still pending in IIR");
    assert!(!uart.registers().irq_asserted(), "but gated off the bus");
}

#[test]
fn no_receive_interrupt_when_not_enabled() {
    let mut uart =
        initialised(Config { baud: 115_200, receive_interrupt: false, ..Config::default() });
    uart.registers().inject(b"k");
    assert_eq!(uart.pending_interrupt(), None);
    assert!(!uart.registers().irq_asserted());
}

#[test]
fn interrupt_priority_line_status_over_data_over_thre_over_modem() {
    let mut uart = initialised(Config::default());
    uart.set_interrupt_enable(
        reg::IER_RECEIVED_DATA | reg::IER_THR_EMPTY | reg::IER_LINE_STATUS | reg::IER_MODEM_STATUS,
    );
    uart.registers().set_modem_status(0x01);
    uart.registers().inject(&[0; FIFO_DEPTH + 1]);
    assert_eq!(uart.pending_interrupt(), Some(Interrupt::ReceiverLineStatus));
    // Counting the overrun reads LSR, which clears the line-status interrupt.
    assert_eq!(uart.line_errors().overrun, 1);
    assert_eq!(uart.pending_interrupt(), Some(Interrupt::ReceivedData));
    uart.read_available(&mut [0; 32]);
    // Reading IIR acknowledges the THR-empty interrupt.
    assert_eq!(uart.pending_interrupt(), Some(Interrupt::TransmitterEmpty));
    assert_eq!(uart.pending_interrupt(), Some(Interrupt::ModemStatus));
    uart.registers().read(reg::MSR);
    assert_eq!(uart.pending_interrupt(), None);
}

#[test]
fn transmitter_empty_interrupt_after_a_busy_byte() {
    let mut uart = initialised(Config::default());
    uart.registers().set_transmit_busy_polls(2);
    uart.set_interrupt_enable(reg::IER_THR_EMPTY);
    assert_eq!(uart.pending_interrupt(), Some(Interrupt::TransmitterEmpty));
    assert!(uart.try_write_byte(b'a'));
    assert_eq!(uart.pending_interrupt(), None);
    assert!(!uart.transmit_ready());
    assert!(!uart.registers().irq_asserted());
    assert!(!uart.transmit_ready());
    assert!(uart.registers().irq_asserted());
    assert_eq!(uart.pending_interrupt(), Some(Interrupt::TransmitterEmpty));
}

/// Registers whose IIR reads a fixed value, for the encodings the simulator never produces.
struct FixedIir(u8);

impl Registers<u8> for FixedIir {
    fn read(&mut self, offset: u32) -> u8 {
        if offset == reg::IIR_FCR {
            self.0
        } else {
            0
        }
    }
    fn write(&mut self, _offset: u32, _value: u8) {}
}

#[test]
fn every_iir_encoding_decodes() {
    let cases = [
        (0xc1, None),
        (0x01, None),
        (0xc6, Some(Interrupt::ReceiverLineStatus)),
        (0xc4, Some(Interrupt::ReceivedData)),
        (0xcc, Some(Interrupt::CharacterTimeout)),
        (0xc2, Some(Interrupt::TransmitterEmpty)),
        (0xc0, Some(Interrupt::ModemStatus)),
        (0x0c, Some(Interrupt::CharacterTimeout)),
        (0xc8, None),
        (0xff, None),
    ];
    for (iir, expected) in cases {
        assert_eq!(Uart16550::new(FixedIir(iir)).pending_interrupt(), expected, "IIR {iir:#04x}");
    }
}

#[test]
fn embedded_io_round_trip() {
    let mut uart = initialised(Config::default());
    assert!(uart.write_ready().unwrap());
    uart.write_all(b"ping\r\n").unwrap();
    uart.flush().unwrap();
    assert_eq!(uart.registers().transmitted(), b"ping\r\n", "no line-ending translation");

    assert!(!uart.read_ready().unwrap());
    let sent = uart.registers().transmitted().to_vec();
    uart.registers().inject(&sent);
    assert!(uart.read_ready().unwrap());
    let mut buf = [0; 6];
    uart.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping\r\n");
    assert_eq!(uart.read(&mut []).unwrap(), 0);
}

#[test]
fn embedded_io_write_waits_for_the_first_byte_only() {
    let mut uart = initialised(Config::default());
    uart.registers().set_transmit_busy_polls(1);
    // THR empty: 'a' goes; the next poll sees it busy, so write stops there.
    assert_eq!(uart.write(b"abc").unwrap(), 1);
    // Busy for one poll, which write spends waiting before 'b'.
    assert_eq!(uart.write(b"bc").unwrap(), 1);
    uart.flush().unwrap();
    assert_eq!(uart.registers().transmitted(), b"ab");
    assert_eq!(uart.write(&[]).unwrap(), 0);
}

#[test]
fn embedded_io_flush_waits_for_temt() {
    let mut uart = initialised(Config::default());
    uart.registers().set_transmit_busy_polls(5);
    uart.write_all(b"z").unwrap();
    assert!(!uart.transmitter_idle());
    uart.flush().unwrap();
    assert!(uart.transmitter_idle());
}

proptest! {
    #[test]
    fn any_bytes_written_arrive_intact(bytes in proptest::collection::vec(any::<u8>(), 0..512), busy in 0u32..4) {
        let mut uart = initialised(Config::default());
        uart.registers().set_transmit_busy_polls(busy);
        prop_assert_eq!(uart.write_blocking(&bytes, busy + 1), bytes.len());
        prop_assert_eq!(uart.registers().transmitted(), &bytes[..]);
    }

    #[test]
    fn any_bytes_injected_are_read_back_in_order(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..=FIFO_DEPTH), 0..16)) {
        let mut uart = initialised(Config::default());
        let mut received = Vec::new();
        for chunk in &chunks {
            uart.registers().inject(chunk);
            let mut buf = [0; FIFO_DEPTH];
            let n = uart.read_available(&mut buf);
            received.extend_from_slice(&buf[..n]);
        }
        prop_assert_eq!(received, chunks.concat());
        prop_assert_eq!(uart.line_errors().overrun, 0);
    }
}
