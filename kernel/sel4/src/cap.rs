//! Typed capability handles and their invocations.
//!
//! A [`Cap<T>`] is a capability pointer (a slot address in the caller's
//! CSpace) tagged with the kind of object the slot is known to hold, so that
//! only the invocations of that kind can be made through it.

use core::fmt;
use core::marker::PhantomData;

use crate::invocation::{invoke, reply_word};
use crate::sys::invocation as label;
use crate::{
    nb_recv, recv, send, Badge, CapRights, MessageInfo, ObjectBlueprint, Result, UserContext,
    VmAttributes, Word, WORD_BITS,
};

/// A capability pointer: the address of a slot in the caller's CSpace.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CPtr(Word);

impl CPtr {
    pub const fn from_bits(bits: Word) -> Self {
        CPtr(bits)
    }
    pub const fn bits(self) -> Word {
        self.0
    }
    /// Views the slot as holding an object of kind `T`. Invoking it as the
    /// wrong kind is not unsafe: the kernel answers with an error.
    pub const fn cast<T: CapType>(self) -> Cap<T> {
        Cap { cptr: self, _kind: PhantomData }
    }
}

impl fmt::Debug for CPtr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CPtr({})", self.0)
    }
}

/// The kinds of object a capability can name.
pub trait CapType: Copy {
    const NAME: &'static str;
}

/// A capability known to name an object of kind `T`.
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cap<T: CapType> {
    cptr: CPtr,
    _kind: PhantomData<T>,
}

impl<T: CapType> Clone for Cap<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: CapType> Copy for Cap<T> {}

impl<T: CapType> Cap<T> {
    pub const fn from_bits(bits: Word) -> Self {
        CPtr(bits).cast()
    }
    pub const fn cptr(self) -> CPtr {
        self.cptr
    }
    pub const fn bits(self) -> Word {
        self.cptr.0
    }
    /// Forgets the kind (e.g. to pass the slot to a generic CNode operation).
    pub const fn upcast(self) -> Cap<kind::Unspecified> {
        self.cptr.cast()
    }
}

impl<T: CapType> fmt::Debug for Cap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", T::NAME, self.cptr.0)
    }
}

/// Marker types for [`Cap`].
pub mod kind {
    macro_rules! kinds {
        ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
            pub struct $name;
            impl super::CapType for $name {
                const NAME: &'static str = stringify!($name);
            }
        )*};
    }
    kinds!(
        /// Any kind.
        Unspecified,
        Null,
        Untyped,
        CNode,
        Tcb,
        Endpoint,
        Notification,
        IrqControl,
        IrqHandler,
        AsidControl,
        AsidPool,
    );
    #[cfg(target_arch = "x86_64")]
    kinds!(
        /// x86 IO-port range.
        IoPort,
        /// A 4 KiB frame.
        X86Page,
        /// A 2 MiB frame.
        X86LargePage,
        X86PageTable,
        X86PageDirectory,
        X86Pdpt,
        /// x86_64 top-level paging structure: a VSpace root.
        X86Pml4,
    );
    #[cfg(target_arch = "aarch64")]
    kinds!(
        /// A 4 KiB frame.
        ArmSmallPage,
        /// A 2 MiB frame.
        ArmLargePage,
        /// A 1 GiB frame.
        ArmHugePage,
        /// Level 3 of the translation tables (maps 4 KiB pages).
        ArmPageTable,
        /// Level 2 (maps page tables or 2 MiB pages).
        ArmPageDirectory,
        /// Level 1 (maps page directories or 1 GiB pages).
        ArmPageUpperDirectory,
        /// Level 0, the top: a VSpace root.
        ArmPageGlobalDirectory,
    );
}

