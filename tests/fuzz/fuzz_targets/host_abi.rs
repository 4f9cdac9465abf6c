//! The guest SDK against a hostile host: the SDK's mock host
//! (`sel4_wasm_sdk::mock`) is scripted from the input with any answers it
//! can give (any status, positive or negative, from calls and notify; reply
//! labels and lengths; channel ids and kinds out of range; peer and ring
//! names longer than the SDK's buffers; rings full, broken, or with
//! messages of any size; any IO port, MMIO and clock value), then the input
//! drives SDK functions: channel lookup and info, calls, the timer client,
//! notify, ring open/send/batches/drain, logs, devices, and the exports the
//! runtime calls (`protected` with any channel, label and length).
//!
//! Asserted: the SDK never panics, writes nothing outside the buffers it
//! is given (guard bytes around each stay intact), and what it returns
//! lies within them: a reply's length, each received message, names.
//!
//! The mock copies at most the capacity the SDK passes, so this checks the
//! SDK's own bounds and its handling of the values a host returns; a host
//! that writes past the capacity it was given is not modelled.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use sel4_wasm_sdk::component::{self, HandlerCell, MessageBuffer};
use sel4_wasm_sdk::hal::Timer;
use sel4_wasm_sdk::mock::{self, MockRing};
use sel4_wasm_sdk::{
    Batch, Channel, DeviceWindow, Handler, IoPorts, Irq, Reply, RingConsumer, RingProducer,
    MAX_MESSAGE_BYTES, PEER_NAME_BYTES, RING_NAME_BYTES,
};

const GUARD: usize = 16;
const CANARY: u8 = 0x5A;

/// A buffer of `len` bytes for the SDK, between guard bytes.
struct Guarded {
    bytes: Vec<u8>,
}

impl Guarded {
    fn new(len: usize) -> Guarded {
        Guarded { bytes: vec![CANARY; len + 2 * GUARD] }
    }

    fn inner(&mut self) -> &mut [u8] {
        let len = self.bytes.len() - 2 * GUARD;
        &mut self.bytes[GUARD..GUARD + len]
    }

    /// The buffer's address range, to check that returned slices lie in it.
    fn range(&self) -> std::ops::Range<usize> {
        let start = self.bytes.as_ptr() as usize + GUARD;
        start..start + self.bytes.len() - 2 * GUARD
    }

    fn check(&self) {
        let n = self.bytes.len();
        assert!(
            self.bytes[..GUARD].iter().chain(&self.bytes[n - GUARD..]).all(|&b| b == CANARY),
            "the SDK wrote outside a buffer it was given"
        );
    }
}

fn assert_within(message: &[u8], buffer: &std::ops::Range<usize>) {
    let start = message.as_ptr() as usize;
    assert!(
        message.is_empty() || (buffer.start <= start && start + message.len() <= buffer.end),
        "a message outside the buffer it was received into"
    );
}

/// Names the script and the operations share, so lookups can match;
/// the last is longer than the SDK's name buffers.
const NAMES: &[&str] = &[
    "timer",
    "console",
    "rx",
    "tx",
    "",
    "a-peer-name-that-is-longer-than-the-sixty-four-bytes-the-sdk-keeps-for-names",
];

#[derive(Arbitrary, Debug)]
enum Name {
    Known(u8),
    Any(String),
}

impl Name {
    fn text(&self) -> String {
        match self {
            Name::Known(i) => NAMES[*i as usize % NAMES.len()].to_string(),
            Name::Any(s) => s.clone(),
        }
    }
}

/// A message of the script: its length (up to a little over the largest
/// message) and filler byte.
#[derive(Arbitrary, Debug)]
struct Message {
    len: u16,
    fill: u8,
}

impl Message {
    fn bytes(&self) -> Vec<u8> {
        vec![self.fill; self.len as usize % (MAX_MESSAGE_BYTES + 64)]
    }
}

#[derive(Arbitrary, Debug)]
struct RingScript {
    name: Name,
    channel: i32,
    slots: u8,
    consumer: bool,
    consume_on_publish: bool,
    broken: bool,
    inbox: Vec<Message>,
    arrivals: Vec<Vec<Message>>,
}

