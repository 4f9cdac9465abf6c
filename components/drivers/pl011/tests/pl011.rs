use device_registers::Registers;
use embedded_io::{Read, ReadReady, Write, WriteReady};
use pl011::sim::{SimPl011, Transmitter, FIFO_DEPTH, LEGACY_FIFO_DEPTH};
use pl011::{
    divisors, reg, BaudRate, Config, Divisors, FifoLevel, InitError, Interrupts, LineErrors, Pl011,
    Received, RxErrors, INIT_DRAIN_POLLS, QEMU_VIRT_UARTCLK_HZ,
};
use proptest::prelude::*;

fn initialised_sim(sim: SimPl011, config: Config) -> Pl011<SimPl011> {
    let mut uart = Pl011::new(sim);
    uart.init(&config).expect("init");
    uart
}

fn initialised(config: Config) -> Pl011<SimPl011> {
    initialised_sim(SimPl011::new(), config)
}

/// A sim set up as firmware or a previous driver left it: enabled, FIFOs on.
fn enabled_sim(mut sim: SimPl011) -> SimPl011 {
    sim.write(reg::LCR_H, reg::LCR_H_WLEN_8 | reg::LCR_H_FEN);
    sim.write(reg::CR, reg::CR_UARTEN | reg::CR_TXE | reg::CR_RXE);
    sim
}

/// Counts the register accesses of the wrapped sim.
struct Counting {
    sim: SimPl011,
    flag_reads: usize,
    data_writes: usize,
}

impl Registers<u32> for Counting {
    fn read(&mut self, offset: u32) -> u32 {
        if offset == reg::FR {
            self.flag_reads += 1;
        }
        self.sim.read(offset)
    }
    fn write(&mut self, offset: u32, value: u32) {
        if offset == reg::DR {
            self.data_writes += 1;
        }
        self.sim.write(offset, value)
    }
}

fn counting(sim: SimPl011) -> Pl011<Counting> {
    let mut uart = Pl011::new(Counting { sim, flag_reads: 0, data_writes: 0 });
    uart.init(&Config::default()).unwrap();
    uart.registers().flag_reads = 0;
    uart
}

#[test]
fn init_programs_8n1_fifos_levels_and_receive_interrupts() {
    let mut uart = Pl011::new(SimPl011::new());
    let identity = uart.init(&Config::default()).unwrap();
    assert_eq!(identity.revision, 3);
    assert_eq!(identity.fifo_depth(), FIFO_DEPTH);
    let sim = uart.registers();
    assert_eq!(sim.line_control(), reg::LCR_H_WLEN_8 | reg::LCR_H_FEN, "8N1, FIFOs on");
    assert!(sim.fifo_enabled());
    assert_eq!(sim.control(), reg::CR_UARTEN | reg::CR_TXE | reg::CR_RXE);
    assert_eq!(sim.fifo_levels(), 0b010_010, "both levels half full");
    assert_eq!(sim.interrupt_mask(), reg::INT_RX | reg::INT_RT);
    assert_eq!(sim.baud_divisors(), (0, 0), "no rate: divisors untouched");
    assert_eq!(sim.raw_interrupts(), 0);
}

#[test]
fn init_programs_the_chosen_levels_and_can_leave_interrupts_masked() {
    let uart = initialised(Config {
        receive_interrupt: false,
        receive_level: FifoLevel::OneEighth,
        transmit_level: FifoLevel::SevenEighths,
        ..Config::default()
    });
    let sim = uart.into_registers();
    assert_eq!(sim.fifo_levels(), (0b000 << reg::IFLS_RX_SHIFT) | 0b100);
    assert_eq!(sim.interrupt_mask(), 0);
}

#[test]
fn init_programs_the_divisors_from_the_reference_clock() {
    for (baud, uartclk_hz, expected) in [
        (115_200, QEMU_VIRT_UARTCLK_HZ, (13, 1)),
        (38_400, QEMU_VIRT_UARTCLK_HZ, (39, 4)),
        (9_600, QEMU_VIRT_UARTCLK_HZ, (156, 16)),
        // The TRM's worked example: 4 MHz, 230400 baud: 1.085 = 1 + 5/64.
        (230_400, 4_000_000, (1, 5)),
        // The fastest rate: UARTCLK / 16.
        (1_500_000, QEMU_VIRT_UARTCLK_HZ, (1, 0)),
    ] {
        let uart =
            initialised(Config { baud: Some(BaudRate { baud, uartclk_hz }), ..Config::default() });
        assert_eq!(uart.into_registers().baud_divisors(), expected, "{baud} from {uartclk_hz} Hz");
    }
}

