//! The Wasmtime engine configuration of Wasm protection domains.
//!
//! A protection domain has no signals and no virtual-memory tricks: traps are
//! explicit checks, linear memory has no guard pages and is allocated from the
//! component's heap, and fuel bounds how long one event may run. The
//! precompiler and the runtime both call [`configure`], so the settings that
//! must match do match.
#![no_std]
#![forbid(unsafe_code)]

/// Most native stack Wasm code may use (the Wasm PD's stack is larger).
pub const MAX_WASM_STACK: usize = 256 * 1024;

/// Fuel given to each event (init, one notification, one protected call):
/// a component that runs longer is stopped with an out-of-fuel trap.
pub const FUEL_PER_EVENT: u64 = 200_000_000;

/// Applies the settings both ends must agree on.
pub fn configure(config: &mut wasmtime::Config) {
    config
        .signals_based_traps(false)
        .memory_reservation(0)
        .memory_guard_size(0)
        .memory_reservation_for_growth(0)
        .guard_before_linear_memory(false)
        .memory_init_cow(false)
        .max_wasm_stack(MAX_WASM_STACK)
        .consume_fuel(true)
        .wasm_memory64(false);
}
