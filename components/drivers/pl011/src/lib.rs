//! Driver logic for the ARM PrimeCell PL011 UART (TRM DDI 0183).
//!
//! The driver only talks to its registers through [`Registers`] (every
//! register is one aligned 32-bit word at a byte offset from the base), so
//! the same code runs inside a Wasm driver component (where the host provides
//! MMIO access through a device window) and on the host against
//! [`sim::SimPl011`].
//!
//! What it does: identifies the device by its PrimeCell ID registers,
//! programs 8N1 with the FIFOs enabled ([`Pl011::init`], optionally with
//! the baud divisors computed from the reference clock), writes with a
//! bounded wait on a full transmit FIFO, drains the receive FIFO until it
//! is empty (counting the framing, parity, break and overrun errors the
//! data register reports with each character), and reads and clears the
//! interrupt status. [`Pl011`] implements `embedded-io`'s `Read` and
//! `Write`.
//!
//! Line endings are the caller's business: bytes are sent and received as
//! they are, with no translation.
//!
//! The PL011's interrupt output is level-sensitive: it stays asserted while
//! any unmasked raw interrupt is set. Receive interrupts clear when the
//! receive FIFO is read below its trigger level (or empty, for the receive
//! timeout) or when written to ICR ([`Pl011::clear_interrupts`]); a driver
//! that acknowledges the interrupt controller before the device's interrupt
//! is clear is interrupted again at once.

#![no_std]
#![forbid(unsafe_code)]

use device_registers::Registers;

pub mod sim;

/// Register offsets and bits, shared with the simulator.
pub mod reg {
    /// Data: write to transmit; read for the oldest received character,
    /// with its error flags in bits 11:8.
    pub const DR: u32 = 0x000;
    /// Receive status (read) / error clear (write any value).
    pub const RSR_ECR: u32 = 0x004;
    /// Flags (read-only): FIFO and transmitter state, modem lines.
    pub const FR: u32 = 0x018;
    /// IrDA low-power counter.
    pub const ILPR: u32 = 0x020;
    /// Integer part of the baud divisor (16 bits).
    pub const IBRD: u32 = 0x024;
    /// Fractional part of the baud divisor, in 64ths (6 bits).
    pub const FBRD: u32 = 0x028;
    /// Line control. IBRD, FBRD and LCR_H are one internal register,
    /// updated when LCR_H is written: write LCR_H after the divisors.
    pub const LCR_H: u32 = 0x02c;
    /// Control: enables.
    pub const CR: u32 = 0x030;
    /// FIFO levels that trigger the receive and transmit interrupts.
    pub const IFLS: u32 = 0x034;
    /// Interrupt mask set/clear: a set bit lets that interrupt out.
    pub const IMSC: u32 = 0x038;
    /// Raw interrupt status (before the mask).
    pub const RIS: u32 = 0x03c;
    /// Masked interrupt status: RIS & IMSC.
    pub const MIS: u32 = 0x040;
    /// Interrupt clear (write-only): each set bit clears that raw interrupt.
    pub const ICR: u32 = 0x044;
    /// DMA control.
    pub const DMACR: u32 = 0x048;
    /// Peripheral ID 0..3 (one byte each, in bits 7:0 of consecutive words).
    pub const PERIPH_ID0: u32 = 0xfe0;
    /// PrimeCell ID 0..3 (one byte each, in bits 7:0 of consecutive words).
    pub const PCELL_ID0: u32 = 0xff0;

    pub const DR_DATA_MASK: u32 = 0xff;
    pub const DR_FE: u32 = 1 << 8;
    pub const DR_PE: u32 = 1 << 9;
    pub const DR_BE: u32 = 1 << 10;
    pub const DR_OE: u32 = 1 << 11;
    /// DR's error bits, in RSR's order from this shift.
    pub const DR_ERROR_SHIFT: u32 = 8;

