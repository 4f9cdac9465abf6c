//! A healthy client: makes many calls to the calculator `bystander` while
//! other components misbehave, and checks every answer.
#![no_std]
#![no_main]

use example_components::{op, status};
use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};
use test_components::Checks;

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

/// Calls made.
const CALLS: u64 = 2000;

fn init() -> Done {
    let server = Channel::to("bystander");
    let mut right = 0;
    for i in 0..CALLS {
        set_mr(0, i);
        set_mr(1, 1);
        if let Ok(reply) = server.call(MessageInfo::new(op::ADD as usize, 0, 0, 2)) {
            right += u64::from(reply.label() as u64 == status::OK && get_mr(0) == i + 1);
        }
        // Let lower priorities (the storm) run between calls.
        pd_runtime::sel4::yield_now();
    }
    let mut c = Checks::new();
    c.check(format_args!("{right} of {CALLS} calls to `bystander` answered right"), right == CALLS);
    pd_runtime::exit(c.failures)
}
