//! Kernel object kinds and the small value types invocations take.

use crate::sys::object_type as ty;
use crate::Word;

/// What `Untyped::retype` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectBlueprint {
    Untyped {
        size_bits: usize,
    },
    Tcb,
    Endpoint,
    Notification,
    CNode {
        slot_bits: usize,
    },
    /// A 4 KiB frame.
    #[cfg(target_arch = "x86_64")]
    X86Page,
    /// A 2 MiB frame.
    #[cfg(target_arch = "x86_64")]
    X86LargePage,
    #[cfg(target_arch = "x86_64")]
    X86PageTable,
    #[cfg(target_arch = "x86_64")]
    X86PageDirectory,
    #[cfg(target_arch = "x86_64")]
    X86Pdpt,
    #[cfg(target_arch = "x86_64")]
    X86Pml4,
    /// A 4 KiB frame.
    #[cfg(target_arch = "aarch64")]
    ArmSmallPage,
    /// A 2 MiB frame.
    #[cfg(target_arch = "aarch64")]
    ArmLargePage,
    /// A 1 GiB frame.
    #[cfg(target_arch = "aarch64")]
    ArmHugePage,
    #[cfg(target_arch = "aarch64")]
    ArmPageTable,
    #[cfg(target_arch = "aarch64")]
    ArmPageDirectory,
    #[cfg(target_arch = "aarch64")]
    ArmPageUpperDirectory,
    /// The top-level table: a VSpace root.
    #[cfg(target_arch = "aarch64")]
    ArmPageGlobalDirectory,
}

impl ObjectBlueprint {
    /// A 4 KiB frame of this architecture.
    #[cfg(target_arch = "x86_64")]
    pub const PAGE: ObjectBlueprint = ObjectBlueprint::X86Page;
    #[cfg(target_arch = "aarch64")]
    pub const PAGE: ObjectBlueprint = ObjectBlueprint::ArmSmallPage;
    /// A VSpace root of this architecture.
    #[cfg(target_arch = "x86_64")]
    pub const VSPACE: ObjectBlueprint = ObjectBlueprint::X86Pml4;
    #[cfg(target_arch = "aarch64")]
    pub const VSPACE: ObjectBlueprint = ObjectBlueprint::ArmPageGlobalDirectory;
}

impl ObjectBlueprint {
    /// The kernel's object type number.
    pub fn object_type(self) -> Word {
        (match self {
            ObjectBlueprint::Untyped { .. } => ty::seL4_UntypedObject,
            ObjectBlueprint::Tcb => ty::seL4_TCBObject,
            ObjectBlueprint::Endpoint => ty::seL4_EndpointObject,
            ObjectBlueprint::Notification => ty::seL4_NotificationObject,
            ObjectBlueprint::CNode { .. } => ty::seL4_CapTableObject,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86Page => ty::seL4_X86_4K,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86LargePage => ty::seL4_X86_LargePageObject,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86PageTable => ty::seL4_X86_PageTableObject,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86PageDirectory => ty::seL4_X86_PageDirectoryObject,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86Pdpt => ty::seL4_X86_PDPTObject,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86Pml4 => ty::seL4_X64_PML4Object,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmSmallPage => ty::seL4_ARM_SmallPageObject,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmLargePage => ty::seL4_ARM_LargePageObject,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmHugePage => ty::seL4_ARM_HugePageObject,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmPageTable => ty::seL4_ARM_PageTableObject,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmPageDirectory => ty::seL4_ARM_PageDirectoryObject,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmPageUpperDirectory => ty::seL4_ARM_PageUpperDirectoryObject,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmPageGlobalDirectory => ty::seL4_ARM_PageGlobalDirectoryObject,
        }) as Word
    }

    /// log2 of the object's size in bytes: what it takes from an untyped.
    pub fn physical_size_bits(self) -> usize {
        use crate::sys::constants as c;
        match self {
            ObjectBlueprint::Untyped { size_bits } => size_bits,
            ObjectBlueprint::Tcb => c::seL4_TCBBits,
            ObjectBlueprint::Endpoint => c::seL4_EndpointBits,
            ObjectBlueprint::Notification => c::seL4_NotificationBits,
            ObjectBlueprint::CNode { slot_bits } => slot_bits + c::seL4_SlotBits,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86Page => c::seL4_PageBits,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86LargePage => c::seL4_LargePageBits,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86PageTable => c::seL4_PageTableBits,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86PageDirectory => c::seL4_PageDirBits,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86Pdpt => c::seL4_PDPTBits,
            #[cfg(target_arch = "x86_64")]
            ObjectBlueprint::X86Pml4 => c::seL4_PML4Bits,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmSmallPage => c::seL4_PageBits,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmLargePage => c::seL4_LargePageBits,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmHugePage => c::seL4_HugePageBits,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmPageTable => c::seL4_PageTableBits,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmPageDirectory => c::seL4_PageDirBits,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmPageUpperDirectory => c::seL4_PUDBits,
            #[cfg(target_arch = "aarch64")]
            ObjectBlueprint::ArmPageGlobalDirectory => c::seL4_PGDBits,
        }
    }