pub type Unspecified = Cap<kind::Unspecified>;
pub type Null = Cap<kind::Null>;
pub type Untyped = Cap<kind::Untyped>;
pub type CNode = Cap<kind::CNode>;
pub type Tcb = Cap<kind::Tcb>;
pub type Endpoint = Cap<kind::Endpoint>;
pub type Notification = Cap<kind::Notification>;
pub type IrqControl = Cap<kind::IrqControl>;
pub type IrqHandler = Cap<kind::IrqHandler>;
pub type AsidControl = Cap<kind::AsidControl>;
pub type AsidPool = Cap<kind::AsidPool>;
#[cfg(target_arch = "x86_64")]
pub use self::x86_64_caps::*;
#[cfg(target_arch = "x86_64")]
mod x86_64_caps {
    use super::{kind, Cap};
    pub type IoPort = Cap<kind::IoPort>;
    pub type X86Page = Cap<kind::X86Page>;
    pub type X86LargePage = Cap<kind::X86LargePage>;
    pub type X86PageTable = Cap<kind::X86PageTable>;
    pub type X86PageDirectory = Cap<kind::X86PageDirectory>;
    pub type X86Pdpt = Cap<kind::X86Pdpt>;
    pub type X86Pml4 = Cap<kind::X86Pml4>;
    /// The VSpace root of this architecture.
    pub type VSpace = X86Pml4;
    /// A 4 KiB frame of this architecture.
    pub type Page = X86Page;
}
#[cfg(target_arch = "aarch64")]
pub use self::aarch64_caps::*;
#[cfg(target_arch = "aarch64")]
mod aarch64_caps {
    use super::{kind, Cap};
    pub type ArmSmallPage = Cap<kind::ArmSmallPage>;
    pub type ArmLargePage = Cap<kind::ArmLargePage>;
    pub type ArmHugePage = Cap<kind::ArmHugePage>;
    pub type ArmPageTable = Cap<kind::ArmPageTable>;
    pub type ArmPageDirectory = Cap<kind::ArmPageDirectory>;
    pub type ArmPageUpperDirectory = Cap<kind::ArmPageUpperDirectory>;
    pub type ArmPageGlobalDirectory = Cap<kind::ArmPageGlobalDirectory>;
    /// The VSpace root of this architecture.
    pub type VSpace = ArmPageGlobalDirectory;
    /// A 4 KiB frame of this architecture.
    pub type Page = ArmSmallPage;
}

/// A slot named from a CNode: the CNode, the index path and its depth in bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsoluteCPtr {
    pub root: CNode,
    pub path: Word,
    pub depth: u8,
}

impl CNode {
    /// `cptr` resolved from this CNode at full word depth, which is how a
    /// thread's own CSpace root addresses its slots.
    pub fn relative(self, cptr: CPtr) -> AbsoluteCPtr {
        AbsoluteCPtr { root: self, path: cptr.bits(), depth: WORD_BITS }
    }

    /// A slot of this CNode by index, for a CNode with `slot_bits` index bits
    /// and no guard (e.g. one made by `Untyped::retype`).
    pub fn slot(self, index: Word, slot_bits: u8) -> AbsoluteCPtr {
        AbsoluteCPtr { root: self, path: index, depth: slot_bits }
    }
}

impl AbsoluteCPtr {
    fn cnode_op(&self, label: usize, words: &mut [Word], src: Option<&AbsoluteCPtr>) -> Result<()> {
        words[0] = self.path;
        words[1] = self.depth as Word;
        match src {
            Some(src) => {
                words[2] = src.path;
                words[3] = src.depth as Word;
                invoke(self.root.cptr(), label, words, &[src.root.cptr()]).map(drop)
            }
            None => invoke(self.root.cptr(), label, words, &[]).map(drop),
        }
    }

    /// Copies the capability in `src` here, with at most `rights`.
    pub fn copy(&self, src: &AbsoluteCPtr, rights: CapRights) -> Result<()> {
        self.cnode_op(label::CNodeCopy, &mut [0, 0, 0, 0, rights.into_word()], Some(src))
    }

    /// Copies `src` here with at most `rights` and the given badge (for
    /// endpoints and notifications) or cap data (IO-port ranges, CNode guards).
    pub fn mint(&self, src: &AbsoluteCPtr, rights: CapRights, badge: Badge) -> Result<()> {
        self.cnode_op(label::CNodeMint, &mut [0, 0, 0, 0, rights.into_word(), badge], Some(src))
    }

    /// Moves the capability in `src` here.
    pub fn move_from(&self, src: &AbsoluteCPtr) -> Result<()> {
        self.cnode_op(label::CNodeMove, &mut [0, 0, 0, 0], Some(src))
    }

    /// Empties this slot.
    pub fn delete(&self) -> Result<()> {
        self.cnode_op(label::CNodeDelete, &mut [0, 0], None)
    }

    /// Moves the reply capability of the call this thread last received
    /// into this (empty) slot, so the call can be answered later.
    pub fn save_caller(&self) -> Result<()> {
        self.cnode_op(label::CNodeSaveCaller, &mut [0, 0], None)
    }

    /// Deletes every capability derived from the one in this slot.
    pub fn revoke(&self) -> Result<()> {
        self.cnode_op(label::CNodeRevoke, &mut [0, 0], None)
    }
}

