//! Generates the ABI numbers of the kernel this crate is built for.
//!
//! `cargo xtask build` builds the kernel first and tells this script where
//! the configured kernel source is, through these variables:
//! - `SEL4_SOURCE_ROOT`: the prepared (patched, configured) `seL4/` folder,
//! - `SEL4_AUTOCONF`: the `autoconf.h` the kernel was built with,
//! - `SEL4_ARCH`, `SEL4_SEL4_ARCH`: e.g. `x86` and `x86_64`.

use std::path::PathBuf;

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
    let inputs = sel4_abi_gen::AbiInputs { source_root: &source_root, arch: &arch, sel4_arch: &sel4_arch, config: &config };
    let abi = sel4_abi_gen::generate(&inputs).unwrap_or_else(|e| panic!("generating the seL4 ABI: {e:#}"));

    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("abi.rs");
    std::fs::write(&out, abi.to_rust(&config)).expect("writing abi.rs");
    println!("cargo:rerun-if-changed={}", autoconf.display());
    for file in abi.input_files() {
        println!("cargo:rerun-if-changed={}", file.display());
    }

    // Kernel options that change the API are visible to Rust as cfgs.
    for (option, cfg) in [("CONFIG_DEBUG_BUILD", "sel4_debug_build"), ("CONFIG_PRINTING", "sel4_printing")] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if config.is_defined(option) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
