//! Host functions on devices the description grants: IO ports (x86 only),
//! interrupts and device memory windows.

use pd_runtime::sel4::{self, CPtr, Word};
use wasm_abi::{status, MODULE};
use wasmtime::Linker;

use super::{HostState, Result};

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<()> {
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
    (offset.is_multiple_of(4) && offset + 4 <= window.bytes.to_native())
        .then(|| (window.vaddr.to_native() + offset) as usize)
}
