//! Kernel objects from untyped memory, and slots of the root CNode to hold
//! their capabilities.
//!
//! The bookkeeping (which untyped has room, where the kernel places each
//! object, how to reach a physical address in device memory) is the
//! `untyped-allocator` crate's, tested on the host; this module carries out
//! its plans with `Untyped::retype` and reports exhaustion as an error
//! naming what was being built. A failed retype leaves the plan's
//! watermarks ahead of the kernel (see that crate): it is fatal.

use core::fmt;
use core::ops::Range;

use sel4_root_task::sel4::{self, cap, CPtr, ObjectBlueprint, Word};
use sel4_root_task::{init_caps, BootInfo};
use untyped_allocator::{DeviceStep, Pool, UntypedDesc};

/// Why an object could not be made.
#[derive(Debug)]
pub enum AllocError {
    /// No untyped has room for the object.
    OutOfMemory {
        what: &'static str,
        size_bits: usize,
        free_bytes: usize,
    },
    /// The root CNode is full.
    OutOfSlots {
        what: &'static str,
    },
    /// No device untyped covers the physical range.
    NoDeviceMemory {
        paddr: Word,
        bytes: Word,
    },
    Kernel {
        what: &'static str,
        error: sel4::Error,
    },
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

/// Hands out root CNode slots and makes objects from untyped memory.
pub struct ObjectAllocator {
    pool: Pool<cap::Untyped>,
    slots: Range<Word>,
}

impl ObjectAllocator {
    pub fn new(bootinfo: &BootInfo) -> Self {
        let pool = Pool::new(bootinfo.untypeds().map(|(cap, desc)| UntypedDesc {
            id: cap,
            paddr: desc.paddr() as u64,
            size_bits: desc.size_bits(),
            is_device: desc.is_device(),
        }));
        ObjectAllocator { pool, slots: bootinfo.empty().range() }
    }

    /// Bytes of RAM not yet handed out.
    pub fn free_ram(&self) -> usize {
        self.pool.free_ram() as usize
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
    pub fn make(
        &mut self,
        blueprint: ObjectBlueprint,
        what: &'static str,
    ) -> Result<CPtr, AllocError> {
        Ok(CPtr::from_bits(self.make_many(blueprint, 1, what)?.start))
    }

    /// Makes `count` objects of one kind in consecutive slots.
    pub fn make_many(
        &mut self,
        blueprint: ObjectBlueprint,
        count: usize,
        what: &'static str,
    ) -> Result<Range<Word>, AllocError> {
        let bits = blueprint.physical_size_bits();
        // Memory first: a request too large for both (a heap larger than
        // RAM) is reported as out of memory. When the slots then run out,
        // the pool counts memory as used that the kernel never handed out:
        // safe for RAM, and fatal anyway.
        let plan = self.pool.plan(bits as u8, count, FAN_OUT).map_err(|e| {
            AllocError::OutOfMemory { what, size_bits: bits, free_bytes: e.free_bytes as usize }
        })?;
        let slots = self.slots(count, what)?;
        let mut slot = slots.start;
        for step in plan {
            retype(step.untyped, blueprint, slot, step.count, what)?;
            slot += step.count;
        }
        Ok(slots)
    }

    /// 4 KiB frames of device memory covering `paddr..paddr + bytes` (page
    /// aligned), in consecutive slots.
    pub fn device_frames(
        &mut self,
        paddr: Word,
        bytes: Word,
        what: &'static str,
    ) -> Result<Range<Word>, AllocError> {
        let page_bits = sel4::sys::constants::seL4_PageBits;
        // Frame slots first: when the CNode is full the pool is untouched.
        let slots = self.slots(bytes >> page_bits, what)?;
        let plan = self
            .pool
            .plan_device(paddr as u64, bytes as u64, page_bits as u8, FAN_OUT)
            .map_err(|_| AllocError::NoDeviceMemory { paddr, bytes })?;
        let mut slot = slots.start;
        for step in plan {
            match step {
                // Padding: the device untyped's free index moves to `paddr`.
                DeviceStep::Padding { untyped, size_bits, .. } => {
                    let padding = self.slot("device memory padding")?;
                    retype(
                        untyped,
                        ObjectBlueprint::Untyped { size_bits: size_bits as usize },
                        padding.bits(),
                        1,
                        "device memory padding",
                    )?;
                }
                DeviceStep::Frames { untyped, count, .. } => {
                    retype(untyped, ObjectBlueprint::PAGE, slot, count, what)?;
                    slot += count;
                }
            }
        }
        Ok(slots)
    }
}

/// One retype makes at most this many objects.
const FAN_OUT: usize = sel4::sys::config::CONFIG_RETYPE_FAN_OUT_LIMIT as usize;

fn retype(
    untyped: cap::Untyped,
    blueprint: ObjectBlueprint,
    slot: Word,
    count: usize,
    what: &'static str,
) -> Result<(), AllocError> {
    // Depth 0: the destination is the root CNode itself, offset by `slot`.
    let root = cap::AbsoluteCPtr { root: init_caps::CNODE, path: 0, depth: 0 };
    untyped
        .retype(blueprint, &root, slot, count)
        .map_err(|error| AllocError::Kernel { what, error })
}
