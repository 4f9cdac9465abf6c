//! Host functions about the component itself: log lines, waiting for a
//! signal, the clock, whether it was restarted, and exit.

use pd_runtime::Channel;
use system_manifest::ArchivedChannelEndKind;
use wasm_abi::console_text::{self, Escaped, Grant, Lossy, Output};
use wasm_abi::{status, MAX_LOG_TEXT_BYTES, MODULE};
use wasmtime::{Caller, Linker};

use super::guest_memory::{charge, copy_out, memory, range};
use super::{HostState, Result};

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(
        MODULE,
        "log",
        |mut caller: Caller<'_, HostState>, level: i32, ptr: i32, len: i32| -> Result<()> {
            let memory = memory(&mut caller)?;
            let whole = range(memory.data_size(&caller), ptr, len)?;
            // Only what one log message holds is read (and paid for).
            let end = whole.start + whole.len().min(MAX_LOG_TEXT_BYTES);
            charge(&mut caller, end - whole.start)?;
            let text =
                console_text::cut(&memory.data(&caller)[whole.start..end], MAX_LOG_TEXT_BYTES);
            let granted = &pd_runtime::config().console_output;
            let grant = Grant { raw: granted.raw, text: granted.text };
            match console_text::output_of(level.into(), grant) {
                output @ (Output::Raw | Output::Text) => {
                    pd_runtime::write_line(output.level(), format_args!("{}", Lossy(text)))
                }
                output @ Output::Prefixed(_) => {
                    pd_runtime::write_line(output.level(), format_args!("{}", Escaped(text)))
                }
            }
            Ok(())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "wait",
        |caller: Caller<'_, HostState>, channel: i32| -> Result<i32> {
            let Some(channel) = u8::try_from(channel).ok().filter(|&c| can_be_signalled_on(c))
            else {
                return Ok(status::NO_SUCH_CHANNEL);
            };
            // Its caller would wait on whatever this waits for.
            if caller.data().serving {
                return Ok(status::WOULD_BLOCK);
            }
            pd_runtime::wait_for(Channel::from_id(channel));
            Ok(status::OK)
        },
    )?;
    linker
        .func_wrap(MODULE, "exit", |code: i64| -> Result<()> { pd_runtime::exit(code as u64) })?;
    linker.func_wrap(
        MODULE,
        "component_name",
        |mut caller: Caller<'_, HostState>, ptr: i32, capacity: i32| -> Result<i32> {
            let name = pd_runtime::name().as_bytes();
            Ok(copy_out(&mut caller, ptr, capacity, name)? as i32)
        },
    )?;
    linker.func_wrap(MODULE, "time_now_ns", || -> Result<i64> {
        Ok(pd_runtime::time::now_ns() as i64)
    })?;
    linker
        .func_wrap(MODULE, "restarted", || -> Result<i32> { Ok(pd_runtime::restarted() as i32) })?;
    Ok(())
}

/// Whether a signal can arrive on channel `id`: a notification channel, a
/// ring's channel or an interrupt's. Protected calls arrive as calls, not
/// signals, so waiting on a protected-call channel would never end.
fn can_be_signalled_on(id: u8) -> bool {
    let config = pd_runtime::config();
    config
        .channels
        .iter()
        .any(|c| c.id == id && matches!(c.kind, ArchivedChannelEndKind::Notification { .. }))
        || config.rings.iter().any(|r| r.channel == id)
        || config.irqs.iter().any(|irq| irq.channel == id)
}
