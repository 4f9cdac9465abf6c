//! Bookkeeping of seL4 untyped memory: which untyped has room for an
//! object, where the kernel will place it, and how to reach a physical
//! address inside device memory. Makes no kernel calls: the root task
//! carries out the plans this crate makes with `Untyped::retype`.
//!
//! # The kernel's rule (seL4 5.0)
//!
//! A retype of `count` objects of 2^`size_bits` bytes from an untyped
//! places them at the untyped's free index rounded up to the object size,
//! one after the other; the free index then moves past the last one. One
//! retype makes at most `CONFIG_RETYPE_FAN_OUT_LIMIT` objects (the
//! `fan_out` parameter here). The kernel aligns its boot untypeds to their
//! own size in its own address space, where it also does the rounding, so
//! the rounding works on offsets from the untyped's start. (Physical
//! addresses may be less aligned: on x86_64 a device untyped of 2^40 bytes
//! at physical 0x180_0000_0000 is aligned in the kernel's window only; an
//! object of up to 2^39 bytes is aligned both ways.) The pool keeps the
//! same free index (its *watermark*) per untyped, so a plan says in advance
//! where each object lands and whether the request fits at all.
//!
//! Device untypeds can only back frames and untypeds. To reach a physical
//! address inside one, [`Pool::plan_device`] first retypes padding
//! untypeds up to it (each the largest power of two that is aligned at the
//! watermark and fits the gap), then the frames.
//!
//! # When the kernel refuses a planned retype
//!
//! [`Pool::plan`] and [`Pool::plan_device`] commit the watermarks when they
//! return a plan, before the caller retypes. If a retype of the plan then
//! fails in the kernel, the steps before it happened and it and the later
//! steps did not, yet the pool counts them as done: its watermark is ahead
//! of the kernel's free index in the untypeds of those steps. For RAM the
//! pool stays on the safe side (it never promises room the kernel lacks;
//! the bytes it counts as used are lost), but the offsets it reports for
//! later objects in those untypeds are no longer where the kernel places
//! them, and a later device plan in such an untyped would land at the
//! wrong address. The root task treats any failed retype as fatal.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec::Vec;
use core::fmt;

/// log2 of the smallest untyped the kernel makes (`seL4_MinUntypedBits`).
pub const MIN_UNTYPED_BITS: u8 = 4;

/// One untyped capability as the kernel describes it at boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UntypedDesc<Id> {
    /// What the caller names it by (its capability).
    pub id: Id,
    /// Physical address of its first byte.
    pub paddr: u64,
    /// log2 of its size in bytes.
    pub size_bits: u8,
    /// Device memory (MMIO): only frames and untypeds can be made of it.
    pub is_device: bool,
}

impl<Id> UntypedDesc<Id> {
    pub fn size(&self) -> u64 {
        1 << self.size_bits
    }
    /// One past its last physical address.
    pub fn end(&self) -> u64 {
        self.paddr + self.size()
    }
}

/// One retype of a plan: `count` objects from `untyped`, the first at
/// `offset` bytes into it and the others right after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetypeStep<Id> {
    pub untyped: Id,
    pub count: usize,
    pub offset: u64,
}

/// One retype of a device plan, in the order they must be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceStep<Id> {
    /// One untyped of 2^`size_bits` bytes at `offset`, made only to move
    /// the watermark; it is never used.
    Padding { untyped: Id, size_bits: u8, offset: u64 },
    /// `count` frames, the first at `offset`.
    Frames { untyped: Id, count: usize, offset: u64 },
}

/// No RAM untyped has room for the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory {
    /// log2 of the size of each requested object.
    pub size_bits: u8,
    /// How many objects were requested.
    pub count: usize,
    /// Bytes of RAM not yet handed out, in all untypeds (fragmented).
    pub free_bytes: u64,
}

impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no room for {} objects of 2^{} bytes ({} bytes free in all, fragmented)",
            self.count, self.size_bits, self.free_bytes
        )
    }
}

/// Why device frames could not be planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoDeviceMemory {
    /// No single device untyped covers the whole range.
    NotCovered,
    /// The range starts below the watermark of its untyped: part of that
    /// memory may already be handed out.
    AlreadyUsed,
    /// The address or length is not a multiple of the page size.
    Misaligned,
}

