//! The host ABI (`wasm-abi`, module `sel4_wasm_v1`): what a Wasm component
//! may ask of its protection domain. Every pointer and length is checked
//! against the module's linear memory and every id against the component's
//! grants: a bad pointer is a trap, a bad id a negative status; neither can
//! make the runtime touch anything it should not.

use alloc::vec::Vec;

use pd_runtime::ring::{RingConsumer, RingProducer};
use pd_runtime::sel4::{self, CPtr, Word};
use pd_runtime::{get_mr, set_mr, CallError, Channel, MessageInfo};
use system_manifest::ArchivedRingRole;
use wasm_abi::{status, MAX_MESSAGE_BYTES, MODULE};
use wasmtime::{Caller, Engine, Extern, Linker, Memory, StoreLimits, StoreLimitsBuilder};

/// What the runtime keeps per module instance.
pub struct HostState {
    pub limits: StoreLimits,
    /// The module's linear memory, once instantiated.
    pub memory: Option<Memory>,
    /// Rings opened by the module; a handle is an index.
    rings: Vec<Ring>,
}

enum Ring {
    Producer(RingProducer),
    Consumer(RingConsumer),
}

impl HostState {
    pub fn new(memory_limit: usize) -> HostState {
        HostState {
            limits: StoreLimitsBuilder::new()
                .memory_size(memory_limit)
                .memories(1)
                .tables(4)
                .instances(1)
                .build(),
            memory: None,
            rings: Vec::new(),
        }
    }
}

type Result<T> = wasmtime::Result<T>;

fn refuse(what: &str) -> wasmtime::Error {
    wasmtime::Error::msg(alloc::format!("host function refused its arguments: {what}"))
}

fn memory(caller: &mut Caller<'_, HostState>) -> Result<Memory> {
    if let Some(memory) = caller.data().memory {
        return Ok(memory);
    }
    match caller.get_export(wasm_abi::export::MEMORY) {
        Some(Extern::Memory(memory)) => {
            caller.data_mut().memory = Some(memory);
            Ok(memory)
        }
        _ => Err(refuse("the module exports no memory")),
    }
}

/// `ptr..ptr + len` of linear memory, checked.
fn range(data_len: usize, ptr: i32, len: i32) -> Result<core::ops::Range<usize>> {
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    match ptr.checked_add(len) {
        Some(end) if end <= data_len => Ok(ptr..end),
        _ => Err(refuse("a pointer and length outside linear memory")),
    }
}

fn read_bytes<'a>(caller: &'a mut Caller<'_, HostState>, ptr: i32, len: i32) -> Result<&'a [u8]> {
    let memory = memory(caller)?;
    let data = memory.data(&*caller);
    let r = range(data.len(), ptr, len)?;
    Ok(&data[r])
}

/// Copies as much of `bytes` as fits to `ptr..ptr + capacity` of linear
/// memory (checked); returns the whole length, so the guest can tell a cut.
fn copy_out(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    capacity: i32,
    bytes: &[u8],
) -> Result<usize> {
    let memory = memory(caller)?;
    let data = memory.data_mut(&mut *caller);
    let target = range(data.len(), ptr, capacity)?;
    let copied = bytes.len().min(target.len());
    data[target.start..target.start + copied].copy_from_slice(&bytes[..copied]);
    Ok(bytes.len())
}

fn read_str(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    len: i32,
) -> Result<alloc::string::String> {
    let bytes = read_bytes(caller, ptr, len)?;
    Ok(alloc::string::String::from_utf8_lossy(bytes).into_owned())
}

pub fn linker(engine: &Engine) -> Linker<HostState> {
    let mut linker = Linker::new(engine);
    define(&mut linker).expect("the host ABI links");
    linker
}

