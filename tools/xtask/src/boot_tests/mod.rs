//! `cargo xtask test`: the host tests, then the QEMU boot tests.
//!
//! A boot test boots a root task through the same runner as `cargo xtask
//! run` and checks the verdict and the console. The tests are data: each
//! system's `*.expect.toml` beside it ([`expectations`]); this module runs
//! them.

mod expectations;

use std::process::Command;

use anyhow::{Context, Result};
use qemu_runner::{Failure, Outcome, Verdict};

#[cfg(test)]
pub use expectations::system_files;
pub use expectations::{BootTest, Expect};

use crate::image;
use crate::{workspace_root, BuildArgs};

/// The boot tests that apply to `board`'s architecture.
fn boot_tests_for(board: &str) -> Result<Vec<BootTest>> {
    let desc = sel4_kernel_build::Board::load(&workspace_root().join("board"), board)?;
    expectations::load_all(&workspace_root(), &desc.kernel.sel4_arch)
}

/// The boards `cargo xtask test` boots, in order (the host tests use the
/// first). A board without an emulator (no `[qemu]`, e.g. `hikey`) is not
/// booted: its image is built and checked instead (`board_image::check`).
pub const TEST_BOARDS: &[&str] = &["qemu-x86_64", "qemu-aarch64-virt", "hikey"];

/// [`TEST_BOARDS`], owned.
pub fn test_boards() -> Vec<String> {
    TEST_BOARDS.iter().map(|b| b.to_string()).collect()
}

pub fn run_all(host: bool, qemu: bool, boards: &[String], filter: Option<&str>) -> Result<bool> {
    let board = boards.first().map_or("qemu-x86_64", |b| b.as_str());
    // Host tests use the kernel's generators too (python3 modules, gcc).
    crate::setup::ensure()?;
    let mut passed = 0;
    let mut failed = Vec::new();
    if host {
        println!("== host tests (cargo test)");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace_root())
            .arg("test")
            .status()
            .context("running cargo test")?;
        if status.success() {
            passed += 1;
        } else {
            failed.push("host tests (cargo test)".to_string());
        }
        // Formatting and clippy (-D warnings) for every target of the boards.
        for step in crate::lint::run(boards)? {
            match step.passed {
                true => passed += 1,
                false => failed.push(format!("lint: {}", step.name)),
            }
        }
        // The ring's signalling protocol under the loom model checker (its
        // own build: loom replaces the atomics).
        println!("== ring protocol under loom (cargo test -p shared-ring --test loom, --cfg loom)");
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(workspace_root())
            .env("RUSTFLAGS", "--cfg loom")
            .env("CARGO_TARGET_DIR", workspace_root().join("target/loom"))
            .args(["test", "--release", "--package", "shared-ring", "--test", "loom"])
            .status()
            .context("running the loom test")?;
        if status.success() {
            passed += 1;
        } else {
            failed.push("ring protocol under loom".to_string());
        }
        // Every fuzz target of tests/fuzz, briefly (longer: cargo xtask fuzz).
        if crate::fuzz::smoke() {
            passed += 1;
        } else {
            failed.push("fuzz (smoke)".to_string());
        }
        // The sel4 crate's unit tests (layouts, encodings) run on the host
        // against the ABI of the board's kernel.
        // The crate's architecture code is chosen by target_arch, so its
        // tests run on the host only for a board of the host's architecture.
        let (board_desc, kernel) = image::kernel(&BuildArgs::for_board(board))?;
        if board_desc.kernel.sel4_arch != std::env::consts::ARCH {
            println!(
                "== sel4 crate unit tests skipped: board {board} is {}, the host is {}",
                board_desc.kernel.sel4_arch,
                std::env::consts::ARCH
            );
        } else {
            println!("== sel4 crate unit tests for the {board} kernel (cargo test -p sel4)");
            let status = image::cargo_for_kernel(&board_desc, &kernel)
                .args(["test", "--package", "sel4"])
                .status()
                .context("running cargo test -p sel4")?;
            if status.success() {
                passed += 1;
            } else {
                failed.push("sel4 crate unit tests (cargo test -p sel4)".to_string());
            }
        }
    }
    if qemu {
        for board in boards {
            let desc = sel4_kernel_build::Board::load(&workspace_root().join("board"), board)?;
            if desc.qemu.is_none() {
                let name = format!("{board}: image builds and carries the board's kernel");
                if filter.is_some_and(|f| !name.contains(f)) {
                    continue;
                }
                println!(
                    "== board {board} has no emulator: building and checking its image (no boot)"
                );
                match crate::board_image::check(board) {
                    Ok(()) => {
                        println!("test {name} ... ok");
                        passed += 1;
                    }
                    Err(e) => {
                        println!("test {name} ... FAILED: {e:#}");
                        failed.push(name);
                    }
                }
                continue;
            }
            println!("== QEMU boot tests on board {board}");
            for test in
                boot_tests_for(board)?.iter().filter(|t| filter.is_none_or(|f| t.name.contains(f)))
            {
                let name = format!("{board}: {}", test.name);
                match run_boot_test(test, board) {
                    Ok(true) => {
                        println!("test {name} ... ok");
                        passed += 1;
                    }
                    Ok(false) => failed.push(name),
                    Err(e) => {
                        println!("test {name} ... FAILED: {e:#}");
                        failed.push(name);
                    }
                }
            }
        }
    }
    for name in &failed {
        println!("failed: {name}");
    }
    println!("{} passed, {} failed", passed, failed.len());
    Ok(failed.is_empty())
}

