//! The runtime's call path: a pd-runtime handler answering protected calls
//! (one word in, the same word plus one back), dispatched by the event loop.
#![no_std]
#![no_main]

use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};

pd_runtime::main!(init);

struct Echo;

fn init() -> Echo {
    Echo
}

impl Handler for Echo {
    fn protected(&mut self, _channel: Channel, _request: MessageInfo) -> MessageInfo {
        set_mr(0, get_mr(0) + 1);
        MessageInfo::new(0, 0, 0, 1)
    }
}
