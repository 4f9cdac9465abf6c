//! `cargo xtask test`: the host tests, then the QEMU boot tests.
//!
//! A boot test boots a root task through the same runner as `cargo xtask
//! run` and checks the verdict and the console. The harness tests boot
//! guests that misbehave on purpose and check that the harness notices.

use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use qemu_runner::{Failure, Outcome, Verdict};

use crate::image::{self, Program};
use crate::{workspace_root, BuildArgs};

/// What a boot test expects of the run.
enum Expect {
    /// The system ends successfully and prints these lines, in order.
    Pass(&'static [&'static str]),
    /// The run fails with a panic whose report shows this text.
    Panic(&'static str),
    /// The run is stopped at the timeout.
    Timeout,
}

struct BootTest {
    name: &'static str,
    program: Program,
    timeout: Duration,
    expect: Expect,
}

const BOOT_TESTS: &[BootTest] = &[
    BootTest {
        name: "default_system_boots_and_passes_self_check",
        program: image::ROOT_TASK,
        timeout: Duration::from_secs(60),
        expect: Expect::Pass(&[
            "seL4 kernel 5.0.0 booted the sel4-wasm root task",
            "untyped memory: ",
            "free slots",
            "self-check: retyped an endpoint",
            "self-check: DebugCapIdentify agrees",
            "self-check: notification signal/wait delivered badge 0x5a",
            "self-check: retype into an occupied slot is refused",
            "self-check: passed",
            "root task finished: all checks passed",
        ]),
    },
    BootTest {
        name: "harness_fails_a_panicking_guest_and_shows_the_message",
        program: Program { package: "test-guests", bin: "panicking-root-task", embeds_system: false },
        timeout: Duration::from_secs(60),
        expect: Expect::Panic("deliberate panic to test the boot test harness"),
    },
    BootTest {
        name: "harness_stops_a_hanging_guest_at_the_timeout",
        program: Program { package: "test-guests", bin: "hanging-root-task", embeds_system: false },
        timeout: Duration::from_secs(5),
        expect: Expect::Timeout,
    },
];

pub fn run_all(host: bool, qemu: bool, board: &str) -> Result<bool> {
    // Host tests use the kernel's generators too (python3 modules, gcc).
    crate::setup::ensure()?;
    let mut passed = 0;
    let mut failed = Vec::new();
    if host {
        println!("== host tests (cargo test)");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo).current_dir(workspace_root()).arg("test").status().context("running cargo test")?;
        if status.success() {
            passed += 1;
        } else {
            failed.push("host tests (cargo test)".to_string());
        }
        // The sel4 crate's unit tests (layouts, encodings) run on the host
        // against the ABI of the board's kernel.
        println!("== sel4 crate unit tests for the {board} kernel (cargo test -p sel4)");
        let (board_desc, kernel) = image::kernel(&debug_build_args(board))?;
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
    if qemu {
        println!("== QEMU boot tests on board {board}");
        for test in BOOT_TESTS {
            match run_boot_test(test, board) {
                Ok(true) => {
                    println!("test {} ... ok", test.name);
                    passed += 1;
                }
                Ok(false) => failed.push(test.name.to_string()),
                Err(e) => {
                    println!("test {} ... FAILED: {e:#}", test.name);
                    failed.push(test.name.to_string());
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
    let images = image::build(&debug_build_args(board), test.program)?;
    let log = workspace_root().join("target/boot-tests").join(format!("{}.log", test.name));
    let mut spec = images.run_spec(test.timeout, log);
    spec.echo = false;
    if let Expect::Pass(lines) = test.expect {
        spec.expect = lines.iter().map(|s| s.to_string()).collect();
    }
    let outcome = qemu_runner::run(&spec)?;
    let ok = judge(&test.expect, &outcome);
    if !ok {
        println!("test {} ... FAILED\n{}", test.name, outcome.report());
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
        _ => false,
    }
}

/// Boot tests run the debug kernel: they read its console.
fn debug_build_args(board: &str) -> BuildArgs {
    BuildArgs {
        board: board.to_string(),
        kernel_profile: "debug".into(),
        system: crate::system::DEFAULT_SYSTEM.into(),
        debug_root_task: false,
    }
}