#[test]
fn divisors_give_the_rate_within_rounding() {
    for baud in [300, 1_200, 9_600, 19_200, 57_600, 115_200, 230_400, 460_800, 921_600] {
        let rate = BaudRate { baud, uartclk_hz: QEMU_VIRT_UARTCLK_HZ };
        let d = divisors(rate).unwrap();
        let actual = d.baud(QEMU_VIRT_UARTCLK_HZ) as i64;
        // Half a 64th of the divisor, relative: under 1/128 of the divisor.
        let tolerance = (baud as i64 / (2 * d.integer as i64 * 64)).max(1) + 1;
        assert!((actual - baud as i64).abs() <= tolerance, "{baud}: {d:?} gives {actual}");
    }
    assert_eq!(Divisors { integer: 0, fraction: 0 }.baud(QEMU_VIRT_UARTCLK_HZ), 0);
}

#[test]
fn divisors_latch_only_when_lcr_h_is_written() {
    let mut sim = SimPl011::new();
    sim.write(reg::IBRD, 13);
    sim.write(reg::FBRD, 1);
    assert_eq!(sim.baud_divisors(), (0, 0));
    assert_eq!((sim.read(reg::IBRD), sim.read(reg::FBRD)), (13, 1));
    sim.write(reg::LCR_H, reg::LCR_H_WLEN_8);
    assert_eq!(sim.baud_divisors(), (13, 1));
}

#[test]
fn bad_baud_is_rejected_without_touching_the_device() {
    for (baud, uartclk_hz) in [
        (0, QEMU_VIRT_UARTCLK_HZ),
        // Faster than UARTCLK / 16.
        (3_000_000, QEMU_VIRT_UARTCLK_HZ),
        (115_200, 0),
        // A divisor above 65535.
        (1, QEMU_VIRT_UARTCLK_HZ),
        (22, QEMU_VIRT_UARTCLK_HZ),
    ] {
        let mut uart = Pl011::new(SimPl011::new());
        let config = Config { baud: Some(BaudRate { baud, uartclk_hz }), ..Config::default() };
        assert_eq!(uart.init(&config), Err(InitError::BadBaud { baud, uartclk_hz }));
        let sim = uart.registers();
        assert_eq!(sim.control(), reg::CR_RESET);
        assert_eq!(sim.line_control(), 0);
        assert_eq!((sim.read(reg::IBRD), sim.baud_divisors()), (0, (0, 0)));
    }
}

#[test]
fn divisor_range_ends() {
    // 65535 exactly is the slowest divisor; a fraction on top of it is too slow.
    let clock = 16 * 65_535;
    assert_eq!(
        divisors(BaudRate { baud: 1, uartclk_hz: clock }),
        Ok(Divisors { integer: 0xffff, fraction: 0 })
    );
    assert!(divisors(BaudRate { baud: 1, uartclk_hz: clock + 1 }).is_err());
}

/// Registers that read a fixed value and ignore writes.
struct Fixed(u32);

impl Registers<u32> for Fixed {
    fn read(&mut self, _offset: u32) -> u32 {
        self.0
    }
    fn write(&mut self, _offset: u32, _value: u32) {}
}

#[test]
fn absent_uart_is_not_present() {
    let mut uart = Pl011::new(SimPl011::absent());
    assert_eq!(
        uart.init(&Config::default()),
        Err(InitError::NotPresent { periph_id: u32::MAX, pcell_id: u32::MAX })
    );
    for value in [0, 0x0d] {
        assert!(matches!(
            Pl011::new(Fixed(value)).init(&Config::default()),
            Err(InitError::NotPresent { .. })
        ));
    }
}

