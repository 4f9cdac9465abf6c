//! Device access: IO ports, interrupts and device memory windows granted by
//! the component's description (`io_ports`, `irqs`, `device_memory`).
//!
//! The precompiler refuses a module that imports a device function its
//! component has no grant for. These wrappers cost nothing in components
//! that do not use them: the functions they call are imported only if used.

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
    fn read(self, width: i32, offset: u16) -> Result<u32, Error> {
        // SAFETY: the host function takes no memory.
        let value = unsafe { sys::io_in(width, self.port(offset)) };
        if value < 0 {
            Err(Error::from_status(value as i32))
        } else {
            Ok(value as u32)
        }
    }

    #[inline]
    fn write(self, width: i32, offset: u16, value: u32) -> Result<(), Error> {
        // SAFETY: the host function takes no memory.
        Error::check(unsafe { sys::io_out(width, self.port(offset), value as i32, 0) })
    }

    pub fn read8(self, offset: u16) -> Result<u8, Error> {
        self.read(1, offset).map(|v| v as u8)
    }
    pub fn read16(self, offset: u16) -> Result<u16, Error> {
        self.read(2, offset).map(|v| v as u16)
    }
    pub fn read32(self, offset: u16) -> Result<u32, Error> {
        self.read(4, offset)
    }
    pub fn write8(self, offset: u16, value: u8) -> Result<(), Error> {
        self.write(1, offset, value as u32)
    }
    pub fn write16(self, offset: u16, value: u16) -> Result<(), Error> {
        self.write(2, offset, value as u32)
    }
    pub fn write32(self, offset: u16, value: u32) -> Result<(), Error> {
        self.write(4, offset, value)
    }
}

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
}
