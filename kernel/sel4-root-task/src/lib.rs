//! Runtime for a Rust seL4 root task.
//!
//! A root task is written as
//! ```ignore
//! #![no_std]
//! #![no_main]
//! sel4_root_task::main!(main);
//! fn main(bootinfo: &sel4_root_task::BootInfo) -> Result<(), MyError> { ... }
//! ```
//! The runtime provides the entry point and stack, sets up the IPC buffer, a
//! heap (`alloc` works), a `log` backend over the kernel's debug console and
//! a panic handler. When `main` returns, the system ends: on QEMU through the
//! isa-debug-exit device, with a success or failure status.
#![no_std]

extern crate alloc;

pub mod bootinfo;
mod entry;
mod exit;
mod heap;
pub mod logging;
mod panic;

pub use bootinfo::{init_caps, BootInfo, SlotRegion, UntypedDesc};
pub use exit::{exit, Console, ExitStatus, Termination, HAS_EARLY_CONSOLE};
pub use sel4;

/// Declares the root task's `main`: `fn(&BootInfo) -> T` where `T` is `()`
/// or `Result<(), E: Display>`.
#[macro_export]
macro_rules! main {
    ($main:path) => {
        #[no_mangle]
        fn __sel4_root_task_main(bootinfo: &'static $crate::BootInfo) -> $crate::ExitStatus {
            $crate::Termination::report($main(bootinfo))
        }
    };
}
