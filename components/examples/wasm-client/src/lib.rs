//! A client of `wasm-calculator` (peer `calculator`) and `wasm-kv-store`
//! (peer `kv`): makes protected calls, checks the answers, logs them, and
//! exits 0, or 1 if any answer was wrong.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::fmt::Debug;

use sel4_wasm_sdk::{self as sdk, Channel, Handler, MAX_MESSAGE_BYTES};
use wasm_example_protocols::{calculator, kv};

sdk::component!(init);

struct Done;
impl Handler for Done {}

/// Counts and logs mismatches.
struct Checker {
    failures: u64,
}

impl Checker {
    fn check<T: Debug + PartialEq>(&mut self, what: &str, got: T, expected: T) {
        if got == expected {
            sdk::info!("{what} -> {got:?}");
        } else {
            sdk::error!("{what} -> {got:?}, expected {expected:?}");
            self.failures += 1;
        }
    }
}

/// A calculator answer: the value, or the reply label of an error.
fn calculate(server: Channel, op: u64, a: u64, b: u64) -> Result<u64, u64> {
    let mut reply = [0u8; 8];
    match server.call(op, &calculator::request(a, b), &mut reply) {
        Ok(r) if r.label == calculator::status::OK => {
            calculator::value(&reply[..r.len]).ok_or(u64::MAX)
        }
        Ok(r) => Err(r.label),
        Err(e) => {
            sdk::error!("calculator call failed: {e}");
            Err(u64::MAX)
        }
    }
}

/// A key-value answer: the reply's label and text (padding removed; at most
/// 32 bytes kept).
fn kv_call(server: Channel, op: u64, request: &[u8]) -> (u64, Bytes) {
    let mut reply = [0u8; MAX_MESSAGE_BYTES];
    match server.call(op, request, &mut reply) {
        Ok(r) => (r.label, bytes(kv::unpad(&reply[..r.len]))),
        Err(e) => {
            sdk::error!("kv call failed: {e}");
            (u64::MAX, Bytes::default())
        }
    }
}

/// A short byte string on the stack (the first 32 bytes), printed as text.
#[derive(Default, PartialEq)]
struct Bytes {
    bytes: [u8; 32],
    len: usize,
}

fn bytes(source: &[u8]) -> Bytes {
    let len = source.len().min(32);
    let mut bytes = Bytes { bytes: [0; 32], len };
    bytes.bytes[..len].copy_from_slice(&source[..len]);
    bytes
}

impl Debug for Bytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match core::str::from_utf8(&self.bytes[..self.len]) {
            Ok(text) => write!(f, "{text:?}"),
            Err(_) => write!(f, "{:?}", &self.bytes[..self.len]),
        }
    }
}

