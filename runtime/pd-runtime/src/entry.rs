//! Entry point. The root task starts the thread with RSP at the top of the
//! stack, RDI = config address, RSI = IPC buffer address, RDX = config
//! length, RCX = start mode (system-manifest's `layout::start_mode`), R8 =
//! Wasm module length, R9 = TSC frequency in MHz; on aarch64 the same in
//! SP and x0..x5 (the counter frequency is the generic timer's, in MHz).

use core::arch::global_asm;
use core::sync::atomic::{AtomicBool, Ordering};

use sel4::{CPtr, IpcBuffer, MessageInfo, Word};
use system_manifest::ipc::label;
use system_manifest::layout::{slot, start_mode, CNODE_SLOT_BITS};

#[cfg(target_arch = "aarch64")]
global_asm!(
    ".section .text.start, \"ax\"",
    ".global _start",
    "_start:",
    "    mov x9, sp",
    "    and x9, x9, #-16",
    "    mov sp, x9",
    "    mov x29, xzr",
    "    mov x30, xzr",
    "    bl {entry}",
    "    udf #0",
    entry = sym runtime_entry,
);

#[cfg(target_arch = "x86_64")]
global_asm!(
    ".section .text.start, \"ax\"",
    ".global _start",
    "_start:",
    "    and rsp, -16",
    "    xor rbp, rbp",
    "    call {entry}",
    "    ud2",
    entry = sym runtime_entry,
);

/// Whether this run follows an earlier run of the component (see [`crate::restarted`]).
static RESTARTED: AtomicBool = AtomicBool::new(false);

/// Whether this run of the component is a restart: an earlier run of it
/// ended (faulted, trapped, or was restarted by the supervisor).
pub fn restarted() -> bool {
    RESTARTED.load(Ordering::Relaxed)
}

unsafe extern "Rust" {
    /// Defined by [`crate::main!`] in the component.
    fn __pd_runtime_main() -> !;
}

extern "C" fn runtime_entry(
    config: *const u8,
    ipc_buffer: *mut IpcBuffer,
    config_len: usize,
    mode: u64,
    wasm_module_len: usize,
    tsc_mhz: u64,
) -> ! {
    // SAFETY: the root task maps the config archive read-only at `config`
    // (`config_len` bytes) and this thread's IPC buffer at `ipc_buffer`,
    // for the life of the component.
    unsafe {
        sel4::set_ipc_buffer(ipc_buffer);
        crate::config::init(core::slice::from_raw_parts(config, config_len));
    }
    let earlier_run =
        matches!(mode, start_mode::RESTARTED | start_mode::TOMBSTONE | start_mode::EXITED);
    RESTARTED.store(earlier_run, Ordering::Relaxed);
    crate::heap::init(crate::config().heap_bytes.to_native() as usize);
    crate::time::init(tsc_mhz);
    // The counters page outlives a run: a call the last run was making is over.
    crate::stats::counters().calling.store(0, Ordering::Relaxed);
    crate::wasm_module::init(wasm_module_len);
    crate::logging::init();
    crate::channel::init();
    crate::logging::open_ring();
    if earlier_run {
        answer_abandoned_caller();
    }
    match mode {
        start_mode::TOMBSTONE => {
            log::warn!("stopped: answering every call with SERVER_DIED");
            tombstone();
        }
        start_mode::EXITED => tombstone(),
        _ => {}
    }
    // SAFETY: defined by the `main!` macro with this signature.
    unsafe { __pd_runtime_main() }
}

/// If the previous run died while serving a call, the reply capability is
/// still in this thread: answer that caller with `SERVER_DIED`. The
/// counters page says whether it may have been serving one (probing an
/// empty reply slot would work too, but a debug kernel reports the failed
/// probe on its console at every restart).
fn answer_abandoned_caller() {
    let serving = &crate::stats::counters().serving;
    if serving.swap(0, Ordering::Relaxed) == 0 {
        return;
    }
    let cnode: sel4::cap::CNode = CPtr::from_bits(slot::CNODE as Word).cast();
    let reply = cnode.slot(slot::REPLY as Word, CNODE_SLOT_BITS);
    let probe = cnode.slot(slot::REPLY_PROBE as Word, CNODE_SLOT_BITS);
    // A move from an empty slot fails: that tells whether one was saved.
    if reply.save_caller().is_ok() && probe.move_from(&reply).is_ok() {
        log::warn!("answering the call my previous run was serving with SERVER_DIED");
        sel4::send(
            CPtr::from_bits(slot::REPLY_PROBE as Word),
            MessageInfo::new(label::SERVER_DIED as Word, 0, 0, 0),
        );
        let _ = probe.delete();
    }
}

/// A stopped or exited server: answers every call with `SERVER_DIED`,
/// runs no component code.
fn tombstone() -> ! {
    let input = CPtr::from_bits(slot::INPUT_ENDPOINT as Word);
    let died = MessageInfo::new(label::SERVER_DIED as Word, 0, 0, 0);
    let (_, mut badge) = sel4::recv(input);
    loop {
        badge = if badge as u64 & system_manifest::layout::badge::PROTECTED_CALL != 0 {
            sel4::reply_recv(input, died).1
        } else {
            sel4::recv(input).1
        };
    }
}
