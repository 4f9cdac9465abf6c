//! Driver logic for the 16550 UART.
//!
//! The driver only talks to its registers through [`Registers`] (its 8
//! byte-wide registers at offsets 0..=7 from the base), so the same code runs
//! inside a Wasm driver component (where the host provides port or MMIO
//! access) and on the host against [`sim::SimUart`].
//!
//! Line endings are the caller's business: bytes are sent and received as
//! they are, with no translation.

#![no_std]
#![forbid(unsafe_code)]

use device_registers::Registers;

pub mod sim;

/// Register offsets and bits, shared with the simulator.
pub mod reg {
    /// Receiver buffer (read) / transmitter holding (write); divisor latch low when LCR.DLAB.
    pub const RBR_THR_DLL: u32 = 0;
    /// Interrupt enable; divisor latch high when LCR.DLAB.
    pub const IER_DLM: u32 = 1;
    /// Interrupt identification (read) / FIFO control (write).
    pub const IIR_FCR: u32 = 2;
    pub const LCR: u32 = 3;
    pub const MCR: u32 = 4;
    pub const LSR: u32 = 5;
    pub const MSR: u32 = 6;
    pub const SCR: u32 = 7;

    pub const IER_RECEIVED_DATA: u8 = 1 << 0;
    pub const IER_THR_EMPTY: u8 = 1 << 1;
    pub const IER_LINE_STATUS: u8 = 1 << 2;
    pub const IER_MODEM_STATUS: u8 = 1 << 3;

    /// IIR bit 0 is *clear* while an interrupt is pending.
    pub const IIR_NO_INTERRUPT: u8 = 1 << 0;
    /// IIR bits 3:1 identify the pending interrupt.
    pub const IIR_ID_MASK: u8 = 0b0000_1110;
    pub const IIR_ID_LINE_STATUS: u8 = 0b0110;
    pub const IIR_ID_RECEIVED_DATA: u8 = 0b0100;
    pub const IIR_ID_CHARACTER_TIMEOUT: u8 = 0b1100;
    pub const IIR_ID_THR_EMPTY: u8 = 0b0010;
    pub const IIR_ID_MODEM_STATUS: u8 = 0b0000;
    /// IIR bits 7:6 read 0b11 when the FIFOs are enabled.
    pub const IIR_FIFOS_ENABLED: u8 = 0b1100_0000;

    pub const FCR_ENABLE: u8 = 1 << 0;
    pub const FCR_CLEAR_RX: u8 = 1 << 1;
    pub const FCR_CLEAR_TX: u8 = 1 << 2;

    /// 8 data bits, no parity, 1 stop bit.
    pub const LCR_8N1: u8 = 0b0000_0011;
    /// Divisor latch access: offsets 0 and 1 become DLL and DLM.
    pub const LCR_DLAB: u8 = 1 << 7;

    pub const MCR_DTR: u8 = 1 << 0;
    pub const MCR_RTS: u8 = 1 << 1;
    /// On PCs OUT2 gates the UART's interrupt line onto the bus.
    pub const MCR_OUT2: u8 = 1 << 3;

    pub const LSR_DATA_READY: u8 = 1 << 0;
    pub const LSR_OVERRUN: u8 = 1 << 1;
    pub const LSR_PARITY: u8 = 1 << 2;
    pub const LSR_FRAMING: u8 = 1 << 3;
    pub const LSR_BREAK: u8 = 1 << 4;
    pub const LSR_THR_EMPTY: u8 = 1 << 5;
    /// Transmitter empty: holding register and shift register both idle.
    pub const LSR_TRANSMITTER_EMPTY: u8 = 1 << 6;
    pub const LSR_ERRORS: u8 = LSR_OVERRUN | LSR_PARITY | LSR_FRAMING | LSR_BREAK;
}

/// The divisor latch counts in units of this rate (1.8432 MHz clock / 16).
pub const BASE_BAUD: u32 = 115_200;

/// Line settings applied by [`Uart16550::init`]; the frame is always 8N1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub baud: u32,
    /// Enable the received-data-available interrupt.
    pub receive_interrupt: bool,
    /// Bytes in the receive FIFO that raise the interrupt; fewer bytes
    /// raise it after four character times (the character timeout).
    pub receive_trigger: ReceiveTrigger,
}

/// The receive FIFO's interrupt trigger level (FCR bits 7:6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiveTrigger {
    /// Every byte interrupts: lowest latency, most interrupts.
    One,
    Four,
    /// Eight bytes, or the character timeout: typing interrupts about once
    /// per burst instead of once per byte.
    Eight,
    Fourteen,
}

