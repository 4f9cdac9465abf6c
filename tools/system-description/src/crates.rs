//! The programs and Wasm crates a description names exist in the
//! workspace: checked before anything is built, so that a typo is reported
//! at the component that makes it, with the crates there are, instead of
//! as cargo's "package ID specification ... did not match".

use std::collections::BTreeSet;

use crate::diag::{Collector, Problem};
use crate::model::{Component, Model, Sp};
use crate::toml_reader::{backticked, closest};
use crate::WASM_RUNTIME_PROGRAM;

/// Reports every component of `m` whose program is not in `programs` or
/// whose Wasm crate is not in `wasm_crates`.
pub(crate) fn check(
    m: &Model,
    programs: &BTreeSet<String>,
    wasm_crates: &BTreeSet<String>,
    c: &mut Collector,
) {
    let mut runtime_reported = false;
    for comp in &m.components {
        let (Some(program), wasm) = (&comp.program, &comp.wasm) else { continue };
        match wasm {
            Some(module) => {
                if !wasm_crates.contains(&module.v) {
                    c.push(unknown_wasm_crate(comp, module, wasm_crates));
                }
                if !programs.contains(WASM_RUNTIME_PROGRAM) && !runtime_reported {
                    runtime_reported = true;
                    c.push(no_wasm_runtime(program, programs));
                }
            }
            None if !programs.contains(&program.v) => {
                c.push(unknown_program(comp, program, programs));
            }
            None => {}
        }
    }
}

fn unknown_program(comp: &Component, program: &Sp<String>, programs: &BTreeSet<String>) -> Problem {
    Problem::new(
        "unknown_program",
        format!(
            "{} runs program `{}`, which no component package of the workspace builds",
            comp.what, program.v
        ),
    )
    .label(&program.span, "no such program")
    .help(with_closest(
        &program.v,
        programs,
        "the programs",
        "a program is a binary of a crate marked [package.metadata.sel4-wasm] role = \"pd-programs\"",
    ))
}

fn unknown_wasm_crate(
    comp: &Component,
    module: &Sp<String>,
    wasm_crates: &BTreeSet<String>,
) -> Problem {
    Problem::new(
        "unknown_wasm_crate",
        format!(
            "{} runs Wasm crate `{}`, which is not a Wasm component crate of the workspace",
            comp.what, module.v
        ),
    )
    .label(&module.span, "no such Wasm crate")
    .help(with_closest(
        &module.v,
        wasm_crates,
        "the Wasm component crates",
        "a Wasm component crate is a cdylib marked [package.metadata.sel4-wasm] role = \"wasm-component\"",
    ))
}

/// The Wasm runtime is not among the programs (pointing at the first Wasm
/// component, which needs it).
fn no_wasm_runtime(runtime: &Sp<String>, programs: &BTreeSet<String>) -> Problem {
    Problem::new(
        "unknown_program",
        format!("no component package of the workspace builds the Wasm runtime `{WASM_RUNTIME_PROGRAM}`"),
    )
    .label(&runtime.span, "a Wasm component: runs on the Wasm runtime")
    .help(format!(
        "Wasm components need the `{WASM_RUNTIME_PROGRAM}` binary (runtime/wasm-runtime, marked \
         role = \"pd-programs\"); the programs are: {}",
        listed(programs)
    ))
}

/// `did you mean ...? <kind> are ...; <what>`.
fn with_closest(name: &str, known: &BTreeSet<String>, kind: &str, what: &str) -> String {
    let names: Vec<&str> = known.iter().map(String::as_str).collect();
    match closest(name, &names) {
        Some(best) => format!("did you mean `{best}`? {kind} are: {}", listed(known)),
        None => format!("use one of {kind}: {}; {what}", listed(known)),
    }
}

fn listed(known: &BTreeSet<String>) -> String {
    if known.is_empty() {
        return "none".to_string();
    }
    backticked(&known.iter().collect::<Vec<_>>())
}
