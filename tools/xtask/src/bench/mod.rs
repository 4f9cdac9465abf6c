//! `cargo xtask bench`: boots the benchmark systems of `bench/systems/`
//! under QEMU with deterministic instruction counting, runs the compute
//! kernels on the host, prints a table (figure, median, spread, ratio, goal,
//! met), writes the figures as JSON and draws an SVG chart.
//!
//! Under `-icount shift=0` QEMU advances the guest's virtual clock, and with
//! it the time-stamp counter the guests read, by exactly one tick per
//! executed guest instruction (user and kernel). So a "cycle" here is a
//! guest instruction, and two boots of the same build give the same counts.
//! Host figures are wall time and are not deterministic.

mod chart;
mod digest;
mod host;
mod log;
mod stat;
mod table;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};

use self::log::{boot, BootLog};
use crate::workspace_root;
use table::Checks;

/// QEMU arguments added for benchmark runs only: deterministic counting.
pub const ICOUNT_ARGS: &[&str] = &["-icount", "shift=0,align=off,sleep=off"];

/// The system with every per-figure benchmark.
const MAIN_SYSTEM: &str = "bench/systems/main.toml";
/// Component counts of the scale systems (`bench/systems/scale-N.toml`).
const SCALE: &[usize] = &[1, 8, 32, 64];

#[derive(clap::Args)]
pub struct BenchArgs {
    #[arg(long, default_value = "qemu-x86_64")]
    pub board: String,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Where to draw the chart (SVG).
    #[arg(long, default_value = "target/bench/bench.svg")]
    pub chart: PathBuf,
    /// Boots of the main benchmark system (at least 2 to check that the counts repeat).
    #[arg(long, default_value_t = 2)]
    pub boots: usize,
    /// Hard limit on each QEMU boot, in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Only the main system (no scale systems, no host comparison): a quick smoke run.
    #[arg(long)]
    pub quick: bool,
}

/// Runs the benchmarks and reports them; whether every system booted, the
/// counts repeated and the digests agree (goals not met are only reported).
pub fn run(args: &BenchArgs) -> Result<bool> {
    let started = Instant::now();
    std::fs::create_dir_all(workspace_root().join("target/bench"))?;
    let boots = boot_main(args)?;
    let main = &boots[0];
    if !main.passed {
        bail!("the main benchmark system failed; see target/bench/main-1.log");
    }
    let (scale, scale_repeats) = if args.quick { (Vec::new(), true) } else { boot_scale(args)? };
    let repeatable = boots.iter().all(|b| b.same_counts(main)) && scale_repeats;
    let host = if args.quick { None } else { Some(host::host_compute()?) };

    // The rows in the order printed, section by section.
    let mut rows = table::ipc_rows(main);
    rows.extend(table::ring_rows(main));
    let (compute_rows, speeds) = table::compute_rows(main, host.as_ref());
    rows.extend(compute_rows);
    rows.extend(table::cold_start_rows(main));
    let (scale_rows, scale_boots) = table::scale_rows(&scale);
    rows.extend(scale_rows);
    rows.extend(table::memory_rows(main));

    let digests_agree = digest::digests_agree(main, host.as_ref());
    let checks = Checks { repeatable, boots: boots.len(), digests_agree };
    print!("{}", table::text(&args.board, main, &rows, &checks));
    if let Some(path) = &args.json {
        let document = table::document(main, &rows, &checks);
        std::fs::write(path, serde_json::to_string_pretty(&document)?)?;
        eprintln!("bench: figures written to {}", path.display());
    }
    if let Some(dir) = args.chart.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.chart, chart::chart(main, &speeds, &scale_boots))?;
    eprintln!(
        "bench: chart drawn to {}; {:.0} s in all",
        args.chart.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(main.passed && repeatable && digests_agree && scale.iter().all(|(_, l)| l.passed))
}

/// The main system, booted `--boots` times (at least once): its counts must repeat.
fn boot_main(args: &BenchArgs) -> Result<Vec<BootLog>> {
    (1..=args.boots.max(1)).map(|run| boot(args, MAIN_SYSTEM, run)).collect()
}

/// The scale systems, each booted as often as the main one, by component
/// count; and whether every later boot counted the same as the first.
fn boot_scale(args: &BenchArgs) -> Result<(Vec<(usize, BootLog)>, bool)> {
    let mut scale = Vec::new();
    let mut repeatable = true;
    for &n in SCALE {
        let system = format!("bench/systems/scale-{n}.toml");
        let log = boot(args, &system, 1)?;
        for run in 2..=args.boots {
            repeatable &= log.same_counts(&boot(args, &system, run)?);
        }
        scale.push((n, log));
    }
    Ok((scale, repeatable))
}
