//! Random untyped sets and request sequences, checked against a separate
//! model of the kernel: each untyped's free index, moved by the kernel's
//! rule for every retype a plan asks for.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use untyped_allocator::{
    DeviceStep, NoDeviceMemory, OutOfMemory, Pool, RetypeStep, UntypedDesc, MIN_UNTYPED_BITS,
};

const PAGE_BITS: u8 = 12;

#[derive(Clone, Debug)]
enum Request {
    /// `count` objects of 2^`size_bits` bytes from RAM.
    Objects { size_bits: u8, count: usize },
    /// `pages` frames at page `page` of the `which`-th device untyped
    /// (modulo their number).
    Device { which: usize, page: u64, pages: u64 },
    /// `pages` frames at any page-aligned address.
    DeviceAnywhere { paddr: u64, pages: u64 },
}

/// The kernel's side: one free index per untyped.
struct Kernel {
    untypeds: HashMap<u32, (UntypedDesc<u32>, u64)>,
}

impl Kernel {
    fn new(descs: &[UntypedDesc<u32>]) -> Self {
        Kernel { untypeds: descs.iter().map(|d| (d.id, (*d, 0))).collect() }
    }

    /// The kernel's rule: the objects go at the free index rounded up to
    /// their size, one after the other. Returns where the first one lands.
    fn retype(&mut self, id: u32, size_bits: u8, count: usize) -> u64 {
        let (desc, free) = self.untypeds.get_mut(&id).expect("a known untyped");
        let size = 1u64 << size_bits;
        let start = free.div_ceil(size) * size;
        let end = start + count as u64 * size;
        assert!(
            end <= desc.size(),
            "retype past the end of untyped {id}: {start:#x}+{count}x{size:#x} > {:#x}",
            desc.size()
        );
        *free = end;
        start
    }

    /// How many objects of 2^`size_bits` bytes still fit in `id`.
    fn room(&self, id: u32, size_bits: u8) -> u64 {
        let (desc, free) = self.untypeds[&id];
        if size_bits > desc.size_bits {
            return 0;
        }
        let size = 1u64 << size_bits;
        let start = free.div_ceil(size) * size;
        desc.size().saturating_sub(start) / size
    }

    fn free_ram(&self) -> u64 {
        self.untypeds.values().filter(|(d, _)| !d.is_device).map(|(d, free)| d.size() - free).sum()
    }
}

/// Every byte handed out so far, by physical address: start -> end.
#[derive(Default)]
struct Used(BTreeMap<u64, u64>);

impl Used {
    fn insert(&mut self, start: u64, end: u64) {
        assert!(start < end);
        if let Some((&s, &e)) = self.0.range(..end).next_back() {
            assert!(e <= start, "{start:#x}..{end:#x} overlaps {s:#x}..{e:#x}");
        }
        self.0.insert(start, end);
    }
}

fn untyped_set() -> impl Strategy<Value = Vec<UntypedDesc<u32>>> {
    prop::collection::vec((MIN_UNTYPED_BITS..=22u8, any::<bool>(), any::<u32>()), 0..8).prop_map(
        |specs| {
            specs
                .into_iter()
                .enumerate()
                .map(|(i, (size_bits, is_device, place))| {
                    // Each in its own 4 GiB, somewhere aligned to its size.
                    let slots = 1u64 << (32 - size_bits);
                    let paddr = ((i as u64 + 1) << 32) + (place as u64 % slots) * (1 << size_bits);
                    UntypedDesc { id: i as u32 + 1, paddr, size_bits, is_device }
                })
                .collect()
        },
    )
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        4 => (MIN_UNTYPED_BITS..=16u8, prop_oneof![0..4usize, 0..300usize]).prop_map(|(size_bits, count)| Request::Objects { size_bits, count }),
        2 => (any::<usize>(), any::<u64>(), 0..40u64).prop_map(|(which, page, pages)| Request::Device { which, page, pages }),
        1 => ((1u64 << 32)..(10u64 << 32), 0..4u64).prop_map(|(paddr, pages)| Request::DeviceAnywhere { paddr: paddr & !0xfff, pages }),
    ]
}

fn fan_out() -> impl Strategy<Value = usize> {
    prop_oneof![Just(1), 2..8usize, Just(256)]
}

fn check_plan(
    pool: &mut Pool<u32>,
    kernel: &mut Kernel,
    used: &mut Used,
    size_bits: u8,
    count: usize,
    fan_out: usize,
) -> Result<(), TestCaseError> {
    let capacity: u64 = kernel
        .untypeds
        .values()
        .filter(|(d, _)| !d.is_device)
        .map(|(d, _)| kernel.room(d.id, size_bits))
        .sum();
    let free_before = kernel.free_ram();
    match pool.plan(size_bits, count, fan_out) {
        Err(e) => {
            // Fails only when the objects fit nowhere, and then says how
            // much is free; the kernel model is untouched, so the
            // watermark comparison after this shows nothing was committed.
            prop_assert!(
                capacity < count as u64,
                "refused {count} x 2^{size_bits} with room for {capacity}"
            );
            prop_assert_eq!(e, OutOfMemory { size_bits, count, free_bytes: free_before });
        }
        Ok(steps) => {
            prop_assert!(capacity >= count as u64);
            prop_assert_eq!(steps.iter().map(|s| s.count).sum::<usize>(), count);
            let size = 1u64 << size_bits;
            for &RetypeStep { untyped, count: n, offset } in &steps {
                prop_assert!(n >= 1 && n <= fan_out, "step of {n} objects with fan-out {fan_out}");
                let desc = kernel.untypeds[&untyped].0;
                prop_assert!(!desc.is_device, "objects planned in device untyped {untyped}");
                // Smallest first: no strictly smaller untyped had room.
                for (d, _) in kernel.untypeds.values() {
                    if !d.is_device && d.size_bits < desc.size_bits {
                        prop_assert_eq!(
                            kernel.room(d.id, size_bits),
                            0,
                            "untyped {} skipped for {}",
                            d.id,
                            untyped
                        );
                    }
                }
                let start = kernel.retype(untyped, size_bits, n);
                prop_assert_eq!(
                    offset,
                    start,
                    "planned offset differs from where the kernel puts it"
                );
                let paddr = desc.paddr + offset;
                prop_assert_eq!(paddr % size, 0);
                prop_assert!(offset + n as u64 * size <= desc.size());
                for i in 0..n as u64 {
                    used.insert(paddr + i * size, paddr + (i + 1) * size);
                }
            }
        }
    }
    Ok(())
}

