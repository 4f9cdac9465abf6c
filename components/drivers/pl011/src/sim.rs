//! A simulated PL011 for host tests. Always compiled (it needs neither std
//! nor an allocator), so other crates' tests can use it too.
//!
//! Modelled, after the TRM:
//! - Receive and transmit FIFOs of 32 entries (r1p5, [`SimPl011::new`]) or
//!   16 ([`SimPl011::legacy`]: r1p0..r1p4, and what QEMU models), one entry
//!   each with LCR_H.FEN clear. Receive entries carry the character's
//!   framing/parity/break flags and, on the first character after an
//!   overflow, the overrun flag; a character that finds the FIFO full is
//!   lost and sets RSR.OE and the overrun interrupt at once.
//! - FR: RXFE, RXFF, TXFE, TXFF, BUSY (set while the transmit FIFO holds
//!   anything, enabled or not).
//! - The receiver takes characters only with CR.UARTEN and CR.RXE set; the
//!   transmitter sends only with CR.UARTEN and CR.TXE set: at once
//!   ([`Transmitter::Instant`]) or a given number per FR read
//!   ([`Transmitter::PerFlagRead`], 0 for a stalled line).
//! - RSR: the error flags of each character read from DR, and OE, until ECR
//!   is written.
//! - IBRD/FBRD take effect when LCR_H is written ([`SimPl011::baud_divisors`]);
//!   clearing LCR_H.FEN flushes the transmit FIFO.
//! - Interrupts: RIS, IMSC, MIS = RIS & IMSC, ICR clearing, and the
//!   combined interrupt line ([`SimPl011::irq_asserted`]). The receive
//!   interrupt is raised when a character leaves the receive FIFO at or
//!   above the IFLS level (any character, with the FIFOs disabled) and
//!   drops when reads take it below the level; the receive timeout is
//!   raised by [`SimPl011::line_idle`] while the FIFO holds data and drops
//!   when it is empty; the transmit interrupt is raised when sending takes
//!   the transmit FIFO down through its level (not by an empty FIFO as
//!   such, as the TRM warns) and drops when writes take it above; the
//!   error interrupts are raised as the damaged character (or the overrun)
//!   arrives. All of them also clear through ICR.
//! - The ID registers: PeriphID (part 0x011, ARM, the revision) and PCellID.
//!
//! Not modelled: timing (the receive timeout is explicit, the transmitter
//! sends per poll), baud rate, word length and parity (everything is 8
//! bits), loopback, send break, modem lines and their interrupts, IrDA, DMA.

use device_registers::Registers;

use crate::{reg, FifoLevel, RxErrors};

/// FIFO depth of r1p5.
pub const FIFO_DEPTH: usize = 32;
/// FIFO depth of r1p0..r1p4 (and of QEMU's model).
pub const LEGACY_FIFO_DEPTH: usize = 16;
/// How many transmitted bytes [`SimPl011`] keeps; later bytes are dropped and counted.
pub const TRANSMIT_CAPACITY: usize = 4096;

/// PeriphID0..3 of an r1p5 (revision 3).
const PERIPH_ID_R1P5: [u8; 4] = [0x11, 0x10, 0x34, 0x00];
/// PeriphID0..3 of an older revision, as QEMU reports them (revision 1).
const PERIPH_ID_LEGACY: [u8; 4] = [0x11, 0x10, 0x14, 0x00];
/// PCellID0..3.
const PCELL_ID: [u8; 4] = [0x0d, 0xf0, 0x05, 0xb1];

/// How the transmitter empties the transmit FIFO onto the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transmitter {
    /// Each byte is sent as soon as it is written (while enabled).
    Instant,
    /// Each FR read sends this many bytes from the FIFO (while enabled);
    /// 0 holds them there, as a line stalled by flow control would.
    PerFlagRead(u32),
}

#[derive(Debug, Clone)]
pub struct SimPl011 {
    present: bool,
    depth: usize,
    periph_id: [u8; 4],
    /// Receive FIFO entries: the byte and DR's error bits 11:8.
    rx: [u16; FIFO_DEPTH],
    rx_head: usize,
    rx_len: usize,
    last_read: u16,
    /// The next character received gets DR.OE: characters were lost before it.
    overrun_pending: bool,
    tx: [u8; FIFO_DEPTH],
    tx_head: usize,
    tx_len: usize,
    rsr: u32,
    ibrd: u32,
    fbrd: u32,
    /// IBRD and FBRD as last latched by an LCR_H write.
    divisors: (u32, u32),
    lcr_h: u32,
    cr: u32,
    ifls: u32,
    imsc: u32,
    ris: u32,
    ilpr: u32,
    dmacr: u32,
    transmitter: Transmitter,
    transmitted: [u8; TRANSMIT_CAPACITY],
    transmitted_len: usize,
    transmit_dropped: usize,
    transmit_overflows: usize,
    transmit_flushed: usize,
}

