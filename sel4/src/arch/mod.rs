//! Architecture-specific parts: the syscall instruction sequence and the
//! register context. One module per `target_arch`; an aarch64 module adds a
//! sibling with the same items.

#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
pub use self::x86_64::*;

#[cfg(not(target_arch = "x86_64"))]
compile_error!("the sel4 crate supports x86_64 only so far");
