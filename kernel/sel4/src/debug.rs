//! Debug syscalls of a debug kernel (`CONFIG_DEBUG_BUILD`): console output,
//! capability identification, halting. They exist in every build so that
//! callers need no cfgs; without a debug kernel they do nothing.

use core::fmt;

#[cfg(sel4_debug_build)]
use crate::arch::{syscall, MESSAGE_REGISTERS};
#[cfg(sel4_debug_build)]
use crate::sys::syscall as nr;
use crate::{CPtr, Word};

/// Whether the kernel has the debug syscalls.
pub const DEBUG_BUILD: bool = cfg!(sel4_debug_build);

/// Whether the kernel prints (`CONFIG_PRINTING`): without it
/// [`debug_put_char`] drops its byte.
pub const PRINTING: bool = cfg!(sel4_printing);

/// Writes one byte to the kernel's debug console (dropped without one).
pub fn debug_put_char(c: u8) {
    #[cfg(sel4_printing)]
    {
        let mut mrs = [0; MESSAGE_REGISTERS];
        // SAFETY: no memory involved.
        unsafe { syscall(nr::seL4_SysDebugPutChar, c as Word, 0, &mut mrs) };
    }
    let _ = c;
}

/// The kernel's internal cap type number of the capability at `cptr` (0 is
/// the null capability); `None` without a debug kernel.
pub fn debug_cap_identify(cptr: CPtr) -> Option<Word> {
    #[cfg(sel4_debug_build)]
    {
        let mut mrs = [0; MESSAGE_REGISTERS];
        // SAFETY: no memory involved.
        Some(unsafe { syscall(nr::seL4_SysDebugCapIdentify, cptr.bits(), 0, &mut mrs).0 })
    }
    #[cfg(not(sel4_debug_build))]
    {
        let _ = cptr;
        None
    }
}

/// Halts the whole system on a debug kernel; returns without one.
pub fn debug_halt() {
    #[cfg(sel4_debug_build)]
    {
        let mut mrs = [0; MESSAGE_REGISTERS];
        // SAFETY: no memory involved.
        unsafe { syscall(nr::seL4_SysDebugHalt, 0, 0, &mut mrs) };
    }
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
