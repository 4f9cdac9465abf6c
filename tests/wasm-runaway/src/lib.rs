//! Never returns from `init`: computes for ever, so the runtime must stop
//! it when it runs out of fuel.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::hint::black_box;

use sel4_wasm_sdk::{self as sdk, Handler};

sdk::component!(init);

struct Never;
impl Handler for Never {}

fn init() -> Never {
    sdk::info!("about to loop for ever");
    let mut x: u64 = 1;
    loop {
        // Opaque to the optimiser: real work each iteration.
        x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}
