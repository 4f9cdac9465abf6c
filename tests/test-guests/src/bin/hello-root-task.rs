//! A root task on the sel4-root-task runtime that any board can boot: it
//! reads the bootinfo, retypes an endpoint, asks the kernel what the slot
//! holds and ends the system successfully. On a new architecture it proves
//! the runtime (entry, stack, IPC buffer, heap, logging, exit) and the sel4
//! crate (syscalls, invocation labels, object types) before the real root
//! task does.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use sel4_root_task::sel4::{self, cap, ObjectBlueprint};
use sel4_root_task::{init_caps, BootInfo};

sel4_root_task::main!(main);

#[cfg(target_arch = "x86_64")]
const ARCH: &str = "x86_64";
#[cfg(target_arch = "aarch64")]
const ARCH: &str = "aarch64";

#[derive(Debug)]
enum HelloError {
    NoSmallUntyped,
    Kernel(sel4::Error),
    Identify(usize),
}

impl core::fmt::Display for HelloError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            HelloError::NoSmallUntyped => write!(f, "no RAM untyped large enough for an endpoint"),
            HelloError::Kernel(e) => write!(f, "retype refused: {e:?}"),
            HelloError::Identify(tag) => {
                write!(f, "DebugCapIdentify says capability type {tag}, not an endpoint")
            }
        }
    }
}

fn main(bootinfo: &BootInfo) -> Result<(), HelloError> {
    log::info!("seL4 kernel {} started the hello root task on {}", sel4::KERNEL_VERSION, ARCH);
    let empty = bootinfo.empty();
    log::info!(
        "{} untyped capabilities, free slots {}..{}",
        bootinfo.untypeds().len(),
        empty.range().start,
        empty.range().end
    );

    // Any untyped that is not device memory and holds an endpoint.
    let (untyped, _) = bootinfo
        .untypeds()
        .find(|(_, desc)| {
            !desc.is_device()
                && usize::from(desc.size_bits()) >= sel4::sys::constants::seL4_EndpointBits
        })
        .ok_or(HelloError::NoSmallUntyped)?;
    let slot = empty.range().start;
    let root = cap::AbsoluteCPtr { root: init_caps::CNODE, path: 0, depth: 0 };
    untyped.retype(ObjectBlueprint::Endpoint, &root, slot, 1).map_err(HelloError::Kernel)?;
    let endpoint: cap::Endpoint = sel4::CPtr::from_bits(slot).cast();
    match sel4::debug_cap_identify(endpoint.cptr()) {
        Some(tag) if tag != sel4::sys::cap_tag::endpoint_cap => {
            return Err(HelloError::Identify(tag))
        }
        _ => {}
    }
    log::info!("retyped an endpoint into slot {slot}; the kernel agrees it is an endpoint");
    log::info!("hello root task: passed");
    Ok(())
}
