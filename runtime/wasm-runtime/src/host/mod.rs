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
    /// Ring ends opened by the module, one entry per ring end of the
    /// description: a handle is the end's index, so opening an end again
    /// gives the same handle and the table never grows.
    rings: Vec<Option<Ring>>,
    /// Whether the module is serving a protected call (inside `protected`):
    /// host calls that block refuse (`WOULD_BLOCK`).
    pub serving: bool,
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
            rings: (0..pd_runtime::config().rings.len()).map(|_| None).collect(),
            serving: false,
        }
    }
}

type Result<T> = wasmtime::Result<T>;

pub fn linker(engine: &Engine) -> Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    define(&mut linker)?;
    Ok(linker)
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