fn define(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(
        MODULE,
        "log",
        |mut caller: Caller<'_, HostState>, level: i32, ptr: i32, len: i32| -> Result<()> {
            let text = read_str(&mut caller, ptr, len)?;
            // Levels as in `layout::console::level`: 0 raw, 1 error .. 5 trace, 6 text.
            pd_runtime::write_line(level.clamp(0, 6) as u8, format_args!("{text}"));
            Ok(())
        },
    )?;
    linker.func_wrap(MODULE, "wait", |channel: i32| -> Result<i32> {
        let Some(channel) =
            u8::try_from(channel).ok().filter(|&c| c < system_manifest::layout::MAX_CHANNELS)
        else {
            return Ok(status::NO_SUCH_CHANNEL);
        };
        pd_runtime::wait_for(Channel::from_id(channel));
        Ok(status::OK)
    })?;
    linker
        .func_wrap(MODULE, "exit", |code: i64| -> Result<()> { pd_runtime::exit(code as u64) })?;
    linker.func_wrap(
        MODULE,
        "channel_by_peer",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> Result<i32> {
            let peer = read_str(&mut caller, ptr, len)?;
            let config = pd_runtime::config();
            Ok(config
                .channels
                .iter()
                .find(|c| c.peer.as_str() == peer)
                .map_or(status::NO_SUCH_CHANNEL, |c| c.id as i32))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "channel_info",
        |mut caller: Caller<'_, HostState>, channel: i32, ptr: i32, capacity: i32| -> Result<i64> {
            let Some(end) =
                pd_runtime::config().channels.iter().find(|c| i32::from(c.id) == channel)
            else {
                return Ok(status::NO_SUCH_CHANNEL as i64);
            };
            let kind = match end.kind {
                system_manifest::ArchivedChannelEndKind::Caller { .. } => 0i64,
                system_manifest::ArchivedChannelEndKind::Callee => 1,
                system_manifest::ArchivedChannelEndKind::Notification { .. } => 2,
            };
            let name_len = copy_out(&mut caller, ptr, capacity, end.peer.as_bytes())?;
            Ok((kind << 32) | name_len as i64)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "channel_call",
        |mut caller: Caller<'_, HostState>,
         channel: i32,
         label: i64,
         ptr: i32,
         len: i32,
         reply_ptr: i32,
         reply_cap: i32|
         -> Result<i64> {
            let Some(channel) = u8::try_from(channel).ok().and_then(Channel::try_new) else {
                return Ok(status::NO_SUCH_CHANNEL as i64);
            };
            if len as u32 as usize > MAX_MESSAGE_BYTES {
                return Ok(status::TOO_LARGE as i64);
            }
            let request = read_bytes(&mut caller, ptr, len)?;
            let words = request.len().div_ceil(8);
            for i in 0..words {
                let chunk = &request[i * 8..request.len().min(i * 8 + 8)];
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                set_mr(i, u64::from_le_bytes(word));
            }
            let reply = match channel.call(MessageInfo::new(label as Word, 0, 0, words)) {
                Ok(reply) => reply,
                Err(CallError::ServerDied) => return Ok(status::SERVER_DIED as i64),
                Err(CallError::NotACaller { .. }) => return Ok(status::NO_SUCH_CHANNEL as i64),
            };
            let memory = memory(&mut caller)?;
            let data = memory.data_mut(&mut caller);
            let target = range(data.len(), reply_ptr, reply_cap)?;
            let reply_len = (reply.length() * 8).min(target.len());
            let out = &mut data[target.start..target.start + reply_len];
            for (i, chunk) in out.chunks_mut(8).enumerate() {
                chunk.copy_from_slice(&get_mr(i).to_le_bytes()[..chunk.len()]);
            }
            Ok(((reply.label() as i64) << 32) | reply_len as i64)
        },
    )?;
    linker.func_wrap(MODULE, "channel_notify", |channel: i32| -> Result<i32> {
        let signalled =
            u8::try_from(channel).ok().and_then(Channel::try_new).is_some_and(|c| c.try_notify());
        Ok(if signalled { status::OK } else { status::NO_SUCH_CHANNEL })
    })?;
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
    linker.func_wrap(MODULE, "time_now_ns", || -> Result<i64> {
        Ok(pd_runtime::time::now_ns() as i64)
    })?;
    linker
        .func_wrap(MODULE, "restarted", || -> Result<i32> { Ok(pd_runtime::restarted() as i32) })?;
    define_io_ports(linker)?;
    linker.func_wrap(MODULE, "irq_ack", |channel: i32| -> Result<i32> {
        let Some(irq) = pd_runtime::config().irqs.iter().find(|i| i.channel as i32 == channel)
        else {
            return Ok(status::NOT_GRANTED);
        };
        let handler: sel4::cap::IrqHandler = CPtr::from_bits(irq.slot.to_native() as Word).cast();
        Ok(if handler.ack().is_ok() { status::OK } else { status::KERNEL_ERROR })
    })?;
    linker.func_wrap(MODULE, "mmio_read32", |window: i32, offset: i32| -> Result<i64> {
        match mmio_address(window, offset) {
            // SAFETY: inside a device window the root task mapped for this component.
            Some(address) => Ok(unsafe { core::ptr::read_volatile(address as *const u32) } as i64),
            None => Ok(status::NOT_GRANTED as i64),
        }
    })?;
    linker.func_wrap(
        MODULE,
        "mmio_write32",
        |window: i32, offset: i32, value: i32| -> Result<i32> {
            match mmio_address(window, offset) {
                Some(address) => {
                    // SAFETY: as in mmio_read32.
                    unsafe { core::ptr::write_volatile(address as *mut u32, value as u32) };
                    Ok(status::OK)
                }
                None => Ok(status::NOT_GRANTED),
            }
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

/// IO-port access through the component's granted IO-port capabilities.
#[cfg(target_arch = "x86_64")]
fn define_io_ports(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(
        MODULE,
        "io_out",
        |width: i32, port: i32, value: i32, _: i32| -> Result<i32> {
            let Some(port_cap) = io_port_cap(port, width) else { return Ok(status::NOT_GRANTED) };
            let result = match width {
                1 => port_cap.out8(port as u16, value as u8),
                2 => port_cap.out16(port as u16, value as u16),
                _ => port_cap.out32(port as u16, value as u32),
            };
            Ok(if result.is_ok() { status::OK } else { status::KERNEL_ERROR })
        },
    )?;
    linker.func_wrap(MODULE, "io_in", |width: i32, port: i32| -> Result<i64> {
        let Some(port_cap) = io_port_cap(port, width) else {
            return Ok(status::NOT_GRANTED as i64);
        };
        let result = match width {
            1 => port_cap.in8(port as u16).map(i64::from),
            2 => port_cap.in16(port as u16).map(i64::from),
            _ => port_cap.in32(port as u16).map(i64::from),
        };
        Ok(result.unwrap_or(status::KERNEL_ERROR as i64))
    })?;
    Ok(())
}

/// No IO ports off x86: every access is refused as not granted (a system
/// description cannot grant IO ports on such a board).
#[cfg(not(target_arch = "x86_64"))]
fn define_io_ports(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(MODULE, "io_out", |_: i32, _: i32, _: i32, _: i32| -> Result<i32> {
        Ok(status::NOT_GRANTED)
    })?;
    linker.func_wrap(MODULE, "io_in", |_: i32, _: i32| -> Result<i64> {
        Ok(status::NOT_GRANTED as i64)
    })?;
    Ok(())
}

#[cfg(target_arch = "x86_64")]
/// The IO-port capability whose granted range holds `port..port + width`.
fn io_port_cap(port: i32, width: i32) -> Option<sel4::cap::IoPort> {
    if !matches!(width, 1 | 2 | 4) || !(0..=0xffff).contains(&port) {
        return None;
    }
    let last = port + width - 1;
    pd_runtime::config()
        .io_ports
        .iter()
        .find(|g| i32::from(g.first.to_native()) <= port && last <= i32::from(g.last.to_native()))
        .map(|g| CPtr::from_bits(g.slot.to_native() as Word).cast())
}

/// The address of 32 bits at `offset` in device window `window`, if granted.
fn mmio_address(window: i32, offset: i32) -> Option<usize> {
    let window = pd_runtime::config().device_memory.get(window as u32 as usize)?;
    let offset = offset as u32 as u64;
    (offset % 4 == 0 && offset + 4 <= window.bytes.to_native())
        .then(|| (window.vaddr.to_native() + offset) as usize)
}

// Guests learn the channel-id range from the ABI crate; it must be the layout's.
const _: () = assert!(wasm_abi::MAX_CHANNEL_IDS == system_manifest::layout::MAX_CHANNELS);
