//! Shared test helpers: locating the kernel source and building configs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sel4_abi_gen::{generate, Abi, AbiInputs, KernelConfig};

/// The `seL4/` directory of the `sel4-sys` 0.0.28 registry crate, found via
/// `cargo metadata` on the workspace.
pub fn sel4_source() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let meta = cargo_metadata::MetadataCommand::new()
        .manifest_path(&manifest)
        .exec()
        .expect("cargo metadata on the workspace");
    let pkg = meta
        .packages
        .iter()
        .find(|p| p.name.as_str() == "sel4-sys" && p.version.to_string() == "0.0.28")
        .expect("package sel4-sys 0.0.28 in the workspace's dependency graph");
    let dir = pkg.manifest_path.parent().expect("manifest has a parent").join("seL4");
    assert!(dir.join("VERSION").is_file(), "no seL4 source at {dir}");
    dir.into_std_path_buf()
}

/// A config recipe step on the stock `include/plat/pc99/autoconf.h`.
pub enum Edit {
    /// Replace every `#define NAME ...` line by the given line.
    Replace(&'static str, &'static str),
    /// Delete every `#define NAME ...` line.
    Delete(&'static str),
    /// Append a line.
    Add(&'static str),
}

fn defines_name(line: &str, name: &str) -> bool {
    let mut words = line.split_whitespace();
    words.next() == Some("#define") && words.next() == Some(name)
}

/// Applies `edits` to the stock pc99 autoconf; each Replace/Delete must match.
pub fn stock_with(source: &Path, edits: &[Edit]) -> String {
    let stock = std::fs::read_to_string(source.join("include/plat/pc99/autoconf.h")).unwrap();
    let mut lines: Vec<String> = stock.lines().map(str::to_string).collect();
    for edit in edits {
        match edit {
            Edit::Replace(name, new) => {
                let mut hit = false;
                for l in lines.iter_mut().filter(|l| defines_name(l, name)) {
                    *l = new.to_string();
                    hit = true;
                }
                assert!(hit, "stock autoconf.h has no {name}");
            }
            Edit::Delete(name) => {
                let before = lines.len();
                lines.retain(|l| !defines_name(l, name));
                assert!(lines.len() < before, "stock autoconf.h has no {name}");
            }
            Edit::Add(line) => lines.push(line.to_string()),
        }
    }
    lines.join("\n") + "\n"
}

/// The project's board config (see the board crate's recipe).
pub fn board_autoconf(source: &Path) -> String {
    stock_with(
        source,
        &[
            Edit::Replace("CONFIG_X2APIC", "#define CONFIG_XAPIC 1"),
            Edit::Replace("CONFIG_FSGSBASE_INST", "#define CONFIG_FSGSBASE_MSR 1"),
            Edit::Delete("CONFIG_SUPPORT_PCID"),
            Edit::Delete("CONFIG_IOMMU"),
            Edit::Delete("CONFIG_VERIFICATION_BUILD"),
            Edit::Add("#define CONFIG_DEBUG_BUILD 1"),
            Edit::Add("#define CONFIG_PRINTING 1"),
            Edit::Add("#define CONFIG_MULTIBOOT_GRAPHICS_MODE_NONE 1"),
        ],
    )
}

/// A config that flips most conditions the interface files test: VT-x, SMP,
/// hardware debug API and benchmarks on; IOMMU, huge pages and debug build off.
pub fn exotic_autoconf(source: &Path) -> String {
    stock_with(
        source,
        &[
            Edit::Replace("CONFIG_MAX_NUM_NODES", "#define CONFIG_MAX_NUM_NODES 2"),
            Edit::Delete("CONFIG_IOMMU"),
            Edit::Delete("CONFIG_HUGE_PAGE"),
            Edit::Add("#define CONFIG_VTX 1"),
            Edit::Add("#define CONFIG_HARDWARE_DEBUG_API 1"),
            Edit::Add("#define CONFIG_ENABLE_BENCHMARKS 1"),
        ],
    )
}

/// Writes `autoconf` into `dir/autoconf.h`, reads it back and generates.
pub fn generate_for(source: &Path, dir: &Path, autoconf: &str) -> (KernelConfig, Abi) {
    let path = dir.join("autoconf.h");
    std::fs::write(&path, autoconf).unwrap();
    let config = KernelConfig::from_autoconf(&path).unwrap();
    let abi = generate(&AbiInputs {
        source_root: source,
        arch: "x86",
        sel4_arch: "x86_64",
        config: &config,
    })
    .unwrap_or_else(|e| panic!("generate: {e:#}"));
    (config, abi)
}

pub fn get<T: Copy>(list: &[(String, T)], name: &str) -> T {
    list.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("`{name}` not generated"))
}

pub fn has<T>(list: &[(String, T)], name: &str) -> bool {
    list.iter().any(|(n, _)| n == name)
}
