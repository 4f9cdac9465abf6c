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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every program and Wasm crate the repository's systems name is found
    /// through the marker (a crate that lost its marker, or a system naming
    /// a crate that is not a component, fails here, not at build time).
    #[test]
    fn every_component_a_system_names_is_marked() {
        let packages = ComponentPackages::load().unwrap();
        assert!(packages.programs.contains_key("wasm-runtime"), "{:?}", packages.programs);
        assert!(packages.wasm.contains("wasm-calculator"), "{:?}", packages.wasm);
        // Libraries are not components.
        assert!(!packages.wasm.contains("sel4-wasm-sdk") && !packages.wasm.contains("wasm-serial"));
        let root = workspace_root();
        let mut checked = 0;
        for file in crate::boot_tests::system_files(&root).unwrap() {
            let text = std::fs::read_to_string(&file).unwrap();
            let value: toml::Value = toml::from_str(&text).unwrap();
            let components = value.get("component").and_then(|c| c.as_array()).cloned();
            for component in components.unwrap_or_default() {
                // Per-board sections may name other programs and crates.
                let mut tables = vec![component.clone()];
                if let Some(boards) = component.get("board").and_then(|b| b.as_table()) {
                    tables.extend(boards.values().cloned());
                }
                for table in tables {
                    if let Some(program) = table.get("program").and_then(|p| p.as_str()) {
                        assert!(
                            packages.programs.contains_key(program),
                            "{}: {program}",
                            file.display()
                        );
                        checked += 1;
                    }
                    if let Some(wasm) = table.get("wasm").and_then(|w| w.as_str()) {
                        assert!(packages.wasm.contains(wasm), "{}: {wasm}", file.display());
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 50, "only {checked} programs and crates checked");
    }
}
