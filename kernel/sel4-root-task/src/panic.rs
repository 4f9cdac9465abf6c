//! A panic prints where and why, then ends the system with a failure status.

use core::fmt::Write;
use core::panic::PanicInfo;

use crate::exit::{exit, Console, ExitStatus};

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    // Rust's own wording ("panicked at FILE:LINE:COL:\nMESSAGE"): the boot
    // test harness looks for "panicked at".
    crate::logging::use_early_console();
    let _ = writeln!(Console, "root task {info}");
    exit(ExitStatus::Failure)
}