    /// Framing error: no valid stop bit.
    pub const RSR_FE: u32 = 1 << 0;
    /// Parity error.
    pub const RSR_PE: u32 = 1 << 1;
    /// Break: the line held low longer than a whole character.
    pub const RSR_BE: u32 = 1 << 2;
    /// Overrun: a character arrived with the receive FIFO full and was lost.
    pub const RSR_OE: u32 = 1 << 3;
    pub const RSR_ERRORS: u32 = RSR_FE | RSR_PE | RSR_BE | RSR_OE;

    pub const FR_CTS: u32 = 1 << 0;
    pub const FR_DSR: u32 = 1 << 1;
    pub const FR_DCD: u32 = 1 << 2;
    /// Transmitting: set while the transmit FIFO is not empty or a
    /// character is still being shifted out (whether or not the UART is enabled).
    pub const FR_BUSY: u32 = 1 << 3;
    /// Receive FIFO empty (the holding register, with the FIFOs disabled).
    pub const FR_RXFE: u32 = 1 << 4;
    /// Transmit FIFO full.
    pub const FR_TXFF: u32 = 1 << 5;
    /// Receive FIFO full.
    pub const FR_RXFF: u32 = 1 << 6;
    /// Transmit FIFO empty (the shift register may still be sending).
    pub const FR_TXFE: u32 = 1 << 7;
    pub const FR_RI: u32 = 1 << 8;

    /// Largest IBRD; with it, FBRD must be 0.
    pub const IBRD_MAX: u32 = 0xffff;
    pub const FBRD_MASK: u32 = 0x3f;

    /// Send break.
    pub const LCR_H_BRK: u32 = 1 << 0;
    pub const LCR_H_PEN: u32 = 1 << 1;
    pub const LCR_H_EPS: u32 = 1 << 2;
    pub const LCR_H_STP2: u32 = 1 << 3;
    /// FIFOs enabled; clear, both FIFOs are one-character holding registers.
    /// Clearing it flushes the transmit FIFO.
    pub const LCR_H_FEN: u32 = 1 << 4;
    pub const LCR_H_WLEN_MASK: u32 = 0b11 << 5;
    /// 8 data bits (with PEN and STP2 clear: 8N1).
    pub const LCR_H_WLEN_8: u32 = 0b11 << 5;
    pub const LCR_H_SPS: u32 = 1 << 7;

    pub const CR_UARTEN: u32 = 1 << 0;
    pub const CR_SIREN: u32 = 1 << 1;
    pub const CR_SIRLP: u32 = 1 << 2;
    pub const CR_LBE: u32 = 1 << 7;
    pub const CR_TXE: u32 = 1 << 8;
    pub const CR_RXE: u32 = 1 << 9;
    pub const CR_DTR: u32 = 1 << 10;
    pub const CR_RTS: u32 = 1 << 11;
    pub const CR_OUT1: u32 = 1 << 12;
    pub const CR_OUT2: u32 = 1 << 13;
    pub const CR_RTSEN: u32 = 1 << 14;
    pub const CR_CTSEN: u32 = 1 << 15;
    /// CR after reset: transmit and receive enabled, the UART disabled.
    pub const CR_RESET: u32 = CR_TXE | CR_RXE;

    /// IFLS bits 2:0: transmit level ([`crate::FifoLevel`]).
    pub const IFLS_TX_SHIFT: u32 = 0;
    /// IFLS bits 5:3: receive level ([`crate::FifoLevel`]).
    pub const IFLS_RX_SHIFT: u32 = 3;
    pub const IFLS_LEVEL_MASK: u32 = 0b111;
    /// IFLS after reset: both at half full.
    pub const IFLS_RESET: u32 = 0x12;

