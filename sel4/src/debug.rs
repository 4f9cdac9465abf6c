//! Debug syscalls of a debug kernel: console output, capability
//! identification, halting. Present only when the kernel was built with
//! `CONFIG_DEBUG_BUILD` (the `sel4_debug_build` cfg).

#[cfg(sel4_debug_build)]
mod enabled {
    use core::fmt;

    use crate::arch::{syscall, MESSAGE_REGISTERS};
    use crate::sys::syscall as nr;
    use crate::{CPtr, Word};

    /// Writes one byte to the kernel's debug console.
    pub fn debug_put_char(c: u8) {
        let mut mrs = [0; MESSAGE_REGISTERS];
        // SAFETY: no memory involved.
        unsafe { syscall(nr::seL4_SysDebugPutChar, c as Word, 0, &mut mrs) };
    }

    /// Asks the kernel what kind of capability `cptr` names: the kernel's
    /// internal cap type number (0 is the null capability).
    pub fn debug_cap_identify(cptr: CPtr) -> Word {
        let mut mrs = [0; MESSAGE_REGISTERS];
        // SAFETY: no memory involved.
        unsafe { syscall(nr::seL4_SysDebugCapIdentify, cptr.bits(), 0, &mut mrs).0 }
    }

    /// Stops the whole system (the kernel halts; QEMU keeps running).
    pub fn debug_halt() -> ! {
        let mut mrs = [0; MESSAGE_REGISTERS];
        // SAFETY: no memory involved.
        unsafe { syscall(nr::seL4_SysDebugHalt, 0, 0, &mut mrs) };
        unreachable!("DebugHalt returned")
    }

    /// `core::fmt::Write` over [`debug_put_char`].
    #[derive(Debug, Default, Clone, Copy)]
    pub struct DebugConsole;

    impl fmt::Write for DebugConsole {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            s.bytes().for_each(debug_put_char);
            Ok(())
        }
    }
}

#[cfg(sel4_debug_build)]
pub use enabled::*;
