//! Confinement: lists what its CSpace holds (the kernel's own answer, from
//! DebugCapIdentify), uses its hardware grants inside and outside their
//! range, invokes an empty slot, and finally does what must fault:
//! - with a device memory grant: reads just past the window (a VM fault),
//! - otherwise: invokes a capability address its CSpace does not resolve
//!   (a capability fault).
//!
//! The hardware grants are IO ports on x86_64 (a port outside the range is
//! refused by the kernel) and device memory windows (an address outside is
//! not mapped, so reading it faults: that is the last probe).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use core::fmt::Write;

use pd_runtime::sel4::{self, CPtr, Word};
use pd_runtime::Handler;

pd_runtime::main!(init);

struct Never;
impl Handler for Never {}

fn tag_name(tag: Word) -> &'static str {
    use sel4::sys::cap_tag as t;
    match tag {
        t::endpoint_cap => "endpoint",
        t::notification_cap => "notification",
        t::cnode_cap => "cnode",
        #[cfg(target_arch = "x86_64")]
        t::io_port_cap => "io_port",
        t::irq_handler_cap => "irq_handler",
        t::frame_cap => "frame",
        t::thread_cap => "thread",
        t::untyped_cap => "untyped",
        t::reply_cap => "reply",
        _ => "other",
    }
}

fn init() -> Never {
    // Every non-empty slot of the CNode (2^8 slots).
    let mut listing = String::new();
    for slot in 0..256 {
        match sel4::debug_cap_identify(CPtr::from_bits(slot)) {
            Some(0) => {}
            Some(tag) => {
                let _ = write!(listing, " {slot}={}", tag_name(tag));
            }
            None => {
                log::error!("needs a debug kernel to list its CSpace");
                pd_runtime::exit(2);
            }
        }
    }
    log::info!("cspace:{listing}");

    #[cfg(target_arch = "x86_64")]
    io_ports();
    let past_window = device_window();

    // A slot nothing was granted in: the kernel answers with an error.
    let (reply, _) = sel4::call(CPtr::from_bits(200), sel4::MessageInfo::new(0, 0, 0, 0));
    match sel4::Error::from_code(reply.label()) {
        Some(e) => log::info!("call through empty slot 200: refused ({e})"),
        None => log::error!("CONFINEMENT BROKEN: call through an empty slot succeeded"),
    }

    if let Some((name, address)) = past_window {
        log::info!("reading {address:#x}, just past my device window `{name}`");
        // SAFETY: none; nothing is mapped there, the read must fault.
        let value = unsafe { core::ptr::read_volatile(address as *const u32) };
        log::error!("CONFINEMENT BROKEN: read {value:#x} outside my device window");
        pd_runtime::exit(1)
    }

    // An address outside the CSpace does not even resolve: a capability
    // fault, which the supervisor handles.
    log::info!("calling through capability address 0x10000, outside my CSpace");
    sel4::call(CPtr::from_bits(0x1_0000), sel4::MessageInfo::new(0, 0, 0, 0));
    log::error!("CONFINEMENT BROKEN: call through an unresolvable address returned");
    pd_runtime::exit(1)
}

/// The grant is COM1's ports (0x3f8..=0x3ff): the exit device at 0xf4 is
/// outside it.
#[cfg(target_arch = "x86_64")]
fn io_ports() {
    use pd_runtime::sel4::cap;

    let Some(slot) = pd_runtime::config().io_ports.first().map(|p| p.slot.to_native()) else {
        return;
    };
    let port: cap::IoPort = CPtr::from_bits(slot as Word).cast();
    match port.out8(0xf4, 0x11) {
        Err(e) => log::info!("IO port 0xf4 outside my grant: refused ({e})"),
        Ok(()) => log::error!("CONFINEMENT BROKEN: wrote IO port 0xf4"),
    }
    match port.in8(0x3fd) {
        Ok(_) => log::info!("IO port 0x3fd inside my grant: allowed"),
        Err(e) => log::error!("IO port 0x3fd inside my grant refused: {e}"),
    }
}

/// Reads the identification registers of the first device window, an ARM
/// PrimeCell's page (the PL031 RTC on the aarch64 board): the peripheral ID
/// at 0xfe0..0xfec and the PrimeCell ID at 0xff0..0xffc, one byte in the
/// low bits of each word. Returns the window's name and the first address
/// past it.
fn device_window() -> Option<(&'static str, usize)> {
    let window = pd_runtime::config().device_memory.first()?;
    let (base, bytes) = (window.vaddr.to_native() as usize, window.bytes.to_native() as usize);
    let name = window.name.as_str();
    let id = |first: usize| {
        (0..4).fold(0u32, |id, i| {
            // SAFETY: the root task maps the granted window (whole pages)
            // here, uncached; the offsets are inside its first page.
            let byte =
                unsafe { core::ptr::read_volatile((base + first + 4 * i) as *const u32) } & 0xff;
            id | byte << (8 * i)
        })
    };
    let (peripheral, primecell) = (id(0xfe0), id(0xff0));
    log::info!("device window `{name}` at {base:#x} inside my grant: peripheral ID {peripheral:#010x}, PrimeCell ID {primecell:#010x}");
    Some((name, base + bytes))
}
