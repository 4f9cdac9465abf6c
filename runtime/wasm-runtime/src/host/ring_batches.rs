//! Host functions that move a batch of ring messages per call: records of a
//! 4-byte little-endian length, the message, and padding to 4 bytes. Each
//! record moved is paid for in fuel (its header and message bytes).

use pd_runtime::ring::{RecvIntoError, RingConsumer, RingProducer, SendError};
use wasm_abi::{status, MODULE};
use wasmtime::{Caller, Linker, Trap};

use super::guest_memory::{memory, range, refuse};
use super::rings::Ring;
use super::{HostState, Result};

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(
        MODULE,
        "ring_send_batch",
        |mut caller: Caller<'_, HostState>, ring: i32, ptr: i32, len: i32| -> Result<i32> {
            let memory = memory(&mut caller)?;
            let mut fuel = Fuel::of(&caller)?;
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let batch = &data[range(data.len(), ptr, len)?];
            let Some(Ring::Producer(producer)) = state.ring_mut(ring) else {
                return Ok(status::NO_SUCH_RING);
            };
            let result = send_records(producer, batch, &mut fuel);
            // What was sent is paid for, whatever the result.
            fuel.settle(&mut caller)?;
            result
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_recv_batch",
        |mut caller: Caller<'_, HostState>, ring: i32, ptr: i32, capacity: i32| -> Result<i32> {
            let memory = memory(&mut caller)?;
            let mut fuel = Fuel::of(&caller)?;
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let target = range(data.len(), ptr, capacity)?;
            let Some(Ring::Consumer(consumer)) = state.ring_mut(ring) else {
                return Ok(status::NO_SUCH_RING);
            };
            let result = receive_records(consumer, &mut data[target], &mut fuel);
            fuel.settle(&mut caller)?;
            result
        },
    )?;
    Ok(())
}

/// The fuel left, spent record by record inside a batch call and written
/// back once ([`Fuel::settle`]).
struct Fuel {
    left: u64,
    ran_out: bool,
}

impl Fuel {
    fn of(caller: &Caller<'_, HostState>) -> Result<Fuel> {
        Ok(Fuel { left: caller.get_fuel()?, ran_out: false })
    }

    /// Pays for moving `bytes`; `false` (and nothing paid) if too little is left.
    fn pay(&mut self, bytes: usize) -> bool {
        match self.left.checked_sub(wasm_abi::fuel_for_bytes(bytes)) {
            Some(left) => {
                self.left = left;
                true
            }
            None => {
                self.ran_out = true;
                false
            }
        }
    }

    /// Writes the fuel back; out of fuel is the guest's out-of-fuel trap.
    fn settle(self, caller: &mut Caller<'_, HostState>) -> Result<()> {
        if self.ran_out {
            caller.set_fuel(0)?;
            return Err(Trap::OutOfFuel.into());
        }
        caller.set_fuel(self.left)
    }
}

/// Sends the records of `batch` (inside linear memory) in order; how many.
fn send_records(producer: &mut RingProducer, batch: &[u8], fuel: &mut Fuel) -> Result<i32> {
    let mut sent = 0i32;
    let mut at = 0usize;
    while at < batch.len() {
        // Every record lies inside the batch, which lies inside linear memory.
        let Some(&[a, b, c, d]) = batch.get(at..at + 4) else {
            return Err(refuse("a batch record header past the end of the batch"));
        };
        let len = u32::from_le_bytes([a, b, c, d]) as usize;
        let Some(message) = batch.get(at + 4..).and_then(|rest| rest.get(..len)) else {
            return Err(refuse("a batch record past the end of the batch"));
        };
        if !fuel.pay(4 + len) {
            return Ok(sent);
        }
        match producer.try_send(message) {
            Ok(()) => sent += 1,
            // What was sent stands; the next call reports the error.
            Err(_) if sent > 0 => break,
            Err(SendError::Full) => return Ok(status::RING_FULL),
            Err(SendError::TooLarge { .. }) => return Ok(status::TOO_LARGE),
            Err(SendError::Ring(_)) => return Ok(status::RING_BROKEN),
        }
        // len <= batch.len(), so this cannot overflow.
        at += 4 + len.next_multiple_of(4);
    }
    Ok(sent)
}

/// Receives messages into `out` as batch records while they fit; how many.
fn receive_records(consumer: &mut RingConsumer, out: &mut [u8], fuel: &mut Fuel) -> Result<i32> {
    let mut received = 0i32;
    let mut at = 0usize;
    // Invariant: at <= out.len().
    while out.len() - at >= 4 {
        // Each slot is copied once, straight into linear memory.
        match consumer.recv_into(&mut out[at + 4..]) {
            Ok(Some(len)) => {
                out[at..at + 4].copy_from_slice(&(len as u32).to_le_bytes());
                received += 1;
                at = (at + 4 + len.next_multiple_of(4)).min(out.len());
                if !fuel.pay(4 + len) {
                    return Ok(received);
                }
            }
            Ok(None) if received > 0 => break,
            Ok(None) => return Ok(status::RING_EMPTY),
            // What was received stands; the next call reports the error.
            Err(_) if received > 0 => break,
            Err(RecvIntoError::BufferTooSmall { .. }) => return Ok(status::TOO_LARGE),
            Err(RecvIntoError::Ring(_)) => return Ok(status::RING_BROKEN),
        }
    }
    // A capacity below one record header holds no message.
    Ok(if received > 0 { received } else { status::TOO_LARGE })
}
