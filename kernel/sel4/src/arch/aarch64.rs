//! aarch64 syscall ABI: `svc #0` with the syscall number in x7, the
//! capability (badge on return) in x0, the message info in x1 and message
//! registers 0..3 in x2..x5. The kernel restores every other register.

use core::arch::asm;

use crate::Word;

/// Message registers carried in CPU registers; the rest go through the IPC buffer.
pub const MESSAGE_REGISTERS: usize = 4;

/// Performs syscall `sys`; returns (x0, x1) after it and updates `mrs`.
///
/// # Safety
/// The caller must uphold what the syscall requires of memory it names
/// (IPC buffer contents, mappings).
#[inline(always)]
pub unsafe fn syscall(
    sys: isize,
    dest: Word,
    info: Word,
    mrs: &mut [Word; MESSAGE_REGISTERS],
) -> (Word, Word) {
    let out_dest: Word;
    let out_info: Word;
    // SAFETY: forwarded to the caller.
    unsafe {
        asm!(
            "svc #0",
            in("x7") sys as Word,
            inout("x0") dest => out_dest,
            inout("x1") info => out_info,
            inout("x2") mrs[0],
            inout("x3") mrs[1],
            inout("x4") mrs[2],
            inout("x5") mrs[3],
            options(nostack),
        );
    }
    (out_dest, out_info)
}

/// A thread's user-level registers, in the order of the kernel's
/// `TCBReadRegisters`/`TCBWriteRegisters` messages (`seL4_UserContext`:
/// frame registers, then the other integer registers).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserContext {
    pub pc: Word,
    pub sp: Word,
    pub spsr: Word,
    pub x0: Word,
    pub x1: Word,
    pub x2: Word,
    pub x3: Word,
    pub x4: Word,
    pub x5: Word,
    pub x6: Word,
    pub x7: Word,
    pub x8: Word,
    pub x16: Word,
    pub x17: Word,
    pub x18: Word,
    pub x29: Word,
    pub x30: Word,
    pub x9: Word,
    pub x10: Word,
    pub x11: Word,
    pub x12: Word,
    pub x13: Word,
    pub x14: Word,
    pub x15: Word,
    pub x19: Word,
    pub x20: Word,
    pub x21: Word,
    pub x22: Word,
    pub x23: Word,
    pub x24: Word,
    pub x25: Word,
    pub x26: Word,
    pub x27: Word,
    pub x28: Word,
}

impl UserContext {
    /// Number of words in the register message.
    pub const WORDS: usize = core::mem::size_of::<UserContext>() / core::mem::size_of::<Word>();

    pub fn as_words(&self) -> &[Word; Self::WORDS] {
        // SAFETY: repr(C) struct of WORDS words, no padding.
        unsafe { &*(self as *const Self as *const [Word; Self::WORDS]) }
    }
}