/// What the mock host answers.
#[derive(Arbitrary, Debug)]
struct Script {
    peers: Vec<(Name, i32)>,
    call_replies: Vec<Result<(u64, Message), i32>>,
    channel_infos: Vec<(i32, i64, Name)>,
    notify_status: i32,
    rings: Vec<RingScript>,
    now_ns: u64,
    restarted: bool,
    io_in_value: i64,
    mmio_value: i64,
}

impl Script {
    fn install(&self) {
        mock::reset();
        mock::with(|m| {
            m.peers = self.peers.iter().map(|(n, id)| (n.text(), *id)).collect();
            m.call_replies = self
                .call_replies
                .iter()
                .map(|r| r.as_ref().map(|(label, msg)| (*label, msg.bytes())).map_err(|s| *s))
                .collect();
            m.channel_infos =
                self.channel_infos.iter().map(|(c, k, n)| (*c, *k, n.text())).collect();
            m.notify_status = self.notify_status;
            m.rings = self
                .rings
                .iter()
                .map(|r| {
                    let mut ring =
                        MockRing::new(&r.name.text(), r.channel).with_slots(r.slots as usize);
                    ring.consumer = r.consumer;
                    ring.consume_on_publish = r.consume_on_publish;
                    ring.broken = r.broken;
                    ring.inbox = r.inbox.iter().map(Message::bytes).collect();
                    ring.arrivals =
                        r.arrivals.iter().map(|b| b.iter().map(Message::bytes).collect()).collect();
                    ring
                })
                .collect();
            m.now_ns = self.now_ns;
            m.restarted = self.restarted;
            m.io_in_value = self.io_in_value;
            m.mmio_value = self.mmio_value;
        });
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    ChannelTo(Name),
    ChannelInfo(u8),
    ChannelAll,
    Call { channel: u8, label: u64, request: u16, reply: u16 },
    Unpack(i64),
    Notify(u8),
    TimerTo(Name),
    Timer { call: u8, signal: u8, what: u8, ns: u64 },
    OpenProducer(Name),
    OpenConsumer(Name),
    OpenEnd { index: i32, consumer: bool },
    RingEnds,
    Send { ring: u8, len: u16 },
    SendBatch { ring: u8, buffer: u16, messages: Vec<u16> },
    SendSpin { ring: u8, len: u16, attempts: u8 },
    Publish(u8),
    Drain(u8),
    DrainInto { ring: u8, buffer: u16 },
    RecvBatch { ring: u8, buffer: u16 },
    DrainBatchInto { ring: u8, buffer: u16 },
    Log { level: u8, text: String },
    Raw(String),
    Text(String),
    Io { base: u16, offset: u16, width: u8, value: u32, write: bool },
    Mmio { window: u32, offset: u32, value: u32, write: bool },
    Irq(u8),
    Wait(u8),
    Clock,
    Protected { channel: i32, label: i64, len: i32, fill: u8 },
    Notified(i32),
}

/// The handler the exports run: echoes the request, as a server would.
struct Echo;

impl Handler for Echo {
    fn protected(&mut self, _: Channel, label: u64, request: &[u8], reply: &mut [u8]) -> Reply {
        assert!(request.len() <= MAX_MESSAGE_BYTES && reply.len() == MAX_MESSAGE_BYTES);
        Reply::with_bytes(label & Reply::MAX_LABEL, request, reply)
    }

    fn notified(&mut self, _: Channel) {}
}

fn echo() -> Echo {
    Echo
}

std::thread_local! {
    /// The component's handler and message buffer, as `component!` keeps
    /// them (one per fuzzing thread: `init` runs once).
    static CELL: &'static HandlerCell<0> = {
        let cell: &'static HandlerCell<0> = Box::leak(Box::new(HandlerCell::new()));
        component::init(cell, echo);
        cell
    };
    static MESSAGE: &'static MessageBuffer = Box::leak(Box::new(MessageBuffer::new()));
}

/// Ring ends opened so far (at most a few; operations pick one by index).
#[derive(Default)]
struct Ends {
    producers: Vec<RingProducer>,
    consumers: Vec<RingConsumer>,
}

fn pick<T>(items: &mut [T], i: u8) -> Option<&mut T> {
    let n = items.len();
    (n > 0).then(|| &mut items[i as usize % n])
}

