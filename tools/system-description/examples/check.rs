//! `cargo run -p system-description --example check -- system.toml`:
//! validates a description and prints its manifest report (no programs).
fn main() -> miette::Result<()> {
    let path = std::env::args().nth(1).expect("usage: check <system.toml>");
    let desc = system_description::SystemDescription::load(std::path::Path::new(&path))?;
    let image = system_manifest::BootImage {
        format_version: system_manifest::FORMAT_VERSION,
        manifest: desc.manifest().clone(),
        programs: Vec::new(),
        wasm_modules: Vec::new(),
        keep_running: false,
    };
    print!("{}", system_description::report(&image));
    Ok(())
}
