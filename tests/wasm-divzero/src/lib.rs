//! Divides an integer by zero in `init`: Wasm's `i64.div_u` traps, and the
//! runtime reports it. (Rust would check the divisor and panic instead;
//! the check is removed here so that the trap is the Wasm instruction's.)
#![cfg_attr(not(test), no_std)]

use core::hint::black_box;

use sel4_wasm_sdk::{self as sdk, Handler};

sdk::component!(init);

struct Never;
impl Handler for Never {}

fn init() -> Never {
    let (dividend, divisor): (u64, u64) = (black_box(42), black_box(0));
    sdk::info!("about to divide {dividend} by {divisor}");
    #[cfg(target_arch = "wasm32")]
    {
        // SAFETY: none: the divisor is zero on purpose. Promising otherwise
        // removes Rust's check, leaving the `i64.div_u` that traps.
        unsafe { core::hint::assert_unchecked(divisor != 0) };
        let quotient = black_box(dividend / divisor);
        sdk::error!("{dividend} / 0 gave {quotient} without a trap");
        sdk::exit(1)
    }
    #[cfg(not(target_arch = "wasm32"))]
    unreachable!("only meaningful on wasm32")
}
