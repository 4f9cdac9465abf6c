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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bench_kernels::{Kernel, Workload};
use serde_json::json;

use crate::{image, workspace_root, BuildArgs};

/// QEMU arguments added for benchmark runs only: deterministic counting.
pub const ICOUNT_ARGS: &[&str] = &["-icount", "shift=0,align=off,sleep=off"];

/// The system with every per-figure benchmark.
const MAIN_SYSTEM: &str = "bench/systems/main.toml";
/// Component counts of the scale systems (`bench/systems/scale-N.toml`).
const SCALE: &[usize] = &[1, 8, 32, 64];
/// Rounds of each kernel per timed host run (`Kernel` order).
const HOST_ROUNDS: [u32; 4] = [400, 400, 50, 200];
/// Rounds of each kernel in the guests' trials (bench-components' KERNEL_ROUNDS).
const GUEST_ROUNDS: [u32; 4] = [16, 16, 2, 8];
/// Timed host runs per kernel.
const HOST_REPEATS: usize = 11;

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

/// One figure reported by a guest: totals of each trial over `operations`.
#[derive(Debug, Clone, PartialEq)]
struct Raw {
    unit: String,
    operations: u64,
    totals: Vec<u64>,
}

/// What one boot printed that the benchmarks use.
#[derive(Debug, Default)]
struct BootLog {
    tsc_mhz: u64,
    figures: BTreeMap<String, Raw>,
    /// The BENCH lines as printed, to compare boots.
    lines: Vec<String>,
    digests: Vec<(String, String)>,
    /// Component → (load + instantiate cycles, ready cycles incl. init).
    loaded: BTreeMap<String, u64>,
    ready: BTreeMap<String, u64>,
    /// Component → (shared frames, private frames, untyped KiB).
    memory: BTreeMap<String, (u64, u64, u64)>,
    untyped_total_kib: u64,
    passed: bool,
}

