//! Calls `exit-server` (which exits mid-call when asked) and `exit-in-init`
//! (which exited before serving): every call answers, with `SERVER_DIED`
//! once the server has exited.
#![no_std]
#![no_main]

use pd_runtime::{CallError, Channel, Handler, MessageInfo};
use test_components::{add, Checks};

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

fn init() -> Done {
    let (server, early) = (Channel::to("exit-server"), Channel::to("exit-in-init"));
    let mut c = Checks::new();
    c.check(format_args!("add before the exit -> Ok(5)"), add(server, 2, 3) == Ok(5));
    let exited = server.call(MessageInfo::new(test_components::EXIT_NOW as usize, 0, 0, 0));
    c.check(
        format_args!("call during which the server exits -> Err(ServerDied)"),
        exited == Err(CallError::ServerDied),
    );
    c.check(
        format_args!("add to the exited server -> Err(ServerDied)"),
        add(server, 1, 1) == Err(CallError::ServerDied),
    );
    c.check(
        format_args!("add to a server that exited in init -> Err(ServerDied)"),
        add(early, 1, 1) == Err(CallError::ServerDied),
    );
    pd_runtime::exit(c.failures)
}
