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

mod digest;
mod host;
mod log;
mod stat;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use bench_kernels::Kernel;
use serde_json::json;

use self::log::boot;
use crate::workspace_root;
use host::{host_compute, HOST_VARIANTS};
use stat::{cycles_per_op, fmt_num, per_op, Stat};

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
    let mut repeatable = boots.iter().all(|b| b.same_counts(main));
    let mhz = main.tsc_mhz;

    // The scale systems, each booted as often as the main one.
    let mut scale = Vec::new();
    if !args.quick {
        for &n in SCALE {
            let system = format!("bench/systems/scale-{n}.toml");
            let log = boot(args, &system, 1)?;
            for run in 2..=args.boots {
                repeatable &= log.same_counts(&boot(args, &system, run)?);
            }
            scale.push((n, log));
        }
    }
    let host = if args.quick { None } else { Some(host_compute()?) };

    let mut rows = Vec::new();
    let get = |key: &str| cycles_per_op(main, key);
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
                let s = h.wasm_speed(v);
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
    let digests_agree = digest::digests_agree(main, host.as_ref());

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
