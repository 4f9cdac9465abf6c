//! Address spaces: mapping frames, making the paging structures a mapping
//! needs on the way (x86_64: PDPT, page directory, page table; aarch64:
//! page upper directory, page directory, page table: the same shifts).

use alloc::collections::BTreeSet;

use sel4_root_task::init_caps;
use sel4_root_task::sel4::{self, cap, CapRights, ObjectBlueprint, VmAttributes, Word};

use crate::objects::{AllocError, ObjectAllocator};

/// The three paging levels below the VSpace root, from the top.
#[cfg(target_arch = "x86_64")]
mod level {
    use super::*;
    pub type L1 = cap::X86Pdpt;
    pub type L2 = cap::X86PageDirectory;
    pub type L3 = cap::X86PageTable;
    pub const BLUEPRINTS: [ObjectBlueprint; 3] = [
        ObjectBlueprint::X86Pdpt,
        ObjectBlueprint::X86PageDirectory,
        ObjectBlueprint::X86PageTable,
    ];
}
#[cfg(target_arch = "aarch64")]
mod level {
    use super::*;
    pub type L1 = cap::ArmPageUpperDirectory;
    pub type L2 = cap::ArmPageDirectory;
    pub type L3 = cap::ArmPageTable;
    pub const BLUEPRINTS: [ObjectBlueprint; 3] = [
        ObjectBlueprint::ArmPageUpperDirectory,
        ObjectBlueprint::ArmPageDirectory,
        ObjectBlueprint::ArmPageTable,
    ];
}

/// Bits of virtual address each paging level covers (x86_64 and aarch64 alike).
const PDPT_SHIFT: u32 = 39; // one PDPT per PML4 entry (512 GiB)
const PD_SHIFT: u32 = 30; // one page directory per PDPT entry (1 GiB)
const PT_SHIFT: u32 = 21; // one page table per page-directory entry (2 MiB)

/// W^X: the attributes that keep a writable mapping from being executable.
/// On x86_64 the kernel sets the execute-disable bit of every writable user
/// mapping itself (kernel patch 0003); seL4 on aarch64 takes execute-never
/// from the mapping's attributes, so it is added here.
fn w_xor_x(rights: CapRights, attrs: VmAttributes) -> VmAttributes {
    #[cfg(target_arch = "aarch64")]
    if rights.write {
        return VmAttributes(attrs.0 | VmAttributes::EXECUTE_NEVER.0);
    }
    let _ = rights;
    attrs
}

/// A VSpace and the paging structures this task made in it.
pub struct VSpace {
    root: cap::VSpace,
    /// Index (vaddr >> shift) of every structure present, per level.
    pdpts: BTreeSet<Word>,
    pds: BTreeSet<Word>,
    pts: BTreeSet<Word>,
    /// Paging-structure objects made for this VSpace.
    pub paging_objects: usize,
}

impl VSpace {
    /// A new, empty VSpace with an address-space identifier.
    pub fn new(objects: &mut ObjectAllocator, what: &'static str) -> Result<VSpace, AllocError> {
        let root: cap::VSpace = objects.make(ObjectBlueprint::VSPACE, what)?.cast();
        init_caps::ASID_POOL.assign(root).map_err(|error| AllocError::Kernel { what, error })?;
        Ok(Self::existing(root))
    }

    /// A VSpace made elsewhere (the root task's own); only regions this
    /// task maps through it may be used.
    pub fn existing(root: cap::VSpace) -> VSpace {
        VSpace {
            root,
            pdpts: BTreeSet::new(),
            pds: BTreeSet::new(),
            pts: BTreeSet::new(),
            paging_objects: 0,
        }
    }

    pub fn root(&self) -> cap::VSpace {
        self.root
    }

    /// Maps `frame` at `vaddr` (page aligned) with `rights`.
    pub fn map(
        &mut self,
        objects: &mut ObjectAllocator,
        frame: cap::Page,
        vaddr: Word,
        rights: CapRights,
        attrs: VmAttributes,
        what: &'static str,
    ) -> Result<(), AllocError> {
        self.ensure_paging(objects, vaddr, what)?;
        frame
            .map(self.root, vaddr, rights, w_xor_x(rights, attrs))
            .map_err(|error| AllocError::Kernel { what, error })
    }

