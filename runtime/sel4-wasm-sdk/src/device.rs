//! Device access: IO ports, interrupts and device memory windows granted by
//! the component's description (`io_ports`, `irqs`, `device_memory`).
//!
//! The precompiler refuses a module that imports a device function its
//! component has no grant for. These wrappers cost nothing in components
//! that do not use them: the functions they call are imported only if used.
//!
//! A driver crate's logic reaches its registers through
//! [`device_registers::Registers`]: [`DeviceWindow`] gives 32-bit registers
//! and [`IoPorts`] 8-, 16- and 32-bit ones, an access refused here reading as
//! all ones (a missing device) and a refused write doing nothing.

use device_registers::Registers;

use crate::{sys, Channel, Error};

/// A range of granted x86 IO ports, addressed from its first port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoPorts {
    base: u16,
}

impl IoPorts {
    /// The ports from `base` on (e.g. `IoPorts::new(0x3f8)` for COM1). The
    /// runtime checks each access against the grants.
    pub const fn new(base: u16) -> IoPorts {
        IoPorts { base }
    }

    fn port(self, offset: u16) -> i32 {
        self.base.wrapping_add(offset) as i32
    }

    #[inline]
    fn port_in(self, width: i32, offset: u16) -> Result<u32, Error> {
        // SAFETY: the host function takes no memory.
        let value = unsafe { sys::io_in(width, self.port(offset)) };
        if value < 0 {
            Err(Error::from_status(value as i32))
        } else {
            Ok(value as u32)
        }
    }

    #[inline]
    fn port_out(self, width: i32, offset: u16, value: u32) -> Result<(), Error> {
        // SAFETY: the host function takes no memory.
        Error::check(unsafe { sys::io_out(width, self.port(offset), value as i32, 0) })
    }

    pub fn read8(self, offset: u16) -> Result<u8, Error> {
        self.port_in(1, offset).map(|v| v as u8)
    }
    pub fn read16(self, offset: u16) -> Result<u16, Error> {
        self.port_in(2, offset).map(|v| v as u16)
    }
    pub fn read32(self, offset: u16) -> Result<u32, Error> {
        self.port_in(4, offset)
    }
    pub fn write8(self, offset: u16, value: u8) -> Result<(), Error> {
        self.port_out(1, offset, value as u32)
    }
    pub fn write16(self, offset: u16, value: u16) -> Result<(), Error> {
        self.port_out(2, offset, value as u32)
    }
    pub fn write32(self, offset: u16, value: u32) -> Result<(), Error> {
        self.port_out(4, offset, value)
    }
}

/// Registers at IO ports of the range, `W` bits wide; a register offset past
/// the 16-bit port space is refused like an ungranted port.
macro_rules! io_port_registers {
    ($width:ty, $read:ident, $write:ident) => {
        impl Registers<$width> for IoPorts {
            fn read(&mut self, offset: u32) -> $width {
                u16::try_from(offset)
                    .ok()
                    .and_then(|offset| self.$read(offset).ok())
                    .unwrap_or(<$width>::MAX)
            }

            fn write(&mut self, offset: u32, value: $width) {
                if let Ok(offset) = u16::try_from(offset) {
                    let _ = self.$write(offset, value);
                }
            }
        }
    };
}

io_port_registers!(u8, read8, write8);
io_port_registers!(u16, read16, write16);
io_port_registers!(u32, read32, write32);

/// A granted interrupt: it arrives as a notification on its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Irq {
    channel: Channel,
}

impl Irq {
    /// The interrupt of the description's `irqs` entry with this `channel`.
    pub const fn new(channel: u8) -> Irq {
        Irq { channel: Channel::new(channel) }
    }

    /// The channel the interrupt arrives on (compare in `notified`).
    pub const fn channel(self) -> Channel {
        self.channel
    }

    /// Blocks until the interrupt fires (other signals meanwhile reach
    /// `notified` afterwards). Acknowledge it once handled.
    pub fn wait(self) -> Result<(), Error> {
        crate::wait(self.channel)
    }

    /// Acknowledges the interrupt so it can fire again.
    pub fn ack(self) -> Result<(), Error> {
        // SAFETY: the host function takes no memory.
        Error::check(unsafe { sys::irq_ack(self.channel.id() as i32) })
    }
}

/// A granted device memory window, accessed 32 bits at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceWindow {
    window: i32,
}

impl DeviceWindow {
    /// Window `index`: the component's `device_memory` entries, numbered in
    /// description order from 0.
    pub const fn new(index: u32) -> DeviceWindow {
        DeviceWindow { window: index as i32 }
    }

