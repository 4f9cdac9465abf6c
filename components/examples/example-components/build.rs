// Link with the component layout that pd-runtime provides.
fn main() {
    let script = std::env::var("DEP_PD_RUNTIME_LINKER_SCRIPT")
        .expect("pd-runtime publishes its linker script");
    println!("cargo:rustc-link-arg-bins=-T{script}");
}
