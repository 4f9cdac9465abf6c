//! The Wasm runtime: the native program of every Wasm protection domain.
//!
//! It is an ordinary `pd-runtime` component whose handler forwards each
//! event to the module's exports. At start it loads the module the root task
//! mapped read-only (and so executable) with `Module::deserialize_raw` (no
//! copy), links the host ABI (`wasm-abi`), instantiates the module with its
//! linear memory limited by the description (allocated whole at start, see
//! `linear_memory`), and calls its `init`. Every
//! event runs with a fresh fuel budget, so a module stuck in a loop traps
//! with out-of-fuel. A trap is reported to the supervisor, which applies the
//! component's restart policy; the runtime itself never crashes on guest
//! input.
#![no_std]
#![no_main]

extern crate alloc;

mod engine;
mod host;
mod linear_memory;

use pd_runtime::{get_mr, set_mr, Channel, Handler, MessageInfo};
use system_manifest::ipc::{label, wasm_trap};
use system_manifest::layout::slot;
use wasmtime::{Instance, Store, TypedFunc};

use host::HostState;

pd_runtime::main!(init);

/// The module and the handlers it exports.
struct WasmComponent {
    store: Store<HostState>,
    notified: Option<TypedFunc<i32, ()>>,
    protected: Option<TypedFunc<(i32, i64, i32), i64>>,
    /// Guest address of its message buffer (`message_buffer()`).
    message_buffer: u32,
    instance: Instance,
}

fn init() -> WasmComponent {
    let config = pd_runtime::config();
    let Some(wasm) = config.wasm.as_ref() else {
        log::error!("not a Wasm component: its description has no `wasm` module");
        report_trap(wasm_trap::LOAD_FAILED);
    };
    let module_bytes = pd_runtime::wasm_module().unwrap_or(&[]);
    let started = pd_runtime::time::cycles();
    let memory_limit = wasm.memory_limit_bytes.to_native() as usize;
    let engine = engine::engine(memory_limit);
    let module = match engine::load(&engine, module_bytes) {
        Ok(module) => module,
        Err(e) => {
            log::error!("loading module `{}` failed: {e}", wasm.module.as_str());
            report_trap(wasm_trap::LOAD_FAILED);
        }
    };
    let mut store = Store::new(&engine, HostState::new(memory_limit));
    store.limiter(|state| &mut state.limits);
    // Instantiation runs Wasm code too (data segments, a start function).
    let _ = store.set_fuel(wasm_engine_config::FUEL_PER_EVENT);
    let instance = match host::linker(&engine).and_then(|l| l.instantiate(&mut store, &module)) {
        Ok(instance) => instance,
        Err(e) => {
            log::error!("instantiating module `{}` failed: {e}", wasm.module.as_str());
            report_trap(wasm_trap::LOAD_FAILED);
        }
    };
    store.data_mut().memory = instance.get_memory(&mut store, wasm_abi::export::MEMORY);
    let notified = instance.get_typed_func::<i32, ()>(&mut store, wasm_abi::export::NOTIFIED).ok();
    let protected = instance
        .get_typed_func::<(i32, i64, i32), i64>(&mut store, wasm_abi::export::PROTECTED)
        .ok();
    let mut component = WasmComponent { store, notified, protected, message_buffer: 0, instance };
    if component.protected.is_some() {
        let buffer = component
            .instance
            .get_typed_func::<(), i32>(&mut component.store, wasm_abi::export::MESSAGE_BUFFER);
        match buffer.map(|f| component.run(|store| f.call(store, ()))) {
            Ok(address) => component.message_buffer = address as u32,
            Err(_) => {
                log::error!("module exports `protected` but no `message_buffer`");
                report_trap(wasm_trap::LOAD_FAILED);
            }
        }
    }
    let ready = pd_runtime::time::cycles() - started;
    log::info!(
        "Wasm module `{}` ({} KiB precompiled) loaded and instantiated in {} cycles",
        wasm.module.as_str(),
        module_bytes.len() / 1024,
        ready
    );
    let init =
        component.instance.get_typed_func::<(), ()>(&mut component.store, wasm_abi::export::INIT);
    let init_started = pd_runtime::time::cycles();
    match init {
        Ok(init) => component.run(|store| init.call(store, ())),
        Err(_) => {
            log::error!("module exports no `init`");
            report_trap(wasm_trap::LOAD_FAILED);
        }
    }
    // Cold start, for `cargo xtask bench` (a task that exits in `init` never gets here).
    let init_cycles = pd_runtime::time::cycles() - init_started;
    log::info!(
        "Wasm module `{}` ready in {} cycles (init {} cycles)",
        wasm.module.as_str(),
        ready + init_cycles,
        init_cycles
    );
    component
}

