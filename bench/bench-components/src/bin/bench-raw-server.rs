//! The raw seL4 baseline server: answers every call on its input endpoint
//! with seL4 ReplyRecv directly, without pd-runtime's event loop and
//! dispatch (one word in, the same word plus one back).
#![no_std]
#![no_main]

use pd_runtime::sel4::{self, CPtr, MessageInfo, Word};
use pd_runtime::{get_mr, set_mr, Handler};
use system_manifest::layout::slot;

pd_runtime::main!(init);

struct Never;
impl Handler for Never {}

fn init() -> Never {
    let input = CPtr::from_bits(slot::INPUT_ENDPOINT as Word);
    let reply = MessageInfo::new(0, 0, 0, 1);
    sel4::recv(input);
    loop {
        set_mr(0, get_mr(0) + 1);
        sel4::reply_recv(input, reply);
    }
}
