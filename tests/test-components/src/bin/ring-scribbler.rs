//! A hostile ring producer: instead of the ring protocol it writes the
//! shared region directly. First a published message whose length is far
//! beyond its slot, then a `tail` that claims a million messages. Its
//! consumer (runs above it, so each scribble is seen at once) must report a
//! broken ring and go on serving, never read outside the region or crash.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use pd_runtime::{Channel, Handler};
use shared_ring::{RING_SLOTS_OFFSET, TAIL_OFFSET};

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

/// The word at `offset` in the region at `base`.
fn word(base: u64, offset: usize) -> &'static AtomicU32 {
    // SAFETY: the root task maps the ring's region (at least one control
    // block and one slot) read-write at `base` for the life of the
    // component; all access is atomic, as the peer's.
    unsafe { AtomicU32::from_ptr((base as usize + offset) as *mut u32) }
}

fn init() -> Done {
    let end = pd_runtime::config()
        .rings
        .iter()
        .find(|r| r.name.as_str() == "frames")
        .expect("the description gives a ring `frames`");
    let (base, channel) = (end.vaddr.to_native(), Channel::from_id(end.channel));
    log::info!("scribble 1: a message of 4 GiB - 1 bytes in a {}-byte slot", end.slot_size);
    word(base, RING_SLOTS_OFFSET).store(u32::MAX, Ordering::Relaxed);
    word(base, TAIL_OFFSET).store(1, Ordering::Release);
    channel.notify();
    log::info!("scribble 2: tail = 1000000");
    word(base, TAIL_OFFSET).store(1_000_000, Ordering::Release);
    channel.notify();
    log::info!("scribbling done");
    pd_runtime::exit(0)
}