impl Default for SimPl011 {
    fn default() -> Self {
        Self::new()
    }
}

impl SimPl011 {
    /// An r1p5 (32-entry FIFOs) in its reset state: UART disabled, CR.TXE
    /// and CR.RXE set, FIFOs disabled, interrupts masked, divisors 0.
    pub const fn new() -> Self {
        Self::with_revision(FIFO_DEPTH, PERIPH_ID_R1P5)
    }

    /// An earlier revision with 16-entry FIFOs, identifying as QEMU's model does.
    pub const fn legacy() -> Self {
        Self::with_revision(LEGACY_FIFO_DEPTH, PERIPH_ID_LEGACY)
    }

    const fn with_revision(depth: usize, periph_id: [u8; 4]) -> Self {
        SimPl011 {
            present: true,
            depth,
            periph_id,
            rx: [0; FIFO_DEPTH],
            rx_head: 0,
            rx_len: 0,
            last_read: 0,
            overrun_pending: false,
            tx: [0; FIFO_DEPTH],
            tx_head: 0,
            tx_len: 0,
            rsr: 0,
            ibrd: 0,
            fbrd: 0,
            divisors: (0, 0),
            lcr_h: 0,
            cr: reg::CR_RESET,
            ifls: reg::IFLS_RESET,
            imsc: 0,
            ris: 0,
            ilpr: 0,
            dmacr: 0,
            transmitter: Transmitter::Instant,
            transmitted: [0; TRANSMIT_CAPACITY],
            transmitted_len: 0,
            transmit_dropped: 0,
            transmit_overflows: 0,
            transmit_flushed: 0,
        }
    }

    /// Nothing at these registers: reads return all ones, writes are ignored.
    pub const fn absent() -> Self {
        let mut uart = Self::new();
        uart.present = false;
        uart
    }

    pub fn set_transmitter(&mut self, transmitter: Transmitter) {
        self.transmitter = transmitter;
        if transmitter == Transmitter::Instant {
            self.send(usize::MAX);
        }
    }

    /// Characters arriving on the wire, back to back. While the receiver is
    /// disabled they are ignored; one that finds the receive FIFO full is
    /// lost and sets RSR.OE and the overrun interrupt, and the next one
    /// kept carries DR.OE. Returns how many were kept.
    pub fn inject(&mut self, bytes: &[u8]) -> usize {
        bytes.iter().filter(|&&byte| self.receive(byte as u16)).count()
    }

    /// One character received with `errors` (framing, parity, break; an
    /// overrun flag is the simulator's to set): raises their interrupts.
    /// Returns whether it was kept.
    pub fn inject_with_errors(&mut self, byte: u8, errors: RxErrors) -> bool {
        let flags = (errors.bits() as u32 & (reg::RSR_FE | reg::RSR_PE | reg::RSR_BE))
            << reg::DR_ERROR_SHIFT;
        self.receive(byte as u16 | flags as u16)
    }

    /// A break condition: the line held low for longer than a character,
    /// received as one 0 with the break flag.
    pub fn inject_break(&mut self) -> bool {
        self.inject_with_errors(0, RxErrors::BREAK)
    }

    /// The line stays idle for 32 bit periods: with data in the receive
    /// FIFO (and the receiver enabled), the receive timeout is raised.
    pub fn line_idle(&mut self) {
        if self.receiving() && self.rx_len > 0 {
            self.ris |= reg::INT_RT;
        }
    }

    /// Sends up to `count` bytes from the transmit FIFO (while the
    /// transmitter is enabled); returns how many.
    pub fn shift_out(&mut self, count: usize) -> usize {
        self.send(count)
    }

    /// Everything sent on the wire, oldest first.
    pub fn transmitted(&self) -> &[u8] {
        &self.transmitted[..self.transmitted_len]
    }

    /// Bytes sent after [`TRANSMIT_CAPACITY`] was reached.
    pub fn transmit_dropped(&self) -> usize {
        self.transmit_dropped
    }

    pub fn clear_transmitted(&mut self) {
        self.transmitted_len = 0;
        self.transmit_dropped = 0;
    }

    /// Bytes written to DR with the transmit FIFO full (lost).
    pub fn transmit_overflows(&self) -> usize {
        self.transmit_overflows
    }

