//! A stand-in for the host functions on the host, for unit tests: each
//! call is recorded ([`calls`]) and answered from a per-thread [`State`]
//! that a test scripts ([`with`]). Tests start with [`reset`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::string::String;
use std::vec::Vec;

use wasm_abi::status;

/// A recorded call of a host function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Log {
        level: i32,
        text: String,
    },
    Exit(i64),
    Wait(i32),
    RingEndInfo(i32),
    RingOpenEnd(i32),
    ChannelByPeer(String),
    ChannelCall {
        channel: i32,
        label: i64,
        request: Vec<u8>,
        reply_capacity: usize,
    },
    ChannelNotify(i32),
    ChannelInfo(i32),
    RingOpen(String),
    RingChannel(i32),
    RingSend {
        ring: i32,
        message: Vec<u8>,
    },
    RingPublish(i32),
    RingRecv(i32),
    /// `ring_send_batch`: the messages of the batch, as the host parsed it.
    RingSendBatch {
        ring: i32,
        messages: Vec<Vec<u8>>,
    },
    RingRecvBatch {
        ring: i32,
        capacity: usize,
    },
    RingWaitSpace(i32),
    RingSleep(i32),
    ComponentName,
    TimeNowNs,
    Restarted,
    IoOut {
        width: i32,
        port: i32,
        value: i32,
    },
    IoIn {
        width: i32,
        port: i32,
    },
    IrqAck(i32),
    MmioRead {
        window: i32,
        offset: i32,
    },
    MmioWrite {
        window: i32,
        offset: i32,
        value: i32,
    },
}

/// A ring as the mock host sees it; its handle is its index in
/// [`State::rings`].
#[derive(Debug, Clone, Default)]
pub struct MockRing {
    pub name: String,
    /// The ring's channel at this end.
    pub channel: i32,
    /// Producer end: slots; `send` fails with RING_FULL when the sent and
    /// not yet consumed messages fill them.
    pub slots: usize,
    /// Producer end: sent, not yet published.
    pub unpublished: Vec<Vec<u8>>,
    /// Producer end: every message published, in order.
    pub published: Vec<Vec<u8>>,
    /// Producer end: published messages the consumer has not taken.
    pub in_flight: usize,
    /// Producer end: the consumer takes everything as soon as it is published.
    pub consume_on_publish: bool,
    /// Consumer end: what `ring_recv` returns next.
    pub inbox: VecDeque<Vec<u8>>,
    /// Consumer end: each `ring_sleep` moves the next batch into the inbox
    /// and returns 1 (receive again); without batches it returns 0.
    pub arrivals: VecDeque<Vec<Vec<u8>>>,
    /// Every operation returns RING_BROKEN.
    pub broken: bool,
    /// This end consumes (for `ring_end_info`).
    pub consumer: bool,
    /// The producer's console grants `ring_end_info` reports (raw, text).
    pub producer_output: (bool, bool),
    /// Inside `protected`: `ring_wait_space` answers WOULD_BLOCK.
    pub serving: bool,
}

impl MockRing {
    pub fn new(name: &str, channel: i32) -> MockRing {
        MockRing { name: name.into(), channel, slots: usize::MAX, ..MockRing::default() }
    }

    pub fn with_slots(mut self, slots: usize) -> MockRing {
        self.slots = slots;
        self
    }

    /// Marks this end as the consumer (as `ring_end_info` reports it).
    pub fn consumer(mut self) -> MockRing {
        self.consumer = true;
        self
    }

    /// Reports the producer of this (log) ring granted raw and/or text output.
    pub fn producer_granted(mut self, raw: bool, text: bool) -> MockRing {
        self.producer_output = (raw, text);
        self
    }

    pub fn consumed_on_publish(mut self) -> MockRing {
        self.consume_on_publish = true;
        self
    }

    pub fn with_messages(mut self, messages: impl IntoIterator<Item = Vec<u8>>) -> MockRing {
        self.inbox.extend(messages);
        self
    }

