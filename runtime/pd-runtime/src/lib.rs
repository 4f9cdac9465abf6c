//! Runtime of a native component: what runs in a protection domain around
//! the component's own code.
//!
//! A component is written in the handler style:
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use pd_runtime::{Channel, Handler, MessageInfo};
//!
//! pd_runtime::main!(init);
//!
//! fn init() -> Server { Server { calls: 0 } }
//!
//! struct Server { calls: u64 }
//! impl Handler for Server {
//!     fn protected(&mut self, channel: Channel, request: MessageInfo) -> MessageInfo {
//!         self.calls += 1;
//!         pd_runtime::set_mr(0, pd_runtime::get_mr(0) * 2);
//!         MessageInfo::new(0, 0, 0, 1)
//!     }
//! }
//! ```
//! Channels are named by the ids the system description gives them
//! ([`Channel::new`]) or by the peer ([`Channel::to`]); the runtime maps them
//! to capabilities. Rings are opened by name ([`ring::RingProducer::open`]).
//!
//! The runtime provides the entry point, a heap (`alloc` works), a `log`
//! backend that prefixes each line with the component's name, a panic
//! handler (the panic is printed, then the component faults so that the
//! supervisor applies its restart policy), and the event loop that calls
//! [`Handler::notified`] and [`Handler::protected`].
#![no_std]

extern crate alloc;

mod channel;
mod config;
mod entry;
mod event_loop;
mod global;
mod heap;
mod logging;
mod message;
mod panic;
pub mod ring;
pub mod stats;
pub mod time;
mod wasm_module;

pub use channel::{CallError, Channel};
pub use config::{config, name};
pub use entry::restarted;
pub use event_loop::{run, wait_for, Handler};
pub use logging::write_line;
/// The kernel bindings, for components that need more than the runtime offers.
pub use sel4;
pub use sel4::MessageInfo;
pub use wasm_module::wasm_module;

/// Message register `i` of the current message.
pub fn get_mr(i: usize) -> u64 {
    sel4::with_ipc_buffer(|b| b.msg[i] as u64)
}

/// Sets message register `i` of the next message.
pub fn set_mr(i: usize, value: u64) {
    sel4::with_ipc_buffer(|b| b.msg[i] = value as sel4::Word)
}

/// Ends this component with `code` (0 = success): the supervisor records it
/// and the component never runs again.
pub fn exit(code: u64) -> ! {
    use system_manifest::ipc::label;
    use system_manifest::layout::slot;
    set_mr(0, code);
    sel4::call(
        sel4::CPtr::from_bits(slot::FAULT_ENDPOINT as sel4::Word),
        MessageInfo::new(label::EXIT as sel4::Word, 0, 0, 1),
    );
    // The supervisor suspends us instead of answering.
    loop {
        sel4::yield_now();
    }
}

/// Declares the component's `init`: a function returning its [`Handler`].
#[macro_export]
macro_rules! main {
    ($init:path) => {
        #[no_mangle]
        fn __pd_runtime_main() -> ! {
            let mut handler = $init();
            $crate::run(&mut handler)
        }
    };
}
