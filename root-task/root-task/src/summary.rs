//! The boot summary: what the kernel handed the root task.

use sel4_root_task::BootInfo;

/// Totals over the untyped capabilities of the bootinfo.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UntypedTotals {
    pub ram_bytes: usize,
    pub ram_count: usize,
    pub device_bytes: usize,
    pub device_count: usize,
    pub largest_ram_bits: u8,
}

pub fn untyped_totals(bootinfo: &BootInfo) -> UntypedTotals {
    let mut t = UntypedTotals::default();
    for (_, desc) in bootinfo.untypeds() {
        if desc.is_device() {
            t.device_bytes += desc.size();
            t.device_count += 1;
        } else {
            t.ram_bytes += desc.size();
            t.ram_count += 1;
            t.largest_ram_bits = t.largest_ram_bits.max(desc.size_bits());
        }
    }
    t
}

pub fn print(bootinfo: &BootInfo) {
    let t = untyped_totals(bootinfo);
    let empty = bootinfo.empty();
    log::info!(
        "seL4 kernel {} booted the sel4-wasm root task",
        sel4_root_task::sel4::KERNEL_VERSION
    );
    log::info!(
        "kernel build: {}",
        if sel4_root_task::sel4::DEBUG_BUILD {
            "debug (debug syscalls, kernel console)"
        } else {
            "release (no debug syscalls, no kernel console: all output comes from user level)"
        }
    );
    log::info!(
        "untyped memory: {} KiB RAM in {} untypeds (largest 2^{} bytes), {} device untypeds, {} untypeds in all",
        t.ram_bytes / 1024,
        t.ram_count,
        t.largest_ram_bits,
        t.device_count,
        t.ram_count + t.device_count
    );
    log::info!(
        "root CNode: 2^{} slots, {} free slots {:?}; image frames {:?}; counter {} MHz",
        bootinfo.cnode_size_bits(),
        empty.len(),
        empty,
        bootinfo.user_image_frames(),
        crate::counter_mhz(bootinfo)
    );
}