impl ReceiveTrigger {
    /// FCR bits 7:6.
    pub const fn fcr_bits(self) -> u8 {
        match self {
            ReceiveTrigger::One => 0b00 << 6,
            ReceiveTrigger::Four => 0b01 << 6,
            ReceiveTrigger::Eight => 0b10 << 6,
            ReceiveTrigger::Fourteen => 0b11 << 6,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config { baud: BASE_BAUD, receive_interrupt: true, receive_trigger: ReceiveTrigger::One }
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum InitError {
    /// The scratch-register test failed: nothing answers at these registers.
    NotPresent,
    /// `baud` is zero or does not divide [`BASE_BAUD`] exactly.
    BadBaud { baud: u32 },
}

/// Which interrupt the UART reports as pending (highest priority first).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Interrupt {
    ReceiverLineStatus,
    ReceivedData,
    CharacterTimeout,
    TransmitterEmpty,
    ModemStatus,
}

/// Receive errors counted since [`Uart16550::init`].
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub struct LineErrors {
    pub overrun: u32,
    pub parity: u32,
    pub framing: u32,
    pub break_interrupt: u32,
}

impl LineErrors {
    pub fn total(&self) -> u32 {
        self.overrun
            .saturating_add(self.parity)
            .saturating_add(self.framing)
            .saturating_add(self.break_interrupt)
    }

    fn count(&mut self, lsr: u8) {
        let bump = |bit: u8, counter: &mut u32| {
            if lsr & bit != 0 {
                *counter = counter.saturating_add(1);
            }
        };
        bump(reg::LSR_OVERRUN, &mut self.overrun);
        bump(reg::LSR_PARITY, &mut self.parity);
        bump(reg::LSR_FRAMING, &mut self.framing);
        bump(reg::LSR_BREAK, &mut self.break_interrupt);
    }
}

pub struct Uart16550<R: Registers<u8>> {
    regs: R,
    errors: LineErrors,
}

impl<R: Registers<u8>> Uart16550<R> {
    /// Wraps the registers without touching the device; call [`Self::init`] before use.
    pub fn new(regs: R) -> Self {
        Uart16550 { regs, errors: LineErrors::default() }
    }

    /// Programs 8N1 at `config.baud` with the FIFOs enabled and cleared.
    pub fn init(&mut self, config: &Config) -> Result<(), InitError> {
        let divisor = divisor_for(config.baud)?;
        if !self.scratch_register_works() {
            return Err(InitError::NotPresent);
        }
        // DLAB clear first (a previous owner may have left it set, making
        // offset 1 the divisor), then quiet the device while it is reprogrammed.
        self.regs.write(reg::LCR, reg::LCR_8N1);
        self.regs.write(reg::IER_DLM, 0);
        self.regs.write(reg::LCR, reg::LCR_DLAB);
        let [low, high] = divisor.to_le_bytes();
        self.regs.write(reg::RBR_THR_DLL, low);
        self.regs.write(reg::IER_DLM, high);
        self.regs.write(reg::LCR, reg::LCR_8N1);
        self.regs.write(
            reg::IIR_FCR,
            reg::FCR_ENABLE
                | reg::FCR_CLEAR_RX
                | reg::FCR_CLEAR_TX
                | config.receive_trigger.fcr_bits(),
        );
        self.regs.write(reg::MCR, reg::MCR_DTR | reg::MCR_RTS | reg::MCR_OUT2);
        // Errors latched before init belong to whatever ran before us.
        self.regs.read(reg::LSR);
        self.regs.read(reg::MSR);
        self.errors = LineErrors::default();
        let ier = if config.receive_interrupt { reg::IER_RECEIVED_DATA } else { 0 };
        self.regs.write(reg::IER_DLM, ier);
        Ok(())
    }

    fn scratch_register_works(&mut self) -> bool {
        [0x55u8, 0xaa].into_iter().all(|pattern| {
            self.regs.write(reg::SCR, pattern);
            self.regs.read(reg::SCR) == pattern
        })
    }

    /// Every LSR read goes through here: reading LSR clears its error bits, so
    /// they must be counted whoever reads it.
    fn line_status(&mut self) -> u8 {
        let lsr = self.regs.read(reg::LSR);
        self.errors.count(lsr);
        lsr
    }

    /// False if the transmit holding register is not empty.
    pub fn try_write_byte(&mut self, byte: u8) -> bool {
        if self.line_status() & reg::LSR_THR_EMPTY == 0 {
            return false;
        }
        self.regs.write(reg::RBR_THR_DLL, byte);
        true
    }

    /// Writes every byte, waiting for the transmitter at most `spins` polls per byte; returns how many were written.
    ///
    /// A `spins` of 0 still polls once per byte.
    pub fn write_blocking(&mut self, bytes: &[u8], spins: u32) -> usize {
        for (written, &byte) in bytes.iter().enumerate() {
            if !(0..spins.max(1)).any(|_| self.try_write_byte(byte)) {
                return written;
            }
        }
        bytes.len()
    }

    /// Moves every byte the UART has received into `buf` (while LSR data-ready); returns the count.
    pub fn read_available(&mut self, buf: &mut [u8]) -> usize {
        let mut count = 0;
        while count < buf.len() && self.line_status() & reg::LSR_DATA_READY != 0 {
            buf[count] = self.regs.read(reg::RBR_THR_DLL);
            count += 1;
        }
        count
    }

    /// Decodes IIR: which interrupt is pending, if any.
    ///
    /// Reading IIR acknowledges a transmitter-empty interrupt; the others are
    /// cleared by servicing their cause (reading LSR, RBR or MSR).
    pub fn pending_interrupt(&mut self) -> Option<Interrupt> {
        decode_iir(self.regs.read(reg::IIR_FCR))
    }

    /// Overrun/parity/framing/break counted since init (read from LSR as bytes are read).
    pub fn line_errors(&mut self) -> LineErrors {
        // Pick up an error latched since the last LSR read.
        self.line_status();
        self.errors
    }

    pub fn registers(&mut self) -> &mut R {
        &mut self.regs
    }

    /// Gives the registers back.
    pub fn into_registers(self) -> R {
        self.regs
    }

    /// True when at least one received byte is waiting.
    pub fn data_ready(&mut self) -> bool {
        self.line_status() & reg::LSR_DATA_READY != 0
    }

    /// True when the transmit holding register can take a byte.
    pub fn transmit_ready(&mut self) -> bool {
        self.line_status() & reg::LSR_THR_EMPTY != 0
    }

    /// True when the holding and shift registers are both empty: everything written is on the wire.
    pub fn transmitter_idle(&mut self) -> bool {
        self.line_status() & reg::LSR_TRANSMITTER_EMPTY != 0
    }

    /// Replaces the interrupt-enable register (`reg::IER_*` bits).
    pub fn set_interrupt_enable(&mut self, ier: u8) {
        self.regs.write(reg::IER_DLM, ier);
    }
}

/// The divisor-latch value for `baud`, which must divide [`BASE_BAUD`] exactly.
pub fn divisor_for(baud: u32) -> Result<u16, InitError> {
    if baud == 0 || !BASE_BAUD.is_multiple_of(baud) {
        return Err(InitError::BadBaud { baud });
    }
    // Any exact divisor of 115200 fits in 16 bits.
    u16::try_from(BASE_BAUD / baud).map_err(|_| InitError::BadBaud { baud })
}

/// Decodes an IIR value.
pub fn decode_iir(iir: u8) -> Option<Interrupt> {
    if iir & reg::IIR_NO_INTERRUPT != 0 {
        return None;
    }
    match iir & reg::IIR_ID_MASK {
        reg::IIR_ID_LINE_STATUS => Some(Interrupt::ReceiverLineStatus),
        reg::IIR_ID_RECEIVED_DATA => Some(Interrupt::ReceivedData),
        reg::IIR_ID_CHARACTER_TIMEOUT => Some(Interrupt::CharacterTimeout),
        reg::IIR_ID_THR_EMPTY => Some(Interrupt::TransmitterEmpty),
        reg::IIR_ID_MODEM_STATUS => Some(Interrupt::ModemStatus),
        // Reserved encodings: nothing this driver knows how to service.
        _ => None,
    }
}

impl<R: Registers<u8>> embedded_io::ErrorType for Uart16550<R> {
    /// Line errors are counted (see [`Uart16550::line_errors`]), not returned.
    type Error = core::convert::Infallible;
}

impl<R: Registers<u8>> embedded_io::Read for Uart16550<R> {
    /// Blocks by polling LSR until at least one byte has arrived, then
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

impl<R: Registers<u8>> embedded_io::ReadReady for Uart16550<R> {
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        Ok(self.data_ready())
    }
}

impl<R: Registers<u8>> embedded_io::Write for Uart16550<R> {
    /// Polls until the first byte is accepted, then writes on while the
    /// transmitter takes bytes without waiting; returns how many were written.
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let Some((&first, rest)) = buf.split_first() else {
            return Ok(0);
        };
        while !self.try_write_byte(first) {
            core::hint::spin_loop();
        }
        let more = rest.iter().take_while(|&&byte| self.try_write_byte(byte)).count();
        Ok(1 + more)
    }

    /// Polls until LSR reports the transmitter empty (TEMT).
    fn flush(&mut self) -> Result<(), Self::Error> {
        while !self.transmitter_idle() {
            core::hint::spin_loop();
        }
        Ok(())
    }
}

impl<R: Registers<u8>> embedded_io::WriteReady for Uart16550<R> {
    fn write_ready(&mut self) -> Result<bool, Self::Error> {
        Ok(self.transmit_ready())
    }
}