    /// Bytes discarded from the transmit FIFO by clearing LCR_H.FEN.
    pub fn transmit_flushed(&self) -> usize {
        self.transmit_flushed
    }

    /// Bytes waiting in the transmit FIFO.
    pub fn transmit_pending(&self) -> usize {
        self.tx_len
    }

    /// Characters waiting in the receive FIFO.
    pub fn received_pending(&self) -> usize {
        self.rx_len
    }

    /// The FIFO depth of this revision (with the FIFOs enabled).
    pub fn fifo_depth(&self) -> usize {
        self.depth
    }

    pub fn fifo_enabled(&self) -> bool {
        self.lcr_h & reg::LCR_H_FEN != 0
    }

    /// IBRD and FBRD in effect (latched by the last LCR_H write).
    pub fn baud_divisors(&self) -> (u32, u32) {
        self.divisors
    }

    pub fn line_control(&self) -> u32 {
        self.lcr_h
    }

    pub fn control(&self) -> u32 {
        self.cr
    }

    pub fn fifo_levels(&self) -> u32 {
        self.ifls
    }

    pub fn interrupt_mask(&self) -> u32 {
        self.imsc
    }

    pub fn raw_interrupts(&self) -> u32 {
        self.ris
    }

    /// Whether the combined interrupt output (UARTINTR) is asserted: some
    /// unmasked interrupt is raised. It is a level: it stays asserted
    /// until the interrupt is cleared or its cause goes away.
    pub fn irq_asserted(&self) -> bool {
        self.present && self.ris & self.imsc != 0
    }

    fn receiving(&self) -> bool {
        self.cr & (reg::CR_UARTEN | reg::CR_RXE) == reg::CR_UARTEN | reg::CR_RXE
    }

    fn transmitting(&self) -> bool {
        self.cr & (reg::CR_UARTEN | reg::CR_TXE) == reg::CR_UARTEN | reg::CR_TXE
    }

    /// Entries each FIFO holds now: its depth, or 1 with the FIFOs disabled.
    fn capacity(&self) -> usize {
        if self.fifo_enabled() {
            self.depth
        } else {
            1
        }
    }

    /// An IFLS field in entries; the reserved encodings act as half full.
    fn level(&self, shift: u32) -> usize {
        FifoLevel::from_bits(self.ifls >> shift).unwrap_or(FifoLevel::OneHalf).entries(self.depth)
    }

    /// Receive entries at or above which the receive interrupt is raised.
    fn receive_trigger(&self) -> usize {
        if self.fifo_enabled() {
            self.level(reg::IFLS_RX_SHIFT).max(1)
        } else {
            1
        }
    }

    /// Transmit entries at or below which the transmit interrupt is raised.
    fn transmit_trigger(&self) -> usize {
        if self.fifo_enabled() {
            self.level(reg::IFLS_TX_SHIFT)
        } else {
            0
        }
    }

    fn receive(&mut self, entry: u16) -> bool {
        if !self.present || !self.receiving() {
            return false;
        }
        if self.rx_len >= self.capacity() {
            self.rsr |= reg::RSR_OE;
            self.ris |= reg::INT_OE;
            self.overrun_pending = true;
            return false;
        }
        let mut entry = entry;
        if self.overrun_pending {
            entry |= reg::DR_OE as u16;
            self.overrun_pending = false;
        }
        self.rx[(self.rx_head + self.rx_len) % FIFO_DEPTH] = entry;
        self.rx_len += 1;
        let errors = RxErrors::from_dr(entry as u32);
        for (flag, interrupt) in [
            (RxErrors::FRAMING, reg::INT_FE),
            (RxErrors::PARITY, reg::INT_PE),
            (RxErrors::BREAK, reg::INT_BE),
        ] {
            if errors.contains(flag) {
                self.ris |= interrupt;
            }
        }
        if self.rx_len >= self.receive_trigger() {
            self.ris |= reg::INT_RX;
        }
        true
    }

    fn read_data(&mut self) -> u32 {
        if self.rx_len > 0 {
            self.last_read = self.rx[self.rx_head];
            self.rx_head = (self.rx_head + 1) % FIFO_DEPTH;
            self.rx_len -= 1;
            // RSR keeps the flags of the character just read (OE is set on overflow).
            self.rsr |= ((self.last_read as u32) >> reg::DR_ERROR_SHIFT)
                & (reg::RSR_FE | reg::RSR_PE | reg::RSR_BE);
            if self.rx_len < self.receive_trigger() {
                self.ris &= !reg::INT_RX;
            }
            if self.rx_len == 0 {
                self.ris &= !reg::INT_RT;
            }
        }
        // An empty FIFO reads back the last character.
        self.last_read as u32
    }

