//! Host functions about the component itself: log lines, waiting for a
//! signal, the clock, whether it was restarted, and exit.

use pd_runtime::Channel;
use wasm_abi::{status, MODULE};
use wasmtime::{Caller, Linker};

use super::guest_memory::read_str;
use super::{HostState, Result};

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<()> {
    linker.func_wrap(
        MODULE,
        "log",
        |mut caller: Caller<'_, HostState>, level: i32, ptr: i32, len: i32| -> Result<()> {
            let text = read_str(&mut caller, ptr, len)?;
            // Levels as in `system_manifest::console::level`: 0 raw, 1 error .. 5 trace, 6 text.
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
    linker.func_wrap(MODULE, "time_now_ns", || -> Result<i64> {
        Ok(pd_runtime::time::now_ns() as i64)
    })?;
    linker
        .func_wrap(MODULE, "restarted", || -> Result<i32> { Ok(pd_runtime::restarted() as i32) })?;
    Ok(())
}
