//! Host functions on shared-memory rings, one message at a time: opening a
//! ring end of the component's config, describing it, sending, publishing,
//! receiving and sleeping until there is something to receive.

use pd_runtime::ring::{RingConsumer, RingProducer};
use system_manifest::ArchivedRingRole;
use wasm_abi::{status, MODULE};
use wasmtime::{Caller, Linker};

use super::guest_memory::{copy_out, memory, range, read_str};
use super::{HostState, Result};

/// A ring end the module opened.
pub(super) enum Ring {
    Producer(RingProducer),
    Consumer(RingConsumer),
}

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(
        MODULE,
        "ring_open",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> Result<i32> {
            let name = read_str(&mut caller, ptr, len)?;
            let Some(index) =
                pd_runtime::config().rings.iter().position(|r| r.name.as_str() == name)
            else {
                return Ok(status::NO_SUCH_RING);
            };
            Ok(open_end(&mut caller, index))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_open_end",
        |mut caller: Caller<'_, HostState>, index: i32| -> Result<i32> {
            let index = index as u32 as usize;
            if index >= pd_runtime::config().rings.len() {
                return Ok(status::NO_SUCH_RING);
            }
            Ok(open_end(&mut caller, index))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_end_info",
        |mut caller: Caller<'_, HostState>, index: i32, ptr: i32, capacity: i32| -> Result<i64> {
            let Some(end) = pd_runtime::config().rings.get(index as u32 as usize) else {
                return Ok(status::NO_SUCH_RING as i64);
            };
            let name_len = copy_out(&mut caller, ptr, capacity, end.name.as_bytes())?;
            let role = match end.role {
                ArchivedRingRole::Producer => 0i64,
                ArchivedRingRole::Consumer => 1,
            };
            Ok((role << 32) | name_len as i64)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_channel",
        |caller: Caller<'_, HostState>, ring: i32| -> Result<i32> {
            Ok(match caller.data().rings.get(ring as u32 as usize) {
                Some(Ring::Producer(p)) => p.channel().id() as i32,
                Some(Ring::Consumer(c)) => c.channel().id() as i32,
                None => status::NO_SUCH_RING,
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_send",
        |mut caller: Caller<'_, HostState>, ring: i32, ptr: i32, len: i32| -> Result<i32> {
            let memory = memory(&mut caller)?;
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let message = &data[range(data.len(), ptr, len)?];
            let Some(Ring::Producer(producer)) = state.rings.get_mut(ring as u32 as usize) else {
                return Ok(status::NO_SUCH_RING);
            };
            Ok(match producer.try_send(message) {
                Ok(()) => status::OK,
                Err(pd_runtime::ring::SendError::Full) => status::RING_FULL,
                Err(pd_runtime::ring::SendError::TooLarge { .. }) => status::TOO_LARGE,
                Err(pd_runtime::ring::SendError::Ring(_)) => status::RING_BROKEN,
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_publish",
        |mut caller: Caller<'_, HostState>, ring: i32| -> Result<i32> {
            let Some(Ring::Producer(producer)) =
                caller.data_mut().rings.get_mut(ring as u32 as usize)
            else {
                return Ok(status::NO_SUCH_RING);
            };
            producer.publish();
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_wait_space",
        |mut caller: Caller<'_, HostState>, ring: i32| -> Result<i32> {
            let Some(Ring::Producer(producer)) =
                caller.data_mut().rings.get_mut(ring as u32 as usize)
            else {
                return Ok(status::NO_SUCH_RING);
            };
            Ok(match producer.wait_for_space() {
                Ok(()) => status::OK,
                Err(_) => status::RING_BROKEN,
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_recv",
        |mut caller: Caller<'_, HostState>, ring: i32, ptr: i32, capacity: i32| -> Result<i32> {
            let memory = memory(&mut caller)?;
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let target = range(data.len(), ptr, capacity)?;
            let Some(Ring::Consumer(consumer)) = state.rings.get_mut(ring as u32 as usize) else {
                return Ok(status::NO_SUCH_RING);
            };
            // The slot is copied once, straight into linear memory.
            Ok(match consumer.recv_into(&mut data[target]) {
                Ok(Some(len)) => len as i32,
                Ok(None) => status::RING_EMPTY,
                Err(pd_runtime::ring::RecvIntoError::BufferTooSmall { .. }) => status::TOO_LARGE,
                Err(pd_runtime::ring::RecvIntoError::Ring(_)) => status::RING_BROKEN,
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_sleep",
        |mut caller: Caller<'_, HostState>, ring: i32| -> Result<i32> {
            let Some(Ring::Consumer(consumer)) =
                caller.data_mut().rings.get_mut(ring as u32 as usize)
            else {
                return Ok(status::NO_SUCH_RING);
            };
            Ok(match consumer.sleep() {
                Ok(ready) => ready as i32,
                Err(_) => status::RING_BROKEN,
            })
        },
    )?;
    Ok(())
}

/// Opens ring end `index` of the config; its handle.
fn open_end(caller: &mut Caller<'_, HostState>, index: usize) -> i32 {
    let end = &pd_runtime::config().rings[index];
    let ring = match end.role {
        ArchivedRingRole::Producer => Ring::Producer(RingProducer::open_end(end)),
        ArchivedRingRole::Consumer => Ring::Consumer(RingConsumer::open_end(end)),
    };
    let rings = &mut caller.data_mut().rings;
    rings.push(ring);
    rings.len() as i32 - 1
}
