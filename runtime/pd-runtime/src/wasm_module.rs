//! The precompiled Wasm module of a Wasm component, mapped read-only by the
//! root task at `layout::vaddr::WASM_MODULE`.

use core::sync::atomic::{AtomicUsize, Ordering};

use system_manifest::layout::vaddr;

static LEN: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn init(len: usize) {
    LEN.store(len, Ordering::Relaxed);
}

/// The module's bytes, for a Wasm component (`None` for a native one).
pub fn wasm_module() -> Option<&'static [u8]> {
    match LEN.load(Ordering::Relaxed) {
        0 => None,
        // SAFETY: the root task maps `len` bytes read-only at WASM_MODULE for
        // the life of the component.
        len => Some(unsafe { core::slice::from_raw_parts(vaddr::WASM_MODULE as *const u8, len) }),
    }
}
