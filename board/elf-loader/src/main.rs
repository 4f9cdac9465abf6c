//! ELF loader for seL4 5.0 on aarch64.
//!
//! The firmware enters `_start` at EL1 or EL2 with the MMU off: QEMU
//! (`-kernel elf-loader`) at EL1, or EL2 with `virtualization=on`; on a
//! real board Trusted Firmware-A (or U-Boot after `dcache off`) at EL2.
//! From EL2 we drop to EL1. The loader then:
//! 1. places the kernel's segments at their physical addresses;
//! 2. places the root task right after the kernel, page aligned, its
//!    segments at the same offsets from each other as in its virtual layout;
//! 3. turns on the MMU (see `mmu`) the way the kernel expects;
//! 4. enters the kernel at its (virtual) entry with x0..x3 = ui_p_reg_start,
//!    ui_p_reg_end, pv_offset (physical minus virtual address of the root
//!    task), v_entry (the root task's entry point).
#![no_std]
#![no_main]

#[macro_use]
mod uart;
mod elf;
mod mmu;

use core::arch::{asm, global_asm};

use elf::Elf;

mod payload {
    include!(concat!(env!("OUT_DIR"), "/payload.rs"));
}

const PAGE: u64 = 4096;

// Entry: leave EL2 if we are there, mask interrupts, let EL1 use the FP/SIMD
// registers (compiled Rust may), set the stack, zero .bss, call Rust.
global_asm!(
    r#"
    .section .text.start, "ax"
    .global _start
_start:
    msr daifset, #0xf
    mrs x19, CurrentEL
    lsr x19, x19, #2
    cmp x19, #2
    b.ne 1f
    // EL2: EL1 runs AArch64 (HCR_EL2.RW), reaches the counters and the
    // physical timer (CNTHCTL_EL2.EL1PCTEN, EL1PCEN), no FP/SIMD traps to
    // EL2 (CPTR_EL2 RES1 bits only), virtual counter = physical one.
    mov x9, #(1 << 31)
    msr hcr_el2, x9
    mov x9, #3
    msr cnthctl_el2, x9
    msr cntvoff_el2, xzr
    mov x9, #0x33ff
    msr cptr_el2, x9
    // SCTLR_EL1 in a known state: its RES1 bits, MMU and caches off.
    ldr x9, =0x30d00800
    msr sctlr_el1, x9
    // Return to EL1h with interrupts masked.
    mov x9, #0x3c5
    msr spsr_el2, x9
    adr x9, 1f
    msr elr_el2, x9
    eret
1:
    mov x9, #(3 << 20)
    msr cpacr_el1, x9
    isb
    ldr x9, =__stack_top
    mov sp, x9
    ldr x9, =__bss_start
    ldr x10, =__bss_end
2:
    cmp x9, x10
    b.hs 3f
    str xzr, [x9], #8
    b 2b
3:
    mov x0, x19
    bl loader_main
4:
    wfe
    b 4b
"#
);

/// The physical region the kernel occupies, and where its window maps from.
struct Placed {
    entry: u64,
    end: u64,
}

fn align_up(x: u64, to: u64) -> u64 {
    (x + to - 1) & !(to - 1)
}

/// Copies a segment's file bytes to `dest` and zeroes the rest of its memory size.
///
/// # Safety
/// `dest .. dest + memsz` is RAM nothing else uses.
unsafe fn place(dest: u64, bytes: &[u8], memsz: u64) {
    let dest = dest as *mut u8;
    // SAFETY: the caller gives `memsz` bytes of unused RAM at `dest`, and the
    // segment's file bytes are at most its memory size (checked by `Elf`).
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), dest, bytes.len());
        core::ptr::write_bytes(dest.add(bytes.len()), 0, memsz as usize - bytes.len());
    }
}

fn load_kernel(kernel: &Elf) -> Placed {
    let mut end = 0;
    for s in kernel.loadable() {
        println!(
            "  kernel segment {:#x}..{:#x} at physical {:#x}",
            s.vaddr,
            s.vaddr + s.memsz,
            s.paddr
        );
        // SAFETY: `main` checked that the kernel's physical range is RAM
        // below the loader, which nothing else uses.
        unsafe { place(s.paddr, kernel.contents(&s), s.memsz) };
        end = end.max(s.paddr + s.memsz);
    }
    Placed { entry: kernel.entry, end }
}

/// The root task's placement, in the kernel's terms.
struct UserImage {
    p_start: u64,
    p_end: u64,
    pv_offset: u64,
    v_entry: u64,
}

