//! Runs QEMU (or anything) by hand with the same runner the tests use.
//!
//! `qemu-run --timeout 60 --log FILE [--expect TEXT]... [--success-status 33] -- PROGRAM ARGS...`
//!
//! Exits 0 when the run passes; 1 when it fails (the report goes to stderr).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use qemu_runner::{RunSpec, DEFAULT_FAILURE_MARKERS, DEFAULT_LOG_FILE, SUCCESS_STATUS};

#[derive(Debug, Parser)]
#[command(
    name = "qemu-run",
    about = "Boot an image in QEMU with a hard timeout, log the serial console and judge the run"
)]
struct Cli {
    /// Hard timeout for the whole run, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = parse_seconds)]
    timeout: Duration,
    /// File that receives the whole console.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_LOG_FILE)]
    log: PathBuf,
    /// Text that must appear on the console (repeatable; in this order).
    #[arg(long = "expect", value_name = "TEXT")]
    expect: Vec<String>,
    /// QEMU exit status that means success.
    #[arg(long, value_name = "STATUS", default_value_t = SUCCESS_STATUS, allow_negative_numbers = true)]
    success_status: i32,
    /// Extra failure marker (repeatable); added to the defaults.
    #[arg(long = "marker", value_name = "TEXT")]
    markers: Vec<String>,
    /// Do not use the default failure markers.
    #[arg(long)]
    no_default_markers: bool,
    /// Do not echo the console while it runs.
    #[arg(long, short)]
    quiet: bool,
    /// Give QEMU the terminal's stdin and no timeout.
    #[arg(long)]
    interactive: bool,
    /// The program and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "PROGRAM ARGS")]
    command: Vec<String>,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s.parse().map_err(|e| format!("{s:?} is not a number of seconds: {e}"))?;
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (program, args) = cli.command.split_first().expect("clap requires at least the program");

    let mut spec = RunSpec::new(program, args.iter().cloned());
    spec.timeout = cli.timeout;
    spec.log_file = cli.log;
    spec.echo = !cli.quiet;
    spec.success_status = cli.success_status;
    spec.expect = cli.expect;
    spec.interactive = cli.interactive;
    spec.failure_markers = if cli.no_default_markers {
        Vec::new()
    } else {
        DEFAULT_FAILURE_MARKERS.iter().map(|m| m.to_string()).collect()
    };
    spec.failure_markers.extend(cli.markers);

    match qemu_runner::run(&spec) {
        Ok(outcome) => {
            // Keep the report apart from an echoed console that lacked a final newline.
            if spec.echo && !outcome.console.is_empty() && !outcome.console.ends_with('\n') {
                println!();
            }
            eprint!("{}", outcome.report());
            if outcome.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("qemu-run: {e:#}");
            ExitCode::FAILURE
        }
    }
}
