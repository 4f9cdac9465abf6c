//! The attacks, one per component name. Each prints what the host answered
//! (`NAME: ...`), then either exits 0 or makes the one call that must trap.

use core::arch::wasm32::{memory_grow, memory_size};

use sel4_wasm_sdk as sdk;

const PAGE: usize = 65536;

// The host functions with every pointer an `i32`, as a hostile module
// declares them.
#[allow(clashing_extern_declarations)]
#[link(wasm_import_module = "sel4_wasm_v1")]
unsafe extern "C" {
    fn log(level: i32, ptr: i32, len: i32);
    fn wait(channel: i32) -> i32;
    fn channel_by_peer(ptr: i32, len: i32) -> i32;
    fn channel_info(channel: i32, ptr: i32, capacity: i32) -> i64;
    fn channel_call(
        channel: i32,
        label: i64,
        ptr: i32,
        len: i32,
        reply_ptr: i32,
        reply_capacity: i32,
    ) -> i64;
    fn channel_notify(channel: i32) -> i32;
    fn ring_open(ptr: i32, len: i32) -> i32;
    fn ring_open_end(index: i32) -> i32;
    fn ring_end_info(index: i32, ptr: i32, capacity: i32) -> i64;
    fn ring_channel(ring: i32) -> i32;
    fn ring_send(ring: i32, ptr: i32, len: i32) -> i32;
    fn ring_publish(ring: i32) -> i32;
    fn ring_wait_space(ring: i32) -> i32;
    fn ring_recv(ring: i32, ptr: i32, capacity: i32) -> i32;
    fn ring_sleep(ring: i32) -> i32;
    fn ring_send_batch(ring: i32, ptr: i32, len: i32) -> i32;
    fn ring_recv_batch(ring: i32, ptr: i32, capacity: i32) -> i32;
}

/// The end of linear memory: the first address past it.
fn memory_end() -> i32 {
    (memory_size(0) * PAGE) as i32
}

/// The address of `bytes` in linear memory.
fn at(bytes: &[u8]) -> i32 {
    bytes.as_ptr() as i32
}

/// The address of a buffer the host writes to.
fn at_mut(bytes: &mut [u8]) -> i32 {
    bytes.as_mut_ptr() as i32
}

/// Ends the attack that should have trapped: it did not.
fn survived(name: &str, what: &str) -> ! {
    sdk::error!("{name}: {what} did not trap");
    sdk::exit(1)
}

