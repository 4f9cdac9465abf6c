//! Test helpers: a ring region inside a larger, canary-filled buffer.
#![allow(dead_code)]

use shared_ring::{RingGeometry, PAGE_SIZE};

#[repr(C, align(4096))]
#[derive(Clone, Copy)]
struct Page([u8; PAGE_SIZE]);

/// Byte pattern of the guard pages around the region.
pub const CANARY: u8 = 0xA5;

/// A ring region of `geometry.region_bytes()` zeroed bytes, page aligned,
/// with one guard page of [`CANARY`] bytes before and after.
///
/// All access goes through one raw pointer taken at creation, so the ends
/// and the test's own (hostile) reads and writes never invalidate each other
/// under Miri's aliasing model.
pub struct GuardedRegion {
    all: *mut u8,
    pages: usize,
    pub geometry: RingGeometry,
}

impl GuardedRegion {
    pub fn new(geometry: RingGeometry) -> Self {
        let region_pages = geometry.region_bytes() / PAGE_SIZE;
        let pages = region_pages + 2;
        let buf: Box<[Page]> = vec![Page([CANARY; PAGE_SIZE]); pages].into_boxed_slice();
        let all = Box::into_raw(buf).cast::<u8>();
        // SAFETY: the region pages are inside the allocation.
        unsafe { all.add(PAGE_SIZE).write_bytes(0, geometry.region_bytes()) };
        GuardedRegion { all, pages, geometry }
    }

    /// Start of the ring region (after the front guard page).
    pub fn base(&self) -> *mut u8 {
        // SAFETY: inside the allocation.
        unsafe { self.all.add(PAGE_SIZE) }
    }

    pub fn region_len(&self) -> usize {
        self.geometry.region_bytes()
    }

    /// Address range of the slots area (where payload slices may point).
    pub fn slots_range(&self) -> core::ops::Range<usize> {
        let start = self.base() as usize + shared_ring::RING_SLOTS_OFFSET;
        start..start + self.geometry.slots_bytes()
    }

    /// True if both guard pages still hold only canary bytes.
    pub fn canaries_intact(&self) -> bool {
        static GUARD: [u8; PAGE_SIZE] = [CANARY; PAGE_SIZE];
        let back = PAGE_SIZE + self.geometry.region_bytes();
        [0, back].iter().all(|&start| {
            // SAFETY: a whole guard page inside the allocation; no concurrent writer.
            unsafe { core::slice::from_raw_parts(self.all.add(start), PAGE_SIZE) == GUARD }
        })
    }

    /// Reads a native-endian u32 at `offset` in the region (racy reads are
    /// not used: tests call this only while no other thread runs).
    pub fn read_u32(&self, offset: usize) -> u32 {
        assert!(offset + 4 <= self.region_len());
        // SAFETY: in bounds; the ring only accesses these words atomically,
        // and nothing runs concurrently with this read.
        unsafe { self.base().add(offset).cast::<u32>().read_unaligned() }
    }

    /// Writes a native-endian u32 at `offset`: the hostile peer's pen.
    pub fn write_u32(&self, offset: usize, value: u32) {
        assert!(offset + 4 <= self.region_len());
        // SAFETY: as read_u32.
        unsafe { self.base().add(offset).cast::<u32>().write_unaligned(value) }
    }

    /// Copy of the region's bytes.
    pub fn snapshot(&self) -> Vec<u8> {
        // SAFETY: in bounds, nothing runs concurrently.
        unsafe { core::slice::from_raw_parts(self.base(), self.region_len()).to_vec() }
    }

    pub fn bytes(&self, offset: usize, len: usize) -> Vec<u8> {
        assert!(offset + len <= self.region_len());
        // SAFETY: in bounds, nothing runs concurrently.
        unsafe { core::slice::from_raw_parts(self.base().add(offset), len).to_vec() }
    }
}

impl Drop for GuardedRegion {
    fn drop(&mut self) {
        // SAFETY: `all` came from Box::into_raw of a boxed slice of `pages` pages.
        drop(unsafe {
            Box::from_raw(core::ptr::slice_from_raw_parts_mut(self.all.cast::<Page>(), self.pages))
        });
    }
}

// SAFETY: the region is plain memory; the tests share it between threads only
// through the ring ends (which synchronise) or when no other thread runs.
unsafe impl Send for GuardedRegion {}
// SAFETY: as for `Send`: every shared access goes through the ring ends.
unsafe impl Sync for GuardedRegion {}

/// Proptest case count: the default, or a handful under Miri (which is
/// roughly a thousand times slower). `PROPTEST_CASES` overrides both.
pub fn cases(normal: u32) -> u32 {
    if let Ok(n) = std::env::var("PROPTEST_CASES") {
        return n.parse().expect("PROPTEST_CASES");
    }
    if cfg!(miri) {
        6
    } else {
        normal
    }
}

/// Longest operation sequence per case: shorter under Miri.
pub const MAX_OPS: usize = if cfg!(miri) { 40 } else { 300 };

/// Proptest config for these tests: no failure-persistence files (Miri's
/// isolation forbids the file system, and CI has no use for them).
pub fn proptest_config(normal: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: cases(normal),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

/// Deterministic payload of message `seq` with `len` bytes.
pub fn payload(seq: u64, len: usize) -> Vec<u8> {
    (0..len).map(|i| (seq as u8).wrapping_mul(31).wrapping_add(i as u8)).collect()
}
