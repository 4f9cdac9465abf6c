//! The calculator, except that a request labelled `CRASH` makes it fault
//! while it handles the call.
#![no_std]
#![no_main]

use example_components::{op, status};
use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};

pd_runtime::main!(init);

struct Flaky;

fn init() -> Flaky {
    log::info!("flaky calculator ready");
    Flaky
}

impl Handler for Flaky {
    fn protected(&mut self, _: Channel, request: MessageInfo) -> MessageInfo {
        match request.label() as u64 {
            test_components::CRASH => {
                log::info!("crashing in the middle of a call, as asked");
                // SAFETY: none; the write faults.
                unsafe { core::ptr::write_volatile(0x0c00_0000 as *mut u64, 1) };
                unreachable!()
            }
            op::ADD => {
                set_mr(0, get_mr(0).wrapping_add(get_mr(1)));
                MessageInfo::new(status::OK as usize, 0, 0, 1)
            }
            _ => MessageInfo::new(status::UNKNOWN_OP as usize, 0, 0, 0),
        }
    }
}
