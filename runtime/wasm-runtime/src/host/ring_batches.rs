//! Host functions that move a batch of ring messages per call: records of a
//! 4-byte little-endian length, the message, and padding to 4 bytes.

use wasm_abi::{status, MODULE};
use wasmtime::{Caller, Linker};

use super::guest_memory::{memory, range, refuse};
use super::rings::Ring;
use super::{HostState, Result};

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(
        MODULE,
        "ring_send_batch",
        |mut caller: Caller<'_, HostState>, ring: i32, ptr: i32, len: i32| -> Result<i32> {
            let memory = memory(&mut caller)?;
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let batch = &data[range(data.len(), ptr, len)?];
            let Some(Ring::Producer(producer)) = state.rings.get_mut(ring as u32 as usize) else {
                return Ok(status::NO_SUCH_RING);
            };
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
                match producer.try_send(message) {
                    Ok(()) => sent += 1,
                    // What was sent stands; the next call reports the error.
                    Err(_) if sent > 0 => break,
                    Err(pd_runtime::ring::SendError::Full) => return Ok(status::RING_FULL),
                    Err(pd_runtime::ring::SendError::TooLarge { .. }) => {
                        return Ok(status::TOO_LARGE)
                    }
                    Err(pd_runtime::ring::SendError::Ring(_)) => return Ok(status::RING_BROKEN),
                }
                // len <= batch.len(), so this cannot overflow.
                at += 4 + len.next_multiple_of(4);
            }
            Ok(sent)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_recv_batch",
        |mut caller: Caller<'_, HostState>, ring: i32, ptr: i32, capacity: i32| -> Result<i32> {
            let memory = memory(&mut caller)?;
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let target = range(data.len(), ptr, capacity)?;
            let out = &mut data[target];
            let Some(Ring::Consumer(consumer)) = state.rings.get_mut(ring as u32 as usize) else {
                return Ok(status::NO_SUCH_RING);
            };
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
                    }
                    Ok(None) if received > 0 => break,
                    Ok(None) => return Ok(status::RING_EMPTY),
                    // What was received stands; the next call reports the error.
                    Err(_) if received > 0 => break,
                    Err(pd_runtime::ring::RecvIntoError::BufferTooSmall { .. }) => {
                        return Ok(status::TOO_LARGE)
                    }
                    Err(pd_runtime::ring::RecvIntoError::Ring(_)) => {
                        return Ok(status::RING_BROKEN)
                    }
                }
            }
            // A capacity below one record header holds no message.
            Ok(if received > 0 { received } else { status::TOO_LARGE })
        },
    )?;
    Ok(())
}
