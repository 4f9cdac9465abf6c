//! The atomics the protocol uses: `core`'s normally, loom's when the crate is
//! built with `--cfg loom` so the model checker can explore every interleaving
//! and every weak-memory outcome of the index and flag accesses.
//!
//! Slot length words are not in here: they always use `core` atomics (see
//! `Ring::load_len`), because loom cannot place its atomics in raw memory.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicU32};

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{fence, AtomicU32};

pub(crate) use core::sync::atomic::Ordering;