impl Untyped {
    /// Makes `count` objects of `blueprint` into the slots
    /// `dest_offset..dest_offset + count` of the CNode at `dest`.
    pub fn retype(
        &self,
        blueprint: ObjectBlueprint,
        dest: &AbsoluteCPtr,
        dest_offset: Word,
        count: Word,
    ) -> Result<()> {
        invoke(
            self.cptr(),
            label::UntypedRetype,
            &[
                blueprint.object_type(),
                blueprint.size_bits_arg(),
                dest.path,
                dest.depth as Word,
                dest_offset,
                count,
            ],
            &[dest.root.cptr()],
        )
        .map(drop)
    }
}

impl Notification {
    /// Signals the notification (ORs this capability's badge into its word).
    pub fn signal(&self) {
        send(self.cptr(), MessageInfo::new(0, 0, 0, 0));
    }

    /// Waits until the notification is signalled; returns the accumulated badges.
    pub fn wait(&self) -> Badge {
        recv(self.cptr()).1
    }

    /// Returns the accumulated badges without blocking (0 if not signalled).
    pub fn poll(&self) -> Badge {
        nb_recv(self.cptr()).1
    }
}

impl Endpoint {
    pub fn send(&self, info: MessageInfo) {
        send(self.cptr(), info)
    }
    pub fn call(&self, info: MessageInfo) -> MessageInfo {
        crate::call(self.cptr(), info).0
    }
    pub fn recv(&self) -> (MessageInfo, Badge) {
        recv(self.cptr())
    }
    pub fn reply_recv(&self, info: MessageInfo) -> (MessageInfo, Badge) {
        crate::reply_recv(self.cptr(), info)
    }
}

/// Scheduling priorities (`seL4_PrioProps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityProps {
    pub priority: u8,
    pub max_controlled_priority: u8,
}

impl PriorityProps {
    fn into_word(self) -> Word {
        use crate::sys::bitfield::seL4_PrioProps as f;
        ((self.priority as Word) << f::prio::SHIFT)
            | ((self.max_controlled_priority as Word) << f::mcp::SHIFT)
    }
}

impl Tcb {
    /// Sets the fault endpoint, priorities, CSpace, VSpace and IPC buffer at once.
    #[allow(clippy::too_many_arguments)]
    pub fn configure(
        &self,
        fault_endpoint: CPtr,
        priority: PriorityProps,
        cspace_root: CNode,
        cspace_root_data: Word,
        vspace_root: VSpace,
        ipc_buffer_addr: Word,
        ipc_buffer_frame: Page,
    ) -> Result<()> {
        invoke(
            self.cptr(),
            label::TCBConfigure,
            &[fault_endpoint.bits(), priority.into_word(), cspace_root_data, 0, ipc_buffer_addr],
            &[cspace_root.cptr(), vspace_root.cptr(), ipc_buffer_frame.cptr()],
        )
        .map(drop)
    }

    pub fn set_priority(&self, priority: u8) -> Result<()> {
        invoke(self.cptr(), label::TCBSetPriority, &[priority as Word], &[]).map(drop)
    }

    /// Writes the thread's registers; `resume` starts it afterwards.
    pub fn write_registers(&self, resume: bool, context: &UserContext) -> Result<()> {
        let mut words = [0; 2 + UserContext::WORDS];
        words[0] = resume as Word;
        words[1] = UserContext::WORDS;
        words[2..].copy_from_slice(context.as_words());
        invoke(self.cptr(), label::TCBWriteRegisters, &words, &[]).map(drop)
    }

    pub fn resume(&self) -> Result<()> {
        invoke(self.cptr(), label::TCBResume, &[], &[]).map(drop)
    }

    pub fn suspend(&self) -> Result<()> {
        invoke(self.cptr(), label::TCBSuspend, &[], &[]).map(drop)
    }

    /// Lets the thread receive `notification`'s signals while it waits on an endpoint.
    pub fn bind_notification(&self, notification: Notification) -> Result<()> {
        invoke(self.cptr(), label::TCBBindNotification, &[], &[notification.cptr()]).map(drop)
    }
}

#[cfg(target_arch = "aarch64")]
impl IrqControl {
    /// Issues a handler capability for interrupt `irq` (a GIC interrupt ID)
    /// into the slot `dest`.
    pub fn get(&self, irq: Word, dest: &AbsoluteCPtr) -> Result<()> {
        invoke(
            self.cptr(),
            label::IRQIssueIRQHandler,
            &[irq, dest.path, dest.depth as Word],
            &[dest.root.cptr()],
        )
        .map(drop)
    }
}

