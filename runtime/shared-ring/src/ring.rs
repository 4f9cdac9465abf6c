//! The one place that turns indices into pointers.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::control::ControlBlock;
use crate::{GeometryError, RingGeometry, SLOT_HEADER_BYTES};

/// Both ends' view of the shared memory. Every address this crate computes
/// comes from [`Ring::slot`], and it is in bounds by construction: the slot
/// number is an index masked with `slot_count - 1`, and the geometry was
/// validated and trusted (it is not read from shared memory).
pub(crate) struct Ring<'a> {
    pub(crate) ctrl: &'a ControlBlock,
    /// Start of slot 0; `geometry.slots_bytes()` bytes follow.
    slots: NonNull<u8>,
    pub(crate) geometry: RingGeometry,
    _memory: PhantomData<&'a [core::cell::UnsafeCell<u8>]>,
}

impl<'a> Ring<'a> {
    /// # Safety
    /// `slots` points to `geometry.slots_bytes()` bytes valid for reads and
    /// writes for `'a`, accessed otherwise only by the peer end.
    pub(crate) unsafe fn new(
        ctrl: &'a ControlBlock,
        slots: NonNull<u8>,
        geometry: RingGeometry,
    ) -> Result<Self, GeometryError> {
        if !(slots.as_ptr() as usize).is_multiple_of(8) {
            return Err(GeometryError::Misaligned { address: slots.as_ptr() as usize, align: 8 });
        }
        Ok(Ring { ctrl, slots, geometry, _memory: PhantomData })
    }

    /// Start of the slot that free-running `index` maps to.
    fn slot(&self, index: u32) -> *mut u8 {
        let offset = self.geometry.slot_byte_offset(index);
        debug_assert!(offset + self.geometry.slot_size() as usize <= self.geometry.slots_bytes());
        // SAFETY: offset + slot_size <= slots_bytes (masked index, validated
        // geometry), so the result stays inside the slots area.
        unsafe { self.slots.as_ptr().add(offset) }
    }

    /// Start of the payload of `index`'s slot; `max_payload` bytes follow.
    pub(crate) fn payload(&self, index: u32) -> *mut u8 {
        // SAFETY: SLOT_HEADER_BYTES < slot_size.
        unsafe { self.slot(index).add(SLOT_HEADER_BYTES) }
    }

    /// The slot's length word, as an atomic so that a racing (hostile) peer
    /// write is a defined, if meaningless, value rather than a data race.
    fn len_word(&self, index: u32) -> &core::sync::atomic::AtomicU32 {
        // SAFETY: the slot start is 8-aligned (aligned slots base, slot_size a
        // multiple of 8) and inside the region for 'a; an all-bytes value is
        // a valid u32; the word is only ever accessed atomically by both ends.
        unsafe { core::sync::atomic::AtomicU32::from_ptr(self.slot(index).cast()) }
    }

    pub(crate) fn load_len(&self, index: u32) -> u32 {
        // Relaxed: ordered after the Acquire load of `tail` that made this
        // slot visible, which is what matters.
        self.len_word(index).load(core::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn store_len(&self, index: u32, len: u32) {
        // Relaxed: published by the Release store of `tail`.
        self.len_word(index).store(len, core::sync::atomic::Ordering::Relaxed)
    }
}

/// Copies `len` bytes from `src` to `dst` (not overlapping). Short messages,
/// 8 to 16 bytes, take two 8-byte loads and stores (the second pair may
/// overlap the first) instead of a call to `memcpy`, which costs more than
/// the copy at this size; other lengths go to `memcpy`.
///
/// # Safety
/// As for [`core::ptr::copy_nonoverlapping`]: `len` bytes readable at
/// `src`, writable at `dst`, the two not overlapping.
#[inline(always)]
pub(crate) unsafe fn copy_message(src: *const u8, dst: *mut u8, len: usize) {
    if (8..=16).contains(&len) {
        // SAFETY: 8 <= len, so bytes 0..8 and len-8..len are inside both
        // ranges; unaligned accesses of plain memory.
        unsafe {
            let first = src.cast::<u64>().read_unaligned();
            let last = src.add(len - 8).cast::<u64>().read_unaligned();
            dst.cast::<u64>().write_unaligned(first);
            dst.add(len - 8).cast::<u64>().write_unaligned(last);
        }
    } else {
        // SAFETY: by the caller.
        unsafe { core::ptr::copy_nonoverlapping(src, dst, len) }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn copy_message_copies_every_length_exactly() {
        let src: [u8; 40] = core::array::from_fn(|i| i as u8 + 1);
        for len in 0..=32 {
            let mut dst = [0u8; 40];
            // SAFETY: len <= 32 bytes of two distinct arrays of 40.
            unsafe { super::copy_message(src.as_ptr().add(3), dst.as_mut_ptr().add(5), len) };
            assert_eq!(&dst[5..5 + len], &src[3..3 + len], "length {len}");
            assert!(
                dst[..5].iter().chain(&dst[5 + len..]).all(|&b| b == 0),
                "length {len} wrote outside"
            );
        }
    }
}