fn load_root_task(root: &Elf, at: u64) -> UserImage {
    let v_start = root.loadable().map(|s| s.vaddr & !(PAGE - 1)).min().unwrap_or(0);
    let v_end = root.loadable().map(|s| align_up(s.vaddr + s.memsz, PAGE)).max().unwrap_or(0);
    let p_start = at;
    let pv_offset = p_start.wrapping_sub(v_start);
    for s in root.loadable() {
        let dest = s.vaddr.wrapping_add(pv_offset);
        println!(
            "  root task segment {:#x}..{:#x} at physical {:#x}",
            s.vaddr,
            s.vaddr + s.memsz,
            dest
        );
        // SAFETY: `at` is past the kernel's end, and `main` checked that the
        // root task's whole span there is RAM below the loader.
        unsafe { place(dest, root.contents(&s), s.memsz) };
    }
    UserImage { p_start, p_end: p_start + (v_end - v_start), pv_offset, v_entry: root.entry }
}

unsafe extern "C" {
    /// First byte of the loader image (loader.ld).
    static __loader_start: u8;
}

#[no_mangle]
extern "C" fn loader_main(entry_el: u64) -> ! {
    match entry_el {
        2 => println!("\nelf-loader: entered at EL2, now at EL1"),
        el => println!("\nelf-loader: entered at EL{el}"),
    }
    let kernel = Elf::parse(payload::KERNEL_ELF).unwrap_or_else(|e| panic!("kernel ELF: {e:?}"));
    let root =
        Elf::parse(payload::ROOT_TASK_ELF).unwrap_or_else(|e| panic!("root task ELF: {e:?}"));

    // The kernel window starts at the kernel's lowest physical address.
    let phys_base =
        kernel.loadable().map(|s| s.paddr).min().expect("the kernel has loadable segments");
    let kernel_virt = kernel.loadable().map(|s| s.vaddr).min().unwrap_or(0);
    if kernel_virt != mmu::KERNEL_VIRT_BASE || phys_base % mmu::LARGE != 0 {
        panic!("kernel linked at {kernel_virt:#x} from physical {phys_base:#x}: expected {:#x} from a 2 MiB aligned address", mmu::KERNEL_VIRT_BASE);
    }

    // Caches and MMU on first: copying with the MMU off would be to device
    // memory, where unaligned accesses fault.
    // SAFETY: runs once, at EL1 with the MMU off, before anything relies
    // on the translation regime it sets up.
    unsafe { mmu::enable(phys_base) };

    // Everything placed must end below the loader itself (the board's
    // [loader] address), or the copies would overwrite the code doing them.
    let loader_start = core::ptr::addr_of!(__loader_start) as u64;
    let kernel_end = kernel.loadable().map(|s| s.paddr + s.memsz).max().unwrap_or(phys_base);
    let root_size: u64 =
        root.loadable().map(|s| align_up(s.vaddr + s.memsz, PAGE)).max().unwrap_or(0)
            - root.loadable().map(|s| s.vaddr & !(PAGE - 1)).min().unwrap_or(0);
    let placed_end = align_up(kernel_end, PAGE) + root_size;
    if placed_end > loader_start {
        panic!(
            "kernel and root task need {:#x}..{:#x}, which reaches the loader at {loader_start:#x}: raise the board's [loader] address",
            phys_base, placed_end
        );
    }
    // And they must land in RAM, not in a hole the firmware keeps.
    if !mmu::in_ram(phys_base, placed_end) {
        panic!("kernel and root task need {phys_base:#x}..{placed_end:#x}, which is not inside one RAM region of the board");
    }

    let placed = load_kernel(&kernel);
    let user = load_root_task(&root, align_up(placed.end, PAGE));
    mmu::sync_code(phys_base, user.p_end);
    // User level may read the counters and their frequency (CNTKCTL_EL1
    // EL0PCTEN, EL0VCTEN): the aarch64 kernel of seL4 5.0 never writes this
    // register (its EXPORT_PCNT_USER/EXPORT_VCNT_USER options act on
    // AArch32 only), and its reset value makes user reads trap.
    // SAFETY: writes only the EL0 counter-access bits of CNTKCTL_EL1.
    unsafe { asm!("msr cntkctl_el1, {}", "isb", in(reg) 0b11u64) };
    println!(
        "elf-loader: entering the kernel at {:#x}: ui_p_reg {:#x}..{:#x}, pv_offset {:#x}, v_entry {:#x}",
        placed.entry, user.p_start, user.p_end, user.pv_offset, user.v_entry
    );
    // SAFETY: the kernel and root task are placed and their code made
    // visible to instruction fetch; the kernel takes x0..x3 as its boot
    // arguments and never returns.
    unsafe {
        asm!(
            "br {entry}",
            entry = in(reg) placed.entry,
            in("x0") user.p_start,
            in("x1") user.p_end,
            in("x2") user.pv_offset,
            in("x3") user.v_entry,
            options(noreturn)
        )
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("elf-loader: panicked: {info}");
    loop {
        // SAFETY: waits for an event; touches no memory.
        unsafe { asm!("wfe") };
    }
}
