//! A root task that panics: the boot test harness must report it as a
//! failure and show this message.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

sel4_root_task::main!(main);

fn main(_: &sel4_root_task::BootInfo) {
    log::info!("about to panic on purpose");
    panic!("deliberate panic to test the boot test harness");
}
