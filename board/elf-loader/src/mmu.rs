//! The translation regime the seL4 5.0 aarch64 kernel expects at entry:
//! 4 KiB granule, 48-bit virtual addresses, MAIR_EL1 with the kernel's five
//! memory types, TTBR1 mapping the kernel window (its virtual base) onto
//! `phys_base`. TTBR0 maps the low 4 GiB one to one so the loader keeps
//! running when the MMU comes on. Both use 2 MiB blocks (the kernel's own
//! window granule, so any base it accepts works), and what is normal memory
//! comes from the board's RAM regions: RAM is normal memory, everything else
//! in the identity map is device memory (never executed, never read
//! speculatively: firmware-reserved holes such as a secure-world carve-out
//! stay untouched), and the kernel window maps RAM only.

use core::arch::asm;

/// MAIR_EL1 attribute indices, in the kernel's order (its `enum mair_types`).
const ATTR_DEVICE_NGNRNE: u64 = 0;
const ATTR_NORMAL: u64 = 4;
/// Device-nGnRnE, Device-nGnRE, Device-GRE, Normal non-cacheable, Normal write-back.
pub const MAIR_EL1: u64 = 0x0000_00FF_440C_0400;

const GIB: u64 = 1 << 30;
/// Size of a level-2 block.
pub const LARGE: u64 = 2 << 20;
/// Blocks in a level-2 table.
const ENTRIES: u64 = 512;
/// The identity map covers the low 4 GiB (RAM and devices of the boards).
const IDENTITY_GIB: usize = 4;
/// The kernel window the loader maps from `phys_base` (the kernel maps the
/// rest itself once it runs).
const WINDOW_GIB: usize = 2;
/// The kernel's virtual base (`kernelBase` of the aarch64 platforms).
pub const KERNEL_VIRT_BASE: u64 = 0xffff_ff80_0000_0000;

const VALID_BLOCK: u64 = 0b01;
const TABLE: u64 = 0b11;
const ACCESS_FLAG: u64 = 1 << 10;
const INNER_SHAREABLE: u64 = 0b11 << 8;
const PXN: u64 = 1 << 53;
const UXN: u64 = 1 << 54;

#[repr(C, align(4096))]
struct Table([u64; 512]);

static mut TTBR0_L0: Table = Table([0; 512]);
static mut TTBR0_L1: Table = Table([0; 512]);
static mut TTBR0_L2: [Table; IDENTITY_GIB] = [const { Table([0; 512]) }; IDENTITY_GIB];
static mut TTBR1_L0: Table = Table([0; 512]);
static mut TTBR1_L1: Table = Table([0; 512]);
static mut TTBR1_L2: [Table; WINDOW_GIB] = [const { Table([0; 512]) }; WINDOW_GIB];

fn normal_block(paddr: u64) -> u64 {
    paddr | VALID_BLOCK | ACCESS_FLAG | INNER_SHAREABLE | (ATTR_NORMAL << 2)
}

fn device_block(paddr: u64) -> u64 {
    paddr | VALID_BLOCK | ACCESS_FLAG | (ATTR_DEVICE_NGNRNE << 2) | PXN | UXN
}

/// Index of `vaddr` in a level-0 and a level-1 table.
fn l0_index(vaddr: u64) -> usize {
    ((vaddr >> 39) & 0x1ff) as usize
}
fn l1_index(vaddr: u64) -> usize {
    ((vaddr >> 30) & 0x1ff) as usize
}

/// Whether `[start, end)` overlaps the board's RAM.
fn overlaps_ram(start: u64, end: u64) -> bool {
    crate::payload::RAM.iter().any(|&(s, e)| start < e && s < end)
}

/// Whether `[start, end)` lies inside one RAM region.
pub fn in_ram(start: u64, end: u64) -> bool {
    crate::payload::RAM.iter().any(|&(s, e)| s <= start && end <= e)
}

