//! Host functions on channels: finding one by peer, describing one, protected
//! calls and notifications.

use pd_runtime::sel4::Word;
use pd_runtime::{get_mr, set_mr, CallError, Channel, MessageInfo};
use wasm_abi::{status, MAX_MESSAGE_BYTES, MODULE};
use wasmtime::{Caller, Linker};

use super::guest_memory::{charge, copy_out, memory, range, read_bytes, read_name};
use super::{HostState, Result};

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(
        MODULE,
        "channel_by_peer",
        |mut caller: Caller<'_, HostState>, ptr: i32, len: i32| -> Result<i32> {
            let Some(peer) = read_name(&mut caller, ptr, len)? else {
                return Ok(status::NO_SUCH_CHANNEL);
            };
            let config = pd_runtime::config();
            Ok(config
                .channels
                .iter()
                .find(|c| c.peer.as_bytes() == peer)
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
            // The answer packs the label above a non-negative length.
            let Ok(reply_label) = i32::try_from(reply.label()) else {
                return Ok(status::BAD_REPLY as i64);
            };
            let memory = memory(&mut caller)?;
            let target = range(memory.data_size(&caller), reply_ptr, reply_cap)?;
            // The kernel delivers at most MAX_MESSAGE_BYTES of registers.
            let reply_len = (reply.length() * 8).min(MAX_MESSAGE_BYTES).min(target.len());
            charge(&mut caller, reply_len)?;
            let data = memory.data_mut(&mut caller);
            let out = &mut data[target.start..target.start + reply_len];
            for (i, chunk) in out.chunks_mut(8).enumerate() {
                chunk.copy_from_slice(&get_mr(i).to_le_bytes()[..chunk.len()]);
            }
            Ok((i64::from(reply_label) << 32) | reply_len as i64)
        },
    )?;
    linker.func_wrap(MODULE, "channel_notify", |channel: i32| -> Result<i32> {
        let signalled =
            u8::try_from(channel).ok().and_then(Channel::try_new).is_some_and(|c| c.try_notify());
        Ok(if signalled { status::OK } else { status::NO_SUCH_CHANNEL })
    })?;
    Ok(())
}

// Guests learn the channel-id range from the ABI crate; it must be the layout's.
const _: () = assert!(wasm_abi::MAX_CHANNEL_IDS == system_manifest::layout::MAX_CHANNELS);
