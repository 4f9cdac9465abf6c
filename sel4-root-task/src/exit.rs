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

/// The early console: the kernel's debug console on a kernel that prints;
/// otherwise (a release kernel) the board's serial port written directly
/// (x86: COM1 through the root task's IO-port capability). Used before the
/// system's console driver runs, and for last words.
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if sel4::PRINTING {
            sel4::DebugConsole.write_str(s)
        } else {
            s.bytes().for_each(serial::put_byte);
            Ok(())
        }
    }
}

/// COM1, polled: enough for the few lines written before the console
/// driver runs (QEMU's 16550 needs no set-up to transmit).
#[cfg(target_arch = "x86_64")]
mod serial {
    use crate::bootinfo::init_caps;

    const COM1: u16 = 0x3f8;
    const LINE_STATUS: u16 = 5;
    const TRANSMIT_EMPTY: u8 = 1 << 5;

    pub(super) fn put_byte(byte: u8) {
        if byte == b'\n' {
            put_raw(b'\r');
        }
        put_raw(byte);
    }

    fn put_raw(byte: u8) {
        // Bounded: a missing UART must not hang the root task.
        for _ in 0..100_000 {
            match init_caps::IO_PORT.in8(COM1 + LINE_STATUS) {
                Ok(status) if status & TRANSMIT_EMPTY == 0 => continue,
                _ => break,
            }
        }
        let _ = init_caps::IO_PORT.out8(COM1, byte);
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod serial {
    pub(super) fn put_byte(_: u8) {}
}