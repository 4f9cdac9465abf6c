//! Every system of the repository (`systems/`, `tests/systems/`,
//! `bench/systems/`) passes the checker for each emulated board it boots on:
//! every board, unless its `X.expect.toml` runs its tests on some
//! architectures only (`arch = [...]`).

mod common;

use std::path::{Path, PathBuf};

use system_description::{Arch, SystemDescription};

const FOLDERS: &[&str] = &["systems", "tests/systems", "bench/systems"];
const BOARDS: &[&str] = &["qemu-x86_64", "qemu-aarch64-virt"];

fn descriptions() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for folder in FOLDERS {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".toml") && !name.ends_with(".expect.toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Whether the tests beside `system` run on `arch` (`x86_64`, `aarch64`).
fn boots_on(system: &Path, arch: &str) -> bool {
    let expect = system.with_extension("expect.toml");
    let Ok(text) = std::fs::read_to_string(&expect) else {
        return true;
    };
    let file: toml::Table = toml::from_str(&text).unwrap();
    let Some(tests) = file.get("test").and_then(|t| t.as_array()) else {
        return true;
    };
    tests.iter().any(|test| match test.get("arch").and_then(|a| a.as_array()) {
        None => true,
        Some(arches) => arches.iter().any(|a| a.as_str() == Some(arch)),
    })
}

#[test]
fn every_shipped_test_and_bench_system_passes_the_checker_on_its_boards() {
    let files = descriptions();
    assert!(files.len() >= 20, "only {} systems found", files.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for board in BOARDS {
        let board = common::test_board(board);
        let arch = match board.arch {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
        };
        for path in files.iter().filter(|p| boots_on(p, arch)) {
            checked += 1;
            if let Err(report) = SystemDescription::load_for(path, Some(&board)) {
                failures.push(format!(
                    "{} on {}:\n{}",
                    path.display(),
                    board.name,
                    common::render(&report)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked > files.len(), "most systems are checked on both boards");
}
