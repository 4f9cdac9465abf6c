//! `cargo xtask fuzz`: the coverage-guided fuzz targets of `tests/fuzz`
//! (libFuzzer, through the `libfuzzer-sys` crate), built and run without
//! cargo-fuzz.
//!
//! The build passes the sanitizer-coverage flags cargo-fuzz would
//! (`-Cpasses=sancov-module` and the `-sanitizer-coverage-*` LLVM options,
//! `--cfg fuzzing`) with the workspace's pinned stable toolchain, so a fresh
//! machine needs nothing but a C++ compiler (libFuzzer's sources). With
//! `--asan` it also passes `-Zsanitizer=address`, which needs a nightly
//! toolchain (`rustup toolchain install nightly`). Each target keeps its
//! corpus in `target/fuzz-corpus/<target>/`, seeded from
//! `tests/fuzz/seeds/<target>/`, the reproducers of crashes found before
//! (`tests/fuzz/artifacts-found/<target>/`, which must pass once fixed) and
//! per-target inputs of the repository (the systems, for `description`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;
use sel4_kernel_build::program_on_path;

use crate::workspace_root;

/// A fuzz target: a binary of `tests/fuzz` and its seed folders (relative
/// to the workspace root) besides `tests/fuzz/seeds/<name>/`.
struct Target {
    name: &'static str,
    extra_seeds: &'static [&'static str],
}

const TARGETS: &[Target] = &[
    Target {
        name: "description",
        extra_seeds: &[
            "systems",
            "tests/systems",
            "tools/system-description/tests/valid",
            "tools/system-description/tests/invalid",
        ],
    },
    Target { name: "ring", extra_seeds: &[] },
    Target { name: "host-abi", extra_seeds: &[] },
];

/// How long each target runs inside `cargo xtask test`.
pub const SMOKE_SECONDS_PER_TARGET: u64 = 20;

/// A single input longer than this is a hang (the targets do bounded work).
const INPUT_TIMEOUT_SECONDS: u64 = 10;

#[derive(Args)]
pub struct FuzzArgs {
    /// Total fuzzing time in minutes, split evenly across the targets run.
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// Only this target (description, ring, host-abi).
    #[arg(long)]
    pub target: Option<String>,
    /// Also build with AddressSanitizer (needs a nightly toolchain).
    #[arg(long)]
    pub asan: bool,
    /// Run the target (requires --target) once on each of these inputs,
    /// e.g. a reproducer, instead of fuzzing.
    #[arg(long, value_name = "FILE", requires = "target")]
    pub replay: Vec<PathBuf>,
}

/// What one target's run found.
struct Outcome {
    runs: u64,
    corpus: usize,
    /// Reproducers written by libFuzzer (crash-*, timeout-*, oom-*, leak-*).
    crashes: Vec<PathBuf>,
}

/// `cargo xtask fuzz`: true if no target crashed.
pub fn run(args: &FuzzArgs) -> Result<bool> {
    let targets = selected(args.target.as_deref())?;
    let bin_dir = build(args.asan)?;
    if !args.replay.is_empty() {
        let target = targets[0];
        let status = Command::new(bin_dir.join(target.name))
            .args(&args.replay)
            .status()
            .with_context(|| format!("running {}", target.name))?;
        println!(
            "replay of {} input(s) on {}: {}",
            args.replay.len(),
            target.name,
            if status.success() { "no crash" } else { "CRASHED" }
        );
        return Ok(status.success());
    }
    if args.minutes.is_nan() || args.minutes <= 0.0 {
        bail!("--minutes {}: give a positive number of minutes", args.minutes);
    }
    let each = Duration::from_secs_f64(args.minutes * 60.0 / targets.len() as f64);
    fuzz_all(&bin_dir, &targets, each)
}

/// The `fuzz (smoke)` step of `cargo xtask test`: builds the targets and
/// runs each for [`SMOKE_SECONDS_PER_TARGET`]; false if a target crashed
/// or did not build.
pub fn smoke() -> bool {
    println!(
        "== fuzz (smoke): every target of tests/fuzz for {SMOKE_SECONDS_PER_TARGET} s \
         (longer runs: cargo xtask fuzz --minutes N)"
    );
    let result = build(false).and_then(|bin_dir| {
        let targets: Vec<&Target> = TARGETS.iter().collect();
        fuzz_all(&bin_dir, &targets, Duration::from_secs(SMOKE_SECONDS_PER_TARGET))
    });
    result.unwrap_or_else(|e| {
        println!("fuzz (smoke): {e:#}");
        false
    })
}

fn selected(name: Option<&str>) -> Result<Vec<&'static Target>> {
    match name {
        None => Ok(TARGETS.iter().collect()),
        Some(name) => match TARGETS.iter().find(|t| t.name == name) {
            Some(t) => Ok(vec![t]),
            None => bail!(
                "no fuzz target `{name}`; the targets are: {}",
                TARGETS.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
            ),
        },
    }
}

