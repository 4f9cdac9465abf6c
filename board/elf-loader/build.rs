//! Embeds the kernel and root task ELF files named by the environment, and
//! links the loader at the address the board description gives.
//!
//! - `SEL4_KERNEL_ELF`, `SEL4_ROOT_TASK_ELF`: the files to carry.
//! - `SEL4_LOADER_ADDRESS`: physical address the loader is linked and loaded at.
//! - `SEL4_LOADER_UART`: physical address of the PL011 the loader prints to.
//! - `SEL4_LOADER_RAM`: the board's RAM, `START..END` ranges separated by
//!   commas (hexadecimal): what the loader maps as normal memory.
//!
//! `cargo xtask build --board <aarch64 board>` sets them from the board's
//! `[platform]` and `[loader]`.
use std::path::PathBuf;

fn var(name: &str) -> String {
    println!("cargo:rerun-if-env-changed={name}");
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: the ELF loader is built by `cargo xtask build --board <aarch64 board>`, which sets it")
    })
}

fn hex(text: &str) -> u64 {
    let digits = text.trim().trim_start_matches("0x");
    u64::from_str_radix(digits, 16)
        .unwrap_or_else(|_| panic!("`{text}` is not a hexadecimal address"))
}

fn main() {
    let kernel = var("SEL4_KERNEL_ELF");
    let root_task = var("SEL4_ROOT_TASK_ELF");
    let address = var("SEL4_LOADER_ADDRESS");
    let uart = var("SEL4_LOADER_UART");
    let ram: Vec<(u64, u64)> = var("SEL4_LOADER_RAM")
        .split(',')
        .map(|range| {
            let (start, end) = range
                .split_once("..")
                .unwrap_or_else(|| panic!("SEL4_LOADER_RAM: `{range}` is not START..END"));
            (hex(start), hex(end))
        })
        .collect();
    println!("cargo:rerun-if-changed={kernel}");
    println!("cargo:rerun-if-changed={root_task}");
    println!("cargo:rerun-if-changed=loader.ld");

    let ram_items: String = ram.iter().map(|(s, e)| format!("({s:#x}, {e:#x}), ")).collect();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let code = format!(
        "/// The kernel ELF file.\npub static KERNEL_ELF: &[u8] = include_bytes!({kernel:?});\n\
         /// The root task ELF file.\npub static ROOT_TASK_ELF: &[u8] = include_bytes!({root_task:?});\n\
         /// Physical address of the PL011 UART.\npub const UART_BASE: usize = {uart};\n\
         /// The board's RAM regions `[start, end)`.\npub const RAM: &[(u64, u64)] = &[{ram_items}];\n"
    );
    std::fs::write(out.join("payload.rs"), code).expect("writing payload.rs");

    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rustc-link-arg-bins=--defsym=LOADER_ADDRESS={address}");
    println!("cargo:rustc-link-arg-bins=-T{}", manifest.join("loader.ld").display());
}
