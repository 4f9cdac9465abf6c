//! A calculator server as a Wasm component: answers protected calls (see
//! `wasm_example_protocols::calculator`), like the native `example-server`,
//! plus ECHO.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use sel4_wasm_sdk::{self as sdk, Channel, Handler, Reply};
use wasm_example_protocols::calculator::{self, status};

sdk::component!(init);

pub struct Calculator {
    served: u64,
}

fn init() -> Calculator {
    sdk::info!("calculator ready");
    Calculator { served: 0 }
}

impl Handler for Calculator {
    fn protected(
        &mut self,
        channel: Channel,
        label: u64,
        request: &[u8],
        reply: &mut [u8],
    ) -> Reply {
        self.served += 1;
        if label == calculator::ECHO {
            return Reply::with_bytes(status::OK, request, reply);
        }
        let (a, b) = match calculator::operands(request) {
            Some(operands) => operands,
            None if label == calculator::COUNT => (0, 0),
            None => return Reply::empty(status::BAD_REQUEST),
        };
        let result = match label {
            calculator::ADD => a.checked_add(b),
            calculator::MULTIPLY => a.checked_mul(b),
            calculator::COUNT => Some(self.served),
            other => {
                sdk::warn!("unknown operation {other} on channel {}", channel.id());
                return Reply::empty(status::UNKNOWN_OP);
            }
        };
        match result {
            Some(value) => Reply::with_u64s(status::OK, &[value], reply),
            None => Reply::empty(status::OVERFLOW),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sdk::MAX_MESSAGE_BYTES;

    fn call(calculator: &mut Calculator, label: u64, request: &[u8]) -> (u64, Vec<u8>) {
        let mut reply = [0u8; MAX_MESSAGE_BYTES];
        let Reply { label, len } =
            calculator.protected(Channel::new(0), label, request, &mut reply);
        (label, reply[..len].to_vec())
    }

    #[test]
    fn answers_like_the_native_calculator() {
        sdk::mock::reset();
        let mut c = init();
        assert_eq!(
            call(&mut c, calculator::ADD, &calculator::request(2, 40)),
            (status::OK, 42u64.to_le_bytes().to_vec())
        );
        assert_eq!(
            call(&mut c, calculator::MULTIPLY, &calculator::request(6, 7)),
            (status::OK, 42u64.to_le_bytes().to_vec())
        );
        assert_eq!(
            call(&mut c, calculator::MULTIPLY, &calculator::request(u64::MAX, 2)),
            (status::OVERFLOW, vec![])
        );
        assert_eq!(call(&mut c, calculator::ADD, b"short"), (status::BAD_REQUEST, vec![]));
        assert_eq!(call(&mut c, calculator::ECHO, b"hello"), (status::OK, b"hello".to_vec()));
        assert_eq!(call(&mut c, 99, &calculator::request(0, 0)), (status::UNKNOWN_OP, vec![]));
        assert_eq!(call(&mut c, calculator::COUNT, &[]), (status::OK, 7u64.to_le_bytes().to_vec()));
    }
}
