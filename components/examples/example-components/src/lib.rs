//! Shared by the example components: the calculator protocol between
//! `example-client` and `example-server`, and the message format of the
//! `ring-producer` / `ring-consumer` pair.
#![no_std]

/// Request labels of the calculator server: the same protocol as the Wasm
/// calculator's (`wasm-example-protocols`), so either kind can serve either.
pub mod op {
    pub use wasm_example_protocols::calculator::{ADD, COUNT, MULTIPLY};
}

/// Reply labels.
pub mod status {
    pub use wasm_example_protocols::calculator::status::{OK, OVERFLOW, UNKNOWN_OP};
}

/// Messages the ring producer sends: enough to wrap the ring many times.
pub const RING_MESSAGES: u64 = 100_000;

/// A ring message: a sequence number and a value derived from it, so the
/// consumer can tell lost, duplicated, reordered and corrupted messages apart.
pub fn ring_message(sequence: u64) -> [u8; 16] {
    let mut message = [0; 16];
    message[..8].copy_from_slice(&sequence.to_le_bytes());
    message[8..].copy_from_slice(&sequence.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
    message
}

/// The sequence number of a well-formed ring message.
pub fn ring_sequence(message: &[u8]) -> Option<u64> {
    let sequence = u64::from_le_bytes(message.get(..8)?.try_into().ok()?);
    (message.len() == 16 && message == ring_message(sequence)).then_some(sequence)
}