    pub fn arriving_at_sleep(mut self, messages: impl IntoIterator<Item = Vec<u8>>) -> MockRing {
        self.arrivals.push_back(messages.into_iter().collect());
        self
    }
}

/// The mock host's state.
#[derive(Debug, Default)]
pub struct State {
    pub calls: Vec<Call>,
    /// `channel_by_peer` answers; other names get NO_SUCH_CHANNEL.
    pub peers: Vec<(String, i32)>,
    /// `channel_call` answers in order: (label, bytes) or a status; when
    /// none is left, SERVER_DIED. As the runtime does, the reply is padded
    /// with zeros to whole 8-byte words, then cut to the reply capacity.
    pub call_replies: VecDeque<Result<(u64, Vec<u8>), i32>>,
    /// `channel_info` answers: (channel, kind, peer).
    pub channel_infos: Vec<(i32, i64, String)>,
    /// What `channel_notify` returns.
    pub notify_status: i32,
    pub rings: Vec<MockRing>,
    pub now_ns: u64,
    /// What `component_name` answers.
    pub name: String,
    /// What `restarted` answers (false: the first run).
    pub restarted: bool,
    /// What `wait` answers (OK unless a test scripts a refusal).
    pub wait_status: i32,
    /// What `io_in` returns.
    pub io_in_value: i64,
    /// What `mmio_read32` returns.
    pub mmio_value: i64,
}

std::thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Forgets every call and script of this thread.
pub fn reset() {
    STATE.with(|s| *s.borrow_mut() = State::default());
}

/// Runs `f` on this thread's state.
pub fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// The calls made so far.
pub fn calls() -> Vec<Call> {
    with(|s| s.calls.clone())
}