fn number_after(line: &str, before: &str) -> Option<u64> {
    let rest = &line[line.find(before)? + before.len()..];
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// The component a console line is from: `[INFO  name] ...`.
fn component_of(line: &str) -> Option<&str> {
    let start = line.find('[')?;
    let end = start + line[start..].find(']')?;
    line[start + 1..end].split_whitespace().nth(1)
}

fn parse_log(console: &str, passed: bool) -> BootLog {
    let mut log = BootLog { passed, ..Default::default() };
    for line in console.lines() {
        let line = line.trim_end();
        // The root task's boot line: "; TSC N MHz" before the aarch64 port,
        // "; counter N MHz" since.
        if let Some(mhz) = number_after(line, "; TSC ").or_else(|| number_after(line, "; counter "))
        {
            log.tsc_mhz = mhz;
        }
        if let Some(at) = line.find("BENCH-DIGEST ") {
            let mut words = line[at + 13..].split_whitespace();
            if let (Some(kernel), Some(digest)) = (words.next(), words.next()) {
                let who = component_of(line).unwrap_or("?").to_string();
                log.digests.push((format!("{who}.{kernel}"), digest.to_string()));
            }
        } else if let Some(at) = line.find("BENCH ") {
            let text = &line[at..];
            let words: Vec<&str> = text.split_whitespace().collect();
            if words.len() >= 5 {
                let values: Option<Vec<u64>> = words[4..].iter().map(|v| v.parse().ok()).collect();
                if let (Ok(operations), Some(totals)) = (words[3].parse(), values) {
                    log.lines.push(text.to_string());
                    log.figures.insert(
                        words[1].to_string(),
                        Raw { unit: words[2].to_string(), operations, totals },
                    );
                }
            }
        }
        if let (Some(who), Some(cycles)) =
            (component_of(line), number_after(line, "loaded and instantiated in "))
        {
            log.loaded.insert(who.to_string(), cycles);
        }
        if let (Some(who), Some(cycles)) = (component_of(line), number_after(line, "` ready in ")) {
            log.ready.insert(who.to_string(), cycles);
        }
        if let Some(at) = line.find("memory of `") {
            let rest = &line[at + 11..];
            if let Some(end) = rest.find('`') {
                let name = rest[..end].to_string();
                let (s, p, k) = (
                    number_after(rest, ": "),
                    number_after(rest, "frames, "),
                    number_after(rest, "private frames, "),
                );
                if let (Some(s), Some(p), Some(k)) = (s, p, k) {
                    log.memory.insert(name, (s, p, k));
                }
            }
        }
        if let Some(kib) = number_after(line, "shared regions; ") {
            log.untyped_total_kib = kib;
        }
    }
    log
}

/// Builds `system` and boots it once with icount; the console.
fn boot(args: &BenchArgs, system: &str, run: usize) -> Result<BootLog> {
    let build = BuildArgs {
        board: args.board.clone(),
        kernel_profile: "debug".into(),
        system: system.into(),
        debug_root_task: false,
        interactive: false,
        program: None,
    };
    let images = image::build(&build, image::ROOT_TASK)?;
    let name = Path::new(system).file_stem().and_then(|s| s.to_str()).unwrap_or("system");
    let log_file = workspace_root().join("target/bench").join(format!("{name}-{run}.log"));
    let mut spec = images.run_spec(Duration::from_secs(args.timeout), log_file.clone())?;
    spec.args.extend(ICOUNT_ARGS.iter().map(|a| a.to_string()));
    spec.echo = false;
    eprintln!(
        "bench: booting {system} (run {run}, -icount shift=0), console log {}",
        log_file.display()
    );
    let outcome = qemu_runner::run(&spec)?;
    if !outcome.passed() {
        eprintln!("bench: {system} did not end successfully:\n{}", outcome.report());
    }
    Ok(parse_log(&outcome.console, outcome.passed()))
}

/// Median and spread of per-operation values.
#[derive(Debug, Clone, Copy)]
struct Stat {
    median: f64,
    min: f64,
    max: f64,
}

impl Stat {
    fn of(mut values: Vec<f64>) -> Stat {
        values.sort_by(|a, b| a.total_cmp(b));
        let n = values.len();
        let median = if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Stat {
            median,
            min: values.first().copied().unwrap_or(f64::NAN),
            max: values.last().copied().unwrap_or(f64::NAN),
        }
    }
    fn spread_percent(&self) -> f64 {
        if self.median == 0.0 {
            0.0
        } else {
            (self.max - self.min) / self.median * 100.0
        }
    }
}

/// A figure in guest cycles (instructions) per operation: ns are converted with the TSC rate.
fn per_op(raw: &Raw, tsc_mhz: u64) -> Stat {
    let scale = if raw.unit == "ns" { tsc_mhz as f64 / 1000.0 } else { 1.0 };
    Stat::of(raw.totals.iter().map(|&t| t as f64 * scale / raw.operations as f64).collect())
}

/// A row of the table.
struct Row {
    section: &'static str,
    figure: String,
    value: String,
    spread: String,
    ratio: String,
    goal: String,
    met: Option<bool>,
    json: serde_json::Value,
}

fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

struct HostFigure {
    native_ns: Stat,
    /// Per engine variant (see [`HOST_VARIANTS`]).
    wasm_ns: Vec<Stat>,
    digests_agree: bool,
}

/// Engine configurations of the host comparison: the PD's (the figure with
/// the goal), then two diagnostics that show where the difference goes.
const HOST_VARIANTS: &[&str] = &["PD engine config", "PD config w/o fuel", "Wasmtime defaults"];

fn host_engine(variant: usize) -> Result<wasmtime::Engine> {
    let mut config = wasmtime::Config::new();
    match variant {
        0 => {
            wasm_engine_config::configure(&mut config);
        }
        1 => {
            wasm_engine_config::configure(&mut config);
            config.consume_fuel(false);
        }
        _ => {}
    }
    wasmtime::Engine::new(&config).map_err(|e| anyhow::anyhow!("host engine: {e}"))
}

/// The kernels on the host: native Rust against the guest's Wasm module
/// compiled with the PD's engine configuration (wall time, median of runs).
fn host_compute() -> Result<BTreeMap<&'static str, HostFigure>> {
    let wasm_file =
        workspace_root().join("target/wasm32-unknown-unknown/release/wasm_bench_client.wasm");
    let bytes =
        std::fs::read(&wasm_file).with_context(|| format!("reading {}", wasm_file.display()))?;
    let mut instances = Vec::new();
    for variant in 0..HOST_VARIANTS.len() {
        let engine = host_engine(variant)?;
        let module = wasmtime::Module::new(&engine, &bytes)
            .map_err(|e| anyhow::anyhow!("compiling for the host: {e}"))?;
        let mut linker = wasmtime::Linker::new(&engine);
        linker.define_unknown_imports_as_traps(&module).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut store = wasmtime::Store::new(&engine, ());
        if variant == 0 {
            store.set_fuel(u64::MAX).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| anyhow::anyhow!("instantiating on the host: {e}"))?;
        let run = instance
            .get_typed_func::<(u32, u32), u64>(&mut store, "bench_kernel")
            .map_err(|e| anyhow::anyhow!("the module exports no bench_kernel: {e}"))?;
        instances.push((store, run));
    }
    let mut workload = Box::new(Workload::new());
    let mut figures = BTreeMap::new();
    for kernel in Kernel::ALL {
        let rounds = HOST_ROUNDS[kernel as usize];
        let mut native = Vec::new();
        let mut wasm = vec![Vec::new(); instances.len()];
        let mut native_digest;
        let mut digests_agree = true;
        for i in 0..=HOST_REPEATS {
            let start = Instant::now();
            native_digest =
                std::hint::black_box(workload.run(kernel, std::hint::black_box(rounds)));
            let n = start.elapsed();
            if i > 0 {
                native.push(n.as_nanos() as f64 / rounds as f64);
            }
            for (v, (store, run)) in instances.iter_mut().enumerate() {
                if v == 0 {
                    store.set_fuel(u64::MAX).map_err(|e| anyhow::anyhow!("{e}"))?;
                }
                let start = Instant::now();
                let digest = run
                    .call(&mut *store, (kernel as u32, rounds))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let w = start.elapsed();
                digests_agree &= digest == native_digest;
                if i > 0 {
                    wasm[v].push(w.as_nanos() as f64 / rounds as f64);
                }
            }
        }
        figures.insert(
            kernel.name(),
            HostFigure {
                native_ns: Stat::of(native),
                wasm_ns: wasm.into_iter().map(Stat::of).collect(),
                digests_agree,
            },
        );
    }
    Ok(figures)
}