    fn write_data(&mut self, byte: u8) {
        if self.tx_len >= self.capacity() {
            self.transmit_overflows += 1;
            return;
        }
        self.tx[(self.tx_head + self.tx_len) % FIFO_DEPTH] = byte;
        self.tx_len += 1;
        if self.tx_len > self.transmit_trigger() {
            self.ris &= !reg::INT_TX;
        }
        if self.transmitter == Transmitter::Instant {
            self.send(usize::MAX);
        }
    }

    fn send(&mut self, count: usize) -> usize {
        if !self.present || !self.transmitting() {
            return 0;
        }
        let mut sent = 0;
        while sent < count && self.tx_len > 0 {
            let byte = self.tx[self.tx_head];
            self.tx_head = (self.tx_head + 1) % FIFO_DEPTH;
            let before = self.tx_len;
            self.tx_len -= 1;
            let trigger = self.transmit_trigger();
            if before > trigger && self.tx_len <= trigger {
                self.ris |= reg::INT_TX;
            }
            if self.transmitted_len < TRANSMIT_CAPACITY {
                self.transmitted[self.transmitted_len] = byte;
                self.transmitted_len += 1;
            } else {
                self.transmit_dropped += 1;
            }
            sent += 1;
        }
        sent
    }

    fn flags(&mut self) -> u32 {
        if let Transmitter::PerFlagRead(count) = self.transmitter {
            self.send(count as usize);
        }
        let mut fr = 0;
        if self.rx_len == 0 {
            fr |= reg::FR_RXFE;
        }
        if self.rx_len >= self.capacity() {
            fr |= reg::FR_RXFF;
        }
        if self.tx_len == 0 {
            fr |= reg::FR_TXFE;
        } else {
            fr |= reg::FR_BUSY;
        }
        if self.tx_len >= self.capacity() {
            fr |= reg::FR_TXFF;
        }
        fr
    }

    fn id_byte(&self, offset: u32) -> u32 {
        let index = ((offset & 0xf) / 4) as usize;
        if offset & !0xf == reg::PERIPH_ID0 {
            self.periph_id[index] as u32
        } else {
            PCELL_ID[index] as u32
        }
    }
}

impl Registers<u32> for SimPl011 {
    fn read(&mut self, offset: u32) -> u32 {
        if !self.present {
            return u32::MAX;
        }
        match offset {
            reg::DR => self.read_data(),
            reg::RSR_ECR => self.rsr,
            reg::FR => self.flags(),
            reg::ILPR => self.ilpr,
            reg::IBRD => self.ibrd,
            reg::FBRD => self.fbrd,
            reg::LCR_H => self.lcr_h,
            reg::CR => self.cr,
            reg::IFLS => self.ifls,
            reg::IMSC => self.imsc,
            reg::RIS => self.ris,
            reg::MIS => self.ris & self.imsc,
            reg::DMACR => self.dmacr,
            0xfe0..=0xffc if offset.is_multiple_of(4) => self.id_byte(offset),
            // ICR is write-only; the rest is reserved.
            _ => 0,
        }
    }

    fn write(&mut self, offset: u32, value: u32) {
        if !self.present {
            return;
        }
        match offset {
            reg::DR => self.write_data(value as u8),
            reg::RSR_ECR => self.rsr = 0,
            reg::ILPR => self.ilpr = value & 0xff,
            reg::IBRD => self.ibrd = value & reg::IBRD_MAX,
            reg::FBRD => self.fbrd = value & reg::FBRD_MASK,
            reg::LCR_H => {
                let value = value & 0xff;
                if self.fifo_enabled() && value & reg::LCR_H_FEN == 0 {
                    self.transmit_flushed += self.tx_len;
                    self.tx_len = 0;
                }
                self.lcr_h = value;
                self.divisors = (self.ibrd, self.fbrd);
            }
            reg::CR => {
                self.cr = value & 0xff87;
                if self.transmitter == Transmitter::Instant {
                    self.send(usize::MAX);
                }
            }
            reg::IFLS => self.ifls = value & 0x3f,
            reg::IMSC => self.imsc = value & reg::INT_ALL,
            reg::ICR => self.ris &= !value,
            reg::DMACR => self.dmacr = value & 0x7,
            // FR, RIS, MIS and the IDs are read-only.
            _ => {}
        }
    }
}
