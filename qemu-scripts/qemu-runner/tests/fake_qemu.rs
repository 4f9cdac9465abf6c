//! Runner behaviour against fake "QEMU" shell scripts (no real QEMU needed).
//! Scripts are run as `/bin/sh SCRIPT`, which avoids "text file busy" races
//! between tests that write and execute files in parallel.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use qemu_runner::{run, Failure, Outcome, RunSpec, Verdict, FAILURE_STATUS, SUCCESS_STATUS};
use tempfile::TempDir;

struct Fake {
    dir: TempDir,
    spec: RunSpec,
}

impl Fake {
    /// A spec that runs `body` as a shell script, logging into the tempdir.
    fn new(body: &str) -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("qemu.sh");
        fs::write(&script, format!("#!/bin/sh\n{body}\n")).unwrap();
        let mut spec = RunSpec::new("/bin/sh", [script.to_str().unwrap()]);
        spec.log_file = dir.path().join("logs/nested/qemu.log");
        spec.echo = false;
        spec.timeout = Duration::from_secs(10);
        Fake { dir, spec }
    }

    fn run(&self) -> Outcome {
        run(&self.spec).expect("runner error")
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.spec.log_file).unwrap()
    }
}

fn failure(outcome: &Outcome) -> &Failure {
    match &outcome.verdict {
        Verdict::Failed(f) => f,
        Verdict::Passed => panic!("expected a failure, got a pass:\n{}", outcome.report()),
    }
}

#[test]
fn success_status_with_expected_lines_passes_and_logs_console() {
    let mut fake = Fake::new(
        "echo 'Booting all finished'\necho 'root task: hello'\necho 'all tests passed'\nexit 33",
    );
    fake.spec.expect = vec!["root task: hello".into(), "all tests passed".into()];
    let outcome = fake.run();
    assert!(outcome.passed(), "{}", outcome.report());
    assert_eq!(outcome.console, "Booting all finished\nroot task: hello\nall tests passed\n");
    assert_eq!(fake.log(), outcome.console);
    assert_eq!(outcome.log_file, fake.spec.log_file);
    assert_eq!(outcome.exit_status.and_then(|s| s.code()), Some(SUCCESS_STATUS));
    assert!(outcome.report().contains("passed"), "{}", outcome.report());
}

#[test]
fn guest_failure_status_fails_with_exit_status() {
    let fake = Fake::new("echo 'test foo ... FAILED'\nexit 35");
    let outcome = fake.run();
    assert_eq!(failure(&outcome), &Failure::ExitStatus { status: Some(FAILURE_STATUS) });
    let report = outcome.report();
    assert!(report.contains("0x11"), "{report}");
    assert!(report.contains("test foo ... FAILED"), "{report}");
}

#[test]
fn plain_qemu_quit_with_status_zero_fails() {
    let outcome = Fake::new("echo hi\nexit 0").run();
    assert_eq!(failure(&outcome), &Failure::ExitStatus { status: Some(0) });
    assert!(outcome.report().contains("without the guest"), "{}", outcome.report());
}

#[test]
fn qemu_error_fails_and_report_shows_its_stderr() {
    let outcome = Fake::new("echo 'qemu: could not load kernel kernel32.elf' >&2\nexit 1").run();
    assert_eq!(failure(&outcome), &Failure::ExitStatus { status: Some(1) });
    assert!(outcome.stderr.contains("could not load kernel"));
    let report = outcome.report();
    assert!(report.contains("could not load kernel"), "{report}");
}

#[test]
fn qemu_killed_by_signal_fails_with_no_status() {
    let outcome = Fake::new("echo before\nkill -9 $$").run();
    assert_eq!(failure(&outcome), &Failure::ExitStatus { status: None });
    assert!(outcome.report().contains("signal 9"), "{}", outcome.report());
}

