// Link with the root task layout of sel4-root-task (three page-aligned
// PT_LOAD segments at 0x400000, nothing else the kernel would load).
fn main() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../kernel/sel4-root-task/root-task.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rustc-link-arg-bins=-T{}", script.display());
}
