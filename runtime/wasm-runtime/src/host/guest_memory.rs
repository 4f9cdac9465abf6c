//! Checked access to the module's linear memory for the host functions: a
//! pointer and length outside it is refused (the guest traps).

use wasmtime::{Caller, Extern, Memory};

use super::{HostState, Result};

/// The error that makes a host function trap the guest: `what` it refused.
pub(super) fn refuse(what: &str) -> wasmtime::Error {
    wasmtime::Error::msg(alloc::format!("host function refused its arguments: {what}"))
}

/// The module's exported linear memory (looked up once, then kept).
pub(super) fn memory(caller: &mut Caller<'_, HostState>) -> Result<Memory> {
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
pub(super) fn range(data_len: usize, ptr: i32, len: i32) -> Result<core::ops::Range<usize>> {
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    match ptr.checked_add(len) {
        Some(end) if end <= data_len => Ok(ptr..end),
        _ => Err(refuse("a pointer and length outside linear memory")),
    }
}

pub(super) fn read_bytes<'a>(
    caller: &'a mut Caller<'_, HostState>,
    ptr: i32,
    len: i32,
) -> Result<&'a [u8]> {
    let memory = memory(caller)?;
    let data = memory.data(&*caller);
    let r = range(data.len(), ptr, len)?;
    Ok(&data[r])
}

/// Copies as much of `bytes` as fits to `ptr..ptr + capacity` of linear
/// memory (checked); returns the whole length, so the guest can tell a cut.
pub(super) fn copy_out(
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

/// `ptr..ptr + len` of linear memory as text (invalid UTF-8 replaced).
pub(super) fn read_str(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    len: i32,
) -> Result<alloc::string::String> {
    let bytes = read_bytes(caller, ptr, len)?;
    Ok(alloc::string::String::from_utf8_lossy(bytes).into_owned())
}