    /// Interrupt bits, the same in IMSC, RIS, MIS and ICR.
    pub const INT_RI: u32 = 1 << 0;
    pub const INT_CTS: u32 = 1 << 1;
    pub const INT_DCD: u32 = 1 << 2;
    pub const INT_DSR: u32 = 1 << 3;
    /// Receive FIFO at or above its trigger level.
    pub const INT_RX: u32 = 1 << 4;
    /// Transmit FIFO passed down to its trigger level.
    pub const INT_TX: u32 = 1 << 5;
    /// Receive timeout: data in the receive FIFO and the line idle for 32 bit periods.
    pub const INT_RT: u32 = 1 << 6;
    pub const INT_FE: u32 = 1 << 7;
    pub const INT_PE: u32 = 1 << 8;
    pub const INT_BE: u32 = 1 << 9;
    pub const INT_OE: u32 = 1 << 10;
    pub const INT_MODEM: u32 = INT_RI | INT_CTS | INT_DCD | INT_DSR;
    pub const INT_ERRORS: u32 = INT_FE | INT_PE | INT_BE | INT_OE;
    pub const INT_ALL: u32 = 0x7ff;

    /// The PrimeCell ID every PrimeCell peripheral reads (PCellID3..0).
    pub const PCELL_ID: u32 = 0xb105_f00d;
    /// The PL011's part number (PeriphID1 bits 3:0, PeriphID0).
    pub const PART_NUMBER: u16 = 0x011;
    /// ARM's designer code (PeriphID2 bits 3:0, PeriphID1 bits 7:4).
    pub const DESIGNER_ARM: u8 = 0x41;
}

/// The reference clock of the PL011 on QEMU's `virt` board (its device
/// tree's `apb-pclk`): 24 MHz.
pub const QEMU_VIRT_UARTCLK_HZ: u32 = 24_000_000;

/// Bytes every revision's FIFOs hold: revisions r1p0..r1p4 have 16-entry
/// FIFOs (so does QEMU's model), r1p5 has 32.
pub const MIN_FIFO_DEPTH: usize = 16;

/// A receive or transmit FIFO interrupt trigger level (an IFLS field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FifoLevel {
    OneEighth,
    OneQuarter,
    OneHalf,
    ThreeQuarters,
    SevenEighths,
}

impl FifoLevel {
    /// The 3-bit IFLS encoding.
    pub const fn bits(self) -> u32 {
        match self {
            FifoLevel::OneEighth => 0b000,
            FifoLevel::OneQuarter => 0b001,
            FifoLevel::OneHalf => 0b010,
            FifoLevel::ThreeQuarters => 0b011,
            FifoLevel::SevenEighths => 0b100,
        }
    }

    /// Decodes an IFLS field; the reserved encodings 0b101..=0b111 are `None`.
    pub const fn from_bits(bits: u32) -> Option<FifoLevel> {
        match bits & reg::IFLS_LEVEL_MASK {
            0b000 => Some(FifoLevel::OneEighth),
            0b001 => Some(FifoLevel::OneQuarter),
            0b010 => Some(FifoLevel::OneHalf),
            0b011 => Some(FifoLevel::ThreeQuarters),
            0b100 => Some(FifoLevel::SevenEighths),
            _ => None,
        }
    }

    /// The level in entries of a FIFO `depth` entries deep.
    pub const fn entries(self, depth: usize) -> usize {
        let eighths = match self {
            FifoLevel::OneEighth => 1,
            FifoLevel::OneQuarter => 2,
            FifoLevel::OneHalf => 4,
            FifoLevel::ThreeQuarters => 6,
            FifoLevel::SevenEighths => 7,
        };
        depth * eighths / 8
    }
}

/// A line rate and the UART's reference clock (UARTCLK) it is divided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaudRate {
    pub baud: u32,
    pub uartclk_hz: u32,
}

/// The baud-rate divisor UARTCLK / (16 × baud), as IBRD + FBRD / 64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Divisors {
    pub integer: u16,
    pub fraction: u8,
}

impl Divisors {
    /// The rate these divisors give from `uartclk_hz` (rounded down).
    pub fn baud(self, uartclk_hz: u32) -> u32 {
        let sixty_fourths = ((self.integer as u64) << 6) | self.fraction as u64;
        if sixty_fourths == 0 {
            return 0;
        }
        (uartclk_hz as u64 * 4 / sixty_fourths) as u32
    }
}