fn check_device(
    pool: &mut Pool<u32>,
    kernel: &mut Kernel,
    used: &mut Used,
    paddr: u64,
    bytes: u64,
    fan_out: usize,
) -> Result<(), TestCaseError> {
    let covering = kernel
        .untypeds
        .values()
        .find(|(d, _)| d.is_device && d.paddr <= paddr && paddr + bytes <= d.end())
        .map(|&(d, free)| (d, free));
    let result = pool.plan_device(paddr, bytes, PAGE_BITS, fan_out);
    if bytes == 0 {
        prop_assert_eq!(result, Ok(Vec::new()));
        return Ok(());
    }
    let Some((desc, free)) = covering else {
        prop_assert_eq!(result, Err(NoDeviceMemory::NotCovered));
        return Ok(());
    };
    let target = paddr - desc.paddr;
    if target < free {
        prop_assert_eq!(result, Err(NoDeviceMemory::AlreadyUsed));
        return Ok(());
    }
    let steps = result
        .map_err(|e| TestCaseError::fail(format!("device plan at {paddr:#x} refused: {e}")))?;
    let mut frames = 0;
    for step in steps {
        match step {
            DeviceStep::Padding { untyped, size_bits, offset } => {
                prop_assert_eq!(untyped, desc.id);
                prop_assert_eq!(frames, 0, "padding after frames");
                prop_assert!(size_bits >= MIN_UNTYPED_BITS);
                prop_assert_eq!(
                    offset % (1 << size_bits),
                    0,
                    "padding of 2^{} at {:#x}",
                    size_bits,
                    offset
                );
                prop_assert_eq!(kernel.retype(untyped, size_bits, 1), offset);
                prop_assert!(offset + (1 << size_bits) <= target, "padding past the target");
                used.insert(desc.paddr + offset, desc.paddr + offset + (1 << size_bits));
            }
            DeviceStep::Frames { untyped, count, offset } => {
                prop_assert_eq!(untyped, desc.id);
                prop_assert!(count >= 1 && count <= fan_out);
                prop_assert_eq!(
                    offset,
                    target + frames * (1 << PAGE_BITS),
                    "frames not consecutive from the target"
                );
                prop_assert_eq!(kernel.retype(untyped, PAGE_BITS, count), offset);
                for i in 0..count as u64 {
                    let at = desc.paddr + offset + (i << PAGE_BITS);
                    used.insert(at, at + (1 << PAGE_BITS));
                }
                frames += count as u64;
            }
        }
    }
    prop_assert_eq!(frames << PAGE_BITS, bytes);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn plans_match_the_kernel(descs in untyped_set(), requests in prop::collection::vec(request(), 1..40), fan_out in fan_out()) {
        let mut pool = Pool::new(descs.iter().copied());
        let mut kernel = Kernel::new(&descs);
        let mut used = Used::default();
        let devices: Vec<UntypedDesc<u32>> = descs.iter().filter(|d| d.is_device).copied().collect();
        for request in requests {
            match request {
                Request::Objects { size_bits, count } => {
                    check_plan(&mut pool, &mut kernel, &mut used, size_bits, count, fan_out)?;
                }
                Request::Device { which, page, pages } => {
                    if devices.is_empty() {
                        continue;
                    }
                    let desc = devices[which % devices.len()];
                    let pages_in = desc.size() >> PAGE_BITS;
                    if pages_in == 0 {
                        // Smaller than a page (and alone in its 4 GiB): no frame fits.
                        prop_assert_eq!(pool.plan_device(desc.paddr & !((1 << PAGE_BITS) - 1), 1 << PAGE_BITS, PAGE_BITS, fan_out), Err(NoDeviceMemory::NotCovered));
                        continue;
                    }
                    let page = page % pages_in;
                    let pages = pages.min(pages_in - page);
                    check_device(&mut pool, &mut kernel, &mut used, desc.paddr + (page << PAGE_BITS), pages << PAGE_BITS, fan_out)?;
                }
                Request::DeviceAnywhere { paddr, pages } => {
                    check_device(&mut pool, &mut kernel, &mut used, paddr, pages << PAGE_BITS, fan_out)?;
                }
            }
            // The pool's watermarks are the kernel's free indexes.
            for (desc, watermark) in pool.untypeds() {
                prop_assert_eq!(watermark, kernel.untypeds[&desc.id].1, "watermark of untyped {}", desc.id);
            }
            prop_assert_eq!(pool.free_ram(), kernel.free_ram());
        }
    }
}
