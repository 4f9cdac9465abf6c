//! A client of `mr-echo`. Named `mr-writer`, it sends four secret words;
//! named `mr-snooper`, it runs after the writer and sends an empty request:
//! the server's handler must see zeros past the request, not the writer's
//! words.
#![no_std]
#![no_main]

use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};
use test_components::{Checks, SECRET};

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

fn init() -> Done {
    let server = Channel::to("echo");
    let mut c = Checks::new();
    if pd_runtime::name() == "mr-writer" {
        for (i, &word) in SECRET.iter().enumerate() {
            set_mr(i, word);
        }
        let reply = server.call(MessageInfo::new(0, 0, 0, 4)).expect("the echo server answers");
        let seen = [get_mr(0), get_mr(1), get_mr(2), get_mr(3)];
        c.check(format_args!("4-word request echoed whole"), reply.length() == 4 && seen == SECRET);
    } else {
        // Our own registers hold nothing of the writer's.
        for i in 0..4 {
            set_mr(i, 0);
        }
        server.call(MessageInfo::new(0, 0, 0, 0)).expect("the echo server answers");
        let seen = [get_mr(0), get_mr(1), get_mr(2), get_mr(3)];
        log::info!("empty request: the server saw {seen:x?}");
        c.check(
            format_args!(
                "empty request after another client's: the server sees zeros past it, no secret"
            ),
            seen == [0; 4],
        );
    }
    pd_runtime::exit(c.failures)
}
