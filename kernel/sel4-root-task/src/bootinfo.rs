//! The bootinfo frame the kernel gives the root task.

use core::ops::Range;

use sel4::cap::{self, CPtr};
use sel4::sys::config::CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS;
use sel4::{IpcBuffer, Word};

const MAX_UNTYPEDS: usize = CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS as usize;

/// A range of slots in the root CNode: `start..end`.
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct SlotRegion {
    start: Word,
    end: Word,
}

impl SlotRegion {
    pub fn range(&self) -> Range<Word> {
        self.start..self.end
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl core::fmt::Debug for SlotRegion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let r = self.range();
        write!(f, "[{}, {})", r.start, r.end)
    }
}

/// One untyped memory region handed to the root task (`seL4_UntypedDesc`).
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct UntypedDesc {
    paddr: Word,
    _padding: [u8; 2],
    size_bits: u8,
    is_device: u8,
}

impl UntypedDesc {
    pub fn paddr(&self) -> Word {
        self.paddr
    }
    pub fn size_bits(&self) -> u8 {
        self.size_bits
    }
    pub fn size(&self) -> usize {
        1 << self.size_bits
    }
    /// Device memory (MMIO) rather than RAM: can only back frames.
    pub fn is_device(&self) -> bool {
        self.is_device != 0
    }
}

/// Layout of the kernel's `seL4_BootInfo`.
#[repr(C, packed)]
pub struct BootInfo {
    extra_len: Word,
    node_id: Word,
    num_nodes: Word,
    num_io_pt_levels: Word,
    ipc_buffer: *mut IpcBuffer,
    empty: SlotRegion,
    shared_frames: SlotRegion,
    user_image_frames: SlotRegion,
    user_image_paging: SlotRegion,
    io_space_caps: SlotRegion,
    extra_bi_pages: SlotRegion,
    init_thread_cnode_size_bits: u8,
    init_thread_domain: Word,
    arch_info: Word,
    untyped: SlotRegion,
    untyped_list: [UntypedDesc; MAX_UNTYPEDS],
}

impl BootInfo {
    pub fn ipc_buffer(&self) -> *mut IpcBuffer {
        self.ipc_buffer
    }
    /// Free slots of the root CNode.
    pub fn empty(&self) -> SlotRegion {
        self.empty
    }
    /// Frames holding the root task's own image.
    pub fn user_image_frames(&self) -> SlotRegion {
        self.user_image_frames
    }
    pub fn user_image_paging(&self) -> SlotRegion {
        self.user_image_paging
    }
    /// log2 of the number of slots of the root CNode.
    pub fn cnode_size_bits(&self) -> u8 {
        self.init_thread_cnode_size_bits
    }
    /// TSC frequency in MHz on x86.
    pub fn arch_info(&self) -> Word {
        self.arch_info
    }
    pub fn num_nodes(&self) -> Word {
        self.num_nodes
    }
    /// The untyped capabilities, each with its description.
    pub fn untypeds(&self) -> impl ExactSizeIterator<Item = (cap::Untyped, UntypedDesc)> + '_ {
        let region = self.untyped;
        let list = self.untyped_list;
        region.range().zip(list).map(|(slot, desc)| (CPtr::from_bits(slot).cast(), desc))
    }
}

/// Capabilities the kernel places in fixed slots of the root CNode.
pub mod init_caps {
    use sel4::cap;

    // Slot numbers of the kernel's bootinfo_types.h.
    pub const TCB: cap::Tcb = cap::Tcb::from_bits(sel4::sys::bootinfo::seL4_CapInitThreadTCB);
    pub const CNODE: cap::CNode =
        cap::CNode::from_bits(sel4::sys::bootinfo::seL4_CapInitThreadCNode);
    pub const VSPACE: cap::VSpace =
        cap::VSpace::from_bits(sel4::sys::bootinfo::seL4_CapInitThreadVSpace);
    pub const IRQ_CONTROL: cap::IrqControl =
        cap::IrqControl::from_bits(sel4::sys::bootinfo::seL4_CapIRQControl);
    pub const ASID_CONTROL: cap::AsidControl =
        cap::AsidControl::from_bits(sel4::sys::bootinfo::seL4_CapASIDControl);
    pub const ASID_POOL: cap::AsidPool =
        cap::AsidPool::from_bits(sel4::sys::bootinfo::seL4_CapInitThreadASIDPool);
    #[cfg(target_arch = "x86_64")]
    pub const IO_PORT: cap::IoPort = cap::IoPort::from_bits(sel4::sys::bootinfo::seL4_CapIOPort);
    pub const BOOTINFO_FRAME: cap::Page =
        cap::Page::from_bits(sel4::sys::bootinfo::seL4_CapBootInfoFrame);
    pub const IPC_BUFFER: cap::Page =
        cap::Page::from_bits(sel4::sys::bootinfo::seL4_CapInitThreadIPCBuffer);
}
