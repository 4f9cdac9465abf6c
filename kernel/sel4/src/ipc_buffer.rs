//! The IPC buffer: message registers beyond those passed in CPU registers,
//! extra capabilities or badges, and where received capabilities go.

use core::sync::atomic::{AtomicPtr, Ordering};

use crate::sys::constants::{seL4_MsgExtraCapBits, seL4_MsgMaxLength};
use crate::Word;

pub const MSG_MAX_LENGTH: usize = seL4_MsgMaxLength;
pub const MSG_MAX_EXTRA_CAPS: usize = (1 << seL4_MsgExtraCapBits) - 1;

/// Layout of the kernel's `seL4_IPCBuffer`.
#[repr(C)]
#[derive(Debug)]
pub struct IpcBuffer {
    pub tag: Word,
    pub msg: [Word; MSG_MAX_LENGTH],
    pub user_data: Word,
    pub caps_or_badges: [Word; MSG_MAX_EXTRA_CAPS],
    pub receive_cnode: Word,
    pub receive_index: Word,
    pub receive_depth: Word,
}

// The thread's IPC buffer. Each seL4 thread has its own; programs built on
// this crate run one thread per address space, so one pointer suffices.
static IPC_BUFFER: AtomicPtr<IpcBuffer> = AtomicPtr::new(core::ptr::null_mut());

/// Tells the bindings where this thread's IPC buffer is mapped.
///
/// # Safety
/// `buffer` must be the IPC buffer the kernel uses for this thread, mapped
/// read-write for the rest of the program.
pub unsafe fn set_ipc_buffer(buffer: *mut IpcBuffer) {
    IPC_BUFFER.store(buffer, Ordering::Relaxed);
}

/// Runs `f` with the IPC buffer. Panics if [`set_ipc_buffer`] was not called.
pub fn with_ipc_buffer<R>(f: impl FnOnce(&mut IpcBuffer) -> R) -> R {
    let ptr = IPC_BUFFER.load(Ordering::Relaxed);
    assert!(!ptr.is_null(), "the IPC buffer was not set (sel4::set_ipc_buffer)");
    // SAFETY: set_ipc_buffer's contract; one thread uses it, and the
    // reference does not escape `f` (which cannot re-enter: no syscall in
    // this crate calls with_ipc_buffer while holding it).
    f(unsafe { &mut *ptr })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout_matches_the_kernel_ipc_buffer() {
        assert_eq!(offset_of!(IpcBuffer, msg), 8);
        assert_eq!(offset_of!(IpcBuffer, caps_or_badges), 976);
        assert_eq!(MSG_MAX_EXTRA_CAPS, 3);
        assert_eq!(size_of::<IpcBuffer>(), 1024);
    }
}
