//! Reads the HPET's capabilities register through the device memory its
//! description grants (QEMU's PC has an HPET at 0xfed00000).
#![no_std]
#![no_main]

use pd_runtime::Handler;

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

fn init() -> Done {
    let Some(window) = pd_runtime::config().device_memory.first() else {
        log::error!("no device memory granted");
        pd_runtime::exit(1)
    };
    let base = window.vaddr.to_native() as usize;
    // SAFETY: the root task maps the granted device window here, uncached.
    let capabilities = unsafe { core::ptr::read_volatile(base as *const u64) };
    let vendor = (capabilities >> 16) & 0xffff;
    let timers = ((capabilities >> 8) & 0x1f) + 1;
    let period_fs = capabilities >> 32;
    log::info!(
        "HPET `{}` at {base:#x}: vendor {vendor:#x}, {timers} timers, counter period {period_fs} fs",
        window.name.as_str()
    );
    pd_runtime::exit(if vendor == 0x8086 { 0 } else { 1 })
}
