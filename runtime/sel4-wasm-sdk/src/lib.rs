//! SDK of Wasm components: what a component compiled to
//! `wasm32-unknown-unknown` uses to talk to the Wasm runtime of its
//! protection domain through the host ABI of [`wasm_abi`].
//!
//! A component is written in the same handler style as a native one
//! (`pd_runtime`):
//! ```ignore
//! #![no_std]
//! use sel4_wasm_sdk::{self as sdk, Channel, Handler, Reply};
//!
//! sdk::component!(init);
//!
//! fn init() -> Server { sdk::info!("ready"); Server { calls: 0 } }
//!
//! struct Server { calls: u64 }
//! impl Handler for Server {
//!     fn protected(&mut self, _: Channel, label: u64, request: &[u8], reply: &mut [u8]) -> Reply {
//!         self.calls += 1;
//!         Reply::with_bytes(0, request, reply) // an echo
//!     }
//! }
//! ```
//! [`component!`] defines the exports the runtime calls (`init`,
//! `notified`, `protected`, `message_buffer`) and keeps the handler in a
//! static; nothing else is needed. Channels are named by id
//! ([`Channel::new`]) or by peer ([`Channel::to`]), rings by name
//! ([`RingProducer::open`], [`RingConsumer::open`]). A restarted component
//! starts with fresh linear memory; [`restarted`] tells it that this run is
//! a restart, and [`time_now_ns`] reads the clock.
//!
//! With the default features the SDK also provides a global allocator
//! (`alloc`: dlmalloc over `memory.grow`, so `extern crate alloc` works) and
//! a panic handler (`panic-handler`: logs the message and location as an
//! error line, then executes `unreachable`, a trap the runtime reports).
//!
//! Differences from native components, all from the ABI:
//! [`RingProducer::send`] never waits and returns [`Error::RingFull`]
//! ([`RingProducer::send_blocking`] waits for space, [`wait`] for a
//! channel's signal); a protected call's
//! reply label is at most 31 bits (`protected` returns
//! `(reply_label << 32) | reply_len`); messages are bytes, at most
//! [`MAX_MESSAGE_BYTES`] carried as whole 8-byte words (lengths arrive
//! rounded up to a multiple of 8, zero-padded), instead of message registers.
//!
//! On the host (any target but wasm32) the SDK compiles against
//! [`mock`], a recording, scriptable stand-in for the host functions, so
//! components and the SDK itself can be unit-tested with `cargo test`.
#![no_std]

#[cfg(not(target_arch = "wasm32"))]
extern crate std;

mod channel;
#[doc(hidden)]
pub mod component;
mod device;
mod error;
pub mod hal;
pub mod log;
#[cfg(not(target_arch = "wasm32"))]
pub mod mock;
mod ring;
mod rt;
mod sys;

pub use channel::{Channel, ChannelInfo, ChannelKind, Reply, PEER_NAME_BYTES};
pub use component::Handler;
pub use device::{DeviceWindow, IoPorts, Irq};
pub use error::{CallError, Error, RingError};
pub use ring::{
    ring_ends, Batch, ProducerOutput, Received, RingConsumer, RingEndInfo, RingProducer,
    DRAIN_BUFFER_BYTES, RING_NAME_BYTES,
};
pub use wasm_abi::MAX_MESSAGE_BYTES;

/// Ends this component with `code` (0 = success): the runtime records it
/// and the component never runs again.
pub fn exit(code: u64) -> ! {
    // SAFETY: the host function takes no memory.
    unsafe { sys::exit(code as i64) }
}

/// Blocks until `channel` is signalled (a ring's peer, an interrupt, a
/// timer's notification); signals of other channels that arrive meanwhile
/// reach [`Handler::notified`] afterwards.
///
/// [`Error::NoSuchChannel`] for a channel this component cannot be
/// signalled on (one it does not have, a protected-call channel);
/// [`Error::WouldBlock`] inside [`Handler::protected`], whose caller would
/// wait on this wait.
pub fn wait(channel: Channel) -> Result<(), Error> {
    // SAFETY: the host function takes no memory.
    Error::check(unsafe { sys::wait(channel.id() as i32) })
}

/// Longest component name [`name`] reports in full (names of descriptions
/// are shorter).
pub const NAME_BYTES: usize = wasm_abi::MAX_NAME_BYTES;

/// This component's name, as the description gives it, in `buffer` (cut
/// to it, on a character boundary).
pub fn name(buffer: &mut [u8; NAME_BYTES]) -> &str {
    // SAFETY: the host writes at most `NAME_BYTES` bytes to `buffer`.
    let len = unsafe { sys::component_name(buffer.as_mut_ptr(), NAME_BYTES) };
    let bytes = &buffer[..(len.max(0) as usize).min(NAME_BYTES)];
    match core::str::from_utf8(bytes) {
        Ok(name) => name,
        Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    }
}

/// Nanoseconds since boot.
pub fn time_now_ns() -> u64 {
    // SAFETY: the host function takes no memory.
    unsafe { sys::time_now_ns() as u64 }
}

/// Whether this run of the component is a restart: an earlier run of it
/// trapped, faulted or was restarted by the supervisor (its restart
/// policy, or `restart` at the shell). `false` on the first start.
///
/// Linear memory starts afresh on every run; this is how a component tells
/// a recovery from a fresh start (e.g. to skip a one-time set-up, or to
/// report that it recovered).
pub fn restarted() -> bool {
    // SAFETY: the host function takes no memory.
    unsafe { sys::restarted() != 0 }
}
