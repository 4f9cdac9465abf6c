//! Generates the ABI numbers of the kernel this crate is built for.
//!
//! `cargo xtask build` builds the kernel first and tells this script where
//! the configured kernel source is, through these variables:
//! - `SEL4_SOURCE_ROOT`: the prepared (patched, configured) `seL4/` folder,
//! - `SEL4_AUTOCONF`: the `autoconf.h` the kernel was built with,
//! - `SEL4_ARCH`, `SEL4_SEL4_ARCH`: e.g. `x86` and `x86_64`.

use std::path::{Path, PathBuf};

const VARS: [&str; 4] = ["SEL4_SOURCE_ROOT", "SEL4_AUTOCONF", "SEL4_ARCH", "SEL4_SEL4_ARCH"];

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set. The sel4 crate is generated for the kernel it runs on: build through \
             `cargo xtask build`, which builds the kernel and sets {}",
            VARS.join(", ")
        )
    })
}

fn main() {
    for v in VARS {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let source_root = PathBuf::from(var("SEL4_SOURCE_ROOT"));
    let autoconf = PathBuf::from(var("SEL4_AUTOCONF"));
    let arch = var("SEL4_ARCH");
    let sel4_arch = var("SEL4_SEL4_ARCH");

    let config = sel4_abi_gen::KernelConfig::from_autoconf(&autoconf)
        .unwrap_or_else(|e| panic!("reading kernel config {}: {e:#}", autoconf.display()));
    let inputs = sel4_abi_gen::AbiInputs {
        source_root: &source_root,
        arch: &arch,
        sel4_arch: &sel4_arch,
        config: &config,
    };
    let abi = sel4_abi_gen::generate(&inputs)
        .unwrap_or_else(|e| panic!("generating the seL4 ABI: {e:#}"));

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut rust = abi.to_rust(&config);
    rust.push_str(&kernel_version(&source_root));
    rust.push_str(&cap_tags(&source_root, &arch));
    std::fs::write(out_dir.join("abi.rs"), rust).expect("writing abi.rs");
    println!("cargo:rerun-if-changed={}", autoconf.display());
    for file in abi.input_files() {
        println!("cargo:rerun-if-changed={}", file.display());
    }

    // Kernel options that change the API are visible to Rust as cfgs.
    for (option, cfg) in
        [("CONFIG_DEBUG_BUILD", "sel4_debug_build"), ("CONFIG_PRINTING", "sel4_printing")]
    {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if config.is_defined(option) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

/// `KERNEL_VERSION`: the kernel source's `VERSION` file.
fn kernel_version(source_root: &Path) -> String {
    let file = source_root.join("VERSION");
    println!("cargo:rerun-if-changed={}", file.display());
    let version = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    format!("/// Version of the kernel source these bindings were generated from.\npub const KERNEL_VERSION: &str = {:?};\n", version.trim())
}

/// `cap_tag`: the kernel's internal capability type numbers, which
/// `DebugCapIdentify` answers with. They are the tags of the `cap` tagged
/// union in the architecture's `structures.bf` (the kernel's own file).
fn cap_tags(source_root: &Path, arch: &str) -> String {
    let word_bits = std::env::var("CARGO_CFG_TARGET_POINTER_WIDTH")
        .expect("cargo sets CARGO_CFG_TARGET_POINTER_WIDTH");
    let file =
        source_root.join(format!("include/arch/{arch}/arch/{word_bits}/mode/object/structures.bf"));
    println!("cargo:rerun-if-changed={}", file.display());
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let mut out = String::from("/// Internal capability type numbers (`tagged_union cap capType` in the kernel's structures.bf).\npub mod cap_tag {\n");
    let mut in_cap_union = false;
    let mut count = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("tagged_union cap capType") {
            in_cap_union = true;
        } else if in_cap_union && line.starts_with('}') {
            break;
        } else if in_cap_union {
            let words: Vec<_> = line.split_whitespace().collect();
            if let ["tag", name, value] = words[..] {
                let value: usize = value
                    .parse()
                    .unwrap_or_else(|_| panic!("{}: bad tag line `{line}`", file.display()));
                out.push_str(&format!("    pub const {name}: usize = {value};\n"));
                count += 1;
            }
        }
    }
    assert!(count > 0, "{}: no `tagged_union cap capType` tags found", file.display());
    out.push_str("}\n");
    out
}