fn fuzz_all(bin_dir: &Path, targets: &[&Target], each: Duration) -> Result<bool> {
    let mut clean = true;
    for target in targets {
        let outcome = fuzz(bin_dir, target, each)?;
        println!(
            "fuzz {}: {} runs in {} s, corpus {} inputs, {} crash(es)",
            target.name,
            outcome.runs,
            each.as_secs(),
            outcome.corpus,
            outcome.crashes.len()
        );
        for crash in &outcome.crashes {
            clean = false;
            println!(
                "  reproducer: {}\n  replay it:  cargo xtask fuzz --target {} --replay {}",
                crash.display(),
                target.name,
                crash.display()
            );
        }
    }
    Ok(clean)
}

/// The host's target triple: with an explicit `--target`, cargo applies
/// RUSTFLAGS to the fuzz binaries only, not to build scripts and proc macros.
fn host_triple() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().context("running rustc -vV")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .context("rustc -vV printed no host triple")
}

/// The coverage instrumentation libFuzzer needs (what cargo-fuzz passes).
const COVERAGE_FLAGS: &[&str] = &[
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "--cfg",
    "fuzzing",
];

/// Builds every fuzz target; returns the folder of the binaries.
fn build(asan: bool) -> Result<PathBuf> {
    // libfuzzer-sys compiles libFuzzer's C++ sources.
    if !program_on_path("c++") && !program_on_path("g++") {
        println!("fuzz: libFuzzer needs a C++ compiler; installing g++");
        crate::setup::apt_install(&["g++"])?;
    }
    let root = workspace_root();
    let triple = host_triple()?;
    let target_dir = root.join(if asan { "target/fuzz-asan" } else { "target/fuzz" });
    let mut flags: Vec<&str> = COVERAGE_FLAGS.to_vec();
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    if asan {
        flags.push("-Zsanitizer=address");
        // The pinned toolchain is stable; AddressSanitizer is a nightly flag.
        cargo = Command::new("cargo");
        cargo.env("RUSTUP_TOOLCHAIN", "nightly").env_remove("RUSTC");
    }
    println!("== fuzz: building the targets ({})", if asan { "nightly, ASan" } else { "stable" });
    let status = cargo
        .current_dir(root.join("tests/fuzz"))
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"))
        .env_remove("RUSTFLAGS")
        .args(["build", "--release", "--bins", "--target", &triple])
        .status()
        .context("running cargo build for tests/fuzz")?;
    if !status.success() {
        bail!("building the fuzz targets (tests/fuzz) failed");
    }
    Ok(target_dir.join(triple).join("release"))
}

/// Files of `dir` (none if it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect()
}

fn is_reproducer(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    ["crash-", "timeout-", "oom-", "leak-"].iter().any(|p| name.starts_with(p))
}

/// Runs one target for `time`, its output in `target/fuzz-logs/<name>.log`.
fn fuzz(bin_dir: &Path, target: &Target, time: Duration) -> Result<Outcome> {
    let root = workspace_root();
    let corpus = root.join("target/fuzz-corpus").join(target.name);
    let artifacts = root.join("target/fuzz-artifacts").join(target.name);
    let logs = root.join("target/fuzz-logs");
    for dir in [&corpus, &artifacts, &logs] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let before: Vec<PathBuf> = files(&artifacts);
    let mut seeds = vec![
        root.join("tests/fuzz/seeds").join(target.name),
        root.join("tests/fuzz/artifacts-found").join(target.name),
    ];
    seeds.extend(target.extra_seeds.iter().map(|d| root.join(d)));
    seeds.retain(|d| d.is_dir());
    let log_path = logs.join(format!("{}.log", target.name));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    println!("== fuzz {} for {} s (log: {})", target.name, time.as_secs(), log_path.display());
    let started = Instant::now();
    let status = Command::new(bin_dir.join(target.name))
        .arg(format!("-max_total_time={}", time.as_secs().max(1)))
        .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        .arg(&corpus)
        .args(&seeds)
        .stdout(log.try_clone()?)
        .stderr(log)
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("running fuzz target {}", target.name))?;
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let runs = text
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let crashes: Vec<PathBuf> =
        files(&artifacts).into_iter().filter(|p| is_reproducer(p) && !before.contains(p)).collect();
    if !status.success() {
        // The panic message and libFuzzer's summary, from the end of the log.
        let lines: Vec<&str> = text.lines().collect();
        let from = lines
            .iter()
            .position(|l| l.contains("panicked at"))
            .unwrap_or(lines.len().saturating_sub(12));
        for line in lines[from..].iter().take(12) {
            println!("  | {line}");
        }
        if crashes.is_empty() {
            bail!(
                "fuzz target {} failed after {:.0} s without a reproducer; see {}",
                target.name,
                started.elapsed().as_secs_f64(),
                log_path.display()
            );
        }
    }
    Ok(Outcome { runs, corpus: files(&corpus).len(), crashes })
}
