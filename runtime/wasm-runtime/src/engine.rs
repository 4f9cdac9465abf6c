//! Wasmtime on a bare protection domain: the engine, loading the module in
//! place, and the few hooks the no_std runtime needs from its embedder.

use alloc::sync::Arc;
use core::ptr::NonNull;
#[cfg(target_arch = "x86_64")]
use core::sync::atomic::AtomicU8;
use core::sync::atomic::{AtomicPtr, Ordering};

use system_manifest::ipc::wasm_trap;
use wasmtime::{Config, CustomCodeMemory, Engine, Module, Trap};

use crate::linear_memory::WholeMemories;

/// The module's code is already mapped read-only and executable by the root
/// task: there is nothing to publish.
struct MappedCode;

impl CustomCodeMemory for MappedCode {
    fn required_alignment(&self) -> usize {
        4096
    }
    fn publish_executable(&self, _ptr: *const u8, _len: usize) -> wasmtime::Result<()> {
        Ok(())
    }
    fn unpublish_executable(&self, _ptr: *const u8, _len: usize) -> wasmtime::Result<()> {
        Ok(())
    }
}

/// The engine of a module whose linear memory may grow to `memory_limit` bytes.
pub fn engine(memory_limit: usize) -> Engine {
    let mut config = Config::new();
    wasm_engine_config::configure(&mut config);
    config.with_custom_code_memory(Some(Arc::new(MappedCode)));
    config.with_host_memory(Arc::new(WholeMemories { limit: memory_limit }));
    // SAFETY: `cpu_feature` answers for this CPU (see it below).
    unsafe {
        config.detect_host_feature(cpu_feature);
    }
    // SAFETY: modules are precompiled with SSE for this board (aot-wasm), so
    // no floating-point libcall crosses into this soft-float runtime; the
    // kernel saves the FPU state of every thread. (aarch64-unknown-none is a
    // hard-float target: nothing to allow there.)
    #[cfg(target_arch = "x86_64")]
    unsafe {
        config.x86_float_abi_ok(true);
    }
    match Engine::new(&config) {
        Ok(engine) => engine,
        Err(e) => panic!("the Wasm engine configuration is refused: {e}"),
    }
}

/// Loads the precompiled module in place (no copy).
pub fn load(engine: &Engine, cwasm: &'static [u8]) -> wasmtime::Result<Module> {
    let memory = NonNull::from(cwasm);
    // SAFETY: the bytes stay mapped, unchanged, read-only and executable for
    // the life of the component, and are page aligned (root task).
    unsafe { Module::deserialize_raw(engine, memory) }
}

/// What to tell the supervisor about an error from the module.
pub fn classify(error: &wasmtime::Error) -> u64 {
    match error.downcast_ref::<Trap>() {
        Some(Trap::MemoryOutOfBounds | Trap::HeapMisaligned | Trap::TableOutOfBounds) => {
            wasm_trap::OUT_OF_BOUNDS
        }
        Some(Trap::UnreachableCodeReached) => wasm_trap::UNREACHABLE,
        Some(Trap::StackOverflow) => wasm_trap::STACK_OVERFLOW,
        Some(Trap::IntegerDivisionByZero) => wasm_trap::DIVISION_BY_ZERO,
        Some(Trap::OutOfFuel) => wasm_trap::OUT_OF_FUEL,
        Some(Trap::IntegerOverflow) => wasm_trap::INTEGER_OVERFLOW,
        Some(Trap::BadConversionToInteger) => wasm_trap::BAD_CONVERSION,
        Some(Trap::IndirectCallToNull | Trap::BadSignature) => wasm_trap::INDIRECT_CALL,
        Some(_) => wasm_trap::UNKNOWN,
        // Not a Wasm trap: a host function refused the guest's arguments.
        None => wasm_trap::HOST_CHECK,
    }
}

/// CPU features, from CPUID, answered once per feature (CPUID is slow under
/// virtualisation, and Wasmtime asks often while loading).
#[cfg(target_arch = "x86_64")]
fn cpu_feature(name: &str) -> Option<bool> {
    const FEATURES: &[(&str, u32, u32)] = &[
        // (name, CPUID.1 ECX bit, unused)
        ("sse3", 0, 0),
        ("ssse3", 9, 0),
        ("sse4.1", 19, 0),
        ("sse4.2", 20, 0),
        ("popcnt", 23, 0),
        ("fma", 12, 0),
        ("avx", 28, 0),
    ];
    static CACHE: [AtomicU8; 7] = [const { AtomicU8::new(0) }; 7];
    let index = FEATURES.iter().position(|(n, _, _)| *n == name)?;
    let known = CACHE[index].load(Ordering::Relaxed);
    if known != 0 {
        return Some(known == 2);
    }
    let ecx = core::arch::x86_64::__cpuid(1).ecx;
    let present = ecx & (1 << FEATURES[index].1) != 0;
    CACHE[index].store(if present { 2 } else { 1 }, Ordering::Relaxed);
    Some(present)
}

/// CPU features of the aarch64 board's CPU (QEMU `-cpu cortex-a53`, an
/// ARMv8.0-A core): none of the optional extensions Cranelift can use. The ID
/// registers (ID_AA64ISAR0_EL1, ...) trap at EL0 unless the kernel emulates
/// them, so this is a fixed list matching what aot-wasm compiles for (no ISA
/// flag); a `.cwasm` asking for one of these is refused at load.
#[cfg(target_arch = "aarch64")]
fn cpu_feature(name: &str) -> Option<bool> {
    match name {
        // FEAT_LSE, FEAT_PAuth, FEAT_FP16, FEAT_DotProd, FEAT_I8MM: ARMv8.1+.
        "lse" | "paca" | "fp16" | "dotprod" | "i8mm" => Some(false),
        _ => None,
    }
}

// Wasmtime's no_std runtime keeps thread-local pointers through these hooks
// (slot 0: the runtime's; slot 1: component-model async, unused here); a
// protection domain runs one thread, so statics do.
static TLS: [AtomicPtr<u8>; 2] = [const { AtomicPtr::new(core::ptr::null_mut()) }; 2];

#[unsafe(no_mangle)]
extern "C" fn wasmtime_tls_get(slot: usize) -> *mut u8 {
    TLS.get(slot).map_or(core::ptr::null_mut(), |p| p.load(Ordering::Relaxed))
}

#[unsafe(no_mangle)]
extern "C" fn wasmtime_tls_set(slot: usize, ptr: *mut u8) {
    if let Some(p) = TLS.get(slot) {
        p.store(ptr, Ordering::Relaxed);
    }
}
