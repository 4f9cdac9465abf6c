//! What a caller sees when its server dies: calls `flaky-server` (restart
//! at most once), makes it crash mid-call twice, and checks every answer.
#![no_std]
#![no_main]

use pd_runtime::{CallError, Channel, Handler, MessageInfo};

use test_components::add;

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

fn crash(server: Channel) -> Result<MessageInfo, CallError> {
    server.call(MessageInfo::new(test_components::CRASH as usize, 0, 0, 0))
}

fn init() -> Done {
    let server = Channel::to("flaky");
    let mut failures = 0;
    let mut check = |what: &str, ok: bool| {
        log::info!("{what}: {}", if ok { "as expected" } else { "WRONG" });
        failures += !ok as u64;
    };
    check("add before any crash -> Ok(5)", add(server, 2, 3) == Ok(5));
    check(
        "call that crashes the server -> Err(ServerDied)",
        crash(server) == Err(CallError::ServerDied),
    );
    check("add after the restart -> Ok(7)", add(server, 3, 4) == Ok(7));
    check(
        "second crash (restart limit reached) -> Err(ServerDied)",
        crash(server) == Err(CallError::ServerDied),
    );
    check(
        "add to the stopped server -> Err(ServerDied)",
        add(server, 1, 1) == Err(CallError::ServerDied),
    );
    pd_runtime::exit(failures)
}
