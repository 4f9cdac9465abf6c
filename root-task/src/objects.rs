//! Kernel objects from untyped memory, and slots of the root CNode to hold
//! their capabilities.
//!
//! The kernel places each object of an untyped at the untyped's free index
//! rounded up to the object's size; [`ObjectAllocator`] keeps the same
//! watermark per untyped, so it knows in advance whether an object fits and
//! reports exhaustion as an error naming what was being built.

use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use sel4_root_task::sel4::{self, cap, CPtr, ObjectBlueprint, Word};
use sel4_root_task::{init_caps, BootInfo};

/// Why an object could not be made.
#[derive(Debug)]
pub enum AllocError {
    /// No untyped has room for the object.
    OutOfMemory { what: &'static str, size_bits: usize, free_bytes: usize },
    /// The root CNode is full.
    OutOfSlots { what: &'static str },
    /// No device untyped covers the physical range.
    NoDeviceMemory { paddr: Word, bytes: Word },
    Kernel { what: &'static str, error: sel4::Error },
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::OutOfMemory { what, size_bits, free_bytes } => write!(
                f,
                "out of untyped memory making {what} (needs 2^{size_bits} bytes; {free_bytes} bytes free in all, fragmented)"
            ),
            AllocError::OutOfSlots { what } => write!(f, "the root CNode is full making {what}"),
            AllocError::NoDeviceMemory { paddr, bytes } => {
                write!(f, "no device untyped covers physical {paddr:#x}..{:#x}", paddr + bytes)
            }
            AllocError::Kernel { what, error } => write!(f, "making {what}: {error}"),
        }
    }
}

struct Untyped {
    cap: cap::Untyped,
    paddr: Word,
    size_bits: u8,
    /// Bytes used from the start (the kernel's free index).
    watermark: Word,
}

impl Untyped {
    fn end(&self) -> Word {
        self.paddr + (1 << self.size_bits)
    }
    fn free(&self) -> Word {
        (1 << self.size_bits) - self.watermark
    }
    /// Offset of `count` objects of 2^`bits` bytes if they fit.
    fn fit(&self, bits: usize, count: usize) -> Option<Word> {
        let start = self.watermark.next_multiple_of(1 << bits);
        (start + (count << bits) <= (1 << self.size_bits)).then_some(start)
    }
}

/// Hands out root CNode slots and makes objects from untyped memory.
pub struct ObjectAllocator {
    ram: Vec<Untyped>,
    device: Vec<Untyped>,
    slots: Range<Word>,
}

impl ObjectAllocator {
    pub fn new(bootinfo: &BootInfo) -> Self {
        let mut ram = Vec::new();
        let mut device = Vec::new();
        for (cap, desc) in bootinfo.untypeds() {
            let u = Untyped { cap, paddr: desc.paddr(), size_bits: desc.size_bits(), watermark: 0 };
            if desc.is_device() { device.push(u) } else { ram.push(u) }
        }
        // Smallest first: small objects fill small untypeds and the large
        // untypeds stay whole for large requests.
        ram.sort_by_key(|u| u.size_bits);
        device.sort_by_key(|u| u.paddr);
        ObjectAllocator { ram, device, slots: bootinfo.empty().range() }
    }

    /// Bytes of RAM not yet handed out.
    pub fn free_ram(&self) -> usize {
        self.ram.iter().map(|u| u.free()).sum()
    }

    /// `count` consecutive free slots of the root CNode.
    pub fn slots(&mut self, count: usize, what: &'static str) -> Result<Range<Word>, AllocError> {
        let start = self.slots.start;
        if self.slots.end - start < count {
            return Err(AllocError::OutOfSlots { what });
        }
        self.slots.start += count;
        Ok(start..start + count)
    }

    pub fn slot(&mut self, what: &'static str) -> Result<CPtr, AllocError> {
        Ok(CPtr::from_bits(self.slots(1, what)?.start))
    }

    /// Makes one object; returns the slot of its capability.
    pub fn make(&mut self, blueprint: ObjectBlueprint, what: &'static str) -> Result<CPtr, AllocError> {
        Ok(CPtr::from_bits(self.make_many(blueprint, 1, what)?.start))
    }

    /// Makes `count` objects of one kind in consecutive slots.
    pub fn make_many(&mut self, blueprint: ObjectBlueprint, count: usize, what: &'static str) -> Result<Range<Word>, AllocError> {
        let bits = blueprint.physical_size_bits();
        let slots = self.slots(count, what)?;
        // One retype makes at most CONFIG_RETYPE_FAN_OUT_LIMIT objects.
        let fan_out = sel4::sys::config::CONFIG_RETYPE_FAN_OUT_LIMIT as usize;
        let mut done = 0;
        while done < count {
            let chunk = (count - done).min(fan_out);
            let free_bytes = self.free_ram();
            let untyped = self
                .ram
                .iter_mut()
                .find(|u| u.fit(bits, chunk).is_some())
                .ok_or(AllocError::OutOfMemory { what, size_bits: bits, free_bytes })?;
            let start = untyped.fit(bits, chunk).expect("checked by find");
            retype(untyped.cap, blueprint, slots.start + done, chunk, what)?;
            untyped.watermark = start + (chunk << bits);
            done += chunk;
        }
        Ok(slots)
    }

    /// 4 KiB frames of device memory covering `paddr..paddr + bytes` (page
    /// aligned), in consecutive slots.
    pub fn device_frames(&mut self, paddr: Word, bytes: Word, what: &'static str) -> Result<Range<Word>, AllocError> {
        let page = 1 << sel4::sys::constants::seL4_PageBits;
        let Some(index) = self.device.iter().position(|u| u.paddr <= paddr && paddr + bytes <= u.end()) else {
            return Err(AllocError::NoDeviceMemory { paddr, bytes });
        };
        let target = paddr - self.device[index].paddr;
        if self.device[index].watermark > target {
            // Already handed out (the description checker forbids overlaps).
            return Err(AllocError::NoDeviceMemory { paddr, bytes });
        }
        // Skip to the target with the fewest objects: the largest aligned
        // untyped pieces that fit the gap.
        while self.device[index].watermark < target {
            let watermark = self.device[index].watermark;
            let gap = target - watermark;
            let align_bits = watermark.trailing_zeros().min(Word::BITS - 1) as usize;
            let bits = align_bits.min(gap.ilog2() as usize);
            let slot = self.slot("device memory padding")?;
            retype(self.device[index].cap, ObjectBlueprint::Untyped { size_bits: bits }, slot.bits(), 1, "device memory padding")?;
            self.device[index].watermark += 1 << bits;
        }
        let count = bytes / page;
        let slots = self.slots(count, what)?;
        retype(self.device[index].cap, ObjectBlueprint::X86Page, slots.start, count, what)?;
        self.device[index].watermark += bytes;
        Ok(slots)
    }
}

fn retype(untyped: cap::Untyped, blueprint: ObjectBlueprint, slot: Word, count: usize, what: &'static str) -> Result<(), AllocError> {
    // Depth 0: the destination is the root CNode itself, offset by `slot`.
    let root = cap::AbsoluteCPtr { root: init_caps::CNODE, path: 0, depth: 0 };
    untyped.retype(blueprint, &root, slot, count).map_err(|error| AllocError::Kernel { what, error })
}