fn init() -> Done {
    let mut c = Checker { failures: 0 };
    let calc = Channel::to("calculator");
    let store = Channel::to("kv");

    c.check("add(2, 40)", calculate(calc, calculator::ADD, 2, 40), Ok(42));
    c.check("multiply(6, 7)", calculate(calc, calculator::MULTIPLY, 6, 7), Ok(42));
    c.check(
        "multiply(max, 2)",
        calculate(calc, calculator::MULTIPLY, u64::MAX, 2),
        Err(calculator::status::OVERFLOW),
    );
    // 17 bytes come back as 24: whole words, zero-padded.
    let mut echo = [0xffu8; 32];
    let reply = calc.call(calculator::ECHO, b"hello, calculator", &mut echo);
    c.check(
        "echo",
        reply.map(|r| bytes(&echo[..r.len])).ok(),
        Some(bytes(b"hello, calculator\0\0\0\0\0\0\0")),
    );
    let started = sdk::time_now_ns();
    let mut sum = 0;
    for i in 0..1000 {
        sum = calculate(calc, calculator::ADD, sum, i).unwrap_or(0);
    }
    let took_us = (sdk::time_now_ns() - started) / 1000;
    c.check("sum of 0..1000 by 1000 calls", sum, 499_500);
    sdk::info!("1000 calls took {took_us} us");
    // 1005 with this client alone: 4 calls, 1000 additions, and this one.
    let served = calculate(calc, calculator::COUNT, 0, 0);
    sdk::info!("the calculator has served {served:?} calls");
    c.check("served at least 1005", served.map(|n| n >= 1005), Ok(true));

    let mut request = [0u8; 64];
    for (key, value) in [("alpha", "1"), ("beta", "2"), ("alpha", "one")] {
        let len = kv::put_request(key, value, &mut request).unwrap_or(0);
        c.check("put", kv_call(store, kv::PUT, &request[..len]), (kv::status::OK, bytes(b"")));
    }
    c.check("get alpha", kv_call(store, kv::GET, b"alpha"), (kv::status::OK, bytes(b"one")));
    c.check("get gamma", kv_call(store, kv::GET, b"gamma"), (kv::status::NOT_FOUND, bytes(b"")));
    c.check("delete beta", kv_call(store, kv::DELETE, b"beta").0, kv::status::OK);
    c.check("delete beta again", kv_call(store, kv::DELETE, b"beta").0, kv::status::NOT_FOUND);
    let mut count = [0u8; 8];
    let reply = store.call(kv::COUNT, b"", &mut count);
    c.check("count", reply.map(|r| (r.label, u64::from_le_bytes(count))), Ok((kv::status::OK, 1)));

    if c.failures == 0 {
        sdk::info!("all answers right");
    } else {
        sdk::error!("{} answers wrong", c.failures);
    }
    sdk::exit(c.failures.min(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sdk::mock::{self, Call};

    fn value(v: u64) -> Result<(u64, Vec<u8>), i32> {
        Ok((0, v.to_le_bytes().to_vec()))
    }

    fn run_with(replies: Vec<Result<(u64, Vec<u8>), i32>>) -> Vec<Call> {
        mock::reset();
        mock::with(|m| {
            m.peers = vec![("calculator".into(), 0), ("kv".into(), 1)];
            m.call_replies = replies.into();
        });
        let exited = std::panic::catch_unwind(init);
        assert!(exited.is_err(), "init ends with exit");
        mock::calls()
    }

    fn right_answers() -> Vec<Result<(u64, Vec<u8>), i32>> {
        let mut replies = vec![
            value(42),
            value(42),
            Ok((calculator::status::OVERFLOW, vec![])),
            Ok((0, b"hello, calculator".to_vec())),
        ];
        let mut sum = 0;
        for i in 0..1000 {
            sum += i;
            replies.push(value(sum));
        }
        replies.push(value(1005));
        replies.extend([Ok((0, vec![])), Ok((0, vec![])), Ok((0, vec![]))]);
        replies.extend([Ok((0, b"one".to_vec())), Ok((kv::status::NOT_FOUND, vec![]))]);
        replies.extend([Ok((0, vec![])), Ok((kv::status::NOT_FOUND, vec![])), value(1)]);
        replies
    }

    #[test]
    fn exits_0_when_every_answer_is_right() {
        let calls = run_with(right_answers());
        assert_eq!(calls.last(), Some(&Call::Exit(0)), "{:#?}", mock::logs());
        let calls_to = |channel| {
            calls
                .iter()
                .filter(|c| matches!(c, Call::ChannelCall { channel: ch, .. } if *ch == channel))
                .count()
        };
        assert_eq!((calls_to(0), calls_to(1)), (1005, 8));
    }

    #[test]
    fn exits_1_on_a_wrong_answer() {
        let mut replies = right_answers();
        replies[0] = value(41);
        let calls = run_with(replies);
        assert_eq!(calls.last(), Some(&Call::Exit(1)));
        assert!(mock::logs().iter().any(|l| l == "add(2, 40) -> Ok(41), expected Ok(42)"));
    }
}
