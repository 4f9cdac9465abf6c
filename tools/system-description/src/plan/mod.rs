//! Validated [`Model`] → [`SystemManifest`]: assigns CSpace slots, badges,
//! virtual addresses and shared regions, and archives each component's
//! config. Everything here is deterministic: the same description gives the
//! same manifest, byte for byte.

mod build;
mod channels;
mod console;
mod grants;
mod manifest;
mod rings;

use system_manifest::SystemManifest;

use crate::diag::Collector;
use crate::model::{ok, Model};

use build::Plan;

/// The manifest of `m` (valid), named after `source_name`. A component's
/// slots are assigned in this order: its protected calls, notification
/// channels, rings, log ring, control channel, IO ports and interrupts.
pub(crate) fn plan(m: &Model, source_name: &str, c: &mut Collector) -> SystemManifest {
    let mut p = Plan::new(m);
    channels::protected_calls(&mut p, c);
    channels::notifications(&mut p, c);
    rings::rings(&mut p, c);
    let console = console::log_rings(&mut p, c);
    grants::control(&mut p, c);
    grants::io_ports(&mut p, c);
    grants::irqs(&mut p, c);
    grants::device_memory(&mut p, c);
    manifest::manifest(p, console, source_name, c)
}

/// Distinct program names, in first-use order.
pub(crate) fn programs(m: &Model) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for comp in &m.components {
        let p = ok(&comp.program);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Distinct Wasm crates, in first-use order.
pub(crate) fn wasm_modules(m: &Model) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for comp in &m.components {
        if let Some(w) = &comp.wasm {
            if !out.contains(&w.v) {
                out.push(w.v.clone());
            }
        }
    }
    out
}