/// A PrimeCell that is not a PL011 (another part number) is refused too.
#[test]
fn another_primecell_is_not_a_pl011() {
    struct OtherPart(SimPl011);
    impl Registers<u32> for OtherPart {
        fn read(&mut self, offset: u32) -> u32 {
            match offset {
                // PL031's part number, same designer and cell ID.
                reg::PERIPH_ID0 => 0x31,
                _ => self.0.read(offset),
            }
        }
        fn write(&mut self, offset: u32, value: u32) {
            self.0.write(offset, value)
        }
    }
    let result = Pl011::new(OtherPart(SimPl011::new())).identify();
    assert_eq!(
        result,
        Err(InitError::NotPresent { periph_id: 0x0034_1031, pcell_id: reg::PCELL_ID })
    );
}

#[test]
fn identity_gives_the_fifo_depth_of_the_revision() {
    let legacy = Pl011::new(SimPl011::legacy()).identify().unwrap();
    assert_eq!((legacy.part, legacy.designer, legacy.revision), (0x011, 0x41, 1));
    assert_eq!(legacy.fifo_depth(), LEGACY_FIFO_DEPTH);
    let r1p5 = Pl011::new(SimPl011::new()).identify().unwrap();
    assert_eq!(r1p5.fifo_depth(), FIFO_DEPTH);
}

#[test]
fn init_discards_stale_receive_data_errors_and_interrupts() {
    let mut sim = enabled_sim(SimPl011::new());
    sim.write(reg::IMSC, reg::INT_ALL);
    sim.inject(&[7; FIFO_DEPTH + 3]);
    sim.line_idle();
    assert!(sim.irq_asserted());
    let mut uart = Pl011::new(sim);
    uart.init(&Config::default()).unwrap();
    assert_eq!(uart.read_available(&mut [0; 64]), 0);
    assert_eq!(uart.line_errors(), LineErrors::default());
    assert_eq!(uart.take_receive_status(), RxErrors::NONE);
    assert_eq!(uart.raw_interrupts(), Interrupts::NONE);
    assert!(!uart.registers().irq_asserted());
}

#[test]
fn init_lets_a_previous_owners_output_drain_first() {
    let mut sim = enabled_sim(SimPl011::new());
    sim.set_transmitter(Transmitter::PerFlagRead(1));
    for &byte in b"last words" {
        sim.write(reg::DR, byte as u32);
    }
    let mut uart = initialised_sim(sim, Config::default());
    let sim = uart.registers();
    assert_eq!(sim.transmitted(), b"last words");
    assert_eq!(sim.transmit_flushed(), 0);
}

#[test]
fn init_flushes_output_that_cannot_drain() {
    let mut sim = enabled_sim(SimPl011::new());
    sim.set_transmitter(Transmitter::PerFlagRead(0));
    sim.write(reg::DR, b'x' as u32);
    sim.write(reg::DR, b'y' as u32);
    let mut uart = Pl011::new(Counting { sim, flag_reads: 0, data_writes: 0 });
    uart.init(&Config::default()).unwrap();
    let counting = uart.registers();
    assert!(counting.flag_reads >= INIT_DRAIN_POLLS as usize, "waited its bound");
    assert!(counting.flag_reads < INIT_DRAIN_POLLS as usize + 10, "and no longer");
    assert_eq!(counting.sim.transmit_flushed(), 2);
    counting.sim.set_transmitter(Transmitter::Instant);
    assert_eq!(uart.write_blocking(b"ok", 1), 2);
    assert_eq!(uart.registers().sim.transmitted(), b"ok");
}

#[test]
fn the_uart_is_dead_until_enabled() {
    let mut uart = Pl011::new(SimPl011::new());
    // Reset state: UARTEN clear, so nothing is received or sent.
    assert_eq!(uart.registers().inject(b"early"), 0);
    assert!(uart.try_write_byte(b'a'), "the FIFO takes it");
    assert_eq!(uart.registers().transmitted(), b"");
    assert!(!uart.transmitter_idle(), "BUSY while the FIFO holds data, enabled or not");
    assert!(!uart.data_ready());
}

#[test]
fn write_blocking_sends_bytes_in_order() {
    let mut uart = initialised(Config::default());
    assert_eq!(uart.write_blocking(b"hello, world\n", 1), 13);
    assert_eq!(uart.registers().transmitted(), b"hello, world\n");
    assert!(uart.transmitter_idle());
}

