//! End-to-end check of the kernel interface, run at every boot: create
//! objects from untyped memory, mint a badged copy, signal and wait on a
//! notification, identify capabilities, and use the IO-port capability.

use core::fmt;

use sel4_root_task::init_caps;
use sel4_root_task::sel4::{self, cap, CapRights, ObjectBlueprint, Word};

use crate::objects::ObjectAllocator;

#[derive(Debug)]
pub enum CheckError {
    NoFreeSlots,
    NoRamUntyped,
    Kernel { step: &'static str, error: sel4::Error },
    Mismatch { step: &'static str, expected: Word, got: Word },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::NoFreeSlots => write!(f, "self-check: the root CNode has no free slots"),
            CheckError::NoRamUntyped => write!(f, "self-check: no RAM untyped of at least 4 KiB"),
            CheckError::Kernel { step, error } => write!(f, "self-check: {step}: {error}"),
            CheckError::Mismatch { step, expected, got } => {
                write!(f, "self-check: {step}: expected {expected:#x}, got {got:#x}")
            }
        }
    }
}

fn kernel<T>(step: &'static str, r: sel4::Result<T>) -> Result<T, CheckError> {
    r.map_err(|error| CheckError::Kernel { step, error })
}

fn expect(step: &'static str, expected: Word, got: Word) -> Result<(), CheckError> {
    if expected == got {
        Ok(())
    } else {
        Err(CheckError::Mismatch { step, expected, got })
    }
}

const BADGE: Word = 0x5a;

pub fn run(objects: &mut ObjectAllocator) -> Result<(), CheckError> {
    let cnode = init_caps::CNODE;
    // A page of untyped memory of our own: objects come from there, so this
    // check does not disturb the allocator's bookkeeping of other untypeds.
    let untyped: cap::Untyped = objects
        .make(ObjectBlueprint::Untyped { size_bits: 12 }, "the self-check's untyped")
        .map_err(|_| CheckError::NoRamUntyped)?
        .cast();
    let mut slot = || objects.slot("the self-check").map_err(|_| CheckError::NoFreeSlots);
    let endpoint: cap::Endpoint = slot()?.cast();
    let notification: cap::Notification = slot()?.cast();
    let badged: cap::Notification = slot()?.cast();

    // Retype into the root CNode itself (depth 0 names the CNode we invoke).
    let root = cap::AbsoluteCPtr { root: cnode, path: 0, depth: 0 };
    kernel(
        "retype endpoint",
        untyped.retype(ObjectBlueprint::Endpoint, &root, endpoint.bits(), 1),
    )?;
    kernel(
        "retype notification",
        untyped.retype(ObjectBlueprint::Notification, &root, notification.bits(), 1),
    )?;
    log::info!("self-check: retyped an endpoint ({endpoint:?}) and a notification ({notification:?}) from {untyped:?}");

    // The kernel must agree on what each slot now holds.
    if let Some(tag) = sel4::debug_cap_identify(endpoint.cptr()) {
        expect("identify endpoint", sel4::sys::cap_tag::endpoint_cap, tag)?;
        let tag = sel4::debug_cap_identify(notification.cptr()).unwrap_or_default();
        expect("identify notification", sel4::sys::cap_tag::notification_cap, tag)?;
        let tag = sel4::debug_cap_identify(badged.cptr()).unwrap_or_default();
        expect("identify empty slot", sel4::sys::cap_tag::null_cap, tag)?;
        log::info!("self-check: DebugCapIdentify agrees: endpoint, notification, empty slot");
    }

    // A badged copy signals; waiting on the original delivers the badge once.
    kernel(
        "mint badged notification",
        cnode.relative(badged.cptr()).mint(
            &cnode.relative(notification.cptr()),
            CapRights::ALL,
            BADGE,
        ),
    )?;
    badged.signal();
    expect("wait returns the signaller's badge", BADGE, notification.wait())?;
    expect("poll after wait finds nothing pending", 0, notification.poll())?;
    log::info!("self-check: notification signal/wait delivered badge {BADGE:#x}");

    // The kernel refuses to overwrite an occupied slot.
    match untyped.retype(ObjectBlueprint::Notification, &root, endpoint.bits(), 1) {
        Err(sel4::Error::DeleteFirst) => {}
        other => {
            log::error!("retype into an occupied slot returned {other:?}");
            return Err(CheckError::Kernel {
                step: "retype into occupied slot",
                error: sel4::Error::IllegalOperation,
            });
        }
    }
    log::info!("self-check: retype into an occupied slot is refused (delete first)");

    // Deleting returns the slot to empty.
    kernel("delete badged copy", cnode.relative(badged.cptr()).delete())?;
    if let Some(tag) = sel4::debug_cap_identify(badged.cptr()) {
        expect("identify deleted slot", sel4::sys::cap_tag::null_cap, tag)?;
    }
    log::info!("self-check: passed");
    Ok(())
}