    /// The size argument of the retype: log2 of the size for untyped
    /// memory, of the slot count for CNodes, 0 for fixed-size objects.
    pub fn size_bits_arg(self) -> Word {
        match self {
            ObjectBlueprint::Untyped { size_bits } => size_bits,
            ObjectBlueprint::CNode { slot_bits } => slot_bits,
            _ => 0,
        }
    }
}

/// Access rights of a capability (`seL4_CapRights`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapRights {
    pub write: bool,
    pub read: bool,
    pub grant: bool,
}

impl CapRights {
    pub const ALL: CapRights = CapRights { write: true, read: true, grant: true };
    pub const READ_WRITE: CapRights = CapRights { write: true, read: true, grant: false };
    pub const READ_ONLY: CapRights = CapRights { write: false, read: true, grant: false };
    pub const WRITE_ONLY: CapRights = CapRights { write: true, read: false, grant: false };

    pub fn into_word(self) -> Word {
        use crate::sys::bitfield::seL4_CapRights as f;
        ((self.write as Word) << f::capAllowWrite::SHIFT)
            | ((self.read as Word) << f::capAllowRead::SHIFT)
            | ((self.grant as Word) << f::capAllowGrant::SHIFT)
    }
}

/// Cap data for a CNode capability: a guard of `guard_size` bits with value
/// `guard` (the `Guard` member of the `seL4_CapData` union).
pub fn cnode_guard_data(guard_size: u8, guard: Word) -> Word {
    use crate::sys::bitfield::Guard as f;
    use crate::sys::tagged_union::seL4_CapData as tag;
    let field = |value: Word, shift: u32, width: u32| (value & ((1 << width) - 1)) << shift;
    field(tag::Guard as Word, f::CapDataType::SHIFT, f::CapDataType::WIDTH)
        | field(guard, f::GuardBits::SHIFT, f::GuardBits::WIDTH)
        | field(guard_size as Word, f::GuardSize::SHIFT, f::GuardSize::WIDTH)
}

/// Cap data that narrows an IO-port capability to `first..=last`
/// (`io_port_capdata` of the kernel's x86_64 structures.bf).
pub fn io_port_range_data(first: u16, last: u16) -> Word {
    ((first as Word) << 16) | last as Word
}

/// Page attributes (`seL4_X86_VMAttributes`, `seL4_ARM_VMAttributes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VmAttributes(pub Word);

#[cfg(target_arch = "x86_64")]
impl VmAttributes {
    pub const DEFAULT: VmAttributes = VmAttributes(0);
    pub const WRITE_THROUGH: VmAttributes = VmAttributes(1);
    pub const CACHE_DISABLED: VmAttributes = VmAttributes(2);
}

#[cfg(target_arch = "aarch64")]
impl VmAttributes {
    /// Cacheable, parity enabled (`seL4_ARM_Default_VMAttributes`).
    pub const DEFAULT: VmAttributes = VmAttributes(0b011);
    /// Device memory: not cacheable.
    pub const CACHE_DISABLED: VmAttributes = VmAttributes(0);
    pub const EXECUTE_NEVER: VmAttributes = VmAttributes(0b100);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_are_write_read_grant_from_bit_zero() {
        assert_eq!(CapRights::WRITE_ONLY.into_word(), 0b001);
        assert_eq!(CapRights::READ_ONLY.into_word(), 0b010);
        assert_eq!(CapRights::ALL.into_word(), 0b111);
    }

    #[test]
    fn cap_data_encodings() {
        assert_eq!(cnode_guard_data(56, 0), 0x8000_00e0);
        assert_eq!(io_port_range_data(0x3f8, 0x3ff), 0x03f8_03ff);
    }

    #[test]
    fn object_types_come_from_the_kernel() {
        assert_eq!(ObjectBlueprint::Untyped { size_bits: 12 }.object_type(), 0);
        assert_eq!(ObjectBlueprint::Endpoint.object_type(), 2);
        assert_eq!(ObjectBlueprint::CNode { slot_bits: 4 }.size_bits_arg(), 4);
        assert_eq!(ObjectBlueprint::Tcb.size_bits_arg(), 0);
    }
}
