//! x86_64 syscall ABI: `syscall` with the syscall number in RDX, the
//! capability (badge on return) in RDI, the message info in RSI, and message
//! registers 0..3 in R10, R8, R9, R15. The kernel clobbers RCX and R11 and
//! does not preserve the user stack pointer, so it is kept in R12 (callee
//! saved, and usable in Rust inline asm unlike RBX) across the instruction.

use core::arch::asm;

use crate::Word;

/// Message registers carried in CPU registers; the rest go through the IPC buffer.
pub const MESSAGE_REGISTERS: usize = 4;

/// Performs syscall `sys`; returns (RDI, RSI) after it and updates `mrs`.
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
    // SAFETY: forwarded to the caller; the asm saves and restores RSP itself.
    unsafe {
        asm!(
            "mov r12, rsp",
            "syscall",
            "mov rsp, r12",
            inout("rdx") sys as Word => _,
            inout("rdi") dest => out_dest,
            inout("rsi") info => out_info,
            inout("r10") mrs[0],
            inout("r8") mrs[1],
            inout("r9") mrs[2],
            inout("r15") mrs[3],
            out("rcx") _,
            out("r11") _,
            out("r12") _,
        );
    }
    (out_dest, out_info)
}

/// A thread's user-level registers, in the order of the kernel's
/// `TCBReadRegisters`/`TCBWriteRegisters` messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserContext {
    pub rip: Word,
    pub rsp: Word,
    pub rflags: Word,
    pub rax: Word,
    pub rbx: Word,
    pub rcx: Word,
    pub rdx: Word,
    pub rsi: Word,
    pub rdi: Word,
    pub rbp: Word,
    pub r8: Word,
    pub r9: Word,
    pub r10: Word,
    pub r11: Word,
    pub r12: Word,
    pub r13: Word,
    pub r14: Word,
    pub r15: Word,
    pub tls_base: Word,
}

impl UserContext {
    /// Number of words in the register message.
    pub const WORDS: usize = core::mem::size_of::<UserContext>() / core::mem::size_of::<Word>();

    pub fn as_words(&self) -> &[Word; Self::WORDS] {
        // SAFETY: repr(C) struct of WORDS words, no padding.
        unsafe { &*(self as *const Self as *const [Word; Self::WORDS]) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_context_is_the_kernel_register_message() {
        // rip, rsp, rflags, 15 general registers (no rsp), tls_base.
        assert_eq!(UserContext::WORDS, 19);
        let ctx = UserContext { rip: 1, tls_base: 19, ..Default::default() };
        assert_eq!((ctx.as_words()[0], ctx.as_words()[18]), (1, 19));
    }
}