#[test]
fn write_blocking_fills_an_empty_fifo_without_polling_between_bytes() {
    for sim in [SimPl011::new(), SimPl011::legacy()] {
        let depth = sim.fifo_depth();
        let mut uart = counting(sim);
        uart.registers().sim.set_transmitter(Transmitter::PerFlagRead(0));
        let bytes = [b'z'; 64];
        assert_eq!(uart.write_blocking(&bytes, 3), depth, "a FIFO's worth, then full");
        let counting = uart.registers();
        assert_eq!(counting.data_writes, depth);
        assert_eq!(counting.flag_reads, 1 + 3, "one poll for the burst, three on the full FIFO");
        assert_eq!(counting.sim.transmit_overflows(), 0, "no byte written to a full FIFO");
        assert_eq!(counting.sim.transmit_pending(), depth);
    }
}

#[test]
fn write_blocking_waits_for_room_then_gives_up() {
    let mut uart = initialised(Config::default());
    uart.registers().set_transmitter(Transmitter::PerFlagRead(0));
    let text: Vec<u8> = (0..40).collect();
    assert_eq!(uart.write_blocking(&text, 5), FIFO_DEPTH);
    assert!(!uart.transmit_ready());
    assert!(!uart.try_write_byte(0xff));
    // Four slots free up: a partly full FIFO takes one byte per poll.
    assert_eq!(uart.registers().shift_out(4), 4);
    assert_eq!(uart.write_blocking(&text[FIFO_DEPTH..], 5), 4);
    uart.registers().set_transmitter(Transmitter::PerFlagRead(2));
    assert_eq!(uart.write_blocking(&text[FIFO_DEPTH + 4..], 1000), 4);
    uart.registers().set_transmitter(Transmitter::Instant);
    assert_eq!(uart.registers().transmitted(), &text[..]);
    assert_eq!(uart.registers().transmit_overflows(), 0);
}

#[test]
fn before_init_every_byte_is_polled_for() {
    // Firmware left the FIFOs off: the holding register takes one byte.
    let mut sim = SimPl011::new();
    sim.write(reg::LCR_H, reg::LCR_H_WLEN_8);
    sim.write(reg::CR, reg::CR_UARTEN | reg::CR_TXE | reg::CR_RXE);
    sim.set_transmitter(Transmitter::PerFlagRead(1));
    let mut uart = Pl011::new(sim);
    assert_eq!(uart.write_blocking(b"no fifo", 10), 7);
    uart.registers().shift_out(1);
    assert_eq!(uart.registers().transmitted(), b"no fifo");
    assert_eq!(uart.registers().transmit_overflows(), 0);
}

#[test]
fn clearing_fen_flushes_the_transmit_fifo() {
    let mut sim = enabled_sim(SimPl011::new());
    sim.set_transmitter(Transmitter::PerFlagRead(0));
    sim.write(reg::DR, 1);
    sim.write(reg::DR, 2);
    assert_eq!(sim.transmit_pending(), 2);
    sim.write(reg::LCR_H, reg::LCR_H_WLEN_8);
    assert_eq!((sim.transmit_pending(), sim.transmit_flushed()), (0, 2));
    assert_ne!(sim.read(reg::FR) & reg::FR_TXFE, 0);
}

#[test]
fn read_available_drains_received_bytes_in_order() {
    let mut uart = initialised(Config::default());
    uart.registers().inject(b"0123456789");
    let mut buf = [0; 4];
    assert_eq!(uart.read_available(&mut buf), 4);
    assert_eq!(&buf, b"0123");
    let mut rest = [0; 32];
    assert_eq!(uart.read_available(&mut rest), 6);
    assert_eq!(&rest[..6], b"456789");
    assert_eq!(uart.read_available(&mut rest), 0);
    assert_eq!(uart.line_errors(), LineErrors::default());
}

