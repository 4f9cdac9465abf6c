//! The handler model and the exports the runtime calls.
//!
//! [`crate::component!`]`(init)` defines, for the handler type `H` that
//! `init` returns:
//! - `init()`: calls `init` and keeps its handler in a static;
//! - `notified(channel: i32)`: [`Handler::notified`];
//! - `protected(channel: i32, label: i64, len: i32) -> i64`: hands the `len`
//!   request bytes of the message buffer to [`Handler::protected`], whose
//!   reply is written to the message buffer, and returns the
//!   [`Reply::pack`]ed reply;
//! - `message_buffer() -> i32`: the address of the message buffer.

use core::cell::UnsafeCell;
use core::mem::{align_of, size_of, MaybeUninit};
use core::sync::atomic::{AtomicU8, Ordering};

use wasm_abi::MAX_MESSAGE_BYTES;

use crate::{Channel, Reply};

/// What a component does when something arrives.
pub trait Handler {
    /// A signal arrived on `channel` (a notification channel, a ring's
    /// channel, or an interrupt).
    fn notified(&mut self, channel: Channel) {
        crate::warn!("unhandled notification on channel {}", channel.id());
    }

    /// A protected call with `label` and `request` arrived on `channel`;
    /// write the reply's bytes to the start of `reply` (of
    /// [`MAX_MESSAGE_BYTES`]) and return its label (at most
    /// [`Reply::MAX_LABEL`]) and length.
    ///
    /// Messages travel as whole 8-byte words: `request` is the caller's
    /// bytes padded with zeros to a multiple of 8, and the caller receives
    /// the reply padded the same way. Protocols carry their own lengths, or
    /// use fixed-size fields, or trailing zeros that mean nothing.
    fn protected(
        &mut self,
        channel: Channel,
        label: u64,
        request: &[u8],
        reply: &mut [u8],
    ) -> Reply {
        let _ = (request, reply);
        crate::warn!("unhandled protected call on channel {} (label {label})", channel.id());
        Reply::empty(0)
    }
}

/// The size of the handler that `init` returns (what the macro sizes the
/// handler's static with).
pub const fn size_of_output<H>(_init: fn() -> H) -> usize {
    size_of::<H>()
}

/// Largest alignment of a handler type.
pub const MAX_ALIGN: usize = 16;

#[repr(C, align(16))]
struct Aligned<const N: usize>([u8; N]);

const EMPTY: u8 = 0;
const READY: u8 = 1;
const BUSY: u8 = 2;

/// Where the handler lives: `N` bytes, `H` once `init` has run. Wasm
/// components are single-threaded; the state also catches re-entry (an
/// export called while another runs), which would alias the handler.
pub struct HandlerCell<const N: usize> {
    state: AtomicU8,
    handler: UnsafeCell<MaybeUninit<Aligned<N>>>,
}

// SAFETY: the handler is reached only through `state`'s BUSY claim.
unsafe impl<const N: usize> Sync for HandlerCell<N> {}

impl<const N: usize> HandlerCell<N> {
    pub const fn new() -> Self {
        HandlerCell { state: AtomicU8::new(EMPTY), handler: UnsafeCell::new(MaybeUninit::uninit()) }
    }

    fn claim(&self, from: u8, what: &str) {
        if let Err(state) =
            self.state.compare_exchange(from, BUSY, Ordering::Acquire, Ordering::Relaxed)
        {
            match state {
                EMPTY => panic!("`{what}` called before `init`"),
                READY => panic!("`init` called twice"),
                _ => panic!("`{what}` called while the component was handling another event"),
            }
        }
    }

    fn check<H>() {
        assert!(
            size_of::<H>() == N && align_of::<H>() <= MAX_ALIGN,
            "the handler does not fit its cell"
        );
    }

    /// Runs `init` and keeps the handler it returns.
    pub fn init<H: Handler>(&self, init: fn() -> H) {
        Self::check::<H>();
        self.claim(EMPTY, "init");
        let handler = init();
        // SAFETY: the cell holds N = size_of::<H>() bytes aligned to at least
        // align_of::<H>(), and BUSY gives this call sole access.
        unsafe { (self.handler.get() as *mut H).write(handler) };
        self.state.store(READY, Ordering::Release);
    }

