//! The host ABI of Wasm components, version 1.
//!
//! A Wasm component imports host functions from the module [`MODULE`] and
//! exports the handler functions of [`export`]. Every pointer and length
//! passed in is checked against the component's linear memory and every
//! channel, ring or device id against its grants; a violation traps the
//! component (the supervisor applies its restart policy), it never crashes
//! the runtime.
//!
//! # Bounds
//!
//! No host call does more work, or takes more of the runtime's memory, than
//! its arguments' bounds allow, whatever the guest passes:
//! - text arguments are read up to a limit and never copied whole: a log
//!   line up to [`MAX_LOG_TEXT_BYTES`] (longer lines are cut on a character
//!   boundary), a channel peer or ring name up to [`MAX_NAME_BYTES`] (a
//!   longer name is not found: `NO_SUCH_CHANNEL`, `NO_SUCH_RING`);
//! - every host call that moves bytes between linear memory and the system
//!   (log lines, call requests and replies, ring messages and batches,
//!   names copied out) costs [`FUEL_PER_BYTE`] fuel per byte moved, on top
//!   of the Wasm instructions; running out of fuel inside a host call is the
//!   same out-of-fuel trap as running out in Wasm code;
//! - ring handles are the ring ends of the description: opening an end
//!   again returns the same handle, so there are never more handles than
//!   ring ends (and never two producers or consumers of one end). The
//!   component's log ring is the runtime's own and cannot be opened.
//!
//! # Blocking and protected calls
//!
//! While a component serves a protected call (inside `protected`), its
//! caller waits for the reply. So that no caller waits on a server that
//! waits on something else, the host calls that block on a signal — `wait`
//! and `ring_wait_space` — return [`status::WOULD_BLOCK`] there instead of
//! blocking. A nested `channel_call` stays allowed: the call graph of a
//! system is checked to be acyclic when the system is built, and a callee
//! that dies answers [`status::SERVER_DIED`], so a nested call always ends.
//! A server that runs too long in `protected` runs out of fuel and traps.
//! `wait` returns [`status::NO_SUCH_CHANNEL`] for a channel the component
//! cannot be signalled on: one it does not have, a protected-call channel
//! (either end), or anything but a notification channel, a ring's channel
//! or an interrupt's channel.
//!
//! # Console output
//!
//! `log` levels 0 (raw) and 6 (text) print without a prefix, so only a
//! component granted them (`console_output` in the description) may use
//! them; a line at a level not granted, or outside 0..=6, is written at
//! level 3 (info), prefixed with the component's name. Every line not
//! written at a granted raw or text level has its control characters
//! escaped ([`console_text::Escaped`]), so it cannot start a new line or
//! carry an escape sequence.
//!
//! Messages of protected calls are byte strings of at most
//! [`MAX_MESSAGE_BYTES`], carried in the message registers as whole 8-byte
//! little-endian words (register i holds bytes 8i..8i+8): a length is rounded
//! up to a multiple of 8 with zero padding. So a Wasm component and a native
//! one that reads `get_mr(0)`, `get_mr(1)` speak the same protocol.
#![no_std]
#![forbid(unsafe_code)]

/// The import module of every host function; the suffix is the ABI version.
pub const MODULE: &str = "sel4_wasm_v1";

/// Version of this ABI.
pub const VERSION: u32 = 1;

/// Channel ids are below this (the badge layout of the kernel we run on:
/// `system_manifest::layout::MAX_CHANNELS`).
pub const MAX_CHANNEL_IDS: u8 = 27;

/// Largest message of a protected call: 120 message registers of 8 bytes.
pub const MAX_MESSAGE_BYTES: usize = 120 * 8;

/// The length a message of `len` bytes has on arrival (whole words).
pub const fn message_len_on_arrival(len: usize) -> usize {
    len.div_ceil(8) * 8
}

/// Most bytes of text one `log` call prints: a log ring's message is a level
/// byte and 255 bytes of text (`system_manifest::console::LOG_SLOT_SIZE`).
/// Longer text is cut on a character boundary.
pub const MAX_LOG_TEXT_BYTES: usize = 255;

