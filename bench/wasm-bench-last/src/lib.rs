//! The last component of a scale benchmark system: it has the lowest
//! priority, so it starts only when every other component has loaded,
//! initialised and gone to wait for events. It reports the time since
//! boot and exits, which ends the system.
#![no_std]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Handler};

sdk::component!(init);

struct Done;
impl Handler for Done {}

fn init() -> Done {
    sdk::info!("BENCH boot.all-ready ns 1 {}", sdk::time_now_ns());
    sdk::exit(0)
}
