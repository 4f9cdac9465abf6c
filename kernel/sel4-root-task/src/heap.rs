//! The root task's heap: a fixed region in .bss behind a linked-list allocator.

use linked_list_allocator::LockedHeap;

const HEAP_SIZE: usize = 1024 * 1024;

#[repr(C, align(4096))]
struct HeapMemory([u8; HEAP_SIZE]);

static mut HEAP_MEMORY: HeapMemory = HeapMemory([0; HEAP_SIZE]);

#[global_allocator]
static ALLOCATOR: LockedHeap = LockedHeap::empty();

pub(crate) fn init() {
    // SAFETY: called once, before any allocation; the region is ours alone.
    unsafe {
        let start = core::ptr::addr_of_mut!(HEAP_MEMORY) as *mut u8;
        ALLOCATOR.lock().init(start, HEAP_SIZE);
    }
}