#[cfg(target_arch = "x86_64")]
impl IrqControl {
    /// Issues a handler capability for IOAPIC `ioapic` pin `pin`, delivered
    /// at CPU `vector`, into the slot `dest`.
    #[allow(clippy::too_many_arguments)]
    pub fn get_ioapic(
        &self,
        dest: &AbsoluteCPtr,
        ioapic: Word,
        pin: Word,
        level_triggered: bool,
        active_low: bool,
        vector: Word,
    ) -> Result<()> {
        invoke(
            self.cptr(),
            label::X86IRQIssueIRQHandlerIOAPIC,
            &[
                dest.path,
                dest.depth as Word,
                ioapic,
                pin,
                level_triggered as Word,
                active_low as Word,
                vector,
            ],
            &[dest.root.cptr()],
        )
        .map(drop)
    }

    /// Issues a handler capability for an MSI from PCI `bus:dev.func` into `dest`.
    #[allow(clippy::too_many_arguments)]
    pub fn get_msi(
        &self,
        dest: &AbsoluteCPtr,
        bus: Word,
        dev: Word,
        func: Word,
        handle: Word,
        vector: Word,
    ) -> Result<()> {
        invoke(
            self.cptr(),
            label::X86IRQIssueIRQHandlerMSI,
            &[dest.path, dest.depth as Word, bus, dev, func, handle, vector],
            &[dest.root.cptr()],
        )
        .map(drop)
    }
}

impl IrqHandler {
    pub fn ack(&self) -> Result<()> {
        invoke(self.cptr(), label::IRQAckIRQ, &[], &[]).map(drop)
    }
    /// Delivers this interrupt as a signal of `notification`.
    pub fn set_notification(&self, notification: Notification) -> Result<()> {
        invoke(self.cptr(), label::IRQSetIRQHandler, &[], &[notification.cptr()]).map(drop)
    }
    pub fn clear(&self) -> Result<()> {
        invoke(self.cptr(), label::IRQClearIRQHandler, &[], &[]).map(drop)
    }
}

#[cfg(target_arch = "x86_64")]
impl IoPort {
    pub fn out8(&self, port: u16, value: u8) -> Result<()> {
        invoke(self.cptr(), label::X86IOPortOut8, &[port as Word, value as Word], &[]).map(drop)
    }
    pub fn out16(&self, port: u16, value: u16) -> Result<()> {
        invoke(self.cptr(), label::X86IOPortOut16, &[port as Word, value as Word], &[]).map(drop)
    }
    pub fn out32(&self, port: u16, value: u32) -> Result<()> {
        invoke(self.cptr(), label::X86IOPortOut32, &[port as Word, value as Word], &[]).map(drop)
    }
    pub fn in8(&self, port: u16) -> Result<u8> {
        invoke(self.cptr(), label::X86IOPortIn8, &[port as Word], &[]).map(|_| reply_word(0) as u8)
    }
    pub fn in16(&self, port: u16) -> Result<u16> {
        invoke(self.cptr(), label::X86IOPortIn16, &[port as Word], &[])
            .map(|_| reply_word(0) as u16)
    }
    pub fn in32(&self, port: u16) -> Result<u32> {
        invoke(self.cptr(), label::X86IOPortIn32, &[port as Word], &[])
            .map(|_| reply_word(0) as u32)
    }
}

impl AsidControl {
    /// Turns a 4 KiB untyped into an ASID pool placed at `dest`.
    pub fn make_pool(&self, untyped: Untyped, dest: &AbsoluteCPtr) -> Result<()> {
        invoke(
            self.cptr(),
            arch_label::ASID_CONTROL_MAKE_POOL,
            &[dest.path, dest.depth as Word],
            &[untyped.cptr(), dest.root.cptr()],
        )
        .map(drop)
    }
}

impl AsidPool {
    /// Gives `vspace` an address-space identifier from this pool.
    pub fn assign(&self, vspace: VSpace) -> Result<()> {
        invoke(self.cptr(), arch_label::ASID_POOL_ASSIGN, &[], &[vspace.cptr()]).map(drop)
    }
}