    /// Runs `event` on the handler.
    pub fn with<H: Handler, R>(&self, what: &str, event: impl FnOnce(&mut H) -> R) -> R {
        Self::check::<H>();
        self.claim(READY, what);
        // SAFETY: READY means `init` wrote an H here; BUSY gives this call
        // sole access until the store below.
        let result = event(unsafe { &mut *(self.handler.get() as *mut H) });
        self.state.store(READY, Ordering::Release);
        result
    }
}

impl<const N: usize> Default for HandlerCell<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The message buffer of protected calls.
pub struct MessageBuffer(UnsafeCell<Aligned<MAX_MESSAGE_BYTES>>);

// SAFETY: used only by `protected`, under the handler cell's BUSY claim
// (`message_buffer` only takes its address).
unsafe impl Sync for MessageBuffer {}

impl MessageBuffer {
    pub const fn new() -> Self {
        MessageBuffer(UnsafeCell::new(Aligned([0; MAX_MESSAGE_BYTES])))
    }

    pub fn address(&self) -> *mut u8 {
        self.0.get() as *mut u8
    }
}

impl Default for MessageBuffer {
    fn default() -> Self {
        Self::new()
    }
}

/// An address in linear memory as the exports return it.
#[cfg(target_arch = "wasm32")]
pub type Address = i32;
#[cfg(not(target_arch = "wasm32"))]
pub type Address = usize;

pub fn init<H: Handler, const N: usize>(cell: &HandlerCell<N>, init: fn() -> H) {
    cell.init(init)
}

pub fn notified<H: Handler, const N: usize>(cell: &HandlerCell<N>, _init: fn() -> H, channel: i32) {
    cell.with("notified", |handler: &mut H| handler.notified(Channel::from_abi(channel)))
}

pub fn protected<H: Handler, const N: usize>(
    cell: &HandlerCell<N>,
    _init: fn() -> H,
    buffer: &MessageBuffer,
    channel: i32,
    label: i64,
    len: i32,
) -> i64 {
    cell.with("protected", |handler: &mut H| {
        let len = (len as usize).min(MAX_MESSAGE_BYTES);
        // The request is copied out so the handler can write the reply
        // over the buffer while reading the request. Only its `len` bytes
        // are written and read: zeroing the whole array first cost about
        // 180 guest instructions per call (`cargo xtask bench`).
        let mut request = core::mem::MaybeUninit::<[u8; MAX_MESSAGE_BYTES]>::uninit();
        // SAFETY: the cell's BUSY claim makes this the buffer's only user;
        // the runtime does not touch it while the component runs.
        let message = unsafe { &mut (*buffer.0.get()).0 };
        let request_start = request.as_mut_ptr() as *mut u8;
        // SAFETY: `len <= MAX_MESSAGE_BYTES` bytes are copied between two
        // distinct arrays of that size; the slice covers exactly the bytes
        // written.
        let request = unsafe {
            core::ptr::copy_nonoverlapping(message.as_ptr(), request_start, len);
            core::slice::from_raw_parts(request_start, len)
        };
        let reply = handler.protected(Channel::from_abi(channel), label as u64, request, message);
        assert!(
            reply.len <= MAX_MESSAGE_BYTES,
            "reply of {} bytes, above {MAX_MESSAGE_BYTES}",
            reply.len
        );
        reply.pack()
    })
}

pub fn message_buffer(buffer: &MessageBuffer) -> Address {
    buffer.address() as usize as Address
}

