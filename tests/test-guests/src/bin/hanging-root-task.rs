//! A root task that never ends: the boot test harness must stop it at its
//! timeout and report a failure.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use sel4_root_task::{init_caps, sel4};

sel4_root_task::main!(main);

fn main(_: &sel4_root_task::BootInfo) {
    log::info!("about to hang on purpose");
    loop {
        // Nobody replies to or signals the root task: this blocks forever.
        sel4::yield_now();
        let _ = init_caps::TCB.suspend();
    }
}
