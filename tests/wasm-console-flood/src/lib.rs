//! Logs [`LINES`] numbered lines; line [`CRASH_LINE`] carries the marker
//! that makes the fault-test serial driver crash while writing it. Then
//! exits 0. The test checks that every line reaches the terminal.
#![no_std]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Handler};

sdk::component!(init);

pub const LINES: u32 = 24;
pub const CRASH_LINE: u32 = 12;

struct Done;
impl Handler for Done {}

fn init() -> Done {
    for i in 1..=LINES {
        let marker = if i == CRASH_LINE { " CRASH-THE-UART" } else { "" };
        sdk::info!("flood line {i:02} of {LINES}{marker}");
    }
    sdk::exit(0)
}
