//! Linear memory allocated whole, once: the module's memory limit (the
//! description's `wasm_memory`) is taken from the heap when the module is
//! instantiated, and `memory.grow` only moves the end inside it. Growing a
//! memory that reallocates would need the old and the new memory at once
//! (twice the limit); the description's heap rule reserves the limit once.

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use core::ptr::NonNull;

use wasmtime::{LinearMemory, MemoryCreator, MemoryType};

/// Alignment of linear memory: a page.
const ALIGN: usize = 4096;

/// Makes every linear memory of the module with room for `limit` bytes.
pub struct WholeMemories {
    pub limit: usize,
}

// SAFETY: every memory it returns is zero-filled, page aligned, owned by
// the `LinearMemory` (freed only when Wasmtime drops it), and never moves:
// its capacity is its whole allocation.
unsafe impl MemoryCreator for WholeMemories {
    fn new_memory(
        &self,
        _ty: MemoryType,
        minimum: usize,
        maximum: Option<usize>,
        _reserved_size_in_bytes: Option<usize>,
        _guard_size_in_bytes: usize,
    ) -> Result<Box<dyn LinearMemory>, String> {
        let capacity = maximum.map_or(self.limit, |maximum| maximum.min(self.limit));
        if minimum > capacity {
            return Err(format!(
                "the module needs {minimum} bytes of linear memory at start; its limit is {capacity}"
            ));
        }
        // A zero-sized allocation is not allowed: take a page at least.
        let layout = Layout::from_size_align(capacity.max(ALIGN), ALIGN)
            .map_err(|_| format!("a linear memory of {capacity} bytes"))?;
        // SAFETY: the layout's size is not zero.
        let base = NonNull::new(unsafe { alloc_zeroed(layout) }).ok_or_else(|| {
            format!("no heap left for {capacity} bytes of linear memory (`wasm_memory`)")
        })?;
        Ok(Box::new(WholeMemory { base, layout, size: minimum, capacity }))
    }
}

/// One linear memory: `size` bytes in use of `capacity` allocated at `base`.
struct WholeMemory {
    base: NonNull<u8>,
    layout: Layout,
    size: usize,
    capacity: usize,
}

// SAFETY: the memory is reached only through Wasmtime, which serialises
// access to a store (and a protection domain runs one thread).
unsafe impl Send for WholeMemory {}
// SAFETY: as for `Send`.
unsafe impl Sync for WholeMemory {}

// SAFETY: `as_ptr` is the start of `capacity` zero-initialised bytes that
// stay put until drop; growth within `capacity` never moves them.
unsafe impl LinearMemory for WholeMemory {
    fn byte_size(&self) -> usize {
        self.size
    }

    fn byte_capacity(&self) -> usize {
        self.capacity
    }

    fn grow_to(&mut self, new_size: usize) -> wasmtime::Result<()> {
        if new_size > self.capacity {
            return Err(wasmtime::Error::msg(format!(
                "linear memory cannot grow to {new_size} bytes: its limit is {}",
                self.capacity
            )));
        }
        // The bytes past the old size are still zero: Wasm never reached them.
        self.size = new_size;
        Ok(())
    }

    fn as_ptr(&self) -> *mut u8 {
        self.base.as_ptr()
    }
}

impl Drop for WholeMemory {
    fn drop(&mut self) {
        // SAFETY: allocated in `new_memory` with this layout.
        unsafe { dealloc(self.base.as_ptr(), self.layout) }
    }
}
