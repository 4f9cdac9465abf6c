//! A program or Wasm crate the workspace does not have is reported before
//! anything is built, at the component that names it, with the crates that
//! exist.

mod common;

use std::collections::BTreeSet;

use common::render;
use system_description::SystemDescription;

const SYSTEM: &str = r#"[system]
name = "s"

[[component]]
name = "server"
program = "example-sever"
priority = 100

[[component]]
name = "calc"
wasm = "wasm-calculater"
priority = 90

[[component]]
name = "fine"
wasm = "wasm-kv-store"
priority = 80
"#;

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn check(programs: &[&str], wasm: &[&str]) -> Result<(), String> {
    let desc = SystemDescription::parse_str("systems/s.toml", SYSTEM).unwrap();
    desc.check_crates(&set(programs), &set(wasm)).map_err(|r| render(&r))
}

#[test]
fn a_missing_program_names_the_component_the_file_and_line_and_the_programs() {
    let e = check(&["example-server", "wasm-runtime"], &["wasm-calculator", "wasm-kv-store"])
        .unwrap_err();
    assert!(e.contains("unknown_program"), "{e}");
    assert!(
        e.contains("component `server` runs program `example-sever`, which no component package of the workspace builds"),
        "{e}"
    );
    assert!(e.contains("[systems/s.toml:6:11]"), "{e}");
    assert!(
        e.contains(
            "did you mean `example-server`? the programs are: `example-server`, `wasm-runtime`"
        ),
        "{e}"
    );
}

#[test]
fn a_missing_wasm_crate_names_the_component_the_file_and_line_and_the_crates() {
    let e = check(&["example-sever", "wasm-runtime"], &["wasm-calculator", "wasm-kv-store"])
        .unwrap_err();
    assert!(e.contains("unknown_wasm_crate"), "{e}");
    assert!(e.contains("component `calc` runs Wasm crate `wasm-calculater`"), "{e}");
    assert!(e.contains("[systems/s.toml:11:8]"), "{e}");
    assert!(e.contains("did you mean `wasm-calculator`?"), "{e}");
    assert!(!e.contains("`fine`"), "only the missing crate is reported: {e}");
    // Nothing close: every crate is listed, with what makes a crate one.
    let e = check(&["example-sever", "wasm-runtime"], &["wasm-kv-store"]).unwrap_err();
    assert!(e.contains("use one of the Wasm component crates: `wasm-kv-store`"), "{e}");
    assert!(e.contains("role = \"wasm-component\""), "{e}");
}

#[test]
fn a_missing_wasm_runtime_is_reported_once() {
    let e = check(&["example-sever"], &["wasm-calculater", "wasm-kv-store"]).unwrap_err();
    assert_eq!(e.matches("builds the Wasm runtime `wasm-runtime`").count(), 1, "{e}");
}

#[test]
fn every_crate_present_passes() {
    check(&["example-sever", "wasm-runtime"], &["wasm-calculater", "wasm-kv-store"]).unwrap();
}
