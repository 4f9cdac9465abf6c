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

/// Ends the system. Under QEMU the emulator exits with the board's success
/// status or a failure one (see `qemu_exit`); elsewhere (real hardware, or a
/// QEMU that cannot be told) the kernel is halted (debug kernels) or the
/// root task suspends itself.
pub fn exit(status: ExitStatus) -> ! {
    qemu_exit(status);
    // Not on QEMU (or no way to reach it): stop here.
    sel4::debug_halt();
    loop {
        let _ = init_caps::TCB.suspend();
    }
}

/// QEMU's isa-debug-exit device, as configured in board/qemu-x86_64/board.toml
/// (`-device isa-debug-exit,iobase=0xf4`): writing v makes QEMU exit with
/// status (v << 1) | 1, so 33 for success and 35 for failure.
#[cfg(target_arch = "x86_64")]
fn qemu_exit(status: ExitStatus) {
    const QEMU_DEBUG_EXIT_PORT: u16 = 0xf4;
    let value: u8 = match status {
        ExitStatus::Success => 0x10,
        ExitStatus::Failure => 0x11,
    };
    let _ = init_caps::IO_PORT.out8(QEMU_DEBUG_EXIT_PORT, value);
}

/// Semihosting SYS_EXIT, which board/qemu-aarch64-virt/board.toml lets user
/// level use (`-semihosting-config enable=on,userspace=on`): QEMU exits with
/// status 0 for success and 1 for failure. Compiled in only for boards whose
/// description says their QEMU has semihosting (`[qemu] semihosting`, see
/// build.rs): real boards have none, and there `hlt` would be an unknown
/// instruction (or a debug halt).
#[cfg(all(target_arch = "aarch64", sel4_semihosting))]
fn qemu_exit(status: ExitStatus) {
    const SYS_EXIT: u64 = 0x18;
    const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;
    let code: u64 = match status {
        ExitStatus::Success => 0,
        ExitStatus::Failure => 1,
    };
    let block = [ADP_STOPPED_APPLICATION_EXIT, code];
    // SAFETY: the semihosting call only reads `block`.
    unsafe {
        core::arch::asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr(), options(nostack))
    };
}

/// No emulator to tell (a real board): `exit` halts or suspends instead.
#[cfg(all(target_arch = "aarch64", not(sel4_semihosting)))]
fn qemu_exit(_: ExitStatus) {}

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

/// Whether [`Console`] reaches anyone: the kernel prints, or the root task
/// writes the board's serial port itself (x86 COM1). Without it, early log
/// lines are kept for the system's console (`logging::take_kept_lines`).
pub const HAS_EARLY_CONSOLE: bool = sel4::PRINTING || cfg!(target_arch = "x86_64");

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