impl WasmComponent {
    /// Runs one event with a fresh fuel budget; a trap ends the component.
    fn run<R>(&mut self, f: impl FnOnce(&mut Store<HostState>) -> wasmtime::Result<R>) -> R {
        let _ = self.store.set_fuel(wasm_engine_config::FUEL_PER_EVENT);
        match f(&mut self.store) {
            Ok(result) => result,
            Err(error) => {
                let trap = engine::classify(&error);
                match error.downcast_ref::<wasmtime::Trap>() {
                    Some(kind) => log::error!("trapped: {kind}"),
                    None => log::error!("trapped: {}", error.root_cause()),
                }
                report_trap(trap)
            }
        }
    }
}

/// Tells the supervisor the module trapped; the supervisor applies the
/// restart policy and this thread does not run again as it is.
fn report_trap(trap: u64) -> ! {
    set_mr(0, trap);
    sel4_call_supervisor(label::WASM_TRAP);
    loop {
        pd_runtime::sel4::yield_now();
    }
}

fn sel4_call_supervisor(message_label: u64) {
    use pd_runtime::sel4::{self, CPtr, Word};
    sel4::call(
        CPtr::from_bits(slot::FAULT_ENDPOINT as Word),
        MessageInfo::new(message_label as Word, 0, 0, 1),
    );
}

impl Handler for WasmComponent {
    fn notified(&mut self, channel: Channel) {
        if let Some(notified) = self.notified.clone() {
            self.run(|store| notified.call(store, channel.id() as i32));
        }
    }

    fn protected(&mut self, channel: Channel, request: MessageInfo) -> MessageInfo {
        let Some(protected) = self.protected.clone() else {
            return MessageInfo::new(0, 0, 0, 0);
        };
        // The request's message registers, as bytes, into the guest's buffer.
        let words = request.length().min(wasm_abi::MAX_MESSAGE_BYTES / 8);
        let buffer = self.message_buffer as usize;
        let memory = self.store.data().memory;
        let Some(memory) = memory else { report_trap(wasm_trap::HOST_CHECK) };
        {
            let data = memory.data_mut(&mut self.store);
            let Some(dest) = data.get_mut(buffer..buffer + words * 8) else {
                log::error!("message_buffer() points outside linear memory");
                report_trap(wasm_trap::HOST_CHECK);
            };
            for (i, chunk) in dest.chunks_exact_mut(8).enumerate() {
                chunk.copy_from_slice(&get_mr(i).to_le_bytes());
            }
        }
        let label = request.label() as i64;
        // While it serves, host calls that would block refuse (WOULD_BLOCK).
        self.store.data_mut().serving = true;
        let result = self
            .run(|store| protected.call(store, (channel.id() as i32, label, (words * 8) as i32)));
        self.store.data_mut().serving = false;
        let (reply_label, reply_len) = ((result as u64 >> 32) as usize, (result as u32) as usize);
        // The runtime's own answer for a dead server: a guest may not fake it.
        if reply_label as u64 == label::SERVER_DIED {
            log::error!("reply with the reserved label SERVER_DIED ({reply_label:#x})");
            report_trap(wasm_trap::HOST_CHECK);
        }
        if reply_len > wasm_abi::MAX_MESSAGE_BYTES {
            log::error!("reply of {reply_len} bytes exceeds {}", wasm_abi::MAX_MESSAGE_BYTES);
            report_trap(wasm_trap::HOST_CHECK);
        }
        let data = memory.data(&self.store);
        let Some(reply) = data.get(buffer..buffer + reply_len) else {
            log::error!("reply outside linear memory");
            report_trap(wasm_trap::HOST_CHECK);
        };
        let reply_words = reply_len.div_ceil(8);
        for i in 0..reply_words {
            let mut word = [0u8; 8];
            let chunk = &reply[i * 8..reply_len.min(i * 8 + 8)];
            word[..chunk.len()].copy_from_slice(chunk);
            set_mr(i, u64::from_le_bytes(word));
        }
        MessageInfo::new(reply_label, 0, 0, reply_words)
    }
}
