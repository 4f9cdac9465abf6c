//! A calculator server: answers protected calls (see `example_components::op`).
#![no_std]
#![no_main]

use example_components::{op, status};
use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};

pd_runtime::main!(init);

struct Calculator {
    served: u64,
}

fn init() -> Calculator {
    log::info!("calculator ready");
    Calculator { served: 0 }
}

impl Handler for Calculator {
    fn protected(&mut self, channel: Channel, request: MessageInfo) -> MessageInfo {
        self.served += 1;
        let (a, b) = (get_mr(0), get_mr(1));
        let result = match request.label() as u64 {
            op::ADD => a.checked_add(b),
            op::MULTIPLY => a.checked_mul(b),
            op::COUNT => Some(self.served),
            other => {
                log::warn!("unknown operation {other} on channel {}", channel.id());
                return MessageInfo::new(status::UNKNOWN_OP as usize, 0, 0, 0);
            }
        };
        match result {
            Some(value) => {
                set_mr(0, value);
                MessageInfo::new(status::OK as usize, 0, 0, 1)
            }
            None => MessageInfo::new(status::OVERFLOW as usize, 0, 0, 0),
        }
    }
}
