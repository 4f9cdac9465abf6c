//! Faults on purpose: writes to an address nothing is mapped at. The
//! supervisor reports the fault and applies the restart policy.
#![no_std]
#![no_main]

use pd_runtime::Handler;

pd_runtime::main!(init);

struct Never;
impl Handler for Never {}

/// Between the stack and the heap of every component: never mapped.
const UNMAPPED: usize = 0x0c00_0000;

fn init() -> Never {
    log::info!("about to write to unmapped address {UNMAPPED:#x}");
    // SAFETY: none; faulting is the point. The kernel stops the write.
    unsafe { core::ptr::write_volatile(UNMAPPED as *mut u64, 0xdead) };
    unreachable!("the write faults")
}
