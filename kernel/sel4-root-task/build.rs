//! Publishes the root task linker script as DEP_SEL4_ROOT_TASK_LINKER_SCRIPT,
//! and compiles the semihosting exit in only for boards whose QEMU enables
//! it (`SEL4_SEMIHOSTING=1`, set by `cargo xtask` from `[qemu] semihosting`
//! in the board description): on real hardware there is no semihosting, and
//! the root task then never executes its instruction.
fn main() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("root-task.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:linker_script={}", script.display());

    println!("cargo:rustc-check-cfg=cfg(sel4_semihosting)");
    println!("cargo:rerun-if-env-changed=SEL4_SEMIHOSTING");
    if std::env::var("SEL4_SEMIHOSTING").is_ok_and(|v| v == "1") {
        println!("cargo:rustc-cfg=sel4_semihosting");
    }
}
