//! Message registers left over from earlier messages.
//!
//! The kernel copies only a message's own words into the IPC buffer: the
//! words past a request's length still hold whatever an earlier message
//! (another client's request, a reply to this component's call) left there.
//! A handler that reads past the length must see zeros, not another
//! client's data, so before each request the runtime clears the words that
//! earlier messages filled beyond its length.

use core::sync::atomic::{AtomicUsize, Ordering};

/// One past the highest message register any message received since the
/// last clearing may have filled (the component's own `set_mr` writes are
/// its own data and need no clearing).
static FILLED: AtomicUsize = AtomicUsize::new(0);

/// Records a message of `words` words received into the IPC buffer.
pub(crate) fn received(words: usize) {
    FILLED.fetch_max(words, Ordering::Relaxed);
}

/// Called with a request of `words` words just received: zeroes the
/// registers from `words` up to what earlier messages filled.
pub(crate) fn clear_beyond(words: usize) {
    let filled = FILLED.swap(words, Ordering::Relaxed);
    if filled > words {
        sel4::with_ipc_buffer(|b| {
            let end = filled.min(b.msg.len());
            if let Some(stale) = b.msg.get_mut(words..end) {
                stale.fill(0);
            }
        });
    }
}