/// Longest name `channel_by_peer` and `ring_open` look up; a longer name is
/// not found (component and ring names of descriptions are shorter).
pub const MAX_NAME_BYTES: usize = 64;

/// Fuel charged per byte a host call moves between linear memory and the
/// system (a Wasm instruction costs about 1).
pub const FUEL_PER_BYTE: u64 = 1;

/// The fuel a host call moving `bytes` bytes costs.
pub const fn fuel_for_bytes(bytes: usize) -> u64 {
    (bytes as u64).saturating_mul(FUEL_PER_BYTE)
}

pub mod console_text;

/// A value type of the host ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValType {
    I32,
    I64,
}

/// What a component's description must grant for it to import a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requires {
    /// Every component may import it.
    Nothing,
    /// An `io_ports` grant.
    IoPorts,
    /// An `irqs` grant.
    Irqs,
    /// A `device_memory` grant.
    DeviceMemory,
}

/// A host function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFunction {
    pub name: &'static str,
    pub params: &'static [ValType],
    pub results: &'static [ValType],
    pub requires: Requires,
    pub doc: &'static str,
}

use ValType::{I32, I64};

macro_rules! host_functions {
    ($($name:literal ($($p:ident),*) -> ($($r:ident),*) $req:ident: $doc:literal;)*) => {
        /// Every host function of this ABI version.
        pub const HOST_FUNCTIONS: &[HostFunction] = &[
            $(HostFunction { name: $name, params: &[$($p),*], results: &[$($r),*], requires: Requires::$req, doc: $doc },)*
        ];
    };
}

