//! The kernel's system calls. Message registers live in the IPC buffer; the
//! first [`MESSAGE_REGISTERS`] travel in CPU registers and are moved between
//! the two here, so callers only ever deal with the IPC buffer.

use crate::arch::{syscall, MESSAGE_REGISTERS};
use crate::sys::syscall as nr;
use crate::{with_ipc_buffer, Badge, CPtr, MessageInfo, Word};

fn load_mrs(info: MessageInfo) -> [Word; MESSAGE_REGISTERS] {
    let mut mrs = [0; MESSAGE_REGISTERS];
    let n = (info.length()).min(MESSAGE_REGISTERS);
    with_ipc_buffer(|b| mrs[..n].copy_from_slice(&b.msg[..n]));
    mrs
}

fn store_mrs(mrs: &[Word; MESSAGE_REGISTERS]) {
    with_ipc_buffer(|b| b.msg[..MESSAGE_REGISTERS].copy_from_slice(mrs));
}

/// Sends `info` (and its message registers) on `dest` and waits for the reply.
pub fn call(dest: CPtr, info: MessageInfo) -> (MessageInfo, Badge) {
    let mut mrs = load_mrs(info);
    // SAFETY: message registers come from and go back to the IPC buffer.
    let (badge, out) =
        unsafe { syscall(nr::seL4_SysCall, dest.bits(), info.into_word(), &mut mrs) };
    store_mrs(&mrs);
    (MessageInfo::from_word(out), badge)
}

/// Sends on `dest`, blocking until a receiver takes the message.
pub fn send(dest: CPtr, info: MessageInfo) {
    let mut mrs = load_mrs(info);
    // SAFETY: as in `call`.
    unsafe { syscall(nr::seL4_SysSend, dest.bits(), info.into_word(), &mut mrs) };
}

/// Sends on `dest` if a receiver is waiting; drops the message otherwise.
pub fn nb_send(dest: CPtr, info: MessageInfo) {
    let mut mrs = load_mrs(info);
    // SAFETY: as in `call`.
    unsafe { syscall(nr::seL4_SysNBSend, dest.bits(), info.into_word(), &mut mrs) };
}

/// Waits for a message (or a signal) on `src`; returns it with the sender's badge.
pub fn recv(src: CPtr) -> (MessageInfo, Badge) {
    let mut mrs = [0; MESSAGE_REGISTERS];
    // SAFETY: as in `call`.
    let (badge, out) = unsafe { syscall(nr::seL4_SysRecv, src.bits(), 0, &mut mrs) };
    store_mrs(&mrs);
    (MessageInfo::from_word(out), badge)
}

/// Like [`recv`] but returns at once; badge 0 and an empty message if nothing was pending.
pub fn nb_recv(src: CPtr) -> (MessageInfo, Badge) {
    let mut mrs = [0; MESSAGE_REGISTERS];
    // SAFETY: as in `call`.
    let (badge, out) = unsafe { syscall(nr::seL4_SysNBRecv, src.bits(), 0, &mut mrs) };
    store_mrs(&mrs);
    (MessageInfo::from_word(out), badge)
}

/// Replies to the last caller.
pub fn reply(info: MessageInfo) {
    let mut mrs = load_mrs(info);
    // SAFETY: as in `call`.
    unsafe { syscall(nr::seL4_SysReply, 0, info.into_word(), &mut mrs) };
}

/// Replies to the last caller, then waits on `src`.
pub fn reply_recv(src: CPtr, info: MessageInfo) -> (MessageInfo, Badge) {
    let mut mrs = load_mrs(info);
    // SAFETY: as in `call`.
    let (badge, out) =
        unsafe { syscall(nr::seL4_SysReplyRecv, src.bits(), info.into_word(), &mut mrs) };
    store_mrs(&mrs);
    (MessageInfo::from_word(out), badge)
}

/// Gives up the rest of this thread's time slice.
pub fn yield_now() {
    let mut mrs = [0; MESSAGE_REGISTERS];
    // SAFETY: no memory involved.
    unsafe { syscall(nr::seL4_SysYield, 0, 0, &mut mrs) };
}
