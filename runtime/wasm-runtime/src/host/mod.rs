//! The host ABI (`wasm-abi`, module `sel4_wasm_v1`): what a Wasm component
//! may ask of its protection domain. Every pointer and length is checked
//! against the module's linear memory and every id against the component's
//! grants: a bad pointer is a trap, a bad id a negative status; neither can
//! make the runtime touch anything it should not.
//!
//! One module per group of host functions, each with its own `define`.

use alloc::vec::Vec;

use wasmtime::{Engine, Linker, Memory, StoreLimits, StoreLimitsBuilder};

mod channels;
mod component;
mod devices;
mod guest_memory;
mod ring_batches;
mod rings;

use rings::Ring;

/// What the runtime keeps per module instance.
pub struct HostState {
    pub limits: StoreLimits,
    /// The module's linear memory, once instantiated.
    pub memory: Option<Memory>,
    /// Rings opened by the module; a handle is an index.
    rings: Vec<Ring>,
}

impl HostState {
    pub fn new(memory_limit: usize) -> HostState {
        HostState {
            limits: StoreLimitsBuilder::new()
                .memory_size(memory_limit)
                .memories(1)
                .tables(4)
                .instances(1)
                .build(),
            memory: None,
            rings: Vec::new(),
        }
    }
}

type Result<T> = wasmtime::Result<T>;

pub fn linker(engine: &Engine) -> Linker<HostState> {
    let mut linker = Linker::new(engine);
    define(&mut linker).expect("the host ABI links");
    linker
}

/// Links every host function of the ABI.
fn define(linker: &mut Linker<HostState>) -> Result<()> {
    component::define(linker)?;
    channels::define(linker)?;
    rings::define(linker)?;
    ring_batches::define(linker)?;
    devices::define(linker)?;
    Ok(())
}