host_functions! {
    "log" (I32, I32, I32) -> () Nothing:
        "log(level, ptr, len): writes the UTF-8 text at ptr..ptr+len (at most MAX_LOG_TEXT_BYTES of it, cut on a character boundary) as one log line of `level` (1 error .. 5 trace), prefixed with the level and the component's name, control characters escaped; level 0 writes the line as it is (a shell's output), level 6 the text exactly as it is without a line end (echo, prompts), each only if the component is granted it (`console_output`): otherwise, and for any other level, the line is written at level 3 (info).";
    "wait" (I32) -> (I32) Nothing:
        "wait(channel): blocks until `channel` is signalled (a ring's peer, an interrupt, a notification); signals of other channels that arrive meanwhile are delivered to `notified` afterwards. Returns a status: NO_SUCH_CHANNEL for a channel the component cannot be signalled on (none, or a protected-call channel), WOULD_BLOCK inside `protected`.";
    "exit" (I64) -> () Nothing:
        "exit(code): ends the component (0 = success); never returns.";
    "channel_by_peer" (I32, I32) -> (I32) Nothing:
        "channel_by_peer(ptr, len): the id of the channel to the component named by the text, or a negative status (NO_SUCH_CHANNEL, also for a name longer than MAX_NAME_BYTES).";
    "channel_info" (I32, I32, I32) -> (I64) Nothing:
        "channel_info(channel, ptr, capacity): what channel id `channel` is: copies the peer's name to ptr and returns (kind << 32) | name_len, kind 0 caller, 1 callee, 2 notification; NO_SUCH_CHANNEL if the component has no such channel.";
    "channel_call" (I32, I64, I32, I32, I32, I32) -> (I64) Nothing:
        "channel_call(channel, label, request_ptr, request_len, reply_ptr, reply_capacity): a protected call; the reply's bytes are copied to reply_ptr. Returns (reply_label << 32) | reply_len, or a negative status (BAD_REPLY for a reply label above 2^31 - 1).";
    "channel_notify" (I32) -> (I32) Nothing:
        "channel_notify(channel): signals the peer. Returns a status.";
    "ring_open" (I32, I32) -> (I32) Nothing:
        "ring_open(ptr, len): a handle to the ring named by the text (this component's end; the same handle each time), or a negative status (NO_SUCH_RING, also for a name longer than MAX_NAME_BYTES and for the component's log ring).";
    "ring_end_info" (I32, I32, I32) -> (I64) Nothing:
        "ring_end_info(index, ptr, capacity): the `index`-th ring end of the component's description (0, 1, ...): copies its name to ptr and returns (flags << 32) | name_len; flags bit 0 (RING_END_CONSUMER) is the role, 0 producer, 1 consumer; on the consumer end of a log ring bits 1 and 2 (RING_END_PRODUCER_RAW, RING_END_PRODUCER_TEXT) say whether the ring's producer is granted raw and text console output. NO_SUCH_RING past the last.";
    "ring_open_end" (I32) -> (I32) Nothing:
        "ring_open_end(index): a handle to the `index`-th ring end (as `ring_end_info` numbers them; the same handle each time), or a negative status. Use it when a component holds both ends of one ring.";
    "ring_channel" (I32) -> (I32) Nothing:
        "ring_channel(ring): the channel id on which the ring's peer signals this end (to recognise it in `notified`).";
    "ring_send" (I32, I32, I32) -> (I32) Nothing:
        "ring_send(ring, ptr, len): copies a message into the ring without publishing it. Returns a status (RING_FULL when full).";
    "ring_publish" (I32) -> (I32) Nothing:
        "ring_publish(ring): makes sent messages visible, signalling the consumer if it sleeps.";
    "ring_wait_space" (I32) -> (I32) Nothing:
        "ring_wait_space(ring): publishes what was sent and blocks until the consumer has freed a slot (it is signalled to wake this end). Returns a status; WOULD_BLOCK (nothing published) inside `protected`.";
    "ring_recv" (I32, I32, I32) -> (I32) Nothing:
        "ring_recv(ring, ptr, capacity): copies the next message to ptr (the slot is copied once). Returns its length, or RING_EMPTY, or another negative status.";
    "ring_sleep" (I32) -> (I32) Nothing:
        "ring_sleep(ring): releases received messages and tells the producer this end sleeps until the next publish. Returns 1 if messages arrived meanwhile (receive again), 0 to wait for the ring's notification.";
    "ring_send_batch" (I32, I32, I32) -> (I32) Nothing:
        "ring_send_batch(ring, ptr, len): copies the messages of the batch at ptr..ptr+len into the ring without publishing them: one host call for many messages. The batch is a sequence of records, each a u32 little-endian length n, then n message bytes, then zero to three padding bytes up to a multiple of 4 (the last record's padding may be cut off by the end of the batch). Sends records in order until the batch ends or the ring is full; returns how many it sent. A record running past the end of the batch traps. If the first record cannot be sent: RING_FULL, TOO_LARGE (larger than a slot) or RING_BROKEN; an error after the first record ends the call with the count sent so far (the next call reports it).";
    "ring_recv_batch" (I32, I32, I32) -> (I32) Nothing:
        "ring_recv_batch(ring, ptr, capacity): copies as many of the next messages as fit to ptr..ptr+capacity as records of `ring_send_batch`'s format (u32 little-endian length, bytes, padding to a multiple of 4 left as it was; the last record's padding may be cut off) and returns how many it copied (each slot is copied once). RING_EMPTY if there is no message, TOO_LARGE if the first one does not fit (or capacity is below 4), RING_BROKEN, or another negative status; an error after the first message ends the call with the count so far.";
    "component_name" (I32, I32) -> (I32) Nothing:
        "component_name(ptr, capacity): copies the component's name (as the description gives it) to ptr, as much as fits; returns its whole length.";
    "time_now_ns" () -> (I64) Nothing:
        "time_now_ns(): nanoseconds since boot (from the CPU's time-stamp counter).";
    "restarted" () -> (I32) Nothing:
        "restarted(): 1 if this run of the component is a restart (an earlier run of it trapped, faulted or was restarted by the supervisor), 0 on its first start. Lets a component tell a fresh start from a recovery.";
    "io_out" (I32, I32, I32, I32) -> (I32) IoPorts:
        "io_out(width, port, value, _): writes a byte (width 1), word (2) or double word (4) to a granted IO port. Returns a status.";
    "io_in" (I32, I32) -> (I64) IoPorts:
        "io_in(width, port): reads a granted IO port. Returns the value, or a negative status.";
    "irq_ack" (I32) -> (I32) Irqs:
        "irq_ack(channel): acknowledges the interrupt that arrives on `channel`, so it can fire again. Returns a status.";
    "mmio_read32" (I32, I32) -> (I64) DeviceMemory:
        "mmio_read32(window, offset): reads 32 bits of a granted device window. Returns the value, or a negative status.";
    "mmio_write32" (I32, I32, I32) -> (I32) DeviceMemory:
        "mmio_write32(window, offset, value): writes 32 bits of a granted device window. Returns a status.";
}