/// The divisors for `rate`: the fraction rounded to the nearest 64th.
///
/// The divisor must lie between 1 and 65535 (IBRD = 0xffff with FBRD = 0),
/// so the fastest rate is UARTCLK / 16.
pub fn divisors(rate: BaudRate) -> Result<Divisors, InitError> {
    let bad = InitError::BadBaud { baud: rate.baud, uartclk_hz: rate.uartclk_hz };
    if rate.baud == 0 {
        return Err(bad);
    }
    let (clock, baud) = (rate.uartclk_hz as u64, rate.baud as u64);
    // 64 × UARTCLK / (16 × baud), rounded to nearest.
    let sixty_fourths = (8 * clock + baud) / (2 * baud);
    let integer = sixty_fourths >> 6;
    let fraction = sixty_fourths & reg::FBRD_MASK as u64;
    if integer == 0
        || integer > reg::IBRD_MAX as u64
        || (integer == reg::IBRD_MAX as u64 && fraction != 0)
    {
        return Err(bad);
    }
    Ok(Divisors { integer: integer as u16, fraction: fraction as u8 })
}

/// Line settings applied by [`Pl011::init`]; the frame is always 8N1 with
/// the FIFOs enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// The rate to program; `None` leaves IBRD and FBRD as they are (as
    /// firmware set them; QEMU ignores them).
    pub baud: Option<BaudRate>,
    /// Unmask the receive and receive-timeout interrupts.
    pub receive_interrupt: bool,
    /// Receive FIFO level that raises the receive interrupt; fewer bytes
    /// raise the receive timeout once the line has been idle for 32 bit
    /// periods.
    pub receive_level: FifoLevel,
    /// Transmit FIFO level the transmit interrupt fires at (the driver
    /// leaves that interrupt masked).
    pub transmit_level: FifoLevel,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            baud: None,
            receive_interrupt: true,
            receive_level: FifoLevel::OneHalf,
            transmit_level: FifoLevel::OneHalf,
        }
    }
}

/// Polls [`Pl011::init`] spends at most waiting for what a previous owner
/// queued to leave the transmit FIFO before it disables the UART.
pub const INIT_DRAIN_POLLS: u32 = 100_000;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum InitError {
    /// The ID registers do not read as a PL011: nothing (or something else)
    /// answers at these registers. The IDs read, each packed low byte first.
    NotPresent { periph_id: u32, pcell_id: u32 },
    /// `baud` is zero or out of the divisor's range for `uartclk_hz`.
    BadBaud { baud: u32, uartclk_hz: u32 },
}

/// What the PrimeCell ID registers say.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Identity {
    /// 0x011 for a PL011.
    pub part: u16,
    /// 0x41 for ARM.
    pub designer: u8,
    /// 0..=2 for r1p0..r1p4 (QEMU reports 1), 3 for r1p5.
    pub revision: u8,
    pub configuration: u8,
}

impl Identity {
    /// Decodes PeriphID0..3 (low byte of each).
    pub const fn from_periph_id(periph_id: [u8; 4]) -> Identity {
        Identity {
            part: periph_id[0] as u16 | ((periph_id[1] as u16 & 0xf) << 8),
            designer: (periph_id[1] >> 4) | ((periph_id[2] & 0xf) << 4),
            revision: periph_id[2] >> 4,
            configuration: periph_id[3],
        }
    }

    /// Entries of each FIFO: 32 from revision 3 (r1p5) on, 16 before.
    pub const fn fifo_depth(&self) -> usize {
        if self.revision >= 3 {
            32
        } else {
            MIN_FIFO_DEPTH
        }
    }
}

/// The error flags of a received character (DR bits 11:8), or of RSR
/// (bits 3:0): framing, parity, break, overrun.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub struct RxErrors(u8);

