//! The host comparison: the compute kernels as native Rust and as the
//! guests' Wasm module under Wasmtime on the build machine (wall time).

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use bench_kernels::{Kernel, Workload};

use super::stat::Stat;
use crate::workspace_root;

/// Rounds of each kernel per timed host run (`Kernel` order).
const HOST_ROUNDS: [u32; 4] = [400, 400, 50, 200];
/// Timed host runs per kernel (after one untimed warm-up run).
const HOST_REPEATS: usize = 11;

/// Engine configurations of the host comparison: the PD's (the figure with
/// the goal), then two diagnostics that show where the difference goes.
pub const HOST_VARIANTS: &[&str] = &["PD engine config", "PD config w/o fuel", "Wasmtime defaults"];

/// One kernel on the host, in ns per round.
pub struct HostFigure {
    pub native_ns: Stat,
    /// Per engine variant (see [`HOST_VARIANTS`]).
    pub wasm_ns: Vec<Stat>,
    /// Whether every Wasm run computed the native digest.
    pub digests_agree: bool,
}

impl HostFigure {
    /// Wasm speed relative to native under engine `variant` (native time / Wasm time).
    pub fn wasm_speed(&self, variant: usize) -> f64 {
        self.native_ns.median / self.wasm_ns[variant].median
    }
}

/// The guest's module instantiated under one engine variant.
struct HostInstance {
    store: wasmtime::Store<()>,
    bench_kernel: wasmtime::TypedFunc<(u32, u32), u64>,
    /// Variant 0 meters fuel like the PD, so its store needs fuel before each run.
    fuelled: bool,
}

impl HostInstance {
    fn new(variant: usize, bytes: &[u8]) -> Result<HostInstance> {
        let engine = host_engine(variant)?;
        let module = wasmtime::Module::new(&engine, bytes)
            .map_err(|e| anyhow!("compiling for the host: {e}"))?;
        let mut linker = wasmtime::Linker::new(&engine);
        linker.define_unknown_imports_as_traps(&module).map_err(|e| anyhow!("{e}"))?;
        let mut store = wasmtime::Store::new(&engine, ());
        let fuelled = variant == 0;
        if fuelled {
            store.set_fuel(u64::MAX).map_err(|e| anyhow!("{e}"))?;
        }
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| anyhow!("instantiating on the host: {e}"))?;
        let bench_kernel = instance
            .get_typed_func::<(u32, u32), u64>(&mut store, "bench_kernel")
            .map_err(|e| anyhow!("the module exports no bench_kernel: {e}"))?;
        Ok(HostInstance { store, bench_kernel, fuelled })
    }

    /// Runs `kernel` for `rounds`: its digest and the wall time it took.
    fn run(&mut self, kernel: Kernel, rounds: u32) -> Result<(u64, f64)> {
        if self.fuelled {
            self.store.set_fuel(u64::MAX).map_err(|e| anyhow!("{e}"))?;
        }
        let start = Instant::now();
        let digest = self
            .bench_kernel
            .call(&mut self.store, (kernel as u32, rounds))
            .map_err(|e| anyhow!("{e}"))?;
        Ok((digest, start.elapsed().as_nanos() as f64))
    }
}

fn host_engine(variant: usize) -> Result<wasmtime::Engine> {
    let mut config = wasmtime::Config::new();
    match variant {
        0 => {
            wasm_engine_config::configure(&mut config);
        }
        1 => {
            wasm_engine_config::configure(&mut config);
            config.consume_fuel(false);
        }
        _ => {}
    }
    wasmtime::Engine::new(&config).map_err(|e| anyhow!("host engine: {e}"))
}

/// The kernels on the host: native Rust against the guest's Wasm module
/// compiled with the PD's engine configuration (wall time, median of runs).
pub fn host_compute() -> Result<BTreeMap<&'static str, HostFigure>> {
    let wasm_file =
        workspace_root().join("target/wasm32-unknown-unknown/release/wasm_bench_client.wasm");
    let bytes =
        std::fs::read(&wasm_file).with_context(|| format!("reading {}", wasm_file.display()))?;
    let mut instances = (0..HOST_VARIANTS.len())
        .map(|variant| HostInstance::new(variant, &bytes))
        .collect::<Result<Vec<_>>>()?;
    let mut workload = Box::new(Workload::new());
    let mut figures = BTreeMap::new();
    for kernel in Kernel::ALL {
        figures.insert(kernel.name(), time_kernel(kernel, &mut workload, &mut instances)?);
    }
    Ok(figures)
}

/// Times `kernel` natively and in every instance, alternating, the first run a warm-up.
fn time_kernel(
    kernel: Kernel,
    workload: &mut Workload,
    instances: &mut [HostInstance],
) -> Result<HostFigure> {
    let rounds = HOST_ROUNDS[kernel as usize];
    let mut native = Vec::new();
    let mut wasm = vec![Vec::new(); instances.len()];
    let mut digests_agree = true;
    for i in 0..=HOST_REPEATS {
        let start = Instant::now();
        let native_digest =
            std::hint::black_box(workload.run(kernel, std::hint::black_box(rounds)));
        let native_time = start.elapsed().as_nanos() as f64;
        if i > 0 {
            native.push(native_time / rounds as f64);
        }
        for (times, instance) in wasm.iter_mut().zip(instances.iter_mut()) {
            let (digest, time) = instance.run(kernel, rounds)?;
            digests_agree &= digest == native_digest;
            if i > 0 {
                times.push(time / rounds as f64);
            }
        }
    }
    Ok(HostFigure {
        native_ns: Stat::of(native),
        wasm_ns: wasm.into_iter().map(Stat::of).collect(),
        digests_agree,
    })
}
