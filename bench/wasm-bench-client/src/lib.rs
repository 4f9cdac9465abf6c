//! The Wasm benchmark driver (a task): Wasm-to-Wasm protected calls to
//! `peer`, the ring `wasm-ring` (consumed by `peer`) at several batch sizes,
//! and the compute kernels, timed with `time_now_ns` (the time-stamp
//! counter, in nanoseconds). Figures are `BENCH` lines, as the native
//! driver's (`bench-components`), in `ns`.
//!
//! It also exports `bench_kernel(kernel, rounds)`, so the host can run the
//! very same Wasm code (`cargo xtask bench`'s host comparison).
#![no_std]

use bench_kernels::{Kernel, Workload};
use core::fmt::Write;
use fixed_line::FixedLine;
use sel4_wasm_sdk::{self as sdk, Batch, Channel, Handler, RingProducer};

sdk::component!(init);

struct Done;
impl Handler for Done {}

/// The same counts as the native driver's.
const TRIALS: usize = 5;
const ROUND_TRIPS: u64 = 1000;
const RING_MESSAGES: u64 = 4096;
const RING_BATCHES: [u64; 3] = [1, 16, 256];
const KERNEL_ROUNDS: [u32; 4] = [16, 16, 2, 8];

static mut WORKLOAD: Workload = Workload::new();

/// Runs kernel `kernel` (`bench_kernels::Kernel` number) `rounds` times; a digest of the results.
#[unsafe(no_mangle)]
pub extern "C" fn bench_kernel(kernel: u32, rounds: u32) -> u64 {
    let Some(kernel) = Kernel::from_id(kernel) else { return 0 };
    // SAFETY: Wasm here is single-threaded and nothing else refers to WORKLOAD.
    let workload = unsafe { &mut *core::ptr::addr_of_mut!(WORKLOAD) };
    workload.run(kernel, rounds)
}

fn trials(mut trial: impl FnMut()) -> [u64; TRIALS] {
    trial();
    let mut totals = [0; TRIALS];
    for total in &mut totals {
        let start = sdk::time_now_ns();
        trial();
        *total = sdk::time_now_ns() - start;
    }
    totals
}

fn report(key: &str, operations: u64, totals: &[u64]) {
    let mut text = [0; 200];
    let mut line = FixedLine::new(&mut text);
    let _ = write!(line, "BENCH {key} ns {operations}");
    for total in totals {
        let _ = write!(line, " {total}");
    }
    sdk::info!("{}", line.as_str());
}

/// Sends what `batch` holds with one host call and publishes it; what did
/// not fit counts as refused.
fn send_batch(ring: &mut RingProducer, batch: &mut Batch<'_>, sent: &mut u64, full: &mut u64) {
    if batch.is_empty() {
        return;
    }
    if let Ok(n) = ring.send_batch(batch) {
        *sent += n as u64;
    }
    *full += batch.len() as u64;
    batch.clear();
    let _ = ring.publish();
}

fn init() -> Done {
    sdk::info!("BENCH-START wasm driver");
    let peer = Channel::to("peer");
    let mut reply = [0u8; 8];
    let totals = trials(|| {
        for i in 0..ROUND_TRIPS {
            if peer.call(0, &i.to_le_bytes(), &mut reply).is_err() {
                sdk::error!("call to peer failed");
            }
        }
    });
    report("ipc.wasm", ROUND_TRIPS, &totals);

    // Batch 1: one `ring_send` per message, the peer one `ring_recv` per
    // message. Batches of 16 and 256: one `ring_send_batch` per batch, the
    // peer one `ring_recv_batch` per bufferful.
    let mut ring = RingProducer::open("wasm-ring");
    let mut full = 0u64;
    let mut sent = 0u64;
    let mut buffer = [0u8; 256 * Batch::record_bytes(16)];
    for batch_size in RING_BATCHES {
        let batched = batch_size > 1;
        if peer.call(2, &[batched as u8], &mut reply).is_err() {
            sdk::error!("peer refused the receive mode");
        }
        let totals = trials(|| {
            if !batched {
                for i in 0..RING_MESSAGES {
                    let mut message = [0u8; 16];
                    message[..8].copy_from_slice(&sent.to_le_bytes());
                    message[8..].copy_from_slice(&i.to_le_bytes());
                    match ring.send(&message) {
                        Ok(()) => sent += 1,
                        Err(_) => full += 1,
                    }
                    let _ = ring.publish();
                }
                return;
            }
            let mut batch = Batch::new(&mut buffer);
            for i in 0..RING_MESSAGES {
                let sequence = sent + batch.len() as u64;
                batch.push_with(16, |message| {
                    message[..8].copy_from_slice(&sequence.to_le_bytes());
                    message[8..].copy_from_slice(&i.to_le_bytes());
                });
                if i % batch_size == batch_size - 1 {
                    send_batch(&mut ring, &mut batch, &mut sent, &mut full);
                }
            }
            send_batch(&mut ring, &mut batch, &mut sent, &mut full);
        });
        let key = match batch_size {
            1 => "ring.wasm.b1",
            16 => "ring.wasm.b16",
            _ => "ring.wasm.b256",
        };
        report(key, RING_MESSAGES, &totals);
    }
    let received = match peer.call(1, &[], &mut reply) {
        Ok(_) => u64::from_le_bytes(reply),
        Err(_) => 0,
    };
    if received == sent && full == 0 {
        sdk::info!("wasm ring: peer received all {sent} messages");
    } else {
        sdk::error!("wasm ring: sent {sent}, peer received {received}, {full} refused (full)");
    }

    for kernel in Kernel::ALL {
        let rounds = KERNEL_ROUNDS[kernel as usize];
        let mut digest = 0;
        let totals = trials(|| digest = core::hint::black_box(bench_kernel(kernel as u32, rounds)));
        let key = match kernel {
            Kernel::Crc32 => "compute.wasm.crc32",
            Kernel::Fnv1a => "compute.wasm.fnv1a",
            Kernel::MatMul => "compute.wasm.matmul64",
            Kernel::Sha256 => "compute.wasm.sha256",
        };
        report(key, rounds as u64, &totals);
        sdk::info!("BENCH-DIGEST {} {digest:#x}", kernel.name());
    }
    sdk::info!("BENCH-END wasm driver");
    sdk::exit(0)
}
