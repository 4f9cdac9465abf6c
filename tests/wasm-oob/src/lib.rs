//! Reads linear memory out of bounds in `init`: a trap the runtime reports.
#![cfg_attr(not(test), no_std)]

use sel4_wasm_sdk::{self as sdk, Handler};

sdk::component!(init);

struct Never;
impl Handler for Never {}

fn init() -> Never {
    #[cfg(target_arch = "wasm32")]
    {
        let end = core::arch::wasm32::memory_size(0) * 65536;
        sdk::info!("about to read at {:#x}, past the end of linear memory ({end:#x})", end + 16);
        // SAFETY: none: the address is outside linear memory on purpose, and
        // the `i32.load` traps. A volatile read is not optimised away.
        let value = unsafe { core::ptr::read_volatile((end + 16) as *const u32) };
        sdk::error!("read {value:#x} out of bounds without a trap");
        sdk::exit(1)
    }
    #[cfg(not(target_arch = "wasm32"))]
    unreachable!("only meaningful on wasm32")
}
