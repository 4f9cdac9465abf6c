//! A calculator that exits while it handles a request labelled `EXIT_NOW`
//! (as `exit-server`), or exits in its `init` before serving anything (as
//! `exit-in-init`). Its callers must get `SERVER_DIED`, never hang.
#![no_std]
#![no_main]

use example_components::{op, status};
use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};

pd_runtime::main!(init);

struct Server;

fn init() -> Server {
    if pd_runtime::name() == "exit-in-init" {
        log::info!("exiting in init, before serving anything");
        pd_runtime::exit(4);
    }
    log::info!("exit server ready");
    Server
}

impl Handler for Server {
    fn protected(&mut self, _: Channel, request: MessageInfo) -> MessageInfo {
        match request.label() as u64 {
            test_components::EXIT_NOW => {
                log::info!("exiting in the middle of a call, as asked");
                pd_runtime::exit(3)
            }
            op::ADD => {
                set_mr(0, get_mr(0).wrapping_add(get_mr(1)));
                MessageInfo::new(status::OK as usize, 0, 0, 1)
            }
            _ => MessageInfo::new(status::UNKNOWN_OP as usize, 0, 0, 0),
        }
    }
}