#[test]
fn a_full_receive_fifo_loses_characters_and_reports_the_overrun() {
    for sim in [SimPl011::new(), SimPl011::legacy()] {
        let depth = sim.fifo_depth();
        let mut uart = initialised_sim(sim, Config::default());
        let kept = uart.registers().inject(&[0xa5; FIFO_DEPTH + 4][..depth + 4]);
        assert_eq!(kept, depth);
        assert_ne!(uart.flags() & reg::FR_RXFF, 0);
        assert!(uart.raw_interrupts().contains(Interrupts::OVERRUN), "raised at once");
        assert_eq!(uart.take_receive_status(), RxErrors::OVERRUN, "RSR shows it at once");
        assert_eq!(uart.take_receive_status(), RxErrors::NONE, "until ECR cleared it");
        let mut buf = [0; 64];
        assert_eq!(uart.read_available(&mut buf), depth);
        assert_eq!(uart.line_errors().overrun, 0, "DR flags the first character after the loss");
        uart.registers().inject(b"x");
        assert_eq!(uart.try_read(), Some(Received { byte: b'x', errors: RxErrors::OVERRUN }));
        let errors = uart.line_errors();
        assert_eq!(errors.overrun, 1);
        assert_eq!(errors.total(), 1);
    }
}

#[test]
fn error_flags_come_with_their_character() {
    let mut uart = initialised(Config::default());
    let sim = uart.registers();
    sim.inject_with_errors(b'a', RxErrors::PARITY);
    sim.inject_with_errors(b'b', RxErrors::FRAMING | RxErrors::PARITY);
    sim.inject_break();
    sim.inject(b"c");
    let expected = [
        (b'a', RxErrors::PARITY),
        (b'b', RxErrors::FRAMING | RxErrors::PARITY),
        (0, RxErrors::BREAK),
        (b'c', RxErrors::NONE),
    ];
    for (byte, errors) in expected {
        assert_eq!(uart.try_read(), Some(Received { byte, errors }));
    }
    assert_eq!(uart.try_read(), None);
    assert_eq!(
        uart.line_errors(),
        LineErrors { overrun: 0, parity: 2, framing: 1, break_condition: 1 }
    );
}

#[test]
fn read_available_keeps_damaged_characters_and_drops_breaks() {
    let mut uart = initialised(Config::default());
    let sim = uart.registers();
    sim.inject(b"o");
    sim.inject_with_errors(b'k', RxErrors::FRAMING);
    sim.inject_break();
    sim.inject(b"!");
    let mut buf = [0; 8];
    assert_eq!(uart.read_available(&mut buf), 3);
    assert_eq!(&buf[..3], b"ok!");
    assert_eq!(uart.line_errors().break_condition, 1);
    assert_eq!(uart.line_errors().framing, 1);
}

#[test]
fn rsr_holds_the_flags_of_the_character_read_until_cleared() {
    let mut uart = initialised(Config::default());
    uart.registers().inject_with_errors(b'p', RxErrors::PARITY);
    uart.registers().inject(b"q");
    assert_eq!(uart.take_receive_status(), RxErrors::NONE, "not before the character is read");
    uart.try_read();
    uart.try_read();
    assert_eq!(uart.take_receive_status(), RxErrors::PARITY, "sticky past the next character");
    assert_eq!(uart.take_receive_status(), RxErrors::NONE);
}

#[test]
fn error_interrupts_are_raised_as_damaged_characters_arrive() {
    let mut uart = initialised(Config::default());
    uart.registers().inject_with_errors(b'a', RxErrors::PARITY);
    uart.registers().inject_break();
    let raw = uart.raw_interrupts();
    assert!(raw.contains(Interrupts::PARITY | Interrupts::BREAK));
    assert!(!raw.intersects(Interrupts::FRAMING | Interrupts::OVERRUN));
    assert_eq!(uart.pending_interrupts(), Interrupts::NONE, "masked by init");
    uart.clear_interrupts(Interrupts::ERRORS);
    assert!(!uart.raw_interrupts().intersects(Interrupts::ERRORS));
}

#[test]
fn receive_interrupt_follows_the_fifo_level() {
    let mut uart = initialised(Config::default());
    let level = FifoLevel::OneHalf.entries(FIFO_DEPTH);
    assert_eq!(level, 16);
    uart.registers().inject(&[1; 15]);
    assert_eq!(uart.pending_interrupts(), Interrupts::NONE);
    assert!(!uart.registers().irq_asserted());
    uart.registers().inject(&[2]);
    assert_eq!(uart.pending_interrupts(), Interrupts::RECEIVE);
    assert!(uart.registers().irq_asserted());
    assert!(uart.try_read().is_some());
    assert_eq!(uart.pending_interrupts(), Interrupts::NONE, "read below the level");
    assert!(!uart.registers().irq_asserted());
}

