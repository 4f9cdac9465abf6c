//! Ring geometry: how many slots of what size, and where they are.

use crate::{GeometryError, PAGE_SIZE, RING_SLOTS_OFFSET, SLOT_HEADER_BYTES};

/// How many slots a ring has and how big each is. Both ends must be built
/// with the same geometry (it comes from the system manifest, not from the
/// shared memory, so a hostile peer cannot change it).
///
/// Valid geometries: `slot_count` a power of two in `1..=2^31`; `slot_size` a
/// multiple of 8, at least 16; the whole region addressable (fits `isize`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RingGeometry {
    slot_count: u32,
    slot_size: u32,
}

/// Largest slot count: keeps "full" (`tail - head == slot_count`) distinct
/// from every impossible index distance in 32-bit wrapping arithmetic.
pub const MAX_SLOT_COUNT: u32 = 1 << 31;

/// Smallest slot size: the 8-byte header and at least 8 bytes of payload.
pub const MIN_SLOT_SIZE: u32 = 16;

impl RingGeometry {
    /// Validates a geometry.
    pub const fn new(slot_count: u32, slot_size: u32) -> Result<Self, GeometryError> {
        if !slot_count.is_power_of_two() || slot_count > MAX_SLOT_COUNT {
            return Err(GeometryError::SlotCountNotPowerOfTwo { slot_count });
        }
        if slot_size < MIN_SLOT_SIZE || !slot_size.is_multiple_of(8) {
            return Err(GeometryError::BadSlotSize { slot_size });
        }
        let slots = slot_count as u64 * slot_size as u64;
        let pages = slots.div_ceil(PAGE_SIZE as u64);
        // Both factors are < 2^32, so `slots` and `pages * PAGE_SIZE` fit u64.
        let region = RING_SLOTS_OFFSET as u64 + pages * PAGE_SIZE as u64;
        if region > isize::MAX as u64 {
            return Err(GeometryError::TooLarge { slot_count, slot_size });
        }
        Ok(RingGeometry { slot_count, slot_size })
    }

    /// Number of slots (a power of two).
    pub const fn slot_count(self) -> u32 {
        self.slot_count
    }

    /// Bytes per slot, header included.
    pub const fn slot_size(self) -> u32 {
        self.slot_size
    }

    /// Largest message: `slot_size - SLOT_HEADER_BYTES`.
    pub const fn max_payload(self) -> u32 {
        self.slot_size - SLOT_HEADER_BYTES as u32
    }

    /// Bytes of all slots, `slot_count * slot_size`.
    pub const fn slots_bytes(self) -> usize {
        // Checked in `new` to fit isize.
        self.slot_count as usize * self.slot_size as usize
    }

    /// Bytes of the whole shared region: the control-block page plus the
    /// slots rounded up to whole pages. Equals the system manifest's
    /// `layout::ring_region_bytes(slot_count, slot_size)`.
    pub const fn region_bytes(self) -> usize {
        RING_SLOTS_OFFSET + self.slots_bytes().div_ceil(PAGE_SIZE) * PAGE_SIZE
    }

    /// Offset of slot `index & (slot_count - 1)` from the start of the region.
    pub const fn slot_offset(self, index: u32) -> usize {
        RING_SLOTS_OFFSET + self.slot_byte_offset(index)
    }

    /// Offset of slot `index & (slot_count - 1)` from the start of slot 0.
    pub(crate) const fn slot_byte_offset(self, index: u32) -> usize {
        (index & (self.slot_count - 1)) as usize * self.slot_size as usize
    }
}