impl fmt::Display for NoDeviceMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoDeviceMemory::NotCovered => "no device untyped covers the range",
            NoDeviceMemory::AlreadyUsed => {
                "the range starts below the part of its device untyped already handed out"
            }
            NoDeviceMemory::Misaligned => "the range is not page aligned",
        })
    }
}

struct Untyped<Id> {
    desc: UntypedDesc<Id>,
    /// Bytes used from its start: the kernel's free index.
    watermark: u64,
}

impl<Id> Untyped<Id> {
    fn free(&self) -> u64 {
        self.desc.size() - self.watermark
    }

    /// Where the next object of 2^`bits` bytes lands when the watermark is
    /// `watermark`, and how many such objects fit from there.
    fn room(&self, watermark: u64, bits: u8) -> (u64, u64) {
        if bits > self.desc.size_bits {
            return (watermark, 0);
        }
        let size = self.desc.size();
        // Both at most 2^63: no overflow.
        let start = watermark.next_multiple_of(1 << bits);
        let count = if start < size { (size - start) >> bits } else { 0 };
        (start, count)
    }
}

/// The untyped memory of the root task and how much of each untyped is
/// used.
pub struct Pool<Id> {
    /// Smallest first: small objects fill small untypeds and the large
    /// ones stay whole for large requests.
    ram: Vec<Untyped<Id>>,
    /// By physical address.
    device: Vec<Untyped<Id>>,
}

impl<Id: Copy> Pool<Id> {
    /// A pool of unused untypeds.
    ///
    /// # Panics
    ///
    /// If an untyped is 2^64 bytes or more (the kernel makes none).
    pub fn new(untypeds: impl IntoIterator<Item = UntypedDesc<Id>>) -> Self {
        let mut ram = Vec::new();
        let mut device = Vec::new();
        for desc in untypeds {
            assert!(desc.size_bits < 64, "an untyped of 2^{} bytes", desc.size_bits);
            let untyped = Untyped { desc, watermark: 0 };
            if desc.is_device {
                device.push(untyped)
            } else {
                ram.push(untyped)
            }
        }
        // Stable: untypeds of one size keep the order they came in.
        ram.sort_by_key(|u| u.desc.size_bits);
        device.sort_by_key(|u| u.desc.paddr);
        Pool { ram, device }
    }

    /// Bytes of RAM not yet handed out (what alignment skipped counts as
    /// handed out: the kernel does not come back to it).
    pub fn free_ram(&self) -> u64 {
        self.ram.iter().map(Untyped::free).sum()
    }