/// Builds the tables and turns the MMU and caches on. `phys_base` must be
/// 2 MiB aligned; the kernel window maps the RAM of the 2 GiB from it.
///
/// # Safety
/// Runs once, at EL1, with the MMU off.
pub unsafe fn enable(phys_base: u64) {
    // SAFETY: the tables are the loader's own statics, written only here,
    // once (the caller's contract), before the MMU uses them.
    let (ttbr0, ttbr1) = unsafe {
        let l0 = &mut *core::ptr::addr_of_mut!(TTBR0_L0);
        let l1 = &mut *core::ptr::addr_of_mut!(TTBR0_L1);
        let l2 = &mut *core::ptr::addr_of_mut!(TTBR0_L2);
        l0.0[0] = l1 as *const Table as u64 | TABLE;
        for (gib, table) in l2.iter_mut().enumerate() {
            l1.0[gib] = table as *const Table as u64 | TABLE;
            for i in 0..ENTRIES {
                let paddr = gib as u64 * GIB + i * LARGE;
                table.0[i as usize] = if overlaps_ram(paddr, paddr + LARGE) {
                    normal_block(paddr)
                } else {
                    device_block(paddr)
                };
            }
        }

        let k0 = &mut *core::ptr::addr_of_mut!(TTBR1_L0);
        let k1 = &mut *core::ptr::addr_of_mut!(TTBR1_L1);
        let k2 = &mut *core::ptr::addr_of_mut!(TTBR1_L2);
        k0.0[l0_index(KERNEL_VIRT_BASE)] = k1 as *const Table as u64 | TABLE;
        for (gib, table) in k2.iter_mut().enumerate() {
            k1.0[l1_index(KERNEL_VIRT_BASE) + gib] = table as *const Table as u64 | TABLE;
            for i in 0..ENTRIES {
                let paddr = phys_base + gib as u64 * GIB + i * LARGE;
                table.0[i as usize] =
                    if overlaps_ram(paddr, paddr + LARGE) { normal_block(paddr) } else { 0 };
            }
        }
        (l0 as *const Table as u64, k0 as *const Table as u64)
    };

    // Everything the loader wrote so far (these tables, .bss, the stack)
    // went to memory with the MMU off. Discard any cache lines the firmware
    // left for these addresses, or the table walks and the loader's own
    // reads, cached from here on, could see them instead.
    unsafe extern "C" {
        static __loader_start: u8;
        static __stack_top: u8;
    }
    // SAFETY: with the MMU and caches off nothing the loader wrote is in
    // the data cache: what the lines hold for these addresses is stale.
    unsafe {
        invalidate_dcache(
            core::ptr::addr_of!(__loader_start) as u64,
            core::ptr::addr_of!(__stack_top) as u64,
        )
    };

    // Physical address size: what the CPU supports (ID_AA64MMFR0_EL1.PARange).
    let mmfr0: u64;
    // SAFETY: reads an ID register.
    unsafe { asm!("mrs {}, id_aa64mmfr0_el1", out(reg) mmfr0) };
    let ips = (mmfr0 & 0b111).min(0b101);
    let tcr: u64 = 16                // T0SZ: 48-bit
        | 0b01 << 8 | 0b01 << 10     // IRGN0, ORGN0: write-back, write-allocate
        | 0b11 << 12                 // SH0: inner shareable
        // TG0 (bits 14-15) = 0b00: 4 KiB
        | 16 << 16                   // T1SZ: 48-bit
        | 0b01 << 24 | 0b01 << 26    // IRGN1, ORGN1
        | 0b11 << 28                 // SH1
        | 0b10 << 30                 // TG1: 4 KiB
        | ips << 32;

    // SAFETY: the tables map the loader itself, the RAM and the devices
    // identically (TTBR0) and the kernel window (TTBR1) before the MMU is
    // turned on, so execution continues at the same addresses.
    unsafe {
        asm!(
            "dsb ish",
            "msr mair_el1, {mair}",
            "msr tcr_el1, {tcr}",
            "msr ttbr0_el1, {ttbr0}",
            "msr ttbr1_el1, {ttbr1}",
            "isb",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            "ic iallu",
            "dsb ish",
            "isb",
            "mrs {tmp}, sctlr_el1",
            // M (MMU), C (data cache), I (instruction cache).
            "orr {tmp}, {tmp}, #(1 << 0)",
            "orr {tmp}, {tmp}, #(1 << 2)",
            "orr {tmp}, {tmp}, #(1 << 12)",
            "msr sctlr_el1, {tmp}",
            "isb",
            mair = in(reg) MAIR_EL1,
            tcr = in(reg) tcr,
            ttbr0 = in(reg) ttbr0,
            ttbr1 = in(reg) ttbr1,
            tmp = out(reg) _,
        );
    }
}

/// The data cache line size, in bytes (CTR_EL0.DminLine).
fn dcache_line() -> u64 {
    let ctr: u64;
    // SAFETY: reads an ID register.
    unsafe { asm!("mrs {}, ctr_el0", out(reg) ctr) };
    4u64 << ((ctr >> 16) & 0xf)
}

/// Invalidates the data cache lines of `[start, end)` to the point of
/// coherency (memory is what counts afterwards).
///
/// # Safety
/// No line of `[start, end)` holds data newer than memory that anything
/// still needs (it is discarded).
unsafe fn invalidate_dcache(start: u64, end: u64) {
    let line = dcache_line();
    let mut addr = start & !(line - 1);
    while addr < end {
        // SAFETY: discards one line of the range; the caller vouches for it.
        unsafe { asm!("dc ivac, {}", in(reg) addr) };
        addr += line;
    }
    // SAFETY: a barrier.
    unsafe { asm!("dsb sy") };
}

/// Makes code written through the data cache at `[start, end)` visible to
/// instruction fetch: clean to the point of unification, then invalidate
/// the instruction cache.
pub fn sync_code(start: u64, end: u64) {
    let line = dcache_line();
    let mut addr = start & !(line - 1);
    while addr < end {
        // SAFETY: cleans one line to the point of unification (no data lost).
        unsafe { asm!("dc cvau, {}", in(reg) addr) };
        addr += line;
    }
    // SAFETY: barriers and an instruction cache invalidation (no data lost).
    unsafe { asm!("dsb ish", "ic iallu", "dsb ish", "isb") };
}