/// Defines the component's exports around `init`, a function that returns
/// its [`Handler`]:
/// ```ignore
/// sel4_wasm_sdk::component!(init);
/// fn init() -> MyHandler { ... }
/// ```
/// On the host (unit tests) the exports are compiled but not exported.
#[macro_export]
macro_rules! component {
    ($init:path) => {
        const _: () = {
            use $crate::component as __c;
            const __SIZE: usize = __c::size_of_output($init as fn() -> _);
            static __HANDLER: __c::HandlerCell<__SIZE> = __c::HandlerCell::new();
            static __MESSAGE: __c::MessageBuffer = __c::MessageBuffer::new();

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "init"))]
            #[allow(dead_code)]
            pub extern "C" fn __sel4_wasm_init() {
                __c::init(&__HANDLER, $init)
            }

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "notified"))]
            #[allow(dead_code)]
            pub extern "C" fn __sel4_wasm_notified(channel: i32) {
                __c::notified(&__HANDLER, $init, channel)
            }

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "protected"))]
            #[allow(dead_code)]
            pub extern "C" fn __sel4_wasm_protected(channel: i32, label: i64, len: i32) -> i64 {
                __c::protected(&__HANDLER, $init, &__MESSAGE, channel, label, len)
            }

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "message_buffer"))]
            #[allow(dead_code)]
            pub extern "C" fn __sel4_wasm_message_buffer() -> __c::Address {
                __c::message_buffer(&__MESSAGE)
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{self, Call};

    struct Doubler {
        calls: u64,
        notified: std::vec::Vec<u8>,
    }

    fn make() -> Doubler {
        Doubler { calls: 0, notified: std::vec::Vec::new() }
    }

    impl Handler for Doubler {
        fn notified(&mut self, channel: Channel) {
            self.notified.push(channel.id());
        }
        fn protected(&mut self, _: Channel, label: u64, request: &[u8], reply: &mut [u8]) -> Reply {
            self.calls += 1;
            // Writes over the buffer the request came in: must still read it whole.
            let mut len = 0;
            for (i, byte) in request.iter().enumerate() {
                reply[2 * i] = *byte;
                reply[2 * i + 1] = *byte;
                len += 2;
            }
            Reply::new(label + 1, len)
        }
    }

    const SIZE: usize = size_of_output(make as fn() -> _);

    #[test]
    fn protected_reads_the_request_and_packs_the_reply() {
        let cell = HandlerCell::<SIZE>::new();
        let buffer = MessageBuffer::new();
        init(&cell, make);
        let address = buffer.address();
        // SAFETY: the test is the buffer's only user.
        unsafe { core::ptr::copy_nonoverlapping(b"abc".as_ptr(), address, 3) };
        let packed = protected(&cell, make, &buffer, 0, 41, 3);
        assert_eq!(packed, (42 << 32) | 6);
        assert_eq!(Reply::unpack(packed), Ok(Reply::new(42, 6)));
        // SAFETY: as above.
        assert_eq!(unsafe { core::slice::from_raw_parts(address, 6) }, b"aabbcc");
        notified(&cell, make, 7);
        cell.with("test", |h: &mut Doubler| {
            assert_eq!(h.calls, 1);
            assert_eq!(h.notified, [7]);
        });
    }

    #[test]
    #[should_panic(expected = "called before `init`")]
    fn events_before_init_trap() {
        let cell = HandlerCell::<SIZE>::new();
        notified(&cell, make, 0);
    }

    #[test]
    #[should_panic(expected = "while the component was handling another event")]
    fn reentry_traps() {
        let cell = HandlerCell::<SIZE>::new();
        init(&cell, make);
        cell.with("outer", |_: &mut Doubler| notified(&cell, make, 0));
    }

    struct Quiet;
    impl Handler for Quiet {}

    #[test]
    fn default_handlers_warn() {
        mock::reset();
        let cell = HandlerCell::<0>::new();
        let buffer = MessageBuffer::new();
        init(&cell, || Quiet);
        notified(&cell, || Quiet, 3);
        assert_eq!(protected(&cell, || Quiet, &buffer, 1, 9, 0), 0);
        let calls = mock::calls();
        assert!(
            matches!(&calls[0], Call::Log { level: 2, text } if text.contains("notification on channel 3"))
        );
        assert!(matches!(&calls[1], Call::Log { level: 2, text } if text.contains("label 9")));
    }

    // The macro compiles on the host too.
    mod with_macro {
        use super::*;
        crate::component!(make);
    }
}
