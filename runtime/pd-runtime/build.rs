//! Publishes the component linker script as DEP_PD_RUNTIME_LINKER_SCRIPT.
fn main() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("component.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:linker_script={}", script.display());
}
