//! A simulated 16550 for host tests. Always compiled (it needs neither std
//! nor an allocator), so other crates' tests can use it too.
//!
//! Modelled: THR/RBR with a 16-byte receive FIFO (1 byte with the FIFOs
//! disabled), IER, IIR priorities (line status > received data > THR empty >
//! modem status), FCR enable/clear, LCR with DLAB switching offsets 0/1 to
//! the divisor latch, MCR, LSR (DR, OE, PE/FE/BI when injected, THRE, TEMT),
//! MSR and SCR. Not modelled: timing, the character timeout, receive trigger
//! levels above 1, loopback, and a transmit FIFO (each written byte is
//! "sent" at once, or after the configured busy polls).

use crate::reg;
use device_registers::Registers;

/// Receive FIFO depth of a 16550A.
pub const FIFO_DEPTH: usize = 16;
/// How many transmitted bytes [`SimUart`] keeps; later bytes are dropped and counted.
pub const TRANSMIT_CAPACITY: usize = 4096;

#[derive(Debug, Clone)]
pub struct SimUart {
    present: bool,
    rx: [u8; FIFO_DEPTH],
    rx_head: usize,
    rx_len: usize,
    last_received: u8,
    ier: u8,
    lcr: u8,
    mcr: u8,
    msr: u8,
    scr: u8,
    fifo_enabled: bool,
    divisor: u16,
    /// OE/PE/FE/BI latched until the next LSR read.
    pending_line_errors: u8,
    thr_empty_interrupt: bool,
    busy_polls_per_byte: u32,
    busy_polls_left: u32,
    transmitted: [u8; TRANSMIT_CAPACITY],
    transmitted_len: usize,
    transmit_dropped: usize,
}

impl Default for SimUart {
    fn default() -> Self {
        Self::new()
    }
}

impl SimUart {
    /// A UART in its reset state (FIFOs off, interrupts off, divisor 0).
    pub const fn new() -> Self {
        SimUart {
            present: true,
            rx: [0; FIFO_DEPTH],
            rx_head: 0,
            rx_len: 0,
            last_received: 0,
            ier: 0,
            lcr: 0,
            mcr: 0,
            msr: 0,
            scr: 0,
            fifo_enabled: false,
            divisor: 0,
            pending_line_errors: 0,
            thr_empty_interrupt: false,
            busy_polls_per_byte: 0,
            busy_polls_left: 0,
            transmitted: [0; TRANSMIT_CAPACITY],
            transmitted_len: 0,
            transmit_dropped: 0,
        }
    }

    /// Nothing at these registers: reads return 0xff, writes are ignored.
    pub const fn absent() -> Self {
        let mut uart = Self::new();
        uart.present = false;
        uart
    }

    /// After each transmitted byte, LSR reports THRE and TEMT clear for the next `polls` LSR reads.
    pub fn set_transmit_busy_polls(&mut self, polls: u32) {
        self.busy_polls_per_byte = polls;
    }

    /// Bytes arriving on the wire. A byte that finds the FIFO full is lost
    /// and sets LSR.OE, as on the real part. Returns how many were kept.
    pub fn inject(&mut self, bytes: &[u8]) -> usize {
        let capacity = if self.fifo_enabled { FIFO_DEPTH } else { 1 };
        let mut kept = 0;
        for &byte in bytes {
            if self.rx_len == capacity {
                self.pending_line_errors |= reg::LSR_OVERRUN;
                continue;
            }
            self.rx[(self.rx_head + self.rx_len) % FIFO_DEPTH] = byte;
            self.rx_len += 1;
            kept += 1;
        }
        kept
    }

    /// Latches line-status error bits (`reg::LSR_PARITY` etc.) as if the
    /// byte being received was damaged; they show in LSR until it is read.
    pub fn inject_line_error(&mut self, lsr_bits: u8) {
        self.pending_line_errors |= lsr_bits & reg::LSR_ERRORS;
    }

    /// Sets the modem status register; low 4 bits (delta bits) raise a modem-status interrupt.
    pub fn set_modem_status(&mut self, msr: u8) {
        self.msr = msr;
    }

    /// Everything written to THR (with DLAB clear), oldest first.
    pub fn transmitted(&self) -> &[u8] {
        &self.transmitted[..self.transmitted_len]
    }

    /// Bytes written after [`TRANSMIT_CAPACITY`] was reached.
    pub fn transmit_dropped(&self) -> usize {
        self.transmit_dropped
    }

    pub fn clear_transmitted(&mut self) {
        self.transmitted_len = 0;
        self.transmit_dropped = 0;
    }

    pub fn divisor(&self) -> u16 {
        self.divisor
    }

    pub fn line_control(&self) -> u8 {
        self.lcr
    }

    pub fn modem_control(&self) -> u8 {
        self.mcr
    }

    pub fn interrupt_enable(&self) -> u8 {
        self.ier
    }

    pub fn fifo_enabled(&self) -> bool {
        self.fifo_enabled
    }

    /// Bytes waiting in the receive FIFO.
    pub fn received_pending(&self) -> usize {
        self.rx_len
    }

    /// Whether the UART's interrupt output would reach the interrupt
    /// controller: some enabled interrupt is pending and MCR.OUT2 is set.
    pub fn irq_asserted(&self) -> bool {
        self.present
            && self.mcr & reg::MCR_OUT2 != 0
            && self.identify() & reg::IIR_NO_INTERRUPT == 0
    }