    /// Every untyped (RAM smallest first, then device by address) with its
    /// watermark.
    pub fn untypeds(&self) -> impl Iterator<Item = (&UntypedDesc<Id>, u64)> + '_ {
        self.ram.iter().chain(&self.device).map(|u| (&u.desc, u.watermark))
    }

    /// Plans `count` objects of 2^`size_bits` bytes from RAM, in retypes
    /// of at most `fan_out` objects each: every step takes the first
    /// untyped (smallest first) with room for at least one object and as
    /// many objects as fit there. Commits the watermarks only when the
    /// whole request fits; on failure the pool is unchanged.
    ///
    /// # Panics
    ///
    /// If `fan_out` is 0.
    pub fn plan(
        &mut self,
        size_bits: u8,
        count: usize,
        fan_out: usize,
    ) -> Result<Vec<RetypeStep<Id>>, OutOfMemory> {
        assert!(fan_out > 0, "a retype makes at least one object");
        let mut watermarks: Vec<u64> = self.ram.iter().map(|u| u.watermark).collect();
        let mut steps = Vec::new();
        let mut left = count;
        // An untyped without room for one object keeps having none during
        // this request: the search never goes back.
        let mut index = 0;
        while left > 0 {
            let (start, room) = loop {
                let Some(untyped) = self.ram.get(index) else {
                    return Err(OutOfMemory { size_bits, count, free_bytes: self.free_ram() });
                };
                let (start, room) = untyped.room(watermarks[index], size_bits);
                if room > 0 {
                    break (start, room);
                }
                index += 1;
            };
            // At most `fan_out`: fits in usize.
            let n = (left.min(fan_out) as u64).min(room) as usize;
            steps.push(RetypeStep { untyped: self.ram[index].desc.id, count: n, offset: start });
            watermarks[index] = start + ((n as u64) << size_bits);
            left -= n;
        }
        for (untyped, watermark) in self.ram.iter_mut().zip(watermarks) {
            untyped.watermark = watermark;
        }
        Ok(steps)
    }

    /// Plans frames of 2^`page_bits` bytes covering `paddr..paddr + bytes`
    /// of device memory: padding untypeds from the watermark up to `paddr`
    /// (each the largest power of two aligned at the watermark that fits
    /// the gap), then the frames, in retypes of at most `fan_out`. The
    /// whole range must lie in one device untyped, at or above its
    /// watermark. Commits only on success. An empty range plans nothing.
    ///
    /// # Panics
    ///
    /// If `fan_out` is 0 or `page_bits` is 64 or more.
    pub fn plan_device(
        &mut self,
        paddr: u64,
        bytes: u64,
        page_bits: u8,
        fan_out: usize,
    ) -> Result<Vec<DeviceStep<Id>>, NoDeviceMemory> {
        assert!(fan_out > 0, "a retype makes at least one object");
        assert!(page_bits < 64, "pages of 2^{page_bits} bytes");
        let page = 1u64 << page_bits;
        if !paddr.is_multiple_of(page) || !bytes.is_multiple_of(page) {
            return Err(NoDeviceMemory::Misaligned);
        }
        if bytes == 0 {
            return Ok(Vec::new());
        }
        let end = paddr.checked_add(bytes).ok_or(NoDeviceMemory::NotCovered)?;
        let index = self
            .device
            .iter()
            .position(|u| u.desc.paddr <= paddr && end <= u.desc.end())
            .ok_or(NoDeviceMemory::NotCovered)?;
        let untyped = &self.device[index];
        let id = untyped.desc.id;
        let target = paddr - untyped.desc.paddr;
        let mut watermark = untyped.watermark;
        if watermark > target {
            return Err(NoDeviceMemory::AlreadyUsed);
        }
        let mut steps = Vec::new();
        while watermark < target {
            let gap = target - watermark;
            // The kernel would round a larger piece up past the watermark.
            let align_bits = watermark.trailing_zeros().min(63);
            let bits = align_bits.min(gap.ilog2()) as u8;
            if bits < MIN_UNTYPED_BITS {
                // Only when the watermark or the target is not a multiple
                // of 2^MIN_UNTYPED_BITS, which never happens.
                return Err(NoDeviceMemory::Misaligned);
            }
            steps.push(DeviceStep::Padding { untyped: id, size_bits: bits, offset: watermark });
            watermark += 1 << bits;
        }
        // The watermark is at `paddr`, which is page aligned: the frames
        // land exactly there.
        let mut frames = bytes >> page_bits;
        while frames > 0 {
            let n = frames.min(fan_out as u64);
            steps.push(DeviceStep::Frames { untyped: id, count: n as usize, offset: watermark });
            watermark += n << page_bits;
            frames -= n;
        }
        self.device[index].watermark = watermark;
        Ok(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    const PAGE: u8 = 12;

    fn ram(id: u32, paddr: u64, size_bits: u8) -> UntypedDesc<u32> {
        UntypedDesc { id, paddr, size_bits, is_device: false }
    }
    fn device(id: u32, paddr: u64, size_bits: u8) -> UntypedDesc<u32> {
        UntypedDesc { id, paddr, size_bits, is_device: true }
    }
    fn watermark(pool: &Pool<u32>, id: u32) -> u64 {
        pool.untypeds().find(|(d, _)| d.id == id).unwrap().1
    }
    fn step(untyped: u32, count: usize, offset: u64) -> RetypeStep<u32> {
        RetypeStep { untyped, count, offset }
    }
    fn padding(untyped: u32, size_bits: u8, offset: u64) -> DeviceStep<u32> {
        DeviceStep::Padding { untyped, size_bits, offset }
    }
    fn frames(untyped: u32, count: usize, offset: u64) -> DeviceStep<u32> {
        DeviceStep::Frames { untyped, count, offset }
    }

    #[test]
    fn objects_are_aligned_to_their_size() {
        let mut pool = Pool::new([ram(1, 0x10_0000, 16)]);
        // An endpoint (2^4), then a TCB (2^11): the TCB skips to 2^11.
        assert_eq!(pool.plan(4, 1, 256), Ok(vec![step(1, 1, 0)]));
        assert_eq!(pool.plan(11, 1, 256), Ok(vec![step(1, 1, 1 << 11)]));
        assert_eq!(watermark(&pool, 1), 2 << 11);
        // What the alignment skipped is gone.
        assert_eq!(pool.free_ram(), (1 << 16) - (2 << 11));
        // The next endpoint goes after the TCB, not into the skipped gap.
        assert_eq!(pool.plan(4, 1, 256), Ok(vec![step(1, 1, 2 << 11)]));
    }

    #[test]
    fn smallest_untyped_with_room_first() {
        let mut pool =
            Pool::new([ram(1, 0x100_0000, 20), ram(2, 0x10_0000, 12), ram(3, 0x20_0000, 16)]);
        let sizes: Vec<u8> = pool.untypeds().map(|(d, _)| d.size_bits).collect();
        assert_eq!(sizes, [12, 16, 20]);
        // A 2^14 object does not fit the 2^12 untyped: the 2^16 one.
        assert_eq!(pool.plan(14, 1, 256), Ok(vec![step(3, 1, 0)]));
        // A page fills the 2^12 untyped.
        assert_eq!(pool.plan(12, 1, 256), Ok(vec![step(2, 1, 0)]));
        // The next page: the 2^16 one, after the 2^14 object.
        assert_eq!(pool.plan(12, 1, 256), Ok(vec![step(3, 1, 1 << 14)]));
        // A 2^16 object: only the 2^20 one is still whole enough.
        assert_eq!(pool.plan(16, 1, 256), Ok(vec![step(1, 1, 0)]));
    }

    #[test]
    fn splits_at_the_fan_out_limit() {
        let mut pool = Pool::new([ram(1, 0, 21)]);
        assert_eq!(
            pool.plan(12, 10, 4),
            Ok(vec![step(1, 4, 0), step(1, 4, 4 << 12), step(1, 2, 8 << 12)])
        );
        assert_eq!(pool.plan(12, 256, 256), Ok(vec![step(1, 256, 10 << 12)]));
        assert_eq!(watermark(&pool, 1), 266 << 12);
    }

    #[test]
    fn splits_across_untypeds_when_one_is_too_small() {
        let mut pool = Pool::new([ram(1, 0x10_0000, 14), ram(2, 0x20_0000, 16)]);
        // 4 pages in the first, the other 6 in the second.
        assert_eq!(pool.plan(12, 10, 256), Ok(vec![step(1, 4, 0), step(2, 6, 0)]));
        assert_eq!(pool.free_ram(), (1 << 16) - (6 << 12));
    }

    #[test]
    fn exact_fit_uses_the_last_byte() {
        let mut pool = Pool::new([ram(1, 0, 14)]);
        assert_eq!(pool.plan(12, 4, 256), Ok(vec![step(1, 4, 0)]));
        assert_eq!(pool.free_ram(), 0);
        assert_eq!(
            pool.plan(4, 1, 256),
            Err(OutOfMemory { size_bits: 4, count: 1, free_bytes: 0 })
        );
        // The whole untyped as one object.
        let mut pool = Pool::new([ram(1, 0, 14)]);
        assert_eq!(pool.plan(14, 1, 256), Ok(vec![step(1, 1, 0)]));
        assert_eq!(pool.free_ram(), 0);
    }

    #[test]
    fn too_large_an_object_is_out_of_memory_with_the_free_bytes() {
        let mut pool = Pool::new([ram(1, 0, 12), ram(2, 0x1_0000, 13)]);
        pool.plan(4, 1, 256).unwrap();
        assert_eq!(
            pool.plan(14, 1, 256),
            Err(OutOfMemory { size_bits: 14, count: 1, free_bytes: (1 << 12) + (1 << 13) - 16 })
        );
        // 256 endpoints fill the first untyped exactly, the 257th starts
        // the second: no page fits any more.
        let mut pool = Pool::new([ram(1, 0, 12), ram(2, 0x1_0000, 12)]);
        assert_eq!(pool.plan(4, 257, 256), Ok(vec![step(1, 256, 0), step(2, 1, 0)]));
        assert_eq!(pool.free_ram(), (1 << 12) - 16);
        assert_eq!(
            pool.plan(12, 1, 256),
            Err(OutOfMemory { size_bits: 12, count: 1, free_bytes: (1 << 12) - 16 })
        );
    }

    #[test]
    fn a_failed_request_changes_nothing() {
        let mut pool = Pool::new([ram(1, 0, 14), ram(2, 0x1_0000, 14)]);
        pool.plan(4, 1, 256).unwrap();
        let before: Vec<u64> = pool.untypeds().map(|(_, w)| w).collect();
        // 7 pages would fit (3 + 4), 8 do not; the first 7 are not taken.
        assert!(pool.plan(12, 8, 2).is_err());
        assert_eq!(pool.untypeds().map(|(_, w)| w).collect::<Vec<_>>(), before);
        assert_eq!(pool.plan(12, 7, 256), Ok(vec![step(1, 3, 1 << 12), step(2, 4, 0)]));
    }

    #[test]
    fn nothing_requested_nothing_planned() {
        let mut pool = Pool::new([ram(1, 0, 12)]);
        assert_eq!(pool.plan(12, 0, 256), Ok(vec![]));
        let mut empty: Pool<u32> = Pool::new([]);
        assert_eq!(empty.plan(12, 0, 256), Ok(vec![]));
        assert_eq!(
            empty.plan(4, 1, 256),
            Err(OutOfMemory { size_bits: 4, count: 1, free_bytes: 0 })
        );
    }

    #[test]
    fn device_untypeds_are_not_ram() {
        let mut pool = Pool::new([device(1, 0xfe00_0000, 20)]);
        assert_eq!(pool.free_ram(), 0);
        assert!(pool.plan(12, 1, 256).is_err());
    }

    #[test]
    fn device_frames_at_the_start_need_no_padding() {
        let mut pool = Pool::new([device(1, 0xfe00_0000, 20)]);
        assert_eq!(pool.plan_device(0xfe00_0000, 0x2000, PAGE, 256), Ok(vec![frames(1, 2, 0)]));
        assert_eq!(watermark(&pool, 1), 0x2000);
    }

    #[test]
    fn device_padding_is_the_largest_aligned_piece_each_time() {
        let mut pool = Pool::new([device(1, 0xfe00_0000, 20)]);
        pool.plan_device(0xfe00_0000, 0x1000, PAGE, 256).unwrap();
        // From 0x1000 to 0x10000: 0x1000, 0x2000, 0x4000, 0x8000.
        assert_eq!(
            pool.plan_device(0xfe01_0000, 0x1000, PAGE, 256),
            Ok(vec![
                padding(1, 12, 0x1000),
                padding(1, 13, 0x2000),
                padding(1, 14, 0x4000),
                padding(1, 15, 0x8000),
                frames(1, 1, 0x1_0000),
            ])
        );
        // From 0x11000 to 0x17000: the alignment of 0x11000 and 0x12000
        // limits the first two pieces (2^12, 2^13), the gap the last two
        // (2^13 at 0x14000, 2^12 at 0x16000).
        assert_eq!(
            pool.plan_device(0xfe01_7000, 0x1000, PAGE, 256),
            Ok(vec![
                padding(1, 12, 0x1_1000),
                padding(1, 13, 0x1_2000),
                padding(1, 13, 0x1_4000),
                padding(1, 12, 0x1_6000),
                frames(1, 1, 0x1_7000)
            ])
        );
        // From the start of a fresh untyped: one piece of the whole gap
        // when it is a power of two.
        let mut pool = Pool::new([device(1, 0, 24)]);
        assert_eq!(
            pool.plan_device(0x80_0000, 0x1000, PAGE, 256),
            Ok(vec![padding(1, 23, 0), frames(1, 1, 0x80_0000)])
        );
    }

    #[test]
    fn device_frames_split_at_the_fan_out_limit() {
        let mut pool = Pool::new([device(1, 0, 24)]);
        assert_eq!(
            pool.plan_device(0x10_0000, 0xa000, PAGE, 4),
            Ok(vec![
                padding(1, 20, 0),
                frames(1, 4, 0x10_0000),
                frames(1, 4, 0x10_4000),
                frames(1, 2, 0x10_8000)
            ])
        );
        assert_eq!(watermark(&pool, 1), 0x10_a000);
    }

    #[test]
    fn device_frames_right_after_the_last_need_no_padding() {
        let mut pool = Pool::new([device(1, 0, 24)]);
        pool.plan_device(0x3000, 0x1000, PAGE, 256).unwrap();
        assert_eq!(pool.plan_device(0x4000, 0x1000, PAGE, 256), Ok(vec![frames(1, 1, 0x4000)]));
    }

    #[test]
    fn device_memory_below_the_watermark_is_refused() {
        let mut pool = Pool::new([device(1, 0x1000_0000, 20)]);
        pool.plan_device(0x1000_4000, 0x2000, PAGE, 256).unwrap();
        let before = watermark(&pool, 1);
        assert_eq!(
            pool.plan_device(0x1000_4000, 0x1000, PAGE, 256),
            Err(NoDeviceMemory::AlreadyUsed)
        );
        assert_eq!(
            pool.plan_device(0x1000_5000, 0x1000, PAGE, 256),
            Err(NoDeviceMemory::AlreadyUsed)
        );
        assert_eq!(
            pool.plan_device(0x1000_0000, 0x1000, PAGE, 256),
            Err(NoDeviceMemory::AlreadyUsed)
        );
        assert_eq!(watermark(&pool, 1), before);
    }

    #[test]
    fn device_memory_outside_every_device_untyped_is_refused() {
        let mut pool = Pool::new([
            device(1, 0x1000_0000, 16),
            device(2, 0x1001_0000, 16),
            ram(3, 0x2000_0000, 16),
        ]);
        // Below, above, in RAM, across two untypeds, past the end.
        assert_eq!(
            pool.plan_device(0x0fff_f000, 0x1000, PAGE, 256),
            Err(NoDeviceMemory::NotCovered)
        );
        assert_eq!(
            pool.plan_device(0x1002_0000, 0x1000, PAGE, 256),
            Err(NoDeviceMemory::NotCovered)
        );
        assert_eq!(
            pool.plan_device(0x2000_0000, 0x1000, PAGE, 256),
            Err(NoDeviceMemory::NotCovered)
        );
        assert_eq!(
            pool.plan_device(0x1000_f000, 0x2000, PAGE, 256),
            Err(NoDeviceMemory::NotCovered)
        );
        assert_eq!(
            pool.plan_device(u64::MAX - 0xfff, 0x1000, PAGE, 256),
            Err(NoDeviceMemory::NotCovered)
        );
        assert!(pool.untypeds().all(|(_, w)| w == 0));
        // The second one on its own is fine, up to its last page.
        assert_eq!(
            pool.plan_device(0x1001_f000, 0x1000, PAGE, 256).unwrap().last(),
            Some(&frames(2, 1, 0xf000))
        );
    }

    #[test]
    fn unaligned_device_ranges_are_refused() {
        let mut pool = Pool::new([device(1, 0x1000_0000, 20)]);
        assert_eq!(
            pool.plan_device(0x1000_0800, 0x1000, PAGE, 256),
            Err(NoDeviceMemory::Misaligned)
        );
        assert_eq!(
            pool.plan_device(0x1000_0000, 0x800, PAGE, 256),
            Err(NoDeviceMemory::Misaligned)
        );
        assert_eq!(watermark(&pool, 1), 0);
    }

    #[test]
    fn offsets_are_aligned_not_physical_addresses() {
        // The x86_64 kernel's device untyped of 2^40 bytes at physical
        // 0x180_0000_0000 (aligned to 2^40 in the kernel's window only).
        let mut pool = Pool::new([device(1, 0x180_0000_0000, 40)]);
        assert_eq!(
            pool.plan_device(0x180_0000_0000 + (1 << 39), 0x1000, PAGE, 256),
            Ok(vec![padding(1, 39, 0), frames(1, 1, 1 << 39)])
        );
    }
}