impl RxErrors {
    pub const NONE: RxErrors = RxErrors(0);
    pub const FRAMING: RxErrors = RxErrors(reg::RSR_FE as u8);
    pub const PARITY: RxErrors = RxErrors(reg::RSR_PE as u8);
    /// A break condition: the character is a 0 that carries no data.
    pub const BREAK: RxErrors = RxErrors(reg::RSR_BE as u8);
    /// Characters were lost before this one: the receive FIFO was full.
    pub const OVERRUN: RxErrors = RxErrors(reg::RSR_OE as u8);

    /// The flags of a DR value.
    pub const fn from_dr(dr: u32) -> RxErrors {
        RxErrors(((dr >> reg::DR_ERROR_SHIFT) & reg::RSR_ERRORS) as u8)
    }

    /// The flags of an RSR value.
    pub const fn from_rsr(rsr: u32) -> RxErrors {
        RxErrors((rsr & reg::RSR_ERRORS) as u8)
    }

    /// RSR's layout: bit 0 framing, 1 parity, 2 break, 3 overrun.
    pub const fn bits(self) -> u8 {
        self.0
    }

    pub const fn union(self, other: RxErrors) -> RxErrors {
        RxErrors(self.0 | other.0)
    }

    pub const fn contains(self, other: RxErrors) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl core::ops::BitOr for RxErrors {
    type Output = RxErrors;
    fn bitor(self, other: RxErrors) -> RxErrors {
        self.union(other)
    }
}

/// One character from the receive FIFO.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Received {
    pub byte: u8,
    pub errors: RxErrors,
}

/// A set of interrupts, in the layout of IMSC, RIS, MIS and ICR.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub struct Interrupts(u32);

impl Interrupts {
    pub const NONE: Interrupts = Interrupts(0);
    pub const RECEIVE: Interrupts = Interrupts(reg::INT_RX);
    pub const RECEIVE_TIMEOUT: Interrupts = Interrupts(reg::INT_RT);
    pub const TRANSMIT: Interrupts = Interrupts(reg::INT_TX);
    pub const FRAMING: Interrupts = Interrupts(reg::INT_FE);
    pub const PARITY: Interrupts = Interrupts(reg::INT_PE);
    pub const BREAK: Interrupts = Interrupts(reg::INT_BE);
    pub const OVERRUN: Interrupts = Interrupts(reg::INT_OE);
    /// Framing, parity, break and overrun.
    pub const ERRORS: Interrupts = Interrupts(reg::INT_ERRORS);
    /// The modem-line interrupts (RI, CTS, DCD, DSR).
    pub const MODEM: Interrupts = Interrupts(reg::INT_MODEM);
    /// Everything to do with receiving: data, timeout, errors.
    pub const RECEIVE_ALL: Interrupts = Interrupts(reg::INT_RX | reg::INT_RT | reg::INT_ERRORS);
    pub const ALL: Interrupts = Interrupts(reg::INT_ALL);

    /// The interrupt bits of a register value (bits above 10 dropped).
    pub const fn from_bits(bits: u32) -> Interrupts {
        Interrupts(bits & reg::INT_ALL)
    }

    pub const fn bits(self) -> u32 {
        self.0
    }

    pub const fn union(self, other: Interrupts) -> Interrupts {
        Interrupts(self.0 | other.0)
    }

    /// Whether every interrupt of `other` is in `self`.
    pub const fn contains(self, other: Interrupts) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any interrupt of `other` is in `self`.
    pub const fn intersects(self, other: Interrupts) -> bool {
        self.0 & other.0 != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl core::ops::BitOr for Interrupts {
    type Output = Interrupts;
    fn bitor(self, other: Interrupts) -> Interrupts {
        self.union(other)
    }
}

/// Receive errors counted since [`Pl011::init`], from the flags each
/// character carries in DR.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub struct LineErrors {
    /// Characters that arrived after the receive FIFO overflowed (each
    /// counts one overflow, however many characters it lost).
    pub overrun: u32,
    pub parity: u32,
    pub framing: u32,
    pub break_condition: u32,
}

impl LineErrors {
    pub fn total(&self) -> u32 {
        self.overrun
            .saturating_add(self.parity)
            .saturating_add(self.framing)
            .saturating_add(self.break_condition)
    }