    /// The 32 bits at byte `offset` in the window.
    pub fn read32(self, offset: u32) -> Result<u32, Error> {
        // SAFETY: the host function takes no memory.
        let value = unsafe { sys::mmio_read32(self.window, offset as i32) };
        if value < 0 {
            Err(Error::from_status(value as i32))
        } else {
            Ok(value as u32)
        }
    }

    /// Writes 32 bits at byte `offset` in the window.
    pub fn write32(self, offset: u32, value: u32) -> Result<(), Error> {
        // SAFETY: the host function takes no memory.
        Error::check(unsafe { sys::mmio_write32(self.window, offset as i32, value as i32) })
    }
}

/// The window's 32-bit registers.
impl Registers<u32> for DeviceWindow {
    fn read(&mut self, offset: u32) -> u32 {
        self.read32(offset).unwrap_or(u32::MAX)
    }

    fn write(&mut self, offset: u32, value: u32) {
        let _ = self.write32(offset, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{self, Call};

    #[test]
    fn ports_are_relative_to_the_base() {
        mock::reset();
        mock::with(|m| m.io_in_value = 0xab);
        let com1 = IoPorts::new(0x3f8);
        assert_eq!(com1.write8(5, 0x41), Ok(()));
        assert_eq!(com1.read8(5), Ok(0xab));
        assert_eq!(
            mock::calls(),
            [
                Call::IoOut { width: 1, port: 0x3fd, value: 0x41 },
                Call::IoIn { width: 1, port: 0x3fd }
            ]
        );
        mock::with(|m| m.io_in_value = wasm_abi::status::NOT_GRANTED as i64);
        assert_eq!(com1.read32(0), Err(Error::NotGranted));
    }

    #[test]
    fn mmio_values_are_unsigned() {
        mock::reset();
        mock::with(|m| m.mmio_value = 0xffff_ffff);
        assert_eq!(DeviceWindow::new(0).read32(0x10), Ok(0xffff_ffff));
        assert_eq!(DeviceWindow::new(1).write32(4, 0x8000_0000), Ok(()));
        assert_eq!(Irq::new(10).ack(), Ok(()));
        assert_eq!(
            mock::calls(),
            [
                Call::MmioRead { window: 0, offset: 0x10 },
                Call::MmioWrite { window: 1, offset: 4, value: i32::MIN },
                Call::IrqAck(10)
            ]
        );
    }

    #[test]
    fn io_ports_are_registers_of_each_width() {
        mock::reset();
        mock::with(|m| m.io_in_value = 0x1234_5678);
        let mut com1 = IoPorts::new(0x3f8);
        assert_eq!(Registers::<u8>::read(&mut com1, 5), 0x78);
        assert_eq!(Registers::<u16>::read(&mut com1, 2), 0x5678);
        assert_eq!(Registers::<u32>::read(&mut com1, 0), 0x1234_5678);
        Registers::<u8>::write(&mut com1, 1, 0x0f);
        assert_eq!(
            mock::calls(),
            [
                Call::IoIn { width: 1, port: 0x3fd },
                Call::IoIn { width: 2, port: 0x3fa },
                Call::IoIn { width: 4, port: 0x3f8 },
                Call::IoOut { width: 1, port: 0x3f9, value: 0x0f }
            ]
        );
    }

    #[test]
    fn a_refused_register_reads_as_all_ones_and_takes_no_write() {
        mock::reset();
        mock::with(|m| m.io_in_value = wasm_abi::status::NOT_GRANTED as i64);
        let mut ports = IoPorts::new(0);
        assert_eq!(Registers::<u8>::read(&mut ports, 7), 0xff);
        assert_eq!(Registers::<u32>::read(&mut ports, 0), u32::MAX);
        // Past the port space: refused without asking the host.
        mock::with(|m| m.calls.clear());
        assert_eq!(Registers::<u16>::read(&mut ports, 0x1_0000), u16::MAX);
        Registers::<u16>::write(&mut ports, 0x1_0000, 1);
        assert_eq!(mock::calls(), []);

        mock::with(|m| m.mmio_value = wasm_abi::status::NOT_GRANTED as i64);
        let mut window = DeviceWindow::new(2);
        assert_eq!(window.read(0x18), u32::MAX);
        window.write(0x44, 0x7f0);
        assert_eq!(
            mock::calls(),
            [
                Call::MmioRead { window: 2, offset: 0x18 },
                Call::MmioWrite { window: 2, offset: 0x44, value: 0x7f0 }
            ]
        );
    }
}
