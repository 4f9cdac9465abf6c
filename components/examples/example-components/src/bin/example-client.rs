//! A client of the calculator: makes protected calls, checks the answers,
//! then exits.
#![no_std]
#![no_main]

use example_components::{op, status};
use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

fn call(server: Channel, operation: u64, a: u64, b: u64) -> Result<u64, &'static str> {
    set_mr(0, a);
    set_mr(1, b);
    let reply = server
        .call(MessageInfo::new(operation as usize, 0, 0, 2))
        .map_err(|_| "the server died")?;
    match reply.label() as u64 {
        status::OK => Ok(get_mr(0)),
        status::OVERFLOW => Err("overflow"),
        _ => Err("unknown operation"),
    }
}

fn init() -> Done {
    let server = Channel::to("server");
    let mut failures = 0;
    for (operation, a, b, expected) in [
        (op::ADD, 2, 40, Ok(42)),
        (op::MULTIPLY, 6, 7, Ok(42)),
        (op::MULTIPLY, u64::MAX, 2, Err("overflow")),
    ] {
        let got = call(server, operation, a, b);
        let name = if operation == op::ADD { "add" } else { "multiply" };
        log::info!("call {name}({a}, {b}) -> {got:?}");
        if got != expected {
            log::error!("expected {expected:?}");
            failures += 1;
        }
    }
    // Many calls: the reply and the next receive are one syscall on the server side.
    let mut sum = 0;
    for i in 0..1000 {
        sum = call(server, op::ADD, sum, i).unwrap_or(0);
    }
    let served = call(server, op::COUNT, 0, 0);
    log::info!("1000 more calls: sum {sum}; server has served {served:?} calls");
    if sum != 499_500 {
        failures += 1;
    }
    pd_runtime::exit(failures)
}