/// The text of the log lines so far.
pub fn logs() -> Vec<String> {
    calls()
        .into_iter()
        .filter_map(|c| match c {
            Call::Log { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

fn record(call: Call) {
    with(|s| s.calls.push(call));
}

/// # Safety
/// `ptr..ptr + len` is readable.
unsafe fn text(ptr: *const u8, len: usize) -> String {
    // SAFETY: by the caller.
    String::from_utf8_lossy(unsafe { core::slice::from_raw_parts(ptr, len) }).into_owned()
}

fn ring<R>(handle: i32, f: impl FnOnce(&mut MockRing) -> R) -> Result<R, i32> {
    with(|s| match s.rings.get_mut(handle as usize) {
        Some(ring) if ring.broken => Err(status::RING_BROKEN),
        Some(ring) => Ok(f(ring)),
        None => Err(status::NO_SUCH_RING),
    })
}

/// The mock host functions, with the signatures of [`crate::sys`] on wasm32.
#[allow(clippy::missing_safety_doc)]
pub mod host {
    use super::*;

    pub unsafe fn log(level: i32, ptr: *const u8, len: usize) {
        // SAFETY: as the import's.
        let text = unsafe { text(ptr, len) };
        record(Call::Log { level, text });
    }

    pub unsafe fn wait(channel: i32) -> i32 {
        record(Call::Wait(channel));
        with(|s| s.wait_status)
    }

    pub unsafe fn ring_end_info(index: i32, ptr: *mut u8, capacity: usize) -> i64 {
        record(Call::RingEndInfo(index));
        with(|s| match s.rings.get(index as usize) {
            Some(r) => {
                let n = r.name.len().min(capacity);
                // SAFETY: as the import's: `ptr` has `capacity` bytes.
                unsafe { core::ptr::copy_nonoverlapping(r.name.as_ptr(), ptr, n) };
                let flags = r.consumer as i64
                    | (r.producer_output.0 as i64) << 1
                    | (r.producer_output.1 as i64) << 2;
                (flags << 32) | r.name.len() as i64
            }
            None => status::NO_SUCH_RING as i64,
        })
    }

    pub unsafe fn ring_open_end(index: i32) -> i32 {
        record(Call::RingOpenEnd(index));
        with(|s| if (index as usize) < s.rings.len() { index } else { status::NO_SUCH_RING })
    }

    pub unsafe fn exit(code: i64) -> ! {
        record(Call::Exit(code));
        panic!("component exited with code {code}");
    }

    pub unsafe fn channel_by_peer(ptr: *const u8, len: usize) -> i32 {
        // SAFETY: as the import's.
        let peer = unsafe { text(ptr, len) };
        record(Call::ChannelByPeer(peer.clone()));
        with(|s| {
            s.peers
                .iter()
                .find(|(name, _)| *name == peer)
                .map_or(status::NO_SUCH_CHANNEL, |(_, id)| *id)
        })
    }

    pub unsafe fn channel_call(
        channel: i32,
        label: i64,
        request: *const u8,
        request_len: usize,
        reply: *mut u8,
        reply_capacity: usize,
    ) -> i64 {
        // SAFETY: as the import's.
        let bytes = unsafe { core::slice::from_raw_parts(request, request_len) }.to_vec();
        record(Call::ChannelCall { channel, label, request: bytes, reply_capacity });
        if request_len > wasm_abi::MAX_MESSAGE_BYTES {
            return status::TOO_LARGE as i64;
        }
        match with(|s| s.call_replies.pop_front()) {
            Some(Ok((label, mut bytes))) => {
                bytes.resize(wasm_abi::message_len_on_arrival(bytes.len()), 0);
                bytes.truncate(reply_capacity);
                // SAFETY: as the import's; at most `reply_capacity` bytes.
                unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), reply, bytes.len()) };
                ((label << 32) | bytes.len() as u64) as i64
            }
            Some(Err(status)) => status as i64,
            None => status::SERVER_DIED as i64,
        }
    }

    pub unsafe fn channel_info(channel: i32, ptr: *mut u8, capacity: usize) -> i64 {
        record(Call::ChannelInfo(channel));
        with(|s| match s.channel_infos.iter().find(|(c, _, _)| *c == channel) {
            Some((_, kind, peer)) => {
                let n = peer.len().min(capacity);
                // SAFETY: as the import's: `ptr` has `capacity` bytes.
                unsafe { core::ptr::copy_nonoverlapping(peer.as_ptr(), ptr, n) };
                (kind << 32) | peer.len() as i64
            }
            None => status::NO_SUCH_CHANNEL as i64,
        })
    }

    pub unsafe fn channel_notify(channel: i32) -> i32 {
        record(Call::ChannelNotify(channel));
        with(|s| s.notify_status)
    }

    pub unsafe fn ring_open(ptr: *const u8, len: usize) -> i32 {
        // SAFETY: as the import's.
        let name = unsafe { text(ptr, len) };
        record(Call::RingOpen(name.clone()));
        with(|s| {
            s.rings.iter().position(|r| r.name == name).map_or(status::NO_SUCH_RING, |i| i as i32)
        })
    }

    pub unsafe fn ring_channel(ring_handle: i32) -> i32 {
        record(Call::RingChannel(ring_handle));
        ring(ring_handle, |r| r.channel).unwrap_or_else(|e| e)
    }

    pub unsafe fn ring_send(ring_handle: i32, ptr: *const u8, len: usize) -> i32 {
        // SAFETY: as the import's.
        let message = unsafe { core::slice::from_raw_parts(ptr, len) }.to_vec();
        record(Call::RingSend { ring: ring_handle, message: message.clone() });
        ring(ring_handle, |r| {
            if r.unpublished.len() + r.in_flight >= r.slots {
                status::RING_FULL
            } else {
                r.unpublished.push(message);
                status::OK
            }
        })
        .unwrap_or_else(|e| e)
    }

    pub unsafe fn ring_publish(ring_handle: i32) -> i32 {
        record(Call::RingPublish(ring_handle));
        ring(ring_handle, |r| {
            r.in_flight += r.unpublished.len();
            r.published.append(&mut r.unpublished);
            if r.consume_on_publish {
                r.in_flight = 0;
            }
            status::OK
        })
        .unwrap_or_else(|e| e)
    }

    pub unsafe fn ring_recv(ring_handle: i32, ptr: *mut u8, capacity: usize) -> i32 {
        record(Call::RingRecv(ring_handle));
        ring(ring_handle, |r| match r.inbox.pop_front() {
            None => status::RING_EMPTY,
            Some(message) if message.len() > capacity => status::TOO_LARGE,
            Some(message) => {
                // SAFETY: as the import's; at most `capacity` bytes.
                unsafe { core::ptr::copy_nonoverlapping(message.as_ptr(), ptr, message.len()) };
                message.len() as i32
            }
        })
        .unwrap_or_else(|e| e)
    }

    pub unsafe fn ring_send_batch(ring_handle: i32, ptr: *const u8, len: usize) -> i32 {
        // SAFETY: as the import's.
        let batch = unsafe { core::slice::from_raw_parts(ptr, len) };
        let mut messages = Vec::new();
        let mut at = 0;
        while at < len {
            // The real host traps on a record past the end of the batch.
            let header =
                batch.get(at..at + 4).expect("a batch record header past the end of the batch");
            let n = u32::from_le_bytes(header.try_into().unwrap()) as usize;
            let message =
                batch.get(at + 4..at + 4 + n).expect("a batch record past the end of the batch");
            messages.push(message.to_vec());
            at += 4 + n.next_multiple_of(4);
        }
        record(Call::RingSendBatch { ring: ring_handle, messages: messages.clone() });
        ring(ring_handle, |r| {
            let mut sent = 0;
            for message in messages {
                if r.unpublished.len() + r.in_flight >= r.slots {
                    return if sent == 0 { status::RING_FULL } else { sent };
                }
                r.unpublished.push(message);
                sent += 1;
            }
            sent
        })
        .unwrap_or_else(|e| e)
    }

    pub unsafe fn ring_recv_batch(ring_handle: i32, ptr: *mut u8, capacity: usize) -> i32 {
        record(Call::RingRecvBatch { ring: ring_handle, capacity });
        ring(ring_handle, |r| {
            let mut received = 0;
            let mut at = 0;
            while capacity - at >= 4 {
                let Some(message) = r.inbox.front() else { break };
                if message.len() > capacity - at - 4 {
                    if received == 0 {
                        return status::TOO_LARGE;
                    }
                    break;
                }
                let message = r.inbox.pop_front().unwrap();
                let header = (message.len() as u32).to_le_bytes();
                // SAFETY: as the import's; inside `capacity` bytes.
                unsafe {
                    core::ptr::copy_nonoverlapping(header.as_ptr(), ptr.add(at), 4);
                    core::ptr::copy_nonoverlapping(
                        message.as_ptr(),
                        ptr.add(at + 4),
                        message.len(),
                    );
                }
                received += 1;
                at = (at + 4 + message.len().next_multiple_of(4)).min(capacity);
            }
            match received {
                0 if capacity < 4 => status::TOO_LARGE,
                0 => status::RING_EMPTY,
                n => n,
            }
        })
        .unwrap_or_else(|e| e)
    }

    pub unsafe fn ring_wait_space(ring_handle: i32) -> i32 {
        record(Call::RingWaitSpace(ring_handle));
        // The consumer takes everything while this end waits.
        ring(ring_handle, |r| {
            if r.serving {
                return status::WOULD_BLOCK;
            }
            r.in_flight = 0;
            status::OK
        })
        .unwrap_or_else(|e| e)
    }

    pub unsafe fn ring_sleep(ring_handle: i32) -> i32 {
        record(Call::RingSleep(ring_handle));
        ring(ring_handle, |r| match r.arrivals.pop_front() {
            Some(batch) => {
                r.inbox.extend(batch);
                1
            }
            None => 0,
        })
        .unwrap_or_else(|e| e)
    }

    pub unsafe fn component_name(ptr: *mut u8, capacity: usize) -> i32 {
        record(Call::ComponentName);
        with(|s| {
            let n = s.name.len().min(capacity);
            // SAFETY: as the import's: `ptr` has `capacity` bytes.
            unsafe { core::ptr::copy_nonoverlapping(s.name.as_ptr(), ptr, n) };
            s.name.len() as i32
        })
    }

    pub unsafe fn time_now_ns() -> i64 {
        record(Call::TimeNowNs);
        with(|s| s.now_ns as i64)
    }

    pub unsafe fn restarted() -> i32 {
        record(Call::Restarted);
        with(|s| s.restarted as i32)
    }

    pub unsafe fn io_out(width: i32, port: i32, value: i32, _reserved: i32) -> i32 {
        record(Call::IoOut { width, port, value });
        status::OK
    }

    pub unsafe fn io_in(width: i32, port: i32) -> i64 {
        record(Call::IoIn { width, port });
        with(|s| s.io_in_value)
    }

    pub unsafe fn irq_ack(channel: i32) -> i32 {
        record(Call::IrqAck(channel));
        status::OK
    }

    pub unsafe fn mmio_read32(window: i32, offset: i32) -> i64 {
        record(Call::MmioRead { window, offset });
        with(|s| s.mmio_value)
    }

    pub unsafe fn mmio_write32(window: i32, offset: i32, value: i32) -> i32 {
        record(Call::MmioWrite { window, offset, value });
        status::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_and_time_reach_the_host() {
        reset();
        with(|s| s.now_ns = 1234);
        assert_eq!(crate::time_now_ns(), 1234);
        let result = std::panic::catch_unwind(|| crate::exit(3));
        assert!(result.is_err());
        assert_eq!(calls(), [Call::TimeNowNs, Call::Exit(3)]);
    }

    #[test]
    fn refusals_reach_the_component_as_errors_it_can_match() {
        reset();
        with(|s| s.wait_status = status::WOULD_BLOCK);
        assert_eq!(crate::wait(crate::Channel::new(3)), Err(crate::Error::WouldBlock));
        with(|s| s.wait_status = status::NO_SUCH_CHANNEL);
        assert_eq!(crate::wait(crate::Channel::new(3)), Err(crate::Error::NoSuchChannel));
        with(|s| s.rings.push(MockRing::new("out", 4).with_slots(1)));
        with(|s| s.rings[0].serving = true);
        let mut producer = crate::RingProducer::open("out");
        producer.send(b"fills the ring").unwrap();
        assert_eq!(producer.send_blocking(b"waits"), Err(crate::Error::WouldBlock));
    }

    #[test]
    fn ring_ends_report_the_producers_console_grants() {
        reset();
        with(|s| {
            s.rings.push(MockRing::new("log:shell", 26).consumer().producer_granted(true, true));
            s.rings.push(MockRing::new("log:kv", 26).consumer());
            s.rings.push(MockRing::new("console-tx", 1));
        });
        let ends: Vec<_> = crate::ring_ends().collect();
        assert_eq!(ends.len(), 3);
        assert!(ends[0].consumer && ends[0].producer_output.raw && ends[0].producer_output.text);
        assert!(ends[1].consumer);
        assert_eq!(ends[1].producer_output, crate::ProducerOutput::default());
        assert!(!ends[2].consumer);
        assert_eq!(ends[2].name(), "console-tx");
    }

    #[test]
    fn the_component_knows_its_name() {
        reset();
        with(|s| s.name = "kv".into());
        let mut buffer = [0u8; crate::NAME_BYTES];
        assert_eq!(crate::name(&mut buffer), "kv");
        with(|s| s.name = "x".repeat(crate::NAME_BYTES + 1));
        assert_eq!(crate::name(&mut buffer).len(), crate::NAME_BYTES, "cut to the buffer");
    }

    #[test]
    fn restarted_is_false_on_the_first_run_and_scriptable() {
        reset();
        assert!(!crate::restarted());
        with(|s| s.restarted = true);
        assert!(crate::restarted());
        assert_eq!(calls(), [Call::Restarted, Call::Restarted]);
    }
}
