//! The workspace's component crates, found by the marker in their
//! `Cargo.toml` (never by where they sit in the tree):
//!
//! ```toml
//! [package.metadata.sel4-wasm]
//! role = "pd-programs"     # its binaries are native PD programs
//! role = "wasm-component"  # a cdylib a Wasm PD runs
//! ```

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};

use crate::workspace_root;

/// What the marker says a package is.
const PD_PROGRAMS: &str = "pd-programs";
const WASM_COMPONENT: &str = "wasm-component";

/// The component crates of the workspace.
pub struct ComponentPackages {
    /// Native program (binary) name → the package that builds it.
    pub programs: BTreeMap<String, String>,
    /// Names of the Wasm component crates.
    pub wasm: BTreeSet<String>,
}

impl ComponentPackages {
    /// Reads the workspace's packages with `cargo metadata`.
    pub fn load() -> Result<Self> {
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(workspace_root().join("Cargo.toml"))
            .no_deps()
            .exec()
            .context("running cargo metadata")?;
        let mut packages = ComponentPackages { programs: BTreeMap::new(), wasm: BTreeSet::new() };
        for package in &metadata.packages {
            let role = package.metadata.get("sel4-wasm").and_then(|m| m.get("role"));
            let Some(role) = role else { continue };
            match role.as_str() {
                Some(PD_PROGRAMS) => {
                    let bins = package.targets.iter().filter(|t| t.kind.iter().any(|k| k.to_string() == "bin"));
                    for bin in bins {
                        packages.programs.insert(bin.name.clone(), package.name.to_string());
                    }
                }
                Some(WASM_COMPONENT) => {
                    packages.wasm.insert(package.name.to_string());
                }
                _ => bail!(
                    "{}: [package.metadata.sel4-wasm] role = {role}: expected \"{PD_PROGRAMS}\" or \"{WASM_COMPONENT}\"",
                    package.manifest_path
                ),
            }
        }
        Ok(packages)
    }
}
