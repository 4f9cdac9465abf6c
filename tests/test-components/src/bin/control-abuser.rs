//! A component with a narrow control grant (inspect everything; restart,
//! start and stop only `victim`) that tries everything else: malformed and
//! unknown requests, verbs on components it was not granted, verbs in the
//! wrong state, and restarts faster than the rate limit. It checks the exact
//! answer of each, and that control restarts are not counted as faults.
#![no_std]
#![no_main]

use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};
use system_manifest::control::{self, info_reply, reply, request, state};
use test_components::Checks;

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

/// Sends `label` with `words` (message registers) and returns the reply label.
fn ask(label: u64, words: &[u64]) -> u64 {
    for (i, &w) in words.iter().enumerate() {
        set_mr(i, w);
    }
    let channel = Channel::new(control::CHANNEL);
    match channel.call(MessageInfo::new(label as usize, 0, 0, words.len())) {
        Ok(reply) => reply.label() as u64,
        Err(e) => panic!("the control channel failed: {e}"),
    }
}

/// The index of component `name`, found with `COUNT` and `INFO`.
fn index_of(name: &str) -> u64 {
    assert_eq!(ask(request::COUNT, &[]), reply::OK);
    let count = get_mr(0);
    for index in 0..count {
        if ask(request::INFO, &[index]) != reply::OK {
            continue;
        }
        let len = get_mr(info_reply::NAME_LEN) as usize;
        let mut bytes = [0u8; 64];
        for (i, b) in bytes.iter_mut().enumerate().take(len.min(64)) {
            *b = get_mr(info_reply::NAME + i / 8).to_le_bytes()[i % 8];
        }
        if &bytes[..len.min(64)] == name.as_bytes() {
            return index;
        }
    }
    panic!("no component `{name}`");
}

/// (state, fault restarts, requested restarts) of component `index`.
fn info(index: u64) -> (u64, u64, u64) {
    assert_eq!(ask(request::INFO, &[index]), reply::OK);
    (
        get_mr(info_reply::STATE),
        get_mr(info_reply::RESTARTS),
        get_mr(info_reply::REQUESTED_RESTARTS),
    )
}

fn init() -> Done {
    let victim = index_of("victim");
    let bystander = index_of("bystander");
    let mut c = Checks::new();
    c.check(
        format_args!("zero-length RESTART -> BAD_REQUEST"),
        ask(request::RESTART, &[]) == reply::BAD_REQUEST,
    );
    c.check(
        format_args!("RESTART of component 1000 -> NO_SUCH_COMPONENT"),
        ask(request::RESTART, &[1000]) == reply::NO_SUCH_COMPONENT,
    );
    c.check(
        format_args!("RESTART of component 2^64-1 -> NO_SUCH_COMPONENT"),
        ask(request::RESTART, &[u64::MAX]) == reply::NO_SUCH_COMPONENT,
    );
    c.check(
        format_args!("unknown verb -> UNKNOWN_REQUEST"),
        ask(0x6_00ff, &[victim]) == reply::UNKNOWN_REQUEST,
    );
    for (verb, label) in
        [("RESTART", request::RESTART), ("STOP", request::STOP), ("START", request::START)]
    {
        c.check(
            format_args!("{verb} of `bystander` (not granted) -> NOT_PERMITTED"),
            ask(label, &[bystander]) == reply::NOT_PERMITTED,
        );
    }
    c.check(format_args!("`bystander` still running"), info(bystander).0 == state::RUNNING);
    c.check(
        format_args!("START of running `victim` -> WRONG_STATE"),
        ask(request::START, &[victim]) == reply::WRONG_STATE,
    );
    c.check(format_args!("STOP of `victim` -> OK"), ask(request::STOP, &[victim]) == reply::OK);
    c.check(format_args!("`victim` is stopped"), info(victim).0 == state::STOPPED);
    c.check(
        format_args!("RESTART of stopped `victim` -> WRONG_STATE"),
        ask(request::RESTART, &[victim]) == reply::WRONG_STATE,
    );
    c.check(
        format_args!("STOP of stopped `victim` -> WRONG_STATE"),
        ask(request::STOP, &[victim]) == reply::WRONG_STATE,
    );
    c.check(
        format_args!("START of stopped `victim` -> OK"),
        ask(request::START, &[victim]) == reply::OK,
    );
    c.check(format_args!("`victim` runs again"), info(victim).0 == state::RUNNING);
    c.check(
        format_args!("RESTART of `victim` (2nd in the window) -> OK"),
        ask(request::RESTART, &[victim]) == reply::OK,
    );
    c.check(
        format_args!("RESTART of `victim` (3rd in the window) -> OK"),
        ask(request::RESTART, &[victim]) == reply::OK,
    );
    c.check(
        format_args!(
            "RESTART of `victim` (4th within {} s) -> RATE_LIMITED",
            control::RATE_WINDOW_MS / 1000
        ),
        ask(request::RESTART, &[victim]) == reply::RATE_LIMITED,
    );
    let (_, fault_restarts, requested) = info(victim);
    c.check(
        format_args!(
            "`victim`: fault restarts 0, requested 3 (control restarts spare the fault budget)"
        ),
        (fault_restarts, requested) == (0, 3),
    );
    pd_runtime::exit(c.failures)
}
