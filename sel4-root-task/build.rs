//! Publishes the root task linker script as DEP_SEL4_ROOT_TASK_LINKER_SCRIPT.
fn main() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("root-task.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:linker_script={}", script.display());
}