fn receive_into(buffer: u16) -> Guarded {
    Guarded::new(buffer as usize % (2 * MAX_MESSAGE_BYTES))
}

fn run_op(op: &Op, ends: &mut Ends) {
    match op {
        Op::ChannelTo(name) => {
            let _ = Channel::try_to(&name.text());
        }
        Op::ChannelInfo(id) => {
            if let Some(info) = Channel::new(*id).info() {
                assert!(info.peer().len() <= PEER_NAME_BYTES);
            }
        }
        Op::ChannelAll => {
            let n = Channel::all().inspect(|i| assert!(i.peer().len() <= PEER_NAME_BYTES)).count();
            assert!(n <= wasm_abi::MAX_CHANNEL_IDS as usize);
        }
        Op::Call { channel, label, request, reply } => {
            let request = vec![7u8; *request as usize % (MAX_MESSAGE_BYTES + 64)];
            let mut buffer = Guarded::new(*reply as usize % (MAX_MESSAGE_BYTES + 64));
            let capacity = buffer.inner().len();
            if let Ok(r) = Channel::new(*channel).call(*label, &request, buffer.inner()) {
                assert!(r.len <= capacity, "reply of {} bytes in a buffer of {capacity}", r.len);
                assert!(r.label <= Reply::MAX_LABEL);
            }
            buffer.check();
        }
        Op::Unpack(packed) => {
            if let Ok(r) = Reply::unpack(*packed) {
                assert!(r.label <= Reply::MAX_LABEL && r.len <= u32::MAX as usize);
            }
        }
        Op::Notify(id) => {
            Channel::new(*id).notify();
            let _ = Channel::new(*id).try_notify();
        }
        Op::TimerTo(name) => {
            let _ = Timer::to(&name.text());
        }
        Op::Timer { call, signal, what, ns } => {
            let timer = Timer::new(Channel::new(*call), Channel::new(*signal));
            let _ = match what % 5 {
                0 => timer.now_ns().map(|_| ()),
                1 => timer.set_timeout(*ns).map(|_| ()),
                2 => timer.cancel().map(|_| ()),
                3 => timer.wait(),
                _ => timer.sleep_ns(*ns),
            };
        }
        Op::OpenProducer(name) => {
            if let Ok(p) = RingProducer::try_open(&name.text()) {
                ends.producers.push(p);
            }
        }
        Op::OpenConsumer(name) => {
            if let Ok(c) = RingConsumer::try_open(&name.text()) {
                ends.consumers.push(c);
            }
        }
        Op::OpenEnd { index, consumer } => {
            if *consumer {
                if let Ok(c) = RingConsumer::open_end(*index) {
                    ends.consumers.push(c);
                }
            } else if let Ok(p) = RingProducer::open_end(*index) {
                ends.producers.push(p);
            }
        }
        Op::RingEnds => {
            for end in sel4_wasm_sdk::ring_ends().take(1000) {
                assert!(end.name().len() <= RING_NAME_BYTES);
            }
        }
        Op::Send { ring, len } => {
            if let Some(p) = pick(&mut ends.producers, *ring) {
                let _ = p.send(&vec![1u8; *len as usize % (MAX_MESSAGE_BYTES + 64)]);
            }
        }
        Op::SendBatch { ring, buffer, messages } => {
            if let Some(p) = pick(&mut ends.producers, *ring) {
                let mut storage = Guarded::new(*buffer as usize % (4 * MAX_MESSAGE_BYTES));
                let mut batch = Batch::new(storage.inner());
                for len in messages {
                    let _ = batch.push(&vec![2u8; *len as usize % MAX_MESSAGE_BYTES]);
                }
                let before = batch.len();
                if let Ok(sent) = p.send_batch(&mut batch) {
                    assert!(sent <= before && batch.len() == before - sent);
                }
                storage.check();
            }
        }
        Op::SendSpin { ring, len, attempts } => {
            if let Some(p) = pick(&mut ends.producers, *ring) {
                let message = vec![3u8; *len as usize % (MAX_MESSAGE_BYTES + 64)];
                let _ = p.send_spin(&message, *attempts as u32 % 8);
            }
        }
        Op::Publish(ring) => {
            if let Some(p) = pick(&mut ends.producers, *ring) {
                let _ = p.publish();
            }
        }
        Op::Drain(ring) => {
            if let Some(c) = pick(&mut ends.consumers, *ring) {
                let _ = c.drain(|m| assert!(m.len() <= sel4_wasm_sdk::DRAIN_BUFFER_BYTES));
            }
        }
        Op::DrainInto { ring, buffer } => {
            if let Some(c) = pick(&mut ends.consumers, *ring) {
                let mut storage = receive_into(*buffer);
                let range = storage.range();
                let _ = c.drain_into(storage.inner(), |m| assert_within(m, &range));
                storage.check();
            }
        }
        Op::RecvBatch { ring, buffer } => {
            if let Some(c) = pick(&mut ends.consumers, *ring) {
                let mut storage = receive_into(*buffer);
                let range = storage.range();
                if let Ok(received) = c.recv_batch(storage.inner()) {
                    for m in received {
                        assert_within(m, &range);
                    }
                }
                storage.check();
            }
        }
        Op::DrainBatchInto { ring, buffer } => {
            if let Some(c) = pick(&mut ends.consumers, *ring) {
                let mut storage = receive_into(*buffer);
                let range = storage.range();
                let _ = c.drain_batch_into(storage.inner(), |m| assert_within(m, &range));
                storage.check();
            }
        }
        Op::Log { level, text } => match level % 5 {
            0 => sel4_wasm_sdk::error!("{text}"),
            1 => sel4_wasm_sdk::warn!("{text}"),
            2 => sel4_wasm_sdk::info!("{text}"),
            3 => sel4_wasm_sdk::debug!("{text}"),
            _ => sel4_wasm_sdk::trace!("{text}"),
        },
        Op::Raw(text) => sel4_wasm_sdk::raw!("{text}"),
        Op::Text(text) => sel4_wasm_sdk::log::write_text(text),
        Op::Io { base, offset, width, value, write } => {
            let ports = IoPorts::new(*base);
            let _ = match (width % 3, write) {
                (0, false) => ports.read8(*offset).map(|_| ()),
                (1, false) => ports.read16(*offset).map(|_| ()),
                (_, false) => ports.read32(*offset).map(|_| ()),
                (0, true) => ports.write8(*offset, *value as u8),
                (1, true) => ports.write16(*offset, *value as u16),
                (_, true) => ports.write32(*offset, *value),
            };
        }
        Op::Mmio { window, offset, value, write } => {
            let window = DeviceWindow::new(*window);
            let _ = if *write {
                window.write32(*offset, *value)
            } else {
                window.read32(*offset).map(|_| ())
            };
        }
        Op::Irq(channel) => {
            let _ = Irq::new(*channel).ack();
            let _ = Irq::new(*channel).wait();
        }
        Op::Wait(channel) => {
            let _ = sel4_wasm_sdk::wait(Channel::new(*channel));
        }
        Op::Clock => {
            let _ = sel4_wasm_sdk::time_now_ns();
            let _ = sel4_wasm_sdk::restarted();
        }
        Op::Protected { channel, label, len, fill } => {
            let cell = CELL.with(|c| *c);
            let buffer = MESSAGE.with(|b| *b);
            // SAFETY: the message buffer is MAX_MESSAGE_BYTES bytes, and
            // nothing else uses it during this write (as the runtime
            // writes the request before calling `protected`).
            unsafe { buffer.address().write_bytes(*fill, MAX_MESSAGE_BYTES) };
            let packed = component::protected(cell, echo, buffer, *channel, *label, *len);
            let reply = Reply::unpack(packed).expect("the echo's reply packs");
            assert!(reply.len <= MAX_MESSAGE_BYTES);
        }
        Op::Notified(channel) => component::notified(CELL.with(|c| *c), echo, *channel),
    }
}

fn run(data: &[u8]) -> arbitrary::Result<()> {
    let mut u = Unstructured::new(data);
    Script::arbitrary(&mut u)?.install();
    let mut ends = Ends::default();
    for _ in 0..u.arbitrary_len::<Op>()?.min(256) {
        run_op(&Op::arbitrary(&mut u)?, &mut ends);
        ends.producers.truncate(4);
        ends.consumers.truncate(4);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
