//! Embeds the kernel and root task ELF files named by the environment, and
//! links the loader at the address the board description gives.
//!
//! - `SEL4_KERNEL_ELF`, `SEL4_ROOT_TASK_ELF`: the files to carry.
//! - `SEL4_LOADER_ADDRESS`: physical address the loader is linked and loaded at.
//! - `SEL4_LOADER_UART`: physical address of the PL011 the loader prints to.
//!
//! `cargo xtask build --board qemu-aarch64-virt` sets them.
use std::path::PathBuf;

fn var(name: &str) -> String {
    println!("cargo:rerun-if-env-changed={name}");
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: the ELF loader is built by `cargo xtask build --board <aarch64 board>`, which sets it")
    })
}

fn main() {
    let kernel = var("SEL4_KERNEL_ELF");
    let root_task = var("SEL4_ROOT_TASK_ELF");
    let address = var("SEL4_LOADER_ADDRESS");
    let uart = var("SEL4_LOADER_UART");
    println!("cargo:rerun-if-changed={kernel}");
    println!("cargo:rerun-if-changed={root_task}");
    println!("cargo:rerun-if-changed=loader.ld");

    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let code = format!(
        "/// The kernel ELF file.\npub static KERNEL_ELF: &[u8] = include_bytes!({kernel:?});\n\
         /// The root task ELF file.\npub static ROOT_TASK_ELF: &[u8] = include_bytes!({root_task:?});\n\
         /// Physical address of the PL011 UART.\npub const UART_BASE: usize = {uart};\n"
    );
    std::fs::write(out.join("payload.rs"), code).expect("writing payload.rs");

    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rustc-link-arg-bins=--defsym=LOADER_ADDRESS={address}");
    println!("cargo:rustc-link-arg-bins=-T{}", manifest.join("loader.ld").display());
}