    fn ensure_paging(
        &mut self,
        objects: &mut ObjectAllocator,
        vaddr: Word,
        what: &'static str,
    ) -> Result<(), AllocError> {
        let kernel = |error: sel4::Error| AllocError::Kernel { what, error };
        if self.pdpts.insert(vaddr >> PDPT_SHIFT) {
            let pdpt: level::L1 = objects.make(level::BLUEPRINTS[0], what)?.cast();
            pdpt.map(self.root, vaddr, VmAttributes::DEFAULT).map_err(kernel)?;
            self.paging_objects += 1;
        }
        if self.pds.insert(vaddr >> PD_SHIFT) {
            let pd: level::L2 = objects.make(level::BLUEPRINTS[1], what)?.cast();
            pd.map(self.root, vaddr, VmAttributes::DEFAULT).map_err(kernel)?;
            self.paging_objects += 1;
        }
        if self.pts.insert(vaddr >> PT_SHIFT) {
            let pt: level::L3 = objects.make(level::BLUEPRINTS[2], what)?.cast();
            pt.map(self.root, vaddr, VmAttributes::DEFAULT).map_err(kernel)?;
            self.paging_objects += 1;
        }
        Ok(())
    }
}

/// A window in the root task's own address space where one frame at a time
/// is mapped to be filled (program data, zeroing on restart).
pub struct ScratchWindow {
    vspace: VSpace,
    /// A copy of the frame being accessed is made here, mapped, and deleted.
    slot: sel4::CPtr,
}

/// Above everything the kernel's loader mapped for the root task (PML4 entry 1).
const SCRATCH_VADDR: Word = 1 << PDPT_SHIFT;
const PAGE_SIZE: usize = 4096;

impl ScratchWindow {
    pub fn new(objects: &mut ObjectAllocator) -> Result<ScratchWindow, AllocError> {
        let mut vspace = VSpace::existing(init_caps::VSPACE);
        vspace.ensure_paging(objects, SCRATCH_VADDR, "the root task's scratch window")?;
        let slot = objects.slot("the root task's scratch window")?;
        Ok(ScratchWindow { vspace, slot })
    }

    /// Fills `frame` with `data` followed by zeros.
    pub fn fill(&mut self, frame: cap::Page, data: &[u8]) -> Result<(), sel4::Error> {
        self.mapped(frame, false, |page| fill_page(page, data))
    }

    /// Fills `frame` with `data` followed by zeros, for a frame components
    /// may execute: on ARM the bytes written through the data cache are
    /// then made visible to instruction fetches, before any component maps
    /// the frame (QEMU does not model the caches; hardware does).
    pub fn fill_code(&mut self, frame: cap::Page, data: &[u8]) -> Result<(), sel4::Error> {
        self.mapped(frame, true, |page| fill_page(page, data))
    }

    /// Runs `f` on the contents of `frame` (a page), then, for `code`,
    /// unifies the caches over it.
    fn mapped<R>(
        &mut self,
        frame: cap::Page,
        code: bool,
        f: impl FnOnce(&mut [u8; PAGE_SIZE]) -> R,
    ) -> Result<R, sel4::Error> {
        // Map a copy: the original may already be mapped in a component.
        let root = init_caps::CNODE;
        root.relative(self.slot).copy(&root.relative(frame.cptr()), CapRights::READ_WRITE)?;
        let copy: cap::Page = self.slot.cast();
        let result = copy
            .map(
                self.vspace.root(),
                SCRATCH_VADDR,
                CapRights::READ_WRITE,
                w_xor_x(CapRights::READ_WRITE, VmAttributes::DEFAULT),
            )
            .map(|()| {
                // SAFETY: the page is mapped read-write at SCRATCH_VADDR until
                // the unmap below, and nothing else in this task aliases it.
                f(unsafe { &mut *(SCRATCH_VADDR as *mut [u8; PAGE_SIZE]) })
            });
        // The kernel cleans and invalidates by the copy's mapped address.
        #[cfg(target_arch = "aarch64")]
        let result = match result {
            Ok(r) if code => copy.unify_instruction(0, PAGE_SIZE as Word).map(|()| r),
            other => other,
        };
        #[cfg(not(target_arch = "aarch64"))]
        let _ = code;
        let _ = copy.unmap();
        root.relative(self.slot).delete()?;
        result
    }
}

fn fill_page(page: &mut [u8; PAGE_SIZE], data: &[u8]) {
    page[..data.len()].copy_from_slice(data);
    page[data.len()..].fill(0);
}