/// The host function named `name`, if this ABI has it.
pub fn host_function(name: &str) -> Option<&'static HostFunction> {
    HOST_FUNCTIONS.iter().find(|f| f.name == name)
}

/// Bits of the flags `ring_end_info` returns in its upper 32 bits.
pub mod ring_end_flags {
    /// This component consumes the ring (otherwise it produces it).
    pub const CONSUMER: i64 = 1;
    /// On the consumer end of a log ring: its producer may write raw lines.
    pub const PRODUCER_RAW: i64 = 2;
    /// On the consumer end of a log ring: its producer may write text.
    pub const PRODUCER_TEXT: i64 = 4;
}

/// What a component exports for the runtime to call.
pub mod export {
    /// `init()`: called once when the component starts.
    pub const INIT: &str = "init";
    /// `notified(channel: i32)`: a signal arrived on `channel` (optional).
    pub const NOTIFIED: &str = "notified";
    /// `protected(channel: i32, label: i64, len: i32) -> i64`: a protected
    /// call whose `len` request bytes are in the message buffer; the reply
    /// is written to the message buffer and returned as
    /// `(reply_label << 32) | reply_len` (optional). The label 0xF_FFFF is
    /// the runtime's answer for a dead server (`SERVER_DIED`): a reply with
    /// it is a host-check trap, so a server cannot fake its own death.
    pub const PROTECTED: &str = "protected";
    /// `message_buffer() -> i32`: address of a buffer of
    /// [`super::MAX_MESSAGE_BYTES`] bytes in linear memory for `protected`
    /// (required with `protected`).
    pub const MESSAGE_BUFFER: &str = "message_buffer";
    /// The linear memory.
    pub const MEMORY: &str = "memory";
}

/// Negative statuses returned by host functions (0 is success).
pub mod status {
    pub const OK: i32 = 0;
    /// The server died while handling the call, or is stopped.
    pub const SERVER_DIED: i32 = -1;
    /// The component has no such channel, or cannot use it this way.
    pub const NO_SUCH_CHANNEL: i32 = -2;
    /// The component has no such ring, or is not this end of it.
    pub const NO_SUCH_RING: i32 = -3;
    pub const RING_FULL: i32 = -4;
    pub const RING_EMPTY: i32 = -5;
    /// The peer broke the ring; stop using it.
    pub const RING_BROKEN: i32 = -6;
    /// A message larger than the slot, the buffer or [`super::MAX_MESSAGE_BYTES`].
    pub const TOO_LARGE: i32 = -7;
    /// The IO port, IRQ or device offset is outside what was granted.
    pub const NOT_GRANTED: i32 = -8;
    /// The kernel refused the operation.
    pub const KERNEL_ERROR: i32 = -9;
    /// The call would block while the component serves a protected call
    /// (`wait`, `ring_wait_space` inside `protected`): its caller would wait
    /// on it. Nothing was done; try again from `init` or `notified`.
    pub const WOULD_BLOCK: i32 = -10;
    /// The server answered with a label the ABI cannot carry (above
    /// 2^31 - 1, e.g. a native server's): the reply is dropped.
    pub const BAD_REPLY: i32 = -11;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, f) in HOST_FUNCTIONS.iter().enumerate() {
            assert!(HOST_FUNCTIONS[i + 1..].iter().all(|g| g.name != f.name), "{} twice", f.name);
        }
    }

    #[test]
    fn device_functions_require_grants() {
        assert_eq!(host_function("io_out").unwrap().requires, Requires::IoPorts);
        assert_eq!(host_function("log").unwrap().requires, Requires::Nothing);
        assert_eq!(host_function("restarted").unwrap().requires, Requires::Nothing);
        assert!(host_function("fork").is_none());
    }
}
