// Link with the root task layout that sel4-root-task provides.
fn main() {
    let script = std::env::var("DEP_SEL4_ROOT_TASK_LINKER_SCRIPT")
        .expect("sel4-root-task publishes its linker script");
    println!("cargo:rustc-link-arg-bins=-T{script}");
}