    fn count(&mut self, errors: RxErrors) {
        let bump = |flag: RxErrors, counter: &mut u32| {
            if errors.contains(flag) {
                *counter = counter.saturating_add(1);
            }
        };
        bump(RxErrors::OVERRUN, &mut self.overrun);
        bump(RxErrors::PARITY, &mut self.parity);
        bump(RxErrors::FRAMING, &mut self.framing);
        bump(RxErrors::BREAK, &mut self.break_condition);
    }
}

pub struct Pl011<R: Registers<u32>> {
    regs: R,
    errors: LineErrors,
    /// Bytes the transmit FIFO takes whenever FR.TXFE reads set: the
    /// FIFO's depth once [`Pl011::init`] has enabled the FIFOs, else 1.
    transmit_burst: usize,
}

impl<R: Registers<u32>> Pl011<R> {
    /// Wraps the registers without touching the device; call [`Self::init`] before use.
    pub fn new(regs: R) -> Self {
        Pl011 { regs, errors: LineErrors::default(), transmit_burst: 1 }
    }

    /// Reads the PrimeCell ID registers: an error unless they say PL011.
    pub fn identify(&mut self) -> Result<Identity, InitError> {
        let mut id_bytes = |base: u32| -> [u8; 4] {
            core::array::from_fn(|i| self.regs.read(base + 4 * i as u32) as u8)
        };
        let periph_id = id_bytes(reg::PERIPH_ID0);
        let pcell_id = id_bytes(reg::PCELL_ID0);
        let identity = Identity::from_periph_id(periph_id);
        if u32::from_le_bytes(pcell_id) != reg::PCELL_ID
            || identity.part != reg::PART_NUMBER
            || identity.designer != reg::DESIGNER_ARM
        {
            return Err(InitError::NotPresent {
                periph_id: u32::from_le_bytes(periph_id),
                pcell_id: u32::from_le_bytes(pcell_id),
            });
        }
        Ok(identity)
    }

    /// Programs 8N1 with the FIFOs enabled and emptied, the FIFO interrupt
    /// levels, the divisors if `config.baud` says so, and the receive
    /// interrupts if `config.receive_interrupt`; then enables the UART,
    /// transmitter and receiver. Follows the TRM's reprogramming order:
    /// let the transmit FIFO drain (at most [`INIT_DRAIN_POLLS`] polls, so a
    /// previous owner's last output is not cut), disable the UART, flush the
    /// transmit FIFO (FEN cleared), reprogram, enable.
    ///
    /// Received characters, errors and interrupts left from before are
    /// discarded. Nothing is written if the device does not identify as a
    /// PL011 or the rate is impossible.
    pub fn init(&mut self, config: &Config) -> Result<Identity, InitError> {
        let divisors = config.baud.map(divisors).transpose()?;
        let identity = self.identify()?;
        for _ in 0..INIT_DRAIN_POLLS {
            if self.flags() & reg::FR_BUSY == 0 {
                break;
            }
            core::hint::spin_loop();
        }
        self.regs.write(reg::CR, 0);
        self.regs.write(reg::LCR_H, 0);
        self.regs.write(reg::IMSC, 0);
        // The receive FIFO holds at most 32 characters; the receiver is
        // off, so no more arrive.
        for _ in 0..2 * 32 {
            if self.flags() & reg::FR_RXFE != 0 {
                break;
            }
            self.regs.read(reg::DR);
        }
        self.regs.write(reg::RSR_ECR, 0);
        self.regs.write(reg::ICR, reg::INT_ALL);
        if let Some(divisors) = divisors {
            self.regs.write(reg::IBRD, divisors.integer as u32);
            self.regs.write(reg::FBRD, divisors.fraction as u32);
        }
        // Also latches IBRD and FBRD.
        self.regs.write(reg::LCR_H, reg::LCR_H_WLEN_8 | reg::LCR_H_FEN);
        self.regs.write(
            reg::IFLS,
            (config.receive_level.bits() << reg::IFLS_RX_SHIFT)
                | (config.transmit_level.bits() << reg::IFLS_TX_SHIFT),
        );
        let mask = if config.receive_interrupt {
            Interrupts::RECEIVE | Interrupts::RECEIVE_TIMEOUT
        } else {
            Interrupts::NONE
        };
        self.regs.write(reg::IMSC, mask.bits());
        self.regs.write(reg::CR, reg::CR_UARTEN | reg::CR_TXE | reg::CR_RXE);
        self.errors = LineErrors::default();
        self.transmit_burst = identity.fifo_depth();
        Ok(identity)
    }

