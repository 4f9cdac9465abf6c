//! Faults as soon as it starts, every time: with a large restart limit it
//! makes a storm of faults and restarts, which must not stop the root task
//! from serving everyone else.
#![no_std]
#![no_main]

use pd_runtime::Handler;

pd_runtime::main!(init);

struct Never;
impl Handler for Never {}

fn init() -> Never {
    // SAFETY: none; the read faults (nothing is mapped at this address).
    let _ = unsafe { core::ptr::read_volatile(0x0c00_0000 as *const u64) };
    unreachable!()
}