macro_rules! frame_methods {
    ($cap:ty) => {
        impl $cap {
            /// Maps the frame at `vaddr` in `vspace` with `rights`.
            pub fn map(
                &self,
                vspace: VSpace,
                vaddr: Word,
                rights: CapRights,
                attrs: VmAttributes,
            ) -> Result<()> {
                invoke(
                    self.cptr(),
                    arch_label::PAGE_MAP,
                    &[vaddr, rights.into_word(), attrs.0],
                    &[vspace.cptr()],
                )
                .map(drop)
            }
            pub fn unmap(&self) -> Result<()> {
                invoke(self.cptr(), arch_label::PAGE_UNMAP, &[], &[]).map(drop)
            }
            /// The frame's physical address.
            pub fn address(&self) -> Result<Word> {
                invoke(self.cptr(), arch_label::PAGE_GET_ADDRESS, &[], &[]).map(|_| reply_word(0))
            }
        }
    };
}
#[cfg(target_arch = "x86_64")]
frame_methods!(X86Page);
#[cfg(target_arch = "x86_64")]
frame_methods!(X86LargePage);
/// Cache maintenance a mapped frame needs before it holds code (ARM keeps
/// instruction and data caches apart; x86 keeps them coherent).
#[cfg(target_arch = "aarch64")]
macro_rules! arm_frame_cache_methods {
    ($cap:ty) => {
        impl $cap {
            /// Makes bytes `start..end` of the frame, written as data, visible
            /// to instruction fetches: cleans the data cache and invalidates
            /// the instruction cache to the point of unification. The frame
            /// must be mapped (the kernel works on its mapped address).
            pub fn unify_instruction(&self, start: Word, end: Word) -> Result<()> {
                invoke(
                    self.cptr(),
                    crate::sys::invocation::ARMPageUnify_Instruction,
                    &[start, end],
                    &[],
                )
                .map(drop)
            }
        }
    };
}
#[cfg(target_arch = "aarch64")]
arm_frame_cache_methods!(ArmSmallPage);
#[cfg(target_arch = "aarch64")]
frame_methods!(ArmSmallPage);
#[cfg(target_arch = "aarch64")]
frame_methods!(ArmLargePage);
#[cfg(target_arch = "aarch64")]
frame_methods!(ArmHugePage);

/// Invocation labels that name the same operation on each architecture.
#[cfg(target_arch = "x86_64")]
mod arch_label {
    pub use crate::sys::invocation::{
        X86ASIDControlMakePool as ASID_CONTROL_MAKE_POOL, X86ASIDPoolAssign as ASID_POOL_ASSIGN,
        X86PageGetAddress as PAGE_GET_ADDRESS, X86PageMap as PAGE_MAP, X86PageUnmap as PAGE_UNMAP,
    };
}
#[cfg(target_arch = "aarch64")]
mod arch_label {
    pub use crate::sys::invocation::{
        ARMASIDControlMakePool as ASID_CONTROL_MAKE_POOL, ARMASIDPoolAssign as ASID_POOL_ASSIGN,
        ARMPageGetAddress as PAGE_GET_ADDRESS, ARMPageMap as PAGE_MAP, ARMPageUnmap as PAGE_UNMAP,
    };
}

macro_rules! paging_structure_methods {
    ($cap:ty, $map:ident, $unmap:ident) => {
        impl $cap {
            /// Installs this paging structure in `vspace` to cover `vaddr`.
            pub fn map(&self, vspace: VSpace, vaddr: Word, attrs: VmAttributes) -> Result<()> {
                invoke(self.cptr(), label::$map, &[vaddr, attrs.0], &[vspace.cptr()]).map(drop)
            }
            pub fn unmap(&self) -> Result<()> {
                invoke(self.cptr(), label::$unmap, &[], &[]).map(drop)
            }
        }
    };
}
#[cfg(target_arch = "x86_64")]
paging_structure_methods!(X86PageTable, X86PageTableMap, X86PageTableUnmap);
#[cfg(target_arch = "x86_64")]
paging_structure_methods!(X86PageDirectory, X86PageDirectoryMap, X86PageDirectoryUnmap);
#[cfg(target_arch = "x86_64")]
paging_structure_methods!(X86Pdpt, X86PDPTMap, X86PDPTUnmap);
#[cfg(target_arch = "aarch64")]
paging_structure_methods!(ArmPageTable, ARMPageTableMap, ARMPageTableUnmap);
#[cfg(target_arch = "aarch64")]
paging_structure_methods!(ArmPageDirectory, ARMPageDirectoryMap, ARMPageDirectoryUnmap);
#[cfg(target_arch = "aarch64")]
paging_structure_methods!(
    ArmPageUpperDirectory,
    ARMPageUpperDirectoryMap,
    ARMPageUpperDirectoryUnmap
);