    /// FR.
    pub fn flags(&mut self) -> u32 {
        self.regs.read(reg::FR)
    }

    /// False if the transmit FIFO is full.
    pub fn try_write_byte(&mut self, byte: u8) -> bool {
        if self.flags() & reg::FR_TXFF != 0 {
            return false;
        }
        self.regs.write(reg::DR, byte as u32);
        true
    }

    /// Writes every byte, polling FR at most `spins` times whenever the
    /// transmit FIFO is full; returns how many were written.
    ///
    /// A `spins` of 0 still polls once. After [`Self::init`], an empty FIFO
    /// (FR.TXFE) takes a whole FIFO's worth of bytes without polling in
    /// between; otherwise FR is polled before every byte.
    pub fn write_blocking(&mut self, bytes: &[u8], spins: u32) -> usize {
        let mut written = 0;
        while written < bytes.len() {
            let room = self.transmit_room(Some(spins.max(1)));
            if room == 0 {
                break;
            }
            written += self.write_unchecked(&bytes[written..], room);
        }
        written
    }

    /// Polls FR until the transmit FIFO has room, at most `polls` times
    /// (`None`: for as long as it takes); returns how many bytes it takes
    /// now without another poll (0: still full).
    fn transmit_room(&mut self, polls: Option<u32>) -> usize {
        let mut polled = 0;
        loop {
            let flags = self.flags();
            if flags & reg::FR_TXFE != 0 {
                return self.transmit_burst;
            }
            if flags & reg::FR_TXFF == 0 {
                return 1;
            }
            polled += 1;
            if polls.is_some_and(|polls| polled >= polls) {
                return 0;
            }
            core::hint::spin_loop();
        }
    }

    /// Writes the first `room` bytes (at most) to DR without looking at FR.
    fn write_unchecked(&mut self, bytes: &[u8], room: usize) -> usize {
        let chunk = &bytes[..room.min(bytes.len())];
        for &byte in chunk {
            self.regs.write(reg::DR, byte as u32);
        }
        chunk.len()
    }

    /// The oldest received character with its error flags, or `None` when
    /// the receive FIFO is empty. Errors are counted ([`Self::line_errors`]).
    pub fn try_read(&mut self) -> Option<Received> {
        if self.flags() & reg::FR_RXFE != 0 {
            return None;
        }
        let dr = self.regs.read(reg::DR);
        let received =
            Received { byte: (dr & reg::DR_DATA_MASK) as u8, errors: RxErrors::from_dr(dr) };
        self.errors.count(received.errors);
        Some(received)
    }

    /// Moves received bytes into `buf` until the receive FIFO is empty
    /// (FR.RXFE) or `buf` is full; returns the count.
    ///
    /// Characters with framing, parity or overrun errors are kept (the
    /// errors are counted); a break is counted and dropped: its 0 is not
    /// data.
    pub fn read_available(&mut self, buf: &mut [u8]) -> usize {
        let mut count = 0;
        while count < buf.len() {
            let Some(received) = self.try_read() else {
                break;
            };
            if received.errors.contains(RxErrors::BREAK) {
                continue;
            }
            buf[count] = received.byte;
            count += 1;
        }
        count
    }

