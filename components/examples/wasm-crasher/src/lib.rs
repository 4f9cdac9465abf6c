//! Traps on purpose in `init` by executing `unreachable`: the runtime
//! reports the trap and the supervisor applies the restart policy.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Handler};

sdk::component!(init);

struct Never;
impl Handler for Never {}

fn init() -> Never {
    sdk::info!("about to execute `unreachable`");
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    unreachable!("a trap on wasm32")
}
