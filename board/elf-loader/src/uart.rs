//! Output on the board's PL011 UART (the one the kernel's console uses).

use core::fmt::{self, Write};

const DATA: usize = 0x000;
const FLAGS: usize = 0x018;
const TX_FULL: u32 = 1 << 5;

pub struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                put(b'\r');
            }
            put(b);
        }
        Ok(())
    }
}

fn put(byte: u8) {
    let base = crate::payload::UART_BASE;
    // SAFETY: the board's PL011 (from its description) is mapped as device
    // memory at its physical address, and only the loader drives it.
    unsafe {
        while core::ptr::read_volatile((base + FLAGS) as *const u32) & TX_FULL != 0 {}
        core::ptr::write_volatile((base + DATA) as *mut u32, byte as u32);
    }
}

pub fn print(args: fmt::Arguments) {
    let _ = Uart.write_fmt(args);
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::uart::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}