#[test]
fn custom_success_status_is_honoured() {
    let mut fake = Fake::new("exit 3");
    fake.spec.success_status = 3;
    assert!(fake.run().passed());
    let mut fake = Fake::new("exit 33");
    fake.spec.success_status = 3;
    assert_eq!(failure(&fake.run()), &Failure::ExitStatus { status: Some(33) });
}

#[test]
fn guest_panic_fails_with_message_shown() {
    let fake = Fake::new(
        "echo 'root task starting'\n\
         echo 'panicked at src/main.rs:10:5:'\n\
         echo 'attempt to divide by zero'\n\
         exit 35",
    );
    let outcome = fake.run();
    assert_eq!(
        failure(&outcome),
        &Failure::Marker {
            marker: "panicked at".into(),
            line: "panicked at src/main.rs:10:5:".into()
        }
    );
    let report = outcome.report();
    let reason = report.split("--- console").next().unwrap();
    assert!(reason.contains("panicked at src/main.rs:10:5:"), "{report}");
    assert!(reason.contains("attempt to divide by zero"), "{report}");
    assert!(fake.log().contains("attempt to divide by zero"));
}

#[test]
fn panic_marker_wins_over_success_status() {
    let outcome = Fake::new("echo 'panicked at src/lib.rs:1:1:'\necho boom\nexit 33").run();
    assert!(matches!(failure(&outcome), Failure::Marker { .. }));
}

#[test]
fn kernel_fault_then_hang_stops_soon_after_the_marker() {
    let mut fake = Fake::new(
        "echo 'vm fault on data at address 0x0 with status 0x4'\n\
         echo 'in thread 0xffffff8008140400 \"rootserver\" at address 0x401234'\n\
         sleep 1000",
    );
    fake.spec.timeout = Duration::from_secs(30);
    fake.spec.marker_grace = Some(Duration::from_millis(300));
    let t = Instant::now();
    let outcome = fake.run();
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    match failure(&outcome) {
        Failure::Marker { marker, line } => {
            assert_eq!(marker, "vm fault on");
            assert!(line.starts_with("vm fault on data"));
        }
        other => panic!("unexpected failure {other:?}"),
    }
    let report = outcome.report();
    assert!(report.contains("rootserver"), "{report}");
}

#[test]
fn kernel_fault_then_hang_without_grace_is_reported_as_the_fault_after_timeout() {
    let mut fake = Fake::new("echo 'Caught cap fault in send phase at address 0x0'\nsleep 1000");
    fake.spec.timeout = Duration::from_secs(1);
    fake.spec.marker_grace = None;
    let t = Instant::now();
    let outcome = fake.run();
    assert!(t.elapsed() >= Duration::from_secs(1));
    assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
    assert!(
        matches!(failure(&outcome), Failure::Marker { marker, .. } if marker == "Caught cap fault")
    );
}

#[test]
fn hung_guest_times_out_promptly_and_keeps_console() {
    let mut fake = Fake::new("echo 'Booting all finished'\nsleep 1000");
    fake.spec.timeout = Duration::from_secs(1);
    let t = Instant::now();
    let outcome = fake.run();
    assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
    assert_eq!(failure(&outcome), &Failure::Timeout { after: Duration::from_secs(1) });
    assert_eq!(outcome.console, "Booting all finished\n");
    assert_eq!(fake.log(), "Booting all finished\n");
    assert!(outcome.report().contains("timed out"), "{}", outcome.report());
}

#[test]
fn background_child_holding_the_pipe_does_not_stall_timeout() {
    let mut fake = Fake::new("sleep 1000 &\nsleep 1000 &\necho started\nsleep 1000");
    fake.spec.timeout = Duration::from_secs(1);
    let t = Instant::now();
    let outcome = fake.run();
    assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
    assert!(matches!(failure(&outcome), Failure::Timeout { .. }));
    assert_eq!(outcome.console, "started\n");
}

#[test]
fn background_child_holding_the_pipe_does_not_stall_a_normal_exit() {
    let fake = Fake::new("sleep 1000 &\necho done\nexit 33");
    let t = Instant::now();
    let outcome = fake.run();
    assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
    assert!(outcome.passed(), "{}", outcome.report());
}

