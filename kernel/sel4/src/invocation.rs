//! Marshalling of object invocations: word arguments go in message
//! registers, capability arguments in the IPC buffer's extra-cap slots, and
//! the reply's label is the kernel's error code.

use crate::ipc_buffer::{MSG_MAX_EXTRA_CAPS, MSG_MAX_LENGTH};
use crate::{call, with_ipc_buffer, CPtr, Error, MessageInfo, Result, Word};

/// Invokes the object behind `cap` with `label`; on success returns the
/// reply's message info (results are in the IPC buffer's message registers).
pub(crate) fn invoke(
    cap: CPtr,
    label: usize,
    words: &[Word],
    caps: &[CPtr],
) -> Result<MessageInfo> {
    debug_assert!(words.len() <= MSG_MAX_LENGTH && caps.len() <= MSG_MAX_EXTRA_CAPS);
    with_ipc_buffer(|b| {
        b.msg[..words.len()].copy_from_slice(words);
        for (slot, cap) in b.caps_or_badges.iter_mut().zip(caps) {
            *slot = cap.bits();
        }
    });
    let info = MessageInfo::new(label, 0, caps.len(), words.len());
    let (reply, _) = call(cap, info);
    match Error::from_code(reply.label()) {
        None => Ok(reply),
        Some(e) => Err(e),
    }
}

/// Message register `i` of the last reply.
pub(crate) fn reply_word(i: usize) -> Word {
    with_ipc_buffer(|b| b.msg[i])
}
