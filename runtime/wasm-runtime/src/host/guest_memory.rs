//! Checked access to the module's linear memory for the host functions: a
//! pointer and length outside it is refused (the guest traps). Bytes moved
//! are paid for in fuel ([`charge`]).

use wasmtime::{Caller, Extern, Memory, Trap};

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
    let r = range(memory.data_size(&*caller), ptr, len)?;
    charge(caller, r.len())?;
    Ok(&memory.data(&*caller)[r])
}

/// Copies as much of `bytes` as fits to `ptr..ptr + capacity` of linear
/// memory (checked, and paid for); returns the whole length, so the guest
/// can tell a cut.
pub(super) fn copy_out(
    caller: &mut Caller<'_, HostState>,
    ptr: i32,
    capacity: i32,
    bytes: &[u8],
) -> Result<usize> {
    let memory = memory(caller)?;
    let target = range(memory.data_size(&*caller), ptr, capacity)?;
    let copied = bytes.len().min(target.len());
    charge(caller, copied)?;
    let data = memory.data_mut(&mut *caller);
    data[target.start..target.start + copied].copy_from_slice(&bytes[..copied]);
    Ok(bytes.len())
}

/// Takes the fuel for moving `bytes` bytes (`wasm_abi::FUEL_PER_BYTE`);
/// without enough left, the guest traps out of fuel as in Wasm code.
pub(super) fn charge(caller: &mut Caller<'_, HostState>, bytes: usize) -> Result<()> {
    let cost = wasm_abi::fuel_for_bytes(bytes);
    let left = caller.get_fuel()?;
    match left.checked_sub(cost) {
        Some(left) => caller.set_fuel(left),
        None => {
            caller.set_fuel(0)?;
            Err(Trap::OutOfFuel.into())
        }
    }
}

/// The name at `ptr..ptr + len` (checked against linear memory), if it is
/// at most [`wasm_abi::MAX_NAME_BYTES`] long: a longer one names nothing,
/// and is neither copied nor paid for.
pub(super) fn read_name<'a>(
    caller: &'a mut Caller<'_, HostState>,
    ptr: i32,
    len: i32,
) -> Result<Option<&'a [u8]>> {
    let memory = memory(caller)?;
    let r = range(memory.data_size(&*caller), ptr, len)?;
    if r.len() > wasm_abi::MAX_NAME_BYTES {
        return Ok(None);
    }
    charge(caller, r.len())?;
    Ok(Some(&memory.data(&*caller)[r]))
}
