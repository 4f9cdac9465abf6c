//! Consumer of the native ring benchmark: drains ring `native-ring` each
//! time it is signalled and checks the sequence numbers.
#![no_std]
#![no_main]

use pd_runtime::ring::RingConsumer;
use pd_runtime::{Channel, Handler};

pd_runtime::main!(init);

struct Sink {
    ring: RingConsumer,
    next: u64,
    bad: u64,
}

fn init() -> Sink {
    let mut sink = Sink { ring: RingConsumer::open("native-ring"), next: 0, bad: 0 };
    sink.drain();
    sink
}

impl Sink {
    fn drain(&mut self) {
        let (next, bad) = (&mut self.next, &mut self.bad);
        let result = self.ring.drain(|message| {
            let sequence = u64::from_le_bytes(message[..8].try_into().unwrap_or([0xff; 8]));
            if sequence != *next {
                *bad += 1;
            }
            *next = sequence + 1;
        });
        if let Err(e) = result {
            log::error!("ring `native-ring` broken: {e}");
        }
    }
}

impl Handler for Sink {
    fn notified(&mut self, channel: Channel) {
        if channel == self.ring.channel() {
            self.drain();
        }
    }

    /// Any call: the number of messages received and of sequence errors.
    fn protected(
        &mut self,
        _channel: Channel,
        _request: pd_runtime::MessageInfo,
    ) -> pd_runtime::MessageInfo {
        pd_runtime::set_mr(0, self.next);
        pd_runtime::set_mr(1, self.bad);
        pd_runtime::MessageInfo::new(0, 0, 0, 2)
    }
}
