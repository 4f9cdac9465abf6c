//! Kernel object kinds and the small value types invocations take.

use crate::sys::object_type as ty;
use crate::Word;

/// What `Untyped::retype` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectBlueprint {
    Untyped { size_bits: usize },
    Tcb,
    Endpoint,
    Notification,
    CNode { slot_bits: usize },
    /// A 4 KiB frame.
    X86Page,
    /// A 2 MiB frame.
    X86LargePage,
    X86PageTable,
    X86PageDirectory,
    X86Pdpt,
    X86Pml4,
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
            ObjectBlueprint::X86Page => ty::seL4_X86_4K,
            ObjectBlueprint::X86LargePage => ty::seL4_X86_LargePageObject,
            ObjectBlueprint::X86PageTable => ty::seL4_X86_PageTableObject,
            ObjectBlueprint::X86PageDirectory => ty::seL4_X86_PageDirectoryObject,
            ObjectBlueprint::X86Pdpt => ty::seL4_X86_PDPTObject,
            ObjectBlueprint::X86Pml4 => ty::seL4_X64_PML4Object,
        }) as Word
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

/// Access rights of a capability (`seL4_CapRights`: write, read, grant
/// from bit 0 up, as laid out in shared_types_64.bf).
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
        (self.write as Word) | ((self.read as Word) << 1) | ((self.grant as Word) << 2)
    }
}

/// x86 page attributes (`seL4_X86_VMAttributes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VmAttributes(pub Word);

impl VmAttributes {
    pub const DEFAULT: VmAttributes = VmAttributes(0);
    pub const WRITE_THROUGH: VmAttributes = VmAttributes(1);
    pub const CACHE_DISABLED: VmAttributes = VmAttributes(2);
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
    fn object_types_come_from_the_kernel() {
        assert_eq!(ObjectBlueprint::Untyped { size_bits: 12 }.object_type(), 0);
        assert_eq!(ObjectBlueprint::Endpoint.object_type(), 2);
        assert_eq!(ObjectBlueprint::CNode { slot_bits: 4 }.size_bits_arg(), 4);
        assert_eq!(ObjectBlueprint::Tcb.size_bits_arg(), 0);
    }
}