    /// The unmasked interrupts that are asserted (MIS): the device's
    /// interrupt line is high while this is not empty.
    pub fn pending_interrupts(&mut self) -> Interrupts {
        Interrupts::from_bits(self.regs.read(reg::MIS))
    }

    /// Every asserted interrupt, masked or not (RIS).
    pub fn raw_interrupts(&mut self) -> Interrupts {
        Interrupts::from_bits(self.regs.read(reg::RIS))
    }

    /// Clears `interrupts` (ICR). A receive interrupt whose cause remains
    /// (the FIFO still at its level) is raised again by the next character.
    pub fn clear_interrupts(&mut self, interrupts: Interrupts) {
        self.regs.write(reg::ICR, interrupts.bits());
    }

    /// Replaces the interrupt mask (IMSC): the interrupts let out.
    pub fn set_interrupt_mask(&mut self, interrupts: Interrupts) {
        self.regs.write(reg::IMSC, interrupts.bits());
    }

    pub fn interrupt_mask(&mut self) -> Interrupts {
        Interrupts::from_bits(self.regs.read(reg::IMSC))
    }

    /// RSR's sticky error flags, then clears them (ECR). Unlike the flags
    /// of each character, RSR shows an overrun as soon as it happens. Not
    /// counted in [`Self::line_errors`].
    pub fn take_receive_status(&mut self) -> RxErrors {
        let status = RxErrors::from_rsr(self.regs.read(reg::RSR_ECR));
        self.regs.write(reg::RSR_ECR, 0);
        status
    }

    /// Overrun/parity/framing/break counted since init, from the characters read.
    pub fn line_errors(&self) -> LineErrors {
        self.errors
    }

    pub fn registers(&mut self) -> &mut R {
        &mut self.regs
    }

    /// Gives the registers back.
    pub fn into_registers(self) -> R {
        self.regs
    }

    /// True when at least one received character is waiting.
    pub fn data_ready(&mut self) -> bool {
        self.flags() & reg::FR_RXFE == 0
    }

    /// True when the transmit FIFO can take a byte.
    pub fn transmit_ready(&mut self) -> bool {
        self.flags() & reg::FR_TXFF == 0
    }

    /// True when the transmit FIFO is empty and the last character has left
    /// the shift register: everything written is on the wire.
    pub fn transmitter_idle(&mut self) -> bool {
        let flags = self.flags();
        flags & reg::FR_TXFE != 0 && flags & reg::FR_BUSY == 0
    }
}

impl<R: Registers<u32>> embedded_io::ErrorType for Pl011<R> {
    /// Line errors are counted (see [`Pl011::line_errors`]), not returned.
    type Error = core::convert::Infallible;
}

impl<R: Registers<u32>> embedded_io::Read for Pl011<R> {
    /// Blocks by polling FR until at least one byte has arrived, then
    /// returns everything already received that fits in `buf`. An empty
    /// `buf` returns 0 at once. Use [`embedded_io::ReadReady`] or the
    /// receive interrupt to avoid spinning.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let count = self.read_available(buf);
            if count > 0 {
                return Ok(count);
            }
            core::hint::spin_loop();
        }
    }
}

impl<R: Registers<u32>> embedded_io::ReadReady for Pl011<R> {
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        Ok(self.data_ready())
    }
}

impl<R: Registers<u32>> embedded_io::Write for Pl011<R> {
    /// Polls until the transmit FIFO has room, then writes as many bytes as
    /// it is known to take (a whole FIFO's worth when it is empty, after
    /// [`Pl011::init`]); returns how many were written.
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let room = self.transmit_room(None);
        Ok(self.write_unchecked(buf, room))
    }

    /// Polls until the transmit FIFO is empty and the UART no longer busy.
    fn flush(&mut self) -> Result<(), Self::Error> {
        while !self.transmitter_idle() {
            core::hint::spin_loop();
        }
        Ok(())
    }
}

impl<R: Registers<u32>> embedded_io::WriteReady for Pl011<R> {
    fn write_ready(&mut self) -> Result<bool, Self::Error> {
        Ok(self.transmit_ready())
    }
}
