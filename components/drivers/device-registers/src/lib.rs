//! Register access for device drivers.
//!
//! A driver crate's logic talks to its device only through [`Registers`], so
//! the same code runs inside a Wasm driver component and on the host against
//! a simulated device. The Wasm SDK implements it for each way a component
//! reaches a device (`sel4_wasm_sdk::DeviceWindow` for MMIO,
//! `sel4_wasm_sdk::IoPorts` for x86 IO ports): a new driver needs neither a
//! trait nor an adapter of its own.
#![no_std]
#![forbid(unsafe_code)]

/// Access to a device's registers of width `W` (`u8`, `u16` or `u32`) at
/// byte offsets from its base.
///
/// A driver bounds its registers by the width its device has (e.g.
/// `R: Registers<u32>` for a device of 32-bit registers); one type may give
/// several widths. An access the grant or the bus refuses reads as all ones
/// (what a missing device reads as) and writes nothing.
pub trait Registers<W> {
    /// The register at byte `offset`.
    fn read(&mut self, offset: u32) -> W;
    /// Writes `value` to the register at byte `offset`.
    fn write(&mut self, offset: u32, value: W);
}

/// A driver can borrow its registers instead of owning them.
impl<W, R: Registers<W> + ?Sized> Registers<W> for &mut R {
    fn read(&mut self, offset: u32) -> W {
        (**self).read(offset)
    }

    fn write(&mut self, offset: u32, value: W) {
        (**self).write(offset, value)
    }
}

#[cfg(test)]
mod tests {
    use super::Registers;

    /// Eight byte-wide registers in memory, readable 8 or 32 bits at a time.
    #[derive(Default)]
    struct Memory([u8; 8]);

    impl Registers<u8> for Memory {
        fn read(&mut self, offset: u32) -> u8 {
            self.0.get(offset as usize).copied().unwrap_or(u8::MAX)
        }
        fn write(&mut self, offset: u32, value: u8) {
            if let Some(byte) = self.0.get_mut(offset as usize) {
                *byte = value;
            }
        }
    }

    impl Registers<u32> for Memory {
        fn read(&mut self, offset: u32) -> u32 {
            match self.0.get(offset as usize..offset as usize + 4) {
                Some(word) => u32::from_le_bytes(word.try_into().unwrap()),
                None => u32::MAX,
            }
        }
        fn write(&mut self, offset: u32, value: u32) {
            if let Some(word) = self.0.get_mut(offset as usize..offset as usize + 4) {
                word.copy_from_slice(&value.to_le_bytes());
            }
        }
    }

    /// What a driver of byte-wide registers does, through any `Registers<u8>`.
    fn set_bit<R: Registers<u8>>(mut registers: R, offset: u32, bit: u8) {
        let value = registers.read(offset);
        registers.write(offset, value | bit);
    }

    #[test]
    fn a_borrowed_register_block_is_the_same_registers() {
        let mut memory = Memory::default();
        set_bit(&mut memory, 5, 0x80);
        set_bit(&mut &mut memory, 5, 0x01);
        assert_eq!(Registers::<u8>::read(&mut memory, 5), 0x81);
    }

    #[test]
    fn one_type_can_give_several_widths() {
        let mut memory = Memory::default();
        Registers::<u32>::write(&mut memory, 4, 0x1234_5678);
        assert_eq!(Registers::<u8>::read(&mut memory, 4), 0x78);
        assert_eq!(Registers::<u8>::read(&mut memory, 7), 0x12);
        assert_eq!(Registers::<u32>::read(&mut memory, 6), u32::MAX, "past the end");
    }
}
