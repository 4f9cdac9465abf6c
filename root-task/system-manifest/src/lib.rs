//! The compiled form of a system description.
//!
//! Data flows one way: `system.toml` → (host: `system-description` validates
//! and lowers it) → [`BootImage`] (this crate's types, archived with rkyv,
//! packed into the root task) → root task builds the protection domains →
//! each component reads its [`ComponentConfig`] from a read-only page.
//! Nothing is parsed on the target: archives are validated and read in place.
//!
//! Everything the root task and the component runtime must agree on without
//! talking (CSpace slots, address-space layout, badge encoding) is in
//! [`layout`]; what they say to each other over the channels it sets up is in
//! [`ipc`] (labels, Wasm trap codes), [`console`] (log rings) and
//! [`control`] (the control channel).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod config;
pub mod console;
pub mod control;
pub mod ipc;
pub mod layout;
pub mod stats;
pub mod system;

pub use config::*;
pub use system::*;

/// Bumped whenever an archived type changes shape.
pub const FORMAT_VERSION: u32 = 4;

/// Archives are aligned to this many bytes where they are stored.
pub const ARCHIVE_ALIGN: usize = 16;