#[test]
fn escaped_background_child_holding_the_pipe_still_returns_promptly() {
    // `setsid` moves the child out of QEMU's process group, so killing the
    // group cannot close the pipe; the drain grace must bound the wait.
    let mut fake = Fake::new("setsid sleep 6 &\necho started\nsleep 1000");
    fake.spec.timeout = Duration::from_secs(1);
    let t = Instant::now();
    let outcome = fake.run();
    assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
    assert!(matches!(failure(&outcome), Failure::Timeout { .. }));
    assert_eq!(outcome.console, "started\n");
}

#[test]
fn missing_expected_lines_fail_despite_success_status() {
    let mut fake = Fake::new("echo 'test one ... ok'\necho 'test three ... ok'\nexit 33");
    fake.spec.expect =
        vec!["test one ... ok".into(), "test two ... ok".into(), "test three ... ok".into()];
    let outcome = fake.run();
    assert_eq!(
        failure(&outcome),
        &Failure::MissingLines { missing: vec!["test two ... ok".into()] }
    );
    assert!(outcome.report().contains("test two ... ok"), "{}", outcome.report());
}

#[test]
fn expected_lines_out_of_order_fail() {
    let mut fake = Fake::new("echo second\necho first\nexit 33");
    fake.spec.expect = vec!["first".into(), "second".into()];
    assert_eq!(failure(&fake.run()), &Failure::MissingLines { missing: vec!["second".into()] });
}

#[test]
fn nonexistent_program_fails_with_spawn_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = RunSpec::new(dir.path().join("no-such-qemu"), ["-nographic"]);
    spec.log_file = dir.path().join("qemu.log");
    spec.echo = false;
    let outcome = run(&spec).unwrap();
    match failure(&outcome) {
        Failure::Spawn(msg) => assert!(msg.contains("no-such-qemu"), "{msg}"),
        other => panic!("unexpected failure {other:?}"),
    }
    assert!(outcome.report().contains("no-such-qemu"));
}

#[test]
fn crlf_and_invalid_utf8_console_is_decoded_lossily() {
    let mut fake = Fake::new(r"printf 'seL4 booting\r\n\377\376 garbage\r\nready\r\n'; exit 33");
    fake.spec.expect = vec!["seL4 booting\n".into(), " garbage\nready\n".into()];
    let outcome = fake.run();
    assert!(outcome.passed(), "{}", outcome.report());
    assert!(!outcome.console.contains('\r'));
    assert!(outcome.console.contains('\u{fffd}'));
    // The log keeps the raw bytes.
    let raw = fs::read(&fake.spec.log_file).unwrap();
    assert!(raw.windows(2).any(|w| w == b"\xff\xfe"));
}

#[test]
fn report_shows_the_last_console_lines_and_log_path() {
    let fake =
        Fake::new("i=1; while [ $i -le 200 ]; do echo \"line $i\"; i=$((i+1)); done; exit 35");
    let outcome = fake.run();
    let report = outcome.report();
    assert!(report.contains("line 200\n"), "{report}");
    assert!(report.contains("line 141\n"), "{report}");
    assert!(!report.contains("line 140\n"), "{report}");
    assert!(report.contains(&fake.spec.log_file.display().to_string()), "{report}");
    assert_eq!(fake.log().lines().count(), 200);
}

#[test]
fn output_without_trailing_newline_is_kept() {
    let mut fake = Fake::new("printf 'first\\nno newline at the end'; exit 33");
    fake.spec.expect = vec!["no newline at the end".into()];
    let outcome = fake.run();
    assert!(outcome.passed(), "{}", outcome.report());
    assert!(fake.log().ends_with("no newline at the end"));
}