#[test]
fn receive_timeout_reports_fewer_bytes_than_the_level() {
    let mut uart = initialised(Config::default());
    uart.registers().inject(b"hi\r");
    assert!(!uart.registers().irq_asserted());
    uart.registers().line_idle();
    assert_eq!(uart.pending_interrupts(), Interrupts::RECEIVE_TIMEOUT);
    assert!(uart.registers().irq_asserted());
    uart.read_available(&mut [0; 2]);
    assert!(uart.registers().irq_asserted(), "until the FIFO is empty");
    uart.read_available(&mut [0; 2]);
    assert!(!uart.registers().irq_asserted());
    uart.registers().line_idle();
    assert!(!uart.registers().irq_asserted(), "an empty FIFO times nothing out");
}

#[test]
fn the_interrupt_is_a_level_until_cleared_or_serviced() {
    let mut uart = initialised(Config::default());
    uart.registers().inject(&[0; 20]);
    for _ in 0..3 {
        // Reading the status changes nothing: acknowledging the interrupt
        // controller now would take the interrupt again at once.
        assert_eq!(uart.pending_interrupts(), Interrupts::RECEIVE);
        assert!(uart.registers().irq_asserted());
    }
    uart.clear_interrupts(Interrupts::RECEIVE_ALL);
    assert!(!uart.registers().irq_asserted(), "ICR lowers it, data or not");
    assert_eq!(uart.registers().received_pending(), 20);
    uart.registers().inject(&[0]);
    assert!(uart.registers().irq_asserted(), "the next character at the level raises it again");
    uart.read_available(&mut [0; 32]);
    assert!(!uart.registers().irq_asserted());
}

#[test]
fn masked_receive_interrupts_do_not_reach_the_line() {
    let mut uart = initialised(Config { receive_interrupt: false, ..Config::default() });
    uart.registers().inject(&[0; 20]);
    uart.registers().line_idle();
    assert!(uart.raw_interrupts().contains(Interrupts::RECEIVE | Interrupts::RECEIVE_TIMEOUT));
    assert_eq!(uart.pending_interrupts(), Interrupts::NONE);
    assert!(!uart.registers().irq_asserted());
    uart.set_interrupt_mask(Interrupts::RECEIVE);
    assert_eq!(uart.interrupt_mask(), Interrupts::RECEIVE);
    assert!(uart.registers().irq_asserted());
}

#[test]
fn transmit_interrupt_fires_passing_down_through_its_level() {
    let mut uart = initialised(Config::default());
    uart.set_interrupt_mask(Interrupts::TRANSMIT);
    assert!(!uart.registers().irq_asserted(), "an empty FIFO at enable raises nothing");
    uart.registers().set_transmitter(Transmitter::PerFlagRead(0));
    assert_eq!(uart.write_blocking(&[b't'; 17], 1), 17);
    assert!(!uart.registers().irq_asserted());
    uart.registers().shift_out(1);
    assert_eq!(uart.pending_interrupts(), Interrupts::TRANSMIT, "down to 16 of 32");
    uart.write_blocking(b"u", 1);
    assert_eq!(uart.pending_interrupts(), Interrupts::NONE, "written above the level");
    uart.registers().shift_out(2);
    uart.clear_interrupts(Interrupts::TRANSMIT);
    assert!(!uart.registers().irq_asserted());
}

#[test]
fn without_fifos_one_character_fills_the_receiver() {
    let mut sim = SimPl011::new();
    sim.write(reg::LCR_H, reg::LCR_H_WLEN_8);
    sim.write(reg::CR, reg::CR_UARTEN | reg::CR_TXE | reg::CR_RXE);
    sim.write(reg::IMSC, reg::INT_RX);
    assert_eq!(sim.inject(b"ab"), 1);
    assert!(sim.irq_asserted(), "one character raises the receive interrupt");
    let fr = sim.read(reg::FR);
    assert_ne!(fr & reg::FR_RXFF, 0);
    assert_ne!(sim.raw_interrupts() & reg::INT_OE, 0);
    let mut uart = Pl011::new(sim);
    assert_eq!(uart.try_read().map(|r| r.byte), Some(b'a'));
    assert!(!uart.registers().irq_asserted());
}

