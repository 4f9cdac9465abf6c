//! A server that answers every call with the first four message registers
//! as it sees them, whatever the request's length: what a careless handler
//! reading past the request would leak.
#![no_std]
#![no_main]

use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};

pd_runtime::main!(init);

struct Echo;

fn init() -> Echo {
    log::info!("echo ready");
    Echo
}

impl Handler for Echo {
    fn protected(&mut self, _: Channel, _request: MessageInfo) -> MessageInfo {
        let seen = [get_mr(0), get_mr(1), get_mr(2), get_mr(3)];
        for (i, word) in seen.into_iter().enumerate() {
            set_mr(i, word);
        }
        MessageInfo::new(0, 0, 0, 4)
    }
}
