//! Confinement: lists what its CSpace holds (the kernel's own answer, from
//! DebugCapIdentify), uses its IO-port grant outside the granted range,
//! invokes an empty slot, and finally a capability address its CSpace does
//! not resolve (a capability fault).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use core::fmt::Write;

use pd_runtime::sel4::{self, cap, CPtr, Word};
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

    // The grant is COM1's ports (0x3f8..=0x3ff): the exit device at 0xf4 is
    // outside it.
    let ports = pd_runtime::config().io_ports.first().map(|p| p.slot.to_native());
    if let Some(slot) = ports {
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

    // A slot nothing was granted in: the kernel answers with an error.
    let (reply, _) = sel4::call(CPtr::from_bits(200), sel4::MessageInfo::new(0, 0, 0, 0));
    match sel4::Error::from_code(reply.label()) {
        Some(e) => log::info!("call through empty slot 200: refused ({e})"),
        None => log::error!("CONFINEMENT BROKEN: call through an empty slot succeeded"),
    }

    // An address outside the CSpace does not even resolve: a capability
    // fault, which the supervisor handles.
    log::info!("calling through capability address 0x10000, outside my CSpace");
    sel4::call(CPtr::from_bits(0x1_0000), sel4::MessageInfo::new(0, 0, 0, 0));
    log::error!("CONFINEMENT BROKEN: call through an unresolvable address returned");
    pd_runtime::exit(1)
}