    fn transmitter_busy(&self) -> bool {
        self.busy_polls_left > 0
    }

    /// IIR as it reads now, without the side effect of reading it.
    fn identify(&self) -> u8 {
        let id = if self.ier & reg::IER_LINE_STATUS != 0 && self.pending_line_errors != 0 {
            reg::IIR_ID_LINE_STATUS
        } else if self.ier & reg::IER_RECEIVED_DATA != 0 && self.rx_len > 0 {
            reg::IIR_ID_RECEIVED_DATA
        } else if self.ier & reg::IER_THR_EMPTY != 0 && self.thr_empty_interrupt {
            reg::IIR_ID_THR_EMPTY
        } else if self.ier & reg::IER_MODEM_STATUS != 0 && self.msr & 0x0f != 0 {
            reg::IIR_ID_MODEM_STATUS
        } else {
            reg::IIR_NO_INTERRUPT
        };
        let fifo_bits = if self.fifo_enabled { reg::IIR_FIFOS_ENABLED } else { 0 };
        id | fifo_bits
    }

    fn line_status(&self) -> u8 {
        let mut lsr = self.pending_line_errors;
        if self.rx_len > 0 {
            lsr |= reg::LSR_DATA_READY;
        }
        if !self.transmitter_busy() {
            lsr |= reg::LSR_THR_EMPTY | reg::LSR_TRANSMITTER_EMPTY;
        }
        lsr
    }

    fn pop_received(&mut self) -> u8 {
        if self.rx_len > 0 {
            self.last_received = self.rx[self.rx_head];
            self.rx_head = (self.rx_head + 1) % FIFO_DEPTH;
            self.rx_len -= 1;
        }
        // An empty RBR reads back the last byte, as on the real part.
        self.last_received
    }

    fn transmit(&mut self, byte: u8) {
        if self.transmitted_len < TRANSMIT_CAPACITY {
            self.transmitted[self.transmitted_len] = byte;
            self.transmitted_len += 1;
        } else {
            self.transmit_dropped += 1;
        }
        self.busy_polls_left = self.busy_polls_per_byte;
        self.thr_empty_interrupt = self.busy_polls_left == 0;
    }

    fn clear_receive_fifo(&mut self) {
        self.rx_head = 0;
        self.rx_len = 0;
    }

    fn dlab(&self) -> bool {
        self.lcr & reg::LCR_DLAB != 0
    }
}

impl Registers<u8> for SimUart {
    fn read(&mut self, offset: u32) -> u8 {
        if !self.present {
            return 0xff;
        }
        match offset & 7 {
            reg::RBR_THR_DLL if self.dlab() => self.divisor.to_le_bytes()[0],
            reg::RBR_THR_DLL => self.pop_received(),
            reg::IER_DLM if self.dlab() => self.divisor.to_le_bytes()[1],
            reg::IER_DLM => self.ier,
            reg::IIR_FCR => {
                let iir = self.identify();
                // Reading IIR acknowledges a THR-empty interrupt it reports.
                if iir & reg::IIR_ID_MASK == reg::IIR_ID_THR_EMPTY
                    && iir & reg::IIR_NO_INTERRUPT == 0
                {
                    self.thr_empty_interrupt = false;
                }
                iir
            }
            reg::LCR => self.lcr,
            reg::MCR => self.mcr,
            reg::LSR => {
                let lsr = self.line_status();
                self.pending_line_errors = 0;
                if self.busy_polls_left > 0 {
                    self.busy_polls_left -= 1;
                    if self.busy_polls_left == 0 {
                        self.thr_empty_interrupt = true;
                    }
                }
                lsr
            }
            reg::MSR => {
                let msr = self.msr;
                // Reading MSR clears its delta bits.
                self.msr &= 0xf0;
                msr
            }
            _ => self.scr,
        }
    }

    fn write(&mut self, offset: u32, value: u8) {
        if !self.present {
            return;
        }
        match offset & 7 {
            reg::RBR_THR_DLL if self.dlab() => {
                self.divisor = u16::from_le_bytes([value, self.divisor.to_le_bytes()[1]]);
            }
            reg::RBR_THR_DLL => self.transmit(value),
            reg::IER_DLM if self.dlab() => {
                self.divisor = u16::from_le_bytes([self.divisor.to_le_bytes()[0], value]);
            }
            reg::IER_DLM => {
                let newly_enabled = value & !self.ier;
                self.ier = value & 0x0f;
                // Enabling ETBEI with THR already empty raises the interrupt at once.
                if newly_enabled & reg::IER_THR_EMPTY != 0 && !self.transmitter_busy() {
                    self.thr_empty_interrupt = true;
                }
            }
            reg::IIR_FCR => {
                let enable = value & reg::FCR_ENABLE != 0;
                // Toggling the FIFO enable bit also clears the FIFOs.
                if enable != self.fifo_enabled || value & reg::FCR_CLEAR_RX != 0 {
                    self.clear_receive_fifo();
                }
                if value & reg::FCR_CLEAR_TX != 0 {
                    self.busy_polls_left = 0;
                }
                self.fifo_enabled = enable;
            }
            reg::LCR => self.lcr = value,
            reg::MCR => self.mcr = value & 0x1f,
            // LSR and MSR are read-only.
            reg::LSR | reg::MSR => {}
            _ => self.scr = value,
        }
    }
}