#[test]
fn large_console_is_captured_completely() {
    let fake = Fake::new(
        "i=0; while [ $i -lt 20000 ]; do echo \"0123456789 line $i\"; i=$((i+1)); done; exit 33",
    );
    let outcome = fake.run();
    assert!(outcome.passed(), "{}", outcome.report());
    assert_eq!(outcome.console.lines().count(), 20000);
    assert!(outcome.console.ends_with("0123456789 line 19999\n"));
}

#[test]
fn stdin_is_null_when_not_interactive() {
    // `cat` would block forever on an inherited terminal or pipe.
    let mut fake = Fake::new("cat; echo read-eof; exit 33");
    fake.spec.expect = vec!["read-eof".into()];
    fake.spec.timeout = Duration::from_secs(5);
    assert!(fake.run().passed());
}

#[test]
fn custom_failure_markers_replace_the_defaults() {
    let mut fake = Fake::new("echo 'halting is fine here'\necho 'TEST FAILURE: x'\nexit 33");
    fake.spec.failure_markers = vec!["TEST FAILURE".into()];
    assert!(matches!(
        failure(&fake.run()),
        Failure::Marker { marker, line } if marker == "TEST FAILURE" && line == "TEST FAILURE: x"
    ));
}

fn cli(fake: &Fake, extra: &[&str]) -> std::process::Output {
    let script = fake.dir.path().join("qemu.sh");
    let log: &Path = &fake.spec.log_file;
    Command::new(env!("CARGO_BIN_EXE_qemu-run"))
        .args(["--timeout", "5", "--log"])
        .arg(log)
        .args(extra)
        .arg("--")
        .arg("/bin/sh")
        .arg(&script)
        .output()
        .unwrap()
}

#[test]
fn cli_exits_zero_on_pass_and_echoes_the_whole_console() {
    let fake = Fake::new("echo hello\nprintf 'tail without newline'\nexit 33");
    let out = cli(&fake, &["--expect", "hello", "--expect", "tail"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("hello\ntail without newline"), "{stdout}");
    assert!(fs::read_to_string(&fake.spec.log_file).unwrap().contains("hello"));
}

#[test]
fn cli_exits_one_on_failure_with_report_on_stderr() {
    let fake = Fake::new("echo 'panicked at src/main.rs:3:9:'\necho 'oh no'\nexit 35");
    let out = cli(&fake, &["--quiet"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("FAILED"), "{stderr}");
    assert!(stderr.contains("oh no"), "{stderr}");
}

#[test]
fn cli_success_status_option_is_used() {
    let fake = Fake::new("exit 0");
    assert_eq!(cli(&fake, &["-q", "--success-status", "0"]).status.code(), Some(0));
    assert_eq!(cli(&fake, &["-q"]).status.code(), Some(1));
}

#[test]
fn typed_input_reaches_the_guest_after_its_prompt() {
    // A "guest" that prompts, reads a line and answers it, then keeps running.
    let mut fake = Fake::new("printf 'sel4> '\nread line\necho \"you typed: $line\"\nsleep 30");
    fake.spec.input = vec![qemu_runner::InputStep::new("sel4> ", "ps\n")];
    fake.spec.expect = vec!["you typed: ps".into()];
    fake.spec.stop_when_expected = true;
    let start = Instant::now();
    let outcome = fake.run();
    assert!(outcome.passed(), "{}", outcome.report());
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "stopped once the answer appeared, not at the timeout"
    );
    assert!(fake.log().contains("[qemu-runner types \"ps\\n\"]"), "the log shows what was typed");
}

#[test]
fn a_guest_that_never_answers_fails_at_the_timeout() {
    let mut fake = Fake::new("printf 'sel4> '\nsleep 30");
    fake.spec.input = vec![qemu_runner::InputStep::new("sel4> ", "ps\n")];
    fake.spec.expect = vec!["NAME".into()];
    fake.spec.stop_when_expected = true;
    fake.spec.timeout = Duration::from_secs(2);
    let outcome = fake.run();
    assert!(matches!(failure(&outcome), Failure::Timeout { .. }), "{}", outcome.report());
}
