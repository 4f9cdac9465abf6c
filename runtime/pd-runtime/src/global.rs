//! A value set once at start and read afterwards. A protection domain runs
//! one thread, so no locking is needed; the runtime sets every global
//! before any component code runs.

use core::cell::UnsafeCell;

pub(crate) struct Global<T>(UnsafeCell<Option<T>>);

// SAFETY: one thread per protection domain (see the module comment).
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    pub(crate) const fn new() -> Self {
        Global(UnsafeCell::new(None))
    }

    /// Sets the value; called once, at start, before any `get`.
    pub(crate) fn set(&self, value: T) {
        // SAFETY: single thread, and no reference from `get` exists yet.
        unsafe { *self.0.get() = Some(value) }
    }

    pub(crate) fn is_set(&self) -> bool {
        // SAFETY: single thread.
        unsafe { (*self.0.get()).is_some() }
    }

    pub(crate) fn get(&self) -> &T {
        // SAFETY: single thread; set before use and never again.
        unsafe { (*self.0.get()).as_ref().expect("runtime global used before the runtime set it") }
    }
}
