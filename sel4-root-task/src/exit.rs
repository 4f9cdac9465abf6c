//! Ending the system, and the console used for last words.

use core::fmt;

use crate::bootinfo::init_caps;

/// How the root task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Failure,
}

/// What `main` may return.
pub trait Termination {
    fn report(self) -> ExitStatus;
}

impl Termination for () {
    fn report(self) -> ExitStatus {
        ExitStatus::Success
    }
}

impl<E: fmt::Display> Termination for Result<(), E> {
    fn report(self) -> ExitStatus {
        match self {
            Ok(()) => ExitStatus::Success,
            Err(e) => {
                log::error!("root task failed: {e}");
                ExitStatus::Failure
            }
        }
    }
}

/// QEMU's isa-debug-exit device, as configured in board/qemu-x86_64/board.toml
/// (`-device isa-debug-exit,iobase=0xf4`): writing v makes QEMU exit with
/// status (v << 1) | 1.
const QEMU_DEBUG_EXIT_PORT: u16 = 0xf4;
const QEMU_EXIT_SUCCESS: u8 = 0x10;
const QEMU_EXIT_FAILURE: u8 = 0x11;

/// Ends the system. Under QEMU the emulator exits with status 33 for success
/// and 35 for failure; elsewhere the kernel is halted (debug kernels) or the
/// root task suspends itself.
pub fn exit(status: ExitStatus) -> ! {
    let value = match status {
        ExitStatus::Success => QEMU_EXIT_SUCCESS,
        ExitStatus::Failure => QEMU_EXIT_FAILURE,
    };
    let _ = init_caps::IO_PORT.out8(QEMU_DEBUG_EXIT_PORT, value);
    // Not on QEMU (or no IO-port capability): stop here.
    sel4::debug_halt();
    loop {
        let _ = init_caps::TCB.suspend();
    }
}

/// The kernel's debug console where there is one; output is dropped otherwise.
pub(crate) struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        sel4::DebugConsole.write_str(s)
    }
}
