//! The sel4-wasm root task.
//!
//! For now it reports what the kernel handed it and checks the kernel
//! interface end to end (object creation, capability copies with badges,
//! notifications), then ends the system.
#![no_std]
#![no_main]

mod self_check;
mod summary;

use sel4_root_task::BootInfo;

sel4_root_task::main!(main);

fn main(bootinfo: &BootInfo) -> Result<(), self_check::CheckError> {
    summary::print(bootinfo);
    self_check::run(bootinfo)?;
    log::info!("root task finished: all checks passed");
    Ok(())
}