/// What a guest "cycle" is on `board`: the counter components read the time
/// from, and how it relates to executed instructions under `-icount shift=0`.
fn counter_note(board: &str, mhz: u64) -> String {
    let arch = sel4_kernel_build::Board::load(&workspace_root().join("board"), board)
        .map(|b| b.kernel.sel4_arch);
    match arch.as_deref() {
        Ok("aarch64") => format!(
            "Guest figures (\"cycles\") are ticks of the generic timer's counter at {mhz} MHz: one tick is {} executed \
             guest instructions (user + kernel), so compare ratios, not counts, with the x86_64 table",
            1000 / mhz.max(1)
        ),
        _ => format!(
            "Guest figures (\"cycles\") are time-stamp-counter ticks, which under icount are executed guest instructions \
             (user + kernel), at the guest TSC rate of {mhz} MHz"
        ),
    }
}

pub fn run(args: &BenchArgs) -> Result<bool> {
    let started = Instant::now();
    std::fs::create_dir_all(workspace_root().join("target/bench"))?;
    // The main system, booted several times: its counts must repeat.
    let mut boots = Vec::new();
    for run in 1..=args.boots.max(1) {
        boots.push(boot(args, MAIN_SYSTEM, run)?);
    }
    let main = &boots[0];
    if !main.passed {
        bail!("the main benchmark system failed; see target/bench/main-1.log");
    }
    let same = |a: &BootLog, b: &BootLog| {
        a.lines == b.lines && a.ready == b.ready && a.loaded == b.loaded && a.memory == b.memory
    };
    let mut repeatable = boots.iter().all(|b| same(b, main));
    let mhz = main.tsc_mhz;

    // The scale systems, each booted as often as the main one.
    let mut scale = Vec::new();
    if !args.quick {
        for &n in SCALE {
            let system = format!("bench/systems/scale-{n}.toml");
            let log = boot(args, &system, 1)?;
            for run in 2..=args.boots {
                repeatable &= same(&log, &boot(args, &system, run)?);
            }
            scale.push((n, log));
        }
    }
    let host = if args.quick { None } else { Some(host_compute()?) };

    let mut rows = Vec::new();
    let get = |key: &str| main.figures.get(key).map(|raw| per_op(raw, mhz));
    let raw_ipc = get("ipc.raw");
    let raw_median = raw_ipc.map(|s| s.median).unwrap_or(f64::NAN);
    let row = |section,
               figure: String,
               stat: Stat,
               unit: &str,
               ratio: Option<f64>,
               goal: &str,
               met: Option<bool>,
               key: &str| Row {
        section,
        figure,
        value: format!("{} {unit}", fmt_num(stat.median)),
        spread: format!(
            "{}..{} ({:.1}%)",
            fmt_num(stat.min),
            fmt_num(stat.max),
            stat.spread_percent()
        ),
        ratio: ratio
            .map(|r| if r < 1.0 { format!("{r:.3}x") } else { format!("{r:.2}x") })
            .unwrap_or_else(|| "-".into()),
        goal: goal.into(),
        met,
        json: json!({"key": key, "unit": unit, "median": stat.median, "min": stat.min, "max": stat.max,
                     "ratio": ratio, "goal": goal, "met": met}),
    };

    // IPC and notifications.
    for (key, name, goal, limit) in [
        ("ipc.raw", "IPC raw seL4 Call/ReplyRecv (native PDs)", "baseline", None),
        ("ipc.native", "IPC pd-runtime channel call (native PDs)", "<= 1.2x raw", Some(1.2)),
        ("ipc.wasm", "IPC Wasm-to-Wasm protected call", "<= 2x raw", Some(2.0)),
        ("ipc.native-to-wasm", "IPC native caller, Wasm server", "diagnostic", None),
    ] {
        if let Some(stat) = get(key) {
            let ratio = stat.median / raw_median;
            rows.push(row(
                "IPC",
                name.into(),
                stat,
                "cycles",
                Some(ratio),
                goal,
                limit.map(|l| ratio <= l),
                key,
            ));
        }
    }
    if let Some(stat) = get("notify.native") {
        let ratio = stat.median / raw_median;
        rows.push(row(
            "IPC",
            "notification signal-to-wake round trip".into(),
            stat,
            "cycles",
            Some(ratio),
            "report (ratio to raw IPC)",
            None,
            "notify.native",
        ));
    }
    // Rings.
    for kind in ["native", "wasm"] {
        for batch in [1, 16, 256] {
            let key = format!("ring.{kind}.b{batch}");
            if let Some(stat) = get(&key) {
                let ratio = stat.median / raw_median;
                let per_second = mhz as f64 * 1e6 / stat.median;
                let (goal, met) = if batch == 1 {
                    ("report".to_string(), None)
                } else {
                    ("<= 0.1x raw IPC".to_string(), Some(ratio <= 0.1))
                };
                let mut r = row(
                    "Rings",
                    format!(
                        "{kind} ring, batch {batch:>3}, per msg ({:.2} M msg/s)",
                        per_second / 1e6
                    ),
                    stat,
                    "cycles",
                    Some(ratio),
                    &goal,
                    met,
                    &key,
                );
                r.json["messages_per_second"] = json!(per_second);
                rows.push(r);
            }
        }
    }
    // Compute.
    let mut chart_compute = Vec::new();
    for kernel in Kernel::ALL {
        let (Some(native), Some(wasm)) = (
            get(&format!("compute.native.{}", kernel.name())),
            get(&format!("compute.wasm.{}", kernel.name())),
        ) else {
            continue;
        };
        let speed = native.median / wasm.median;
        rows.push(row(
            "Compute",
            format!("{} native PD ({} per round)", kernel.name(), kernel.work()),
            native,
            "cycles",
            None,
            "baseline",
            None,
            &format!("compute.native.{}", kernel.name()),
        ));
        rows.push(row(
            "Compute",
            format!("{} AOT Wasm PD", kernel.name()),
            wasm,
            "cycles",
            Some(speed),
            ">= 0.9x native",
            Some(speed >= 0.9),
            &format!("compute.wasm.{}", kernel.name()),
        ));
        let mut host_speed = None;
        if let Some(h) = host.as_ref().and_then(|h| h.get(kernel.name())) {
            rows.push(row(
                "Compute",
                format!("{} host native Rust (wall)", kernel.name()),
                h.native_ns,
                "ns",
                None,
                "baseline",
                None,
                &format!("compute.host-native.{}", kernel.name()),
            ));
            for (v, variant) in HOST_VARIANTS.iter().enumerate() {
                let s = h.native_ns.median / h.wasm_ns[v].median;
                let (goal, met) =
                    if v == 0 { (">= 0.9x native", Some(s >= 0.9)) } else { ("diagnostic", None) };
                if v == 0 {
                    host_speed = Some(s);
                }
                let mut r = row(
                    "Compute",
                    format!("{} host Wasm, {variant} (wall)", kernel.name()),
                    h.wasm_ns[v],
                    "ns",
                    Some(s),
                    goal,
                    met,
                    &format!(
                        "compute.host-wasm{}.{}",
                        if v == 0 { String::new() } else { format!("-variant{v}") },
                        kernel.name()
                    ),
                );
                r.json["digests_agree"] = json!(h.digests_agree);
                rows.push(r);
            }
        }
        chart_compute.push((kernel.name(), speed, host_speed));
    }
    // Cold start and memory (main system).
    for (who, cycles) in &main.ready {
        let load = main.loaded.get(who).copied().unwrap_or(0);
        let stat = Stat::of(vec![*cycles as f64]);
        let mut r = row(
            "Cold start",
            format!("`{who}` .cwasm to ready (load {load}, init {})", cycles - load.min(*cycles)),
            stat,
            "cycles",
            None,
            "report",
            None,
            &format!("coldstart.{who}"),
        );
        r.spread = "deterministic".into();
        rows.push(r);
    }
    let mut chart_scale = Vec::new();
    let one = scale.iter().find(|(n, _)| *n == 1).and_then(|(_, l)| {
        l.figures.get("boot.all-ready").map(|raw| per_op(raw, l.tsc_mhz).median)
    });
    for (n, log) in &scale {
        let all_ready =
            log.figures.get("boot.all-ready").map(|raw| per_op(raw, log.tsc_mhz).median);
        let per_component = Stat::of(log.ready.values().map(|&c| c as f64).collect());
        let stat = Stat::of(vec![all_ready.unwrap_or(f64::NAN)]);
        let goal = if *n == 64 { "64 components boot" } else { "report" };
        let met = if *n == 64 { Some(log.passed && all_ready.is_some()) } else { None };
        let mut r = row(
            "Cold start",
            format!(
                "boot to all ready, {n:>2} Wasm components ({} MiB untyped)",
                log.untyped_total_kib / 1024
            ),
            stat,
            "cycles",
            None,
            goal,
            met,
            &format!("boot.all-ready.{n}"),
        );
        r.spread = if log.passed { "deterministic".into() } else { "FAILED".into() };
        if let (Some(one), Some(all), true) = (one, all_ready, *n > 1) {
            let each = (all - one) / (*n as f64 - 1.0);
            r.ratio = format!("+{}", fmt_num(each));
            r.json["added_per_component"] = json!(each);
        }
        r.json["components"] = json!(n);
        r.json["per_component_ready_median"] = json!(per_component.median);
        r.json["untyped_kib"] = json!(log.untyped_total_kib);
        r.json["booted"] = json!(log.passed);
        chart_scale.push((*n, all_ready.unwrap_or(0.0), per_component.median));
        rows.push(r);
    }
    for (who, (shared, private, kib)) in &main.memory {
        let kind = if main.loaded.contains_key(who) { "Wasm PD" } else { "native PD" };
        let mut r = row(
            "Memory",
            format!("`{who}` {kind}: frames shared/private, untyped"),
            Stat::of(vec![*kib as f64]),
            "KiB",
            None,
            "report",
            None,
            &format!("memory.{who}"),
        );
        r.value = format!("{shared}/{private}, {kib} KiB");
        r.spread = "deterministic".into();
        r.json["shared_frames"] = json!(shared);
        r.json["private_frames"] = json!(private);
        r.json["untyped_kib"] = json!(kib);
        rows.push(r);
    }

    // Digests: native PD, Wasm PD and host must compute the same.
    let mut digest_by_kernel: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (who, d) in &main.digests {
        let kernel = who.rsplit('.').next().unwrap_or("").to_string();
        digest_by_kernel.entry(kernel).or_default().push(d.clone());
    }
    if let Some(host) = &host {
        // The guests' rounds, on the host (the timed host runs use more).
        let mut workload = Box::new(Workload::new());
        for kernel in Kernel::ALL {
            let digest = workload.run(kernel, GUEST_ROUNDS[kernel as usize]);
            digest_by_kernel
                .entry(kernel.name().to_string())
                .or_default()
                .push(format!("{digest:#x}"));
        }
        for (k, h) in host {
            if !h.digests_agree {
                digest_by_kernel
                    .entry(k.to_string())
                    .or_default()
                    .push("host Wasm differs from host native".into());
            }
        }
    }
    let digests_agree = digest_by_kernel.values().all(|v| v.windows(2).all(|w| w[0] == w[1]));

    // Print.
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sel4-wasm benchmarks on {}: QEMU TCG with -icount shift=0 (deterministic, 1 ns per guest instruction). {};\n\
         Wasm guests read the same counter in ns (time_now_ns), converted back. Median of {} trials after a warm-up; spread = min..max. \
         Host rows are wall time on the build machine.\n\
         Ratio column: IPC and ring rows to the raw seL4 round trip; compute rows Wasm speed relative to native (native time / Wasm time); \
         scale rows the counter ticks each added component costs.",
        args.board,
        counter_note(&args.board, mhz),
        main.figures.get("ipc.raw").map(|r| r.totals.len()).unwrap_or(0)
    );
    let widths = [50usize, 18, 32, 9, 26, 5];
    let mut section = "";
    let _ = writeln!(
        out,
        "{:<w0$} {:>w1$} {:>w2$} {:>w3$}  {:<w4$} {}",
        "figure",
        "median",
        "spread",
        "ratio",
        "goal",
        "met",
        w0 = widths[0],
        w1 = widths[1],
        w2 = widths[2],
        w3 = widths[3],
        w4 = widths[4]
    );
    for r in &rows {
        if r.section != section {
            section = r.section;
            let _ = writeln!(out, "-- {section}");
        }
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        let _ = writeln!(
            out,
            "{:<w0$} {:>w1$} {:>w2$} {:>w3$}  {:<w4$} {met}",
            r.figure,
            r.value,
            r.spread,
            r.ratio,
            r.goal,
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4]
        );
    }
    let _ = writeln!(
        out,
        "repeatable: {} ({} boots of each system: every BENCH line, cold-start and memory count {}); kernel digests native PD / Wasm PD / host {}",
        if repeatable { "yes" } else { "NO" },
        boots.len(),
        if repeatable { "identical" } else { "differ" },
        if digests_agree { "agree" } else { "DIFFER" }
    );
    print!("{out}");

    let document = json!({
        "counted": format!("guest time-stamp counter under QEMU -icount shift=0 (1 tick = 1 executed guest instruction), TSC {mhz} MHz; host rows: wall-clock ns"),
        "tsc_mhz": mhz,
        "repeatable": repeatable,
        "boots": boots.len(),
        "digests_agree": digests_agree,
        "figures": rows.iter().map(|r| { let mut j = r.json.clone(); j["section"] = json!(r.section); j["figure"] = json!(r.figure); j }).collect::<Vec<_>>(),
        "raw": main.figures.iter().map(|(k, v)| (k.clone(), json!({"unit": v.unit, "operations": v.operations, "totals": v.totals}))).collect::<serde_json::Map<_, _>>(),
    });
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&document)?)?;
        eprintln!("bench: figures written to {}", path.display());
    }
    let ipc: Vec<(String, f64)> = ["ipc.raw", "ipc.native", "ipc.wasm", "notify.native"]
        .iter()
        .filter_map(|k| get(k).map(|s| (k.to_string(), s.median)))
        .collect();
    let rings: Vec<(String, f64)> = ["native", "wasm"]
        .iter()
        .flat_map(|kind| [1, 16, 256].map(|b| format!("ring.{kind}.b{b}")))
        .filter_map(|k| get(&k).map(|s| (k.clone(), s.median)))
        .collect();
    let svg = chart(&ipc, &rings, &chart_compute, &chart_scale, mhz);
    if let Some(dir) = args.chart.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.chart, svg)?;
    eprintln!(
        "bench: chart drawn to {}; {:.0} s in all",
        args.chart.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(main.passed && repeatable && digests_agree && scale.iter().all(|(_, l)| l.passed))
}