#[test]
fn borrowed_registers_work_too() {
    let mut sim = SimPl011::new();
    let mut uart = Pl011::new(&mut sim);
    uart.init(&Config::default()).unwrap();
    uart.write_blocking(b"via &mut", 1);
    assert_eq!(sim.transmitted(), b"via &mut");
}

#[test]
fn fifo_levels_encode_and_scale() {
    for level in [
        FifoLevel::OneEighth,
        FifoLevel::OneQuarter,
        FifoLevel::OneHalf,
        FifoLevel::ThreeQuarters,
        FifoLevel::SevenEighths,
    ] {
        assert_eq!(FifoLevel::from_bits(level.bits()), Some(level));
    }
    assert_eq!(FifoLevel::from_bits(0b101), None);
    let entries = |depth| {
        [
            FifoLevel::OneEighth,
            FifoLevel::OneQuarter,
            FifoLevel::OneHalf,
            FifoLevel::ThreeQuarters,
            FifoLevel::SevenEighths,
        ]
        .map(|l| l.entries(depth))
    };
    assert_eq!(entries(32), [4, 8, 16, 24, 28]);
    assert_eq!(entries(16), [2, 4, 8, 12, 14]);
}

#[test]
fn flag_sets_combine() {
    assert_eq!(
        RxErrors::from_dr(reg::DR_OE | reg::DR_FE | 0x41),
        RxErrors::OVERRUN | RxErrors::FRAMING
    );
    assert_eq!(RxErrors::from_rsr(0xff).bits(), 0xf);
    assert!(RxErrors::NONE.is_empty());
    assert!(Interrupts::RECEIVE_ALL
        .contains(Interrupts::RECEIVE | Interrupts::RECEIVE_TIMEOUT | Interrupts::ERRORS));
    assert!(!Interrupts::RECEIVE_ALL.intersects(Interrupts::TRANSMIT | Interrupts::MODEM));
    assert_eq!(Interrupts::from_bits(u32::MAX), Interrupts::ALL);
    assert_eq!(Interrupts::ALL.bits(), 0x7ff);
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
fn embedded_io_write_takes_what_the_fifo_is_known_to_hold() {
    let mut uart = initialised_sim(SimPl011::legacy(), Config::default());
    uart.registers().set_transmitter(Transmitter::PerFlagRead(0));
    let text = [b'w'; 40];
    assert_eq!(uart.write(&text).unwrap(), LEGACY_FIFO_DEPTH, "an empty FIFO takes 16");
    assert!(!uart.write_ready().unwrap());
    uart.registers().shift_out(1);
    assert_eq!(uart.write(&text).unwrap(), 1, "a partly full one, one at a time");
    assert_eq!(uart.write(&[]).unwrap(), 0);
    assert!(!uart.transmitter_idle());
    uart.registers().set_transmitter(Transmitter::PerFlagRead(1));
    uart.flush().unwrap();
    assert!(uart.transmitter_idle());
    assert_eq!(uart.registers().transmitted().len(), LEGACY_FIFO_DEPTH + 1);
    assert_eq!(uart.registers().transmit_overflows(), 0);
}

proptest! {
    #[test]
    fn any_bytes_written_arrive_intact(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        per_poll in 0u32..4,
        legacy in any::<bool>(),
    ) {
        let sim = if legacy { SimPl011::legacy() } else { SimPl011::new() };
        let mut uart = initialised_sim(sim, Config::default());
        // 0: the instant transmitter; else so many bytes per FR read.
        if per_poll > 0 {
            uart.registers().set_transmitter(Transmitter::PerFlagRead(per_poll));
        }
        prop_assert_eq!(uart.write_blocking(&bytes, 64), bytes.len());
        uart.flush().unwrap();
        let sim = uart.registers();
        prop_assert_eq!(sim.transmitted(), &bytes[..]);
        prop_assert_eq!(sim.transmit_overflows(), 0);
    }

    #[test]
    fn any_bytes_received_are_read_back_in_order(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..=LEGACY_FIFO_DEPTH), 0..16),
        legacy in any::<bool>(),
        buf_len in 1usize..40,
    ) {
        let sim = if legacy { SimPl011::legacy() } else { SimPl011::new() };
        let mut uart = initialised_sim(sim, Config::default());
        let mut received = Vec::new();
        for chunk in &chunks {
            prop_assert_eq!(uart.registers().inject(chunk), chunk.len());
            let mut buf = vec![0; buf_len];
            loop {
                let n = uart.read_available(&mut buf);
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..n]);
            }
        }
        prop_assert_eq!(received, chunks.concat());
        prop_assert_eq!(uart.line_errors(), LineErrors::default());
        prop_assert!(!uart.registers().irq_asserted());
    }

    /// Bursts larger than the FIFO lose their tail; the first character of
    /// the next burst carries the overrun, and each lossy burst followed by
    /// another character counts once.
    #[test]
    fn overflowing_bursts_keep_a_fifo_full_and_count_overruns(
        bursts in proptest::collection::vec(1usize..=48, 1..10),
        legacy in any::<bool>(),
    ) {
        let sim = if legacy { SimPl011::legacy() } else { SimPl011::new() };
        let depth = sim.fifo_depth();
        let mut uart = initialised_sim(sim, Config::default());
        let mut expected = Vec::new();
        let mut received = Vec::new();
        let mut lossy_then_more = 0;
        let mut last_lost = false;
        for (i, &len) in bursts.iter().enumerate() {
            let burst: Vec<u8> = (0..len).map(|n| (i * 64 + n) as u8).collect();
            prop_assert_eq!(uart.registers().inject(&burst), len.min(depth));
            expected.extend_from_slice(&burst[..len.min(depth)]);
            if last_lost {
                lossy_then_more += 1;
            }
            last_lost = len > depth;
            let mut buf = [0; 64];
            let n = uart.read_available(&mut buf);
            received.extend_from_slice(&buf[..n]);
        }
        prop_assert_eq!(received, expected);
        prop_assert_eq!(uart.line_errors().overrun, lossy_then_more);
        let any_lost = bursts.iter().any(|&len| len > depth);
        prop_assert_eq!(uart.raw_interrupts().contains(Interrupts::OVERRUN), any_lost);
    }

    /// Without ICR writes, the receive interrupt is exactly "the FIFO holds
    /// at least its level", whatever mix of arrivals and reads led there.
    #[test]
    fn receive_interrupt_is_raised_exactly_at_or_above_the_level(
        steps in proptest::collection::vec((any::<bool>(), 0usize..12), 0..40),
        level_bits in 0u32..5,
        legacy in any::<bool>(),
    ) {
        let sim = if legacy { SimPl011::legacy() } else { SimPl011::new() };
        let depth = sim.fifo_depth();
        let level = FifoLevel::from_bits(level_bits).unwrap();
        let mut uart = initialised_sim(sim, Config { receive_level: level, ..Config::default() });
        for (arrive, count) in steps {
            if arrive {
                let room = depth - uart.registers().received_pending();
                uart.registers().inject(&vec![b'.'; count.min(room)]);
            } else {
                uart.read_available(&mut vec![0; count]);
            }
            let pending = uart.registers().received_pending();
            prop_assert_eq!(uart.registers().irq_asserted(), pending >= level.entries(depth).max(1));
        }
    }

    #[test]
    fn error_flags_reach_the_reader_unchanged(
        characters in proptest::collection::vec((any::<u8>(), 0u8..8), 0..=FIFO_DEPTH),
    ) {
        let mut uart = initialised(Config::default());
        let mut expected = LineErrors::default();
        for &(byte, flags) in &characters {
            let errors = RxErrors::from_rsr(flags as u32);
            prop_assert!(uart.registers().inject_with_errors(byte, errors));
            expected.framing += errors.contains(RxErrors::FRAMING) as u32;
            expected.parity += errors.contains(RxErrors::PARITY) as u32;
            expected.break_condition += errors.contains(RxErrors::BREAK) as u32;
        }
        for &(byte, flags) in &characters {
            let errors = RxErrors::from_rsr(flags as u32);
            prop_assert_eq!(uart.try_read(), Some(Received { byte, errors }));
        }
        prop_assert_eq!(uart.try_read(), None);
        prop_assert_eq!(uart.line_errors(), expected);
    }
}