fn run_boot_test(test: &BootTest, board: &str) -> Result<bool> {
    let mut args = BuildArgs::for_board(board);
    args.system = test.system.clone();
    args.kernel_profile = test.kernel_profile.clone();
    args.interactive = test.interactive;
    let images = image::build(&args, test.program)?;
    let log =
        workspace_root().join("target/boot-tests").join(board).join(format!("{}.log", test.name));
    let mut spec = images.run_spec(test.timeout, log)?;
    spec.echo = false;
    if let Expect::Pass(lines) | Expect::Fail(lines) = &test.expect {
        spec.expect = lines.clone();
    }
    spec.input =
        test.input.iter().map(|(after, text)| qemu_runner::InputStep::new(after, text)).collect();
    spec.stop_when_expected = test.interactive;
    let outcome = qemu_runner::run(&spec)?;
    let ok = judge(&test.expect, &outcome);
    if !ok {
        let file = test.file.strip_prefix(workspace_root()).unwrap_or(&test.file);
        println!(
            "test {} ... FAILED (expected: {})\n{}",
            test.name,
            file.display(),
            outcome.report()
        );
    }
    Ok(ok)
}

fn judge(expect: &Expect, outcome: &Outcome) -> bool {
    match (expect, &outcome.verdict) {
        (Expect::Pass(_), Verdict::Passed) => true,
        (Expect::Panic(message), Verdict::Failed(Failure::Marker { .. })) => {
            let shown = outcome.report().contains(message);
            if !shown {
                println!("the harness failed the panicking guest but its report does not show {message:?}");
            }
            shown
        }
        (Expect::Timeout, Verdict::Failed(Failure::Timeout { .. })) => true,
        // A failure status with the expected lines, and no panic.
        (
            Expect::Fail(lines),
            Verdict::Failed(Failure::ExitStatus { .. } | Failure::Marker { .. }),
        ) => {
            !outcome.console.contains("panicked at")
                && qemu_runner::missing_in_order(&outcome.console, lines).is_empty()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system;

    /// Every system a boot test boots is valid for its board: a mistake in
    /// a description (or a board section for the wrong board) is found by
    /// `cargo test` in a second, not by a boot test minutes later.
    #[test]
    fn every_booted_system_is_valid_for_its_board() {
        let boards_dir = workspace_root().join("board");
        let mut checked = 0;
        for board_name in TEST_BOARDS {
            let board = sel4_kernel_build::Board::load(&boards_dir, board_name).unwrap();
            if board.qemu.is_none() {
                continue; // Not booted: its image check builds a test guest.
            }
            for test in
                boot_tests_for(board_name).unwrap().iter().filter(|t| t.program.embeds_system)
            {
                let path = workspace_root().join(&test.system);
                if let Err(e) = system::load(&path, &board) {
                    panic!("boot test `{}` on board {board_name}: {e:#}", test.name);
                }
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} systems checked");
    }

    /// Every expectation file parses, for every architecture, and the
    /// emulated boards keep at least the boot tests they had when the
    /// expectations moved beside their systems (21 on x86_64, 18 on aarch64).
    #[test]
    fn expectation_files_parse_and_no_boot_test_is_lost() {
        let root = workspace_root();
        let files = expectations::files(&root).unwrap();
        assert!(files.len() >= 17, "{files:?}");
        let x86_64 = expectations::load_all(&root, "x86_64").unwrap();
        let aarch64 = expectations::load_all(&root, "aarch64").unwrap();
        assert!(x86_64.len() >= 21, "{} x86_64 boot tests", x86_64.len());
        assert!(aarch64.len() >= 18, "{} aarch64 boot tests", aarch64.len());
        // Per-arch lines resolve to each arch's own text.
        let isolation = |tests: &[BootTest]| match &tests
            .iter()
            .find(|t| t.name.starts_with("isolation"))
            .unwrap()
            .expect
        {
            Expect::Pass(lines) => lines.join("\n"),
            other => panic!("{other:?}"),
        };
        assert!(isolation(&x86_64).contains("(fsr 0x15)") && !isolation(&x86_64).contains("ESR"));
        assert!(isolation(&aarch64).contains("udf #0") && !isolation(&aarch64).contains("fsr"));
    }

    /// A malformed expectation file is refused with its file and test named.
    #[test]
    fn a_bad_expectation_file_names_the_file_and_the_test() {
        let dir = std::env::temp_dir().join(format!("xtask-expect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("lonely.expect.toml");
        std::fs::write(
            &file,
            "[[test]]\nname = \"nothing\"\ntimeout = 5\noutcome = \"pass\"\nlines = [\"x\"]\n",
        )
        .unwrap();
        let err = format!("{:#}", expectations::load(&dir, &file, "x86_64").unwrap_err());
        assert!(
            err.contains("lonely.expect.toml: test `nothing`") && err.contains("no system"),
            "{err}"
        );
        std::fs::write(dir.join("lonely.toml"), "").unwrap();
        std::fs::write(&file, "[[test]]\nname = \"empty\"\ntimeout = 5\noutcome = \"pass\"\n")
            .unwrap();
        let err = format!("{:#}", expectations::load(&dir, &file, "x86_64").unwrap_err());
        assert!(err.contains("cannot fail"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The default system builds for every board (runs on every emulated
    /// one), with the same components.
    #[test]
    fn the_default_system_has_the_same_components_on_every_board() {
        let boards_dir = workspace_root().join("board");
        let names: Vec<Vec<String>> = TEST_BOARDS
            .iter()
            .map(|b| sel4_kernel_build::Board::load(&boards_dir, b).unwrap())
            .map(|board| {
                system::load(&workspace_root().join(system::DEFAULT_SYSTEM), &board)
                    .unwrap()
                    .component_names()
            })
            .collect();
        assert_eq!(names.len(), TEST_BOARDS.len());
        assert!(names.windows(2).all(|w| w[0] == w[1]), "{names:?}");
    }
}