pub fn run(name: &str) {
    // Every unsafe block below calls host functions with bad pointers,
    // lengths or ids on purpose: the host checks them and traps the module
    // instead of touching memory it should not.
    match name {
        // SAFETY: the host checks every pointer, length and id it is given.
        "bad-log-ptr" => unsafe {
            sdk::info!("{name}: logging 100 bytes from 4 bytes before the end of memory");
            log(3, memory_end() - 4, 100);
            survived(name, "log past the end of memory");
        },
        // SAFETY: the host checks every pointer, length and id it is given.
        "bad-channel-ids" => unsafe {
            let mut reply = [0u8; 8];
            let r = at_mut(&mut reply);
            let call = |id| channel_call(id, 0, r, 0, r, 8);
            let info = |id| channel_info(id, r, 8);
            sdk::info!(
                "{name}: call -1 {} 27 {} 99 {}; notify -1 {} 27 {} 0 {}; info -1 {} 27 {}; wait 27 {}",
                call(-1),
                call(27),
                call(99),
                channel_notify(-1),
                channel_notify(27),
                channel_notify(0),
                info(-1),
                info(27),
                wait(27)
            );
            // Channel 0 is a real caller channel: the reply pointer is not.
            channel_call(0, 0, r, 8, memory_end(), 8);
            survived(name, "a call whose reply lies outside memory");
        },
        // SAFETY: the host checks every pointer, length and id it is given.
        "bad-ring-ids" => unsafe {
            let mut buffer = [0u8; 16];
            let b = at_mut(&mut buffer);
            sdk::info!(
                "{name}: open_end -1 {} 99 {}; end_info 99 {}; channel {}; send {}; publish {}; \
                 wait_space {}; recv {}; sleep {}; send_batch {}; recv_batch {}",
                ring_open_end(-1),
                ring_open_end(99),
                ring_end_info(99, b, 16),
                ring_channel(-5),
                ring_send(1000, b, 4),
                ring_publish(i32::MIN),
                ring_wait_space(7),
                ring_recv(-1, b, 16),
                ring_sleep(42),
                ring_send_batch(99, b, 0),
                ring_recv_batch(99, b, 16)
            );
            let producer = ring_open(at(b"r1"), 2);
            let consumer = ring_open(at(b"r2"), 2);
            sdk::info!(
                "{name}: wrong ends: recv on producer {}, send on consumer {}",
                ring_recv(producer, b, 16),
                ring_send(consumer, b, 4)
            );
            ring_send(producer, memory_end() - 2, 4);
            survived(name, "a ring message past the end of memory");
        },
        // SAFETY: the host checks every pointer, length and id it is given.
        "bad-batch" => unsafe {
            let out = ring_open(at(b"r2"), 2);
            let input = ring_open(at(b"r4"), 2);
            // One record larger than a slot (64 bytes).
            let mut big = [0u8; 4 + 128];
            big[..4].copy_from_slice(&128u32.to_le_bytes());
            let mut tiny = [0u8; 3];
            sdk::info!(
                "{name}: oversized record {}, empty batch {}, capacity 3 {}, empty ring {}",
                ring_send_batch(out, at(&big), big.len() as i32),
                ring_send_batch(out, at(&big), 0),
                ring_recv_batch(input, at_mut(&mut tiny), 3),
                ring_recv_batch(input, at_mut(&mut big), big.len() as i32)
            );
            // A header claiming 4 GiB of message in an 8-byte batch.
            let lying = [0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4];
            ring_send_batch(out, at(&lying), lying.len() as i32);
            survived(name, "a batch record past the end of the batch");
        },
        // SAFETY: the host checks every pointer, length and id it is given;
        // the text is the memory just grown, which nothing else uses.
        "big-text" => unsafe {
            // 900 KiB of 0xff, then 900 KiB of 'x', at the end of memory.
            const BIG: usize = 900 * 1024;
            let pages = BIG.div_ceil(PAGE);
            let start = memory_grow(0, pages);
            if start == usize::MAX {
                sdk::error!("{name}: no memory for the big text (wasm_memory too small)");
                sdk::exit(1);
            }
            let text = core::slice::from_raw_parts_mut((start * PAGE) as *mut u8, BIG);
            text.fill(0xff);
            let p = at(text);
            log(3, p, BIG as i32);
            let peer = channel_by_peer(p, BIG as i32);
            let ring = ring_open(p, BIG as i32);
            let sixty_five = channel_by_peer(p, 65);
            text.fill(b'x');
            log(3, p, BIG as i32);
            sdk::info!(
                "{name}: channel_by_peer {peer}, ring_open {ring}, 65-byte name {sixty_five}; the runtime lives"
            );
        },
        // SAFETY: the host checks every pointer, length and id it is given.
        "ring-flood" => unsafe {
            let first = ring_open(at(b"r1"), 2);
            let mut same = 0;
            for _ in 0..100_000 {
                same += (ring_open(at(b"r1"), 2) == first) as u32;
            }
            let by_index = ring_open_end(0);
            let other = ring_open(at(b"r4"), 2);
            sdk::info!(
                "{name}: 100000 opens of r1 gave handle {first} {same} times; open_end(0) {by_index}; r4 {other}; log ring {}",
                ring_open(at(b"log:ring-flood"), 14)
            );
        },
        // SAFETY: the host checks every pointer, length and id it is given.
        "forge-log" => unsafe {
            let forged = b"ok\n[ERROR root-task] supervisor: forged";
            log(3, at(forged), forged.len() as i32);
            let raw = b"[ERROR root-task] supervisor: raw forged";
            log(0, at(raw), raw.len() as i32);
            let text = b"text forged\r\n";
            log(6, at(text), text.len() as i32);
            let escape = "\x1b[2Jclear\u{9b}screen".as_bytes();
            log(99, at(escape), escape.len() as i32);
            log(-1, at(escape), escape.len() as i32);
            sdk::info!("{name}: done");
        },
        // SAFETY: the host checks every pointer, length and id it is given.
        "wait-missing" => unsafe {
            sdk::info!(
                "{name}: absent 9 {}, negative {}, 300 {}, protected-call channel 0 {}",
                wait(9),
                wait(-1),
                wait(300),
                wait(0)
            );
        },
        "deep-recursion" => {
            sdk::info!("{name}: recursing on the native stack");
            let depth = recurse(core::hint::black_box(1), 2, 3);
            survived(name, if depth > 0 { "deep recursion" } else { "recursion" });
        }
        "shadow-stack" => {
            sdk::info!("{name}: recursing on the stack in linear memory");
            let depth = recurse_in_memory(core::hint::black_box(1));
            survived(name, if depth > 0 { "deep recursion" } else { "recursion" });
        }
        "grow-limit" | "grow-big" => {
            let limit_pages = if name == "grow-limit" { 48 } else { 256 };
            let now = memory_size(0);
            let grown = memory_grow(0, limit_pages - now);
            let beyond = memory_grow(0, 1) as isize;
            sdk::info!(
                "{name}: grew from {} KiB to {} KiB (old size {}); one page more -> {beyond}",
                now * 64,
                memory_size(0) * 64,
                if grown == now { "returned" } else { "wrong" }
            );
        }
        // SAFETY: the host checks every pointer, length and id it is given.
        "bad-call" => unsafe {
            let mut reply = [0u8; 16];
            let request = [7u8; 16];
            let r = at_mut(&mut reply);
            let too_large = channel_call(0, 1, at(&request), 961, r, 16);
            let echoed = channel_call(0, 1, at(&request), 16, r, 16);
            let cut = channel_call(0, 1, at(&request), 16, r, 3);
            sdk::info!(
                "{name}: 961 bytes {too_large}, echo {echoed:#x} ({}), into 3 bytes {cut:#x}",
                reply[15]
            );
            channel_call(0, 1, memory_end() - 8, 16, r, 16);
            survived(name, "a request past the end of memory");
        },
        // SAFETY: the host checks every pointer, length and id it is given.
        "bad-names" => unsafe {
            let long = [b'a'; 65];
            let mut info = [0u8; 64];
            sdk::info!(
                "{name}: 65-byte peer {}, 65-byte ring {}, info into 0 bytes {:#x}",
                channel_by_peer(at(&long), 65),
                ring_open(at(&long), 65),
                channel_info(0, at_mut(&mut info), 0)
            );
            channel_info(0, memory_end() - 1, 64);
            survived(name, "a peer name copied past the end of memory");
        },
        "exit-client" | "spin-client" => {
            let mut reply = [0u8; 8];
            let result = sdk::Channel::new(0).call(1, &[1; 8], &mut reply);
            sdk::info!("{name}: call -> {:?}", result.map(|r| r.len));
        }
        "wait-client" => {
            let mut reply = [0u8; 8];
            match sdk::Channel::new(0).call(1, &[1; 8], &mut reply) {
                Ok(_) => sdk::info!(
                    "{name}: inside protected wait -> {}, ring_wait_space -> {}",
                    i32::from_le_bytes([reply[0], reply[1], reply[2], reply[3]]),
                    i32::from_le_bytes([reply[4], reply[5], reply[6], reply[7]])
                ),
                Err(e) => sdk::error!("{name}: call -> {e:?}"),
            }
        }
        other => {
            sdk::error!("no attack is named `{other}`");
            sdk::exit(2)
        }
    }
}

/// Recurses until the Wasm call stack (the native one) is exhausted: only
/// locals, nothing in linear memory, and work after the call that the
/// compiler cannot turn into a loop.
#[inline(never)]
fn recurse(a: u64, b: u64, c: u64) -> u64 {
    if a == u64::MAX {
        return b;
    }
    recurse(a + 1, b ^ a, c.wrapping_mul(a)).rotate_left((a & 63) as u32).wrapping_sub(c)
}

/// Recurses with a buffer per frame on the stack Rust keeps in linear
/// memory, until it runs off the bottom of linear memory.
#[inline(never)]
fn recurse_in_memory(depth: u64) -> u64 {
    let frame = core::hint::black_box([depth; 16]);
    if frame[3] == u64::MAX {
        return 0;
    }
    recurse_in_memory(frame[3] + 1) + frame[7]
}
