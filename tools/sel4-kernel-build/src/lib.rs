//! Builds the seL4 kernel for a board from the pinned kernel source.
//!
//! The source is seL4 5.0.0 as shipped in the registry crate `sel4-sys`
//! `=0.0.28` (kept in `Cargo.lock`, never compiled). The pipeline is:
//! locate the source with `cargo metadata` → copy it into the build folder →
//! apply `board/kernel-patches/*.patch` → write the board's configuration into
//! the copy's `autoconf.h` → `make`. Every step is skipped when its inputs did
//! not change, so a second build does nothing.
#![forbid(unsafe_code)]

mod autoconf;
mod board;
mod host;
mod kernel;
mod patches;
mod platform;
mod source;

pub use autoconf::Autoconf;
pub use board::{Board, BoardPackage, KernelProfile, LoaderConfig, QemuConfig, WasmTarget};
pub use host::{
    check_host_tools, program_on_path, HostPackage, MissingPackages, REQUIRED_PACKAGES,
};
pub use kernel::{build_kernel, prepare_source, Kernel, PreparedSource};
pub use patches::{apply_patch, Patch};
pub use platform::{DerivedPlatform, Device, KernelUse, Platform, Region};
pub use source::{locate_kernel_source, KernelSource, SEL4_SYS_VERSION};
