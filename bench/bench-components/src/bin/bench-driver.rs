//! The native benchmark driver (a task): measures, in time-stamp-counter
//! cycles, the raw seL4 call round trip, the runtime's channel call, the
//! notification round trip, the native ring at several batch sizes and the
//! compute kernels, and prints each figure as a `BENCH` line.
//!
//! Channels (bench/systems/main.toml): 0 calls `raw-server`, 1 calls
//! `echo-server`, 2 signals `notify-peer`, 3 is the ring `native-ring`'s,
//! 4 calls `ring-sink` for its counts, 5 calls the Wasm `peer` (an echo).
#![no_std]
#![no_main]

use bench_components::{report, trials, KERNEL_ROUNDS, RING_BATCHES, RING_MESSAGES, ROUND_TRIPS};
use bench_kernels::{Kernel, Workload};
use pd_runtime::ring::RingProducer;
use pd_runtime::sel4::{self, CPtr, Word};
use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};
use system_manifest::ArchivedChannelEndKind;

pd_runtime::main!(init);

struct Done;
impl Handler for Done {}

/// The endpoint slot through which this component calls on channel `id`.
fn caller_slot(id: u8) -> Word {
    for end in pd_runtime::config().channels.iter() {
        if let (true, ArchivedChannelEndKind::Caller { slot }) = (end.id == id, &end.kind) {
            return slot.to_native() as Word;
        }
    }
    panic!("no protected-call channel {id}");
}

/// The kernels' inputs (in .data: too large for the stack).
static mut WORKLOAD: Workload = Workload::new();

fn init() -> Done {
    log::info!("BENCH-START native driver");

    // Raw seL4 Call on the granted endpoint; the server uses ReplyRecv.
    let raw = CPtr::from_bits(caller_slot(0));
    let request = MessageInfo::new(0, 0, 0, 1);
    let totals = trials(|| {
        for i in 0..ROUND_TRIPS {
            set_mr(0, i);
            sel4::call(raw, request);
        }
    });
    if get_mr(0) != ROUND_TRIPS {
        log::error!("raw server answered {} to {}", get_mr(0), ROUND_TRIPS - 1);
    }
    report("ipc.raw", "cycles", ROUND_TRIPS, &totals);

    // The runtime's channel call to a pd-runtime handler.
    let echo = Channel::new(1);
    let totals = trials(|| {
        for i in 0..ROUND_TRIPS {
            set_mr(0, i);
            if echo.call(request).is_err() {
                log::error!("echo server died");
            }
        }
    });
    report("ipc.native", "cycles", ROUND_TRIPS, &totals);

    // A native caller and a Wasm server: the Wasm server side of a call alone.
    let wasm_peer = Channel::new(5);
    let totals = trials(|| {
        for i in 0..ROUND_TRIPS {
            set_mr(0, i);
            if wasm_peer.call(request).is_err() {
                log::error!("Wasm peer died");
            }
        }
    });
    report("ipc.native-to-wasm", "cycles", ROUND_TRIPS, &totals);

    // Signal the peer, sleep until it signals back.
    let peer = Channel::new(2);
    let totals = trials(|| {
        for _ in 0..ROUND_TRIPS {
            peer.notify();
            pd_runtime::wait_for(peer);
        }
    });
    report("notify.native", "cycles", ROUND_TRIPS, &totals);

    // The ring: publish every `batch` messages; the consumer (higher
    // priority) runs when signalled, so each trial ends with all consumed.
    let mut ring = RingProducer::open("native-ring");
    let mut sequence = 0u64;
    for batch in RING_BATCHES {
        let totals = trials(|| {
            for i in 0..RING_MESSAGES {
                let mut message = [0u8; 16];
                message[..8].copy_from_slice(&sequence.to_le_bytes());
                message[8..].copy_from_slice(&i.to_le_bytes());
                sequence += 1;
                if let Err(e) = ring.send(&message) {
                    log::error!("ring broken: {e}");
                }
                if i % batch == batch - 1 {
                    ring.publish();
                }
            }
            ring.publish();
        });
        let key = match batch {
            1 => "ring.native.b1",
            16 => "ring.native.b16",
            _ => "ring.native.b256",
        };
        report(key, "cycles", RING_MESSAGES, &totals);
    }
    match Channel::new(4).call(MessageInfo::new(0, 0, 0, 0)) {
        Ok(_) if get_mr(0) == sequence && get_mr(1) == 0 => {
            log::info!("ring sink received all {sequence} messages in order")
        }
        other => log::error!(
            "ring sink: {:?}, received {} of {sequence}, {} out of order",
            other.map(|_| ()),
            get_mr(0),
            get_mr(1)
        ),
    }

    // Compute kernels.
    // SAFETY: this component has one thread and nothing else refers to WORKLOAD.
    let workload = unsafe { &mut *core::ptr::addr_of_mut!(WORKLOAD) };
    for kernel in Kernel::ALL {
        let rounds = KERNEL_ROUNDS[kernel as usize];
        let mut digest = 0;
        let totals = trials(|| digest = core::hint::black_box(workload.run(kernel, rounds)));
        let key = match kernel {
            Kernel::Crc32 => "compute.native.crc32",
            Kernel::Fnv1a => "compute.native.fnv1a",
            Kernel::MatMul => "compute.native.matmul64",
            Kernel::Sha256 => "compute.native.sha256",
        };
        report(key, "cycles", rounds as u64, &totals);
        log::info!("BENCH-DIGEST {} {digest:#x}", kernel.name());
    }
    log::info!("BENCH-END native driver");
    pd_runtime::exit(0)
}
