//! Wasm components: build each Wasm crate a system uses for
//! wasm32-unknown-unknown, then precompile it for the board with aot-wasm,
//! checking its imports against the component's grants.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use sel4_kernel_build::Board;
use system_description::SystemDescription;

use crate::workspace_root;

/// The Rust target Wasm components are built for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Component name → precompiled module, for every Wasm component of `description`
/// (whose crates `system::compile` checked exist).
pub fn precompile_components(
    description: &SystemDescription,
    board: &Board,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let crates = description.wasm_modules();
    let mut modules = BTreeMap::new();
    if crates.is_empty() {
        return Ok(modules);
    }
    let Some(wasm_target) = &board.wasm else {
        bail!(
            "system `{}` has Wasm components, but board `{}` describes no Wasm target: add a [wasm] section to {}",
            description.name(),
            board.name,
            board.dir.join("board.toml").display()
        );
    };
    let root = workspace_root();
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(&root).args(["build", "--release", "--target", WASM_TARGET]);
    for name in &crates {
        cargo.args(["--package", name]);
    }
    if !cargo.status().context("running cargo build for the Wasm components")?.success() {
        bail!("building the Wasm components {} failed", crates.join(", "));
    }
    let target = aot_wasm::Target {
        triple: wasm_target.target.clone(),
        cranelift_flags: wasm_target.cranelift_flags.clone(),
    };
    let cache = root.join("target/aot-cache");
    for component in description.wasm_components() {
        let file = root
            .join("target")
            .join(WASM_TARGET)
            .join("release")
            .join(format!("{}.wasm", component.module.replace('-', "_")));
        let wasm = std::fs::read(&file).with_context(|| {
            format!(
                "reading {} (component `{}`: is `{}` a cdylib crate?)",
                file.display(),
                component.component,
                component.module
            )
        })?;
        let grants = aot_wasm::Grants {
            io_ports: component.io_ports,
            irqs: component.irqs,
            device_memory: component.device_memory,
        };
        let precompiled =
            aot_wasm::precompile(&component.component, &wasm, &target, &grants, Some(&cache))
                .map_err(|e| anyhow!("{e}"))?;
        println!(
            "wasm: component `{}`: {} ({} KiB) precompiled to {} KiB{}",
            component.component,
            component.module,
            wasm.len() / 1024,
            precompiled.cwasm.len() / 1024,
            if precompiled.cached { " (cached)" } else { "" }
        );
        modules.insert(component.component.clone(), precompiled.cwasm);
    }
    Ok(modules)
}
