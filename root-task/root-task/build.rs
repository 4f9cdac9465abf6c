//! Links with the root task layout of sel4-root-task, and embeds the boot
//! image (system manifest and component programs) that `cargo xtask build`
//! made from the system description.
use std::path::PathBuf;

fn main() {
    let script = std::env::var("DEP_SEL4_ROOT_TASK_LINKER_SCRIPT")
        .expect("sel4-root-task publishes its linker script");
    println!("cargo:rustc-link-arg-bins=-T{script}");

    println!("cargo:rerun-if-env-changed=SEL4_WASM_BOOT_IMAGE");
    let image = std::env::var("SEL4_WASM_BOOT_IMAGE").unwrap_or_else(|_| {
        panic!(
            "SEL4_WASM_BOOT_IMAGE is not set: the root task embeds the system it builds. \
             Build it with `cargo xtask build --system FILE`, which compiles the description and the components"
        )
    });
    println!("cargo:rerun-if-changed={image}");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("boot_image.rs");
    let code = format!(
        "/// The boot image, aligned for zero-copy access.\n\
         static BOOT_IMAGE_BYTES: &AlignedBytes<[u8]> = &AlignedBytes(*include_bytes!({image:?}));\n"
    );
    std::fs::write(out, code).expect("writing boot_image.rs");
}