/// A horizontal bar chart panel: (label, value) bars, optional goal line.
fn panel(
    svg: &mut String,
    x: f64,
    y: f64,
    w: f64,
    title: &str,
    bars: &[(String, f64)],
    unit: &str,
    goal: Option<(f64, &str)>,
) -> f64 {
    let bar_h = 18.0;
    let label_w = 190.0;
    let max = bars.iter().map(|b| b.1).chain(goal.map(|g| g.0)).fold(0.0f64, f64::max).max(1e-9);
    let plot_w = w - label_w - 90.0;
    let _ = writeln!(
        svg,
        r#"<text x="{x}" y="{}" font-size="14" font-weight="bold">{title}</text>"#,
        y + 14.0
    );
    let mut cy = y + 24.0;
    for (label, value) in bars {
        let bw = value / max * plot_w;
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" font-size="11" text-anchor="end">{label}</text>"#,
            x + label_w - 6.0,
            cy + 13.0
        );
        let _ = writeln!(
            svg,
            r##"<rect x="{}" y="{cy}" width="{bw:.1}" height="{}" fill="#4878a8"/>"##,
            x + label_w,
            bar_h - 4.0
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" font-size="11">{} {unit}</text>"#,
            x + label_w + bw + 4.0,
            cy + 12.0,
            fmt_num(*value)
        );
        cy += bar_h;
    }
    if let Some((g, text)) = goal {
        let gx = x + label_w + g / max * plot_w;
        let _ = writeln!(
            svg,
            r##"<line x1="{gx:.1}" y1="{}" x2="{gx:.1}" y2="{cy}" stroke="#c03030" stroke-dasharray="4 3"/>"##,
            y + 20.0
        );
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{}" font-size="10" fill="#c03030" text-anchor="end">{text}</text>"##,
            gx - 3.0,
            cy + 10.0
        );
        cy += 12.0;
    }
    cy + 12.0
}

