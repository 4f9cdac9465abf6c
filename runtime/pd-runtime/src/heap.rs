//! The heap: the region the root task maps at `layout::vaddr::HEAP`.

use linked_list_allocator::LockedHeap;
use system_manifest::layout::vaddr;

#[global_allocator]
static ALLOCATOR: LockedHeap = LockedHeap::empty();

pub(crate) fn init(bytes: usize) {
    // SAFETY: the root task maps `bytes` of fresh read-write memory at HEAP
    // for this component alone; this runs once, before any allocation.
    unsafe { ALLOCATOR.lock().init(vaddr::HEAP as *mut u8, bytes) }
}
