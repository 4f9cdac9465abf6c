//! Host functions on shared-memory rings, one message at a time: opening a
//! ring end of the component's config, describing it, sending, publishing,
//! receiving and sleeping until there is something to receive.

use pd_runtime::ring::{RingConsumer, RingProducer};
use system_manifest::ArchivedRingRole;
use wasm_abi::{ring_end_flags, status, MODULE};
use wasmtime::{Caller, Linker};

use super::guest_memory::{charge, copy_out, memory, range, read_name};
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
            let Some(name) = read_name(&mut caller, ptr, len)? else {
                return Ok(status::NO_SUCH_RING);
            };
            // The first end of that name (a component holding both ends of
            // one ring opens them with `ring_open_end`).
            let Some(index) =
                pd_runtime::config().rings.iter().position(|r| r.name.as_bytes() == name)
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
            Ok(open_end(&mut caller, index as u32 as usize))
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
            let mut flags = match end.role {
                ArchivedRingRole::Producer => 0i64,
                ArchivedRingRole::Consumer => ring_end_flags::CONSUMER,
            };
            if end.producer_output.raw {
                flags |= ring_end_flags::PRODUCER_RAW;
            }
            if end.producer_output.text {
                flags |= ring_end_flags::PRODUCER_TEXT;
            }
            Ok((flags << 32) | name_len as i64)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "ring_channel",
        |caller: Caller<'_, HostState>, ring: i32| -> Result<i32> {
            Ok(match caller.data().ring(ring) {
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
            let message = range(memory.data_size(&caller), ptr, len)?;
            if !matches!(caller.data().ring(ring), Some(Ring::Producer(_))) {
                return Ok(status::NO_SUCH_RING);
            }
            charge(&mut caller, message.len())?;
            let (data, state) = memory.data_and_store_mut(&mut caller);
            let Some(Ring::Producer(producer)) = state.ring_mut(ring) else {
                return Ok(status::NO_SUCH_RING);
            };
            let message = &data[message];
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
            let Some(Ring::Producer(producer)) = caller.data_mut().ring_mut(ring) else {
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
            let state = caller.data_mut();
            let serving = state.serving;
            let Some(Ring::Producer(producer)) = state.ring_mut(ring) else {
                return Ok(status::NO_SUCH_RING);
            };
            // Its caller would wait on the consumer.
            if serving {
                return Ok(status::WOULD_BLOCK);
            }
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
            let Some(Ring::Consumer(consumer)) = state.ring_mut(ring) else {
                return Ok(status::NO_SUCH_RING);
            };
            // The slot is copied once, straight into linear memory, then paid for.
            Ok(match consumer.recv_into(&mut data[target]) {
                Ok(Some(len)) => {
                    charge(&mut caller, len)?;
                    len as i32
                }
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
            let Some(Ring::Consumer(consumer)) = caller.data_mut().ring_mut(ring) else {
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

/// Opens ring end `index` of the config once; its handle (the index), or
/// NO_SUCH_RING past the last end and for the component's log ring (the
/// runtime's own producer of it would get a rival).
fn open_end(caller: &mut Caller<'_, HostState>, index: usize) -> i32 {
    let config = pd_runtime::config();
    let Some(end) = config.rings.get(index) else {
        return status::NO_SUCH_RING;
    };
    if config.log_ring.as_ref().is_some_and(|log| log.as_str() == end.name.as_str())
        && end.role == ArchivedRingRole::Producer
    {
        return status::NO_SUCH_RING;
    }
    let Ok(handle) = i32::try_from(index) else {
        return status::NO_SUCH_RING;
    };
    let Some(slot) = caller.data_mut().rings.get_mut(index) else {
        return status::NO_SUCH_RING;
    };
    if slot.is_none() {
        *slot = Some(match end.role {
            ArchivedRingRole::Producer => Ring::Producer(RingProducer::open_end(end)),
            ArchivedRingRole::Consumer => Ring::Consumer(RingConsumer::open_end(end)),
        });
    }
    handle
}

impl HostState {
    /// The open ring end of handle `ring`.
    pub(super) fn ring(&self, ring: i32) -> Option<&Ring> {
        self.rings.get(usize::try_from(ring).ok()?)?.as_ref()
    }

    pub(super) fn ring_mut(&mut self, ring: i32) -> Option<&mut Ring> {
        self.rings.get_mut(usize::try_from(ring).ok()?)?.as_mut()
    }
}