fn chart(
    ipc: &[(String, f64)],
    rings: &[(String, f64)],
    compute: &[(&str, f64, Option<f64>)],
    scale: &[(usize, f64, f64)],
    mhz: u64,
) -> String {
    let mut body = String::new();
    let w = 760.0;
    let mut y = 40.0;
    let raw = ipc.first().map(|r| r.1).unwrap_or(0.0);
    y = panel(
        &mut body,
        20.0,
        y,
        w,
        "IPC round trips (guest instructions, lower is better)",
        ipc,
        "",
        Some((raw * 2.0, "2x raw (Wasm goal)")),
    );
    y = panel(
        &mut body,
        20.0,
        y,
        w,
        "Ring cost per message (guest instructions)",
        rings,
        "",
        Some((raw * 0.1, "0.1x raw IPC (batched goal)")),
    );
    let mut speeds: Vec<(String, f64)> = Vec::new();
    for (k, pd, host) in compute {
        speeds.push((format!("{k} Wasm PD"), *pd));
        if let Some(h) = host {
            speeds.push((format!("{k} Wasm host"), *h));
        }
    }
    y = panel(
        &mut body,
        20.0,
        y,
        w,
        "Compute: Wasm speed relative to native (higher is better)",
        &speeds,
        "x",
        Some((0.9, "0.9x goal")),
    );
    let boot: Vec<(String, f64)> =
        scale.iter().map(|(n, all, _)| (format!("{n} components"), all / 1e6)).collect();
    y = panel(
        &mut body,
        20.0,
        y,
        w,
        "Boot to all Wasm components ready (million guest instructions)",
        &boot,
        "M",
        None,
    );
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="24" font-size="16" font-weight="bold">sel4-wasm benchmarks (QEMU -icount shift=0, TSC {mhz} MHz)</text>
{body}</svg>
"#,
        h = y + 10.0
    )
}
