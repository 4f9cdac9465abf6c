//! Rings (filled in once the ring crate lands).
