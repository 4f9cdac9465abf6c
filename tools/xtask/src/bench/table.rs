//! The table: one row per figure, built section by section (IPC, rings,
//! compute, cold start, scale, memory), each judged against its goal;
//! printed as text and written as a JSON document.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use bench_kernels::Kernel;
use serde_json::json;

use super::host::{HostFigure, HOST_VARIANTS};
use super::log::BootLog;
use super::stat::{cycles_per_op, fmt_num, Stat};
use crate::workspace_root;

/// A row of the table, as printed, and its JSON object.
pub struct Row {
    pub section: &'static str,
    pub figure: String,
    pub value: String,
    pub spread: String,
    pub ratio: String,
    pub goal: String,
    pub met: Option<bool>,
    pub json: serde_json::Value,
}

impl Row {
    /// `stat` in `unit`, `key` in the JSON: reported, with no ratio and no goal to meet.
    fn new(section: &'static str, figure: String, key: &str, stat: Stat, unit: &str) -> Row {
        let spread =
            format!("{}..{} ({:.1}%)", fmt_num(stat.min), fmt_num(stat.max), stat.spread_percent());
        Row {
            section,
            figure,
            value: format!("{} {unit}", fmt_num(stat.median)),
            spread,
            ratio: "-".into(),
            goal: "report".into(),
            met: None,
            json: json!({"key": key, "unit": unit, "median": stat.median, "min": stat.min,
                         "max": stat.max, "ratio": null, "goal": "report", "met": null}),
        }
    }

    /// The figure relative to its reference (raw IPC, or native speed).
    fn ratio(mut self, ratio: f64) -> Row {
        self.ratio = if ratio < 1.0 { format!("{ratio:.3}x") } else { format!("{ratio:.2}x") };
        self.json["ratio"] = json!(ratio);
        self
    }

    /// The goal the figure is held to, and whether it is met (`None`: not judged).
    fn goal(mut self, goal: &str, met: Option<bool>) -> Row {
        self.goal = goal.into();
        self.met = met;
        self.json["goal"] = json!(goal);
        self.json["met"] = json!(met);
        self
    }
}

/// The raw seL4 round trip, which IPC and ring figures are compared to (NaN if missing).
fn raw_ipc(main: &BootLog) -> f64 {
    cycles_per_op(main, "ipc.raw").map(|s| s.median).unwrap_or(f64::NAN)
}

/// IPC round trips and the notification round trip, against the raw seL4 round trip.
pub fn ipc_rows(main: &BootLog) -> Vec<Row> {
    let raw = raw_ipc(main);
    let mut rows = Vec::new();
    for (key, name, goal, limit) in [
        ("ipc.raw", "IPC raw seL4 Call/ReplyRecv (native PDs)", "baseline", None),
        ("ipc.native", "IPC pd-runtime channel call (native PDs)", "<= 1.2x raw", Some(1.2)),
        ("ipc.wasm", "IPC Wasm-to-Wasm protected call", "<= 2x raw", Some(2.0)),
        ("ipc.native-to-wasm", "IPC native caller, Wasm server", "diagnostic", None),
    ] {
        if let Some(stat) = cycles_per_op(main, key) {
            let ratio = stat.median / raw;
            let row = Row::new("IPC", name.into(), key, stat, "cycles");
            rows.push(row.ratio(ratio).goal(goal, limit.map(|l| ratio <= l)));
        }
    }
    if let Some(stat) = cycles_per_op(main, "notify.native") {
        let figure = "notification signal-to-wake round trip".into();
        let row = Row::new("IPC", figure, "notify.native", stat, "cycles");
        rows.push(row.ratio(stat.median / raw).goal("report (ratio to raw IPC)", None));
    }
    rows
}

/// Cost per message through the shared rings; batched, a message must cost
/// a tenth of a raw IPC round trip.
pub fn ring_rows(main: &BootLog) -> Vec<Row> {
    let raw = raw_ipc(main);
    let mut rows = Vec::new();
    for kind in ["native", "wasm"] {
        for batch in [1, 16, 256] {
            let key = format!("ring.{kind}.b{batch}");
            let Some(stat) = cycles_per_op(main, &key) else { continue };
            let ratio = stat.median / raw;
            let per_second = main.tsc_mhz as f64 * 1e6 / stat.median;
            let figure =
                format!("{kind} ring, batch {batch:>3}, per msg ({:.2} M msg/s)", per_second / 1e6);
            let mut row = Row::new("Rings", figure, &key, stat, "cycles").ratio(ratio);
            if batch > 1 {
                row = row.goal("<= 0.1x raw IPC", Some(ratio <= 0.1));
            }
            row.json["messages_per_second"] = json!(per_second);
            rows.push(row);
        }
    }
    rows
}

/// Wasm speed relative to native of one kernel: in the PD, and on the host if compared.
pub struct Speed {
    pub kernel: &'static str,
    pub pd: f64,
    pub host: Option<f64>,
}

/// Each kernel in the native PD and the Wasm PD, then on the host if compared.
pub fn compute_rows(
    main: &BootLog,
    host: Option<&BTreeMap<&str, HostFigure>>,
) -> (Vec<Row>, Vec<Speed>) {
    let mut rows = Vec::new();
    let mut speeds = Vec::new();
    for kernel in Kernel::ALL {
        let name = kernel.name();
        let native_key = format!("compute.native.{name}");
        let wasm_key = format!("compute.wasm.{name}");
        let (Some(native), Some(wasm)) =
            (cycles_per_op(main, &native_key), cycles_per_op(main, &wasm_key))
        else {
            continue;
        };
        let speed = native.median / wasm.median;
        let figure = format!("{name} native PD ({} per round)", kernel.work());
        rows.push(
            Row::new("Compute", figure, &native_key, native, "cycles").goal("baseline", None),
        );
        let wasm_row =
            Row::new("Compute", format!("{name} AOT Wasm PD"), &wasm_key, wasm, "cycles");
        rows.push(wasm_row.ratio(speed).goal(">= 0.9x native", Some(speed >= 0.9)));
        let host = host.and_then(|h| h.get(name));
        if let Some(h) = host {
            rows.extend(host_rows(name, h));
        }
        speeds.push(Speed { kernel: name, pd: speed, host: host.map(|h| h.wasm_speed(0)) });
    }
    (rows, speeds)
}

/// One kernel on the host: native Rust, then Wasm under each engine variant
/// (the PD's configuration has the goal; the others show where time goes).
fn host_rows(kernel: &str, h: &HostFigure) -> Vec<Row> {
    let figure = format!("{kernel} host native Rust (wall)");
    let key = format!("compute.host-native.{kernel}");
    let mut rows =
        vec![Row::new("Compute", figure, &key, h.native_ns, "ns").goal("baseline", None)];
    for (v, variant) in HOST_VARIANTS.iter().enumerate() {
        let speed = h.wasm_speed(v);
        let (goal, met) =
            if v == 0 { (">= 0.9x native", Some(speed >= 0.9)) } else { ("diagnostic", None) };
        let figure = format!("{kernel} host Wasm, {variant} (wall)");
        let key_variant = if v == 0 { String::new() } else { format!("-variant{v}") };
        let key = format!("compute.host-wasm{key_variant}.{kernel}");
        let mut row =
            Row::new("Compute", figure, &key, h.wasm_ns[v], "ns").ratio(speed).goal(goal, met);
        row.json["digests_agree"] = json!(h.digests_agree);
        rows.push(row);
    }
    rows
}

/// Each Wasm component of the main system from its .cwasm to ready.
pub fn cold_start_rows(main: &BootLog) -> Vec<Row> {
    let row = |(who, &cycles): (&String, &u64)| {
        let load = main.loaded.get(who).copied().unwrap_or(0);
        let init = cycles - load.min(cycles);
        let figure = format!("`{who}` .cwasm to ready (load {load}, init {init})");
        let stat = Stat::of(vec![cycles as f64]);
        let mut row = Row::new("Cold start", figure, &format!("coldstart.{who}"), stat, "cycles");
        row.spread = "deterministic".into();
        row
    };
    main.ready.iter().map(row).collect()
}

/// Boot to all components ready of a scale system, in guest cycles (0 if it never got there).
pub struct ScaleBoot {
    pub components: usize,
    pub all_ready: f64,
}

/// The scale systems' boots to all ready, and what each added component costs.
pub fn scale_rows(scale: &[(usize, BootLog)]) -> (Vec<Row>, Vec<ScaleBoot>) {
    let all_ready = |log: &BootLog| cycles_per_op(log, "boot.all-ready").map(|s| s.median);
    let one = scale.iter().find(|(n, _)| *n == 1).and_then(|(_, log)| all_ready(log));
    let mut rows = Vec::new();
    let mut boots = Vec::new();
    for (n, log) in scale {
        let all = all_ready(log);
        rows.push(scale_row(*n, log, all, one));
        boots.push(ScaleBoot { components: *n, all_ready: all.unwrap_or(0.0) });
    }
    (rows, boots)
}

/// The scale system of `n` components; `one` is the one-component system's time.
fn scale_row(n: usize, log: &BootLog, all_ready: Option<f64>, one: Option<f64>) -> Row {
    let figure = format!(
        "boot to all ready, {n:>2} Wasm components ({} MiB untyped)",
        log.untyped_total_kib / 1024
    );
    let (goal, met) = if n == 64 {
        ("64 components boot", Some(log.passed && all_ready.is_some()))
    } else {
        ("report", None)
    };
    let stat = Stat::of(vec![all_ready.unwrap_or(f64::NAN)]);
    let key = format!("boot.all-ready.{n}");
    let mut row = Row::new("Cold start", figure, &key, stat, "cycles").goal(goal, met);
    row.spread = if log.passed { "deterministic".into() } else { "FAILED".into() };
    if let (Some(one), Some(all), true) = (one, all_ready, n > 1) {
        let each = (all - one) / (n as f64 - 1.0);
        row.ratio = format!("+{}", fmt_num(each));
        row.json["added_per_component"] = json!(each);
    }
    let per_component = Stat::of(log.ready.values().map(|&c| c as f64).collect());
    row.json["components"] = json!(n);
    row.json["per_component_ready_median"] = json!(per_component.median);
    row.json["untyped_kib"] = json!(log.untyped_total_kib);
    row.json["booted"] = json!(log.passed);
    row
}

/// Frames and untyped memory of each component of the main system.
pub fn memory_rows(main: &BootLog) -> Vec<Row> {
    let row = |(who, &(shared, private, kib)): (&String, &(u64, u64, u64))| {
        let kind = if main.loaded.contains_key(who) { "Wasm PD" } else { "native PD" };
        let figure = format!("`{who}` {kind}: frames shared/private, untyped");
        let stat = Stat::of(vec![kib as f64]);
        let mut row = Row::new("Memory", figure, &format!("memory.{who}"), stat, "KiB");
        row.value = format!("{shared}/{private}, {kib} KiB");
        row.spread = "deterministic".into();
        row.json["shared_frames"] = json!(shared);
        row.json["private_frames"] = json!(private);
        row.json["untyped_kib"] = json!(kib);
        row
    };
    main.memory.iter().map(row).collect()
}

/// What the run checked besides the goals: that `boots` boots of each system
/// counted the same, and that every build of each kernel computed the same.
pub struct Checks {
    pub repeatable: bool,
    pub boots: usize,
    pub digests_agree: bool,
}

/// The table as printed: what was measured and how, the rows by section, the checks.
pub fn text(board: &str, main: &BootLog, rows: &[Row], checks: &Checks) -> String {
    let mhz = main.tsc_mhz;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sel4-wasm benchmarks on {board}: QEMU TCG with -icount shift=0 (deterministic, 1 ns per guest instruction). {};\n\
         Wasm guests read the same counter in ns (time_now_ns), converted back. Median of {} trials after a warm-up; spread = min..max. \
         Host rows are wall time on the build machine.\n\
         Ratio column: IPC and ring rows to the raw seL4 round trip; compute rows Wasm speed relative to native (native time / Wasm time); \
         scale rows the counter ticks each added component costs.",
        counter_note(board, mhz),
        main.figures.get("ipc.raw").map(|r| r.totals.len()).unwrap_or(0)
    );
    out += &columns(["figure", "median", "spread", "ratio", "goal", "met"]);
    let mut section = "";
    for r in rows {
        if r.section != section {
            section = r.section;
            let _ = writeln!(out, "-- {section}");
        }
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        out += &columns([&r.figure, &r.value, &r.spread, &r.ratio, &r.goal, met]);
    }
    let _ = writeln!(
        out,
        "repeatable: {} ({} boots of each system: every BENCH line, cold-start and memory count {}); kernel digests native PD / Wasm PD / host {}",
        if checks.repeatable { "yes" } else { "NO" },
        checks.boots,
        if checks.repeatable { "identical" } else { "differ" },
        if checks.digests_agree { "agree" } else { "DIFFER" }
    );
    out
}

/// One line of the table, its cells padded to the columns' widths.
fn columns([figure, value, spread, ratio, goal, met]: [&str; 6]) -> String {
    format!("{figure:<50} {value:>18} {spread:>32} {ratio:>9}  {goal:<26} {met}\n")
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

/// The JSON document: how figures were counted, the checks, every row and
/// the main system's raw totals.
pub fn document(main: &BootLog, rows: &[Row], checks: &Checks) -> serde_json::Value {
    let mhz = main.tsc_mhz;
    let figures: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let mut j = r.json.clone();
            j["section"] = json!(r.section);
            j["figure"] = json!(r.figure);
            j
        })
        .collect();
    let raw: serde_json::Map<String, serde_json::Value> = main
        .figures
        .iter()
        .map(|(k, v)| {
            (k.clone(), json!({"unit": v.unit, "operations": v.operations, "totals": v.totals}))
        })
        .collect();
    json!({
        "counted": format!("guest time-stamp counter under QEMU -icount shift=0 (1 tick = 1 executed guest instruction), TSC {mhz} MHz; host rows: wall-clock ns"),
        "tsc_mhz": mhz,
        "repeatable": checks.repeatable,
        "boots": checks.boots,
        "digests_agree": checks.digests_agree,
        "figures": figures,
        "raw": raw,
    })
}

#[cfg(test)]
mod tests {
    use super::super::log::Raw;
    use super::*;

    /// A main system whose every figure is `cycles` per operation (10 operations, 3 trials).
    fn main_log(figures: &[(&str, u64)]) -> BootLog {
        let raw = |cycles: u64| Raw {
            unit: "cycles".into(),
            operations: 10,
            totals: vec![cycles * 10, cycles * 10, cycles * 10],
        };
        let figures = figures.iter().map(|&(key, cycles)| (key.to_string(), raw(cycles))).collect();
        BootLog { tsc_mhz: 1000, figures, passed: true, ..Default::default() }
    }

    /// (figure, ratio, goal, met) of each row.
    fn judged(rows: &[Row]) -> Vec<(&str, &str, &str, Option<bool>)> {
        rows.iter().map(|r| (&r.figure[..], &r.ratio[..], &r.goal[..], r.met)).collect()
    }

    #[test]
    fn ipc_is_judged_against_the_raw_round_trip() {
        let main = main_log(&[
            ("ipc.raw", 100),
            ("ipc.native", 110),
            ("ipc.wasm", 300),
            ("notify.native", 50),
        ]);
        let rows = ipc_rows(&main);
        assert_eq!(
            judged(&rows),
            [
                ("IPC raw seL4 Call/ReplyRecv (native PDs)", "1.00x", "baseline", None),
                ("IPC pd-runtime channel call (native PDs)", "1.10x", "<= 1.2x raw", Some(true)),
                ("IPC Wasm-to-Wasm protected call", "3.00x", "<= 2x raw", Some(false)),
                (
                    "notification signal-to-wake round trip",
                    "0.500x",
                    "report (ratio to raw IPC)",
                    None
                ),
            ]
        );
        assert_eq!(rows[1].value, "110 cycles");
        assert_eq!(rows[1].spread, "110..110 (0.0%)");
        assert_eq!(rows[2].json["met"], json!(false));
        assert_eq!(rows[2].json["ratio"], json!(3.0));
    }

    #[test]
    fn batched_rings_must_cost_a_tenth_of_raw_ipc() {
        let main = main_log(&[
            ("ipc.raw", 100),
            ("ring.native.b1", 50),
            ("ring.native.b16", 5),
            ("ring.wasm.b16", 20),
        ]);
        let rows = ring_rows(&main);
        assert_eq!(
            judged(&rows),
            [
                ("native ring, batch   1, per msg (20.00 M msg/s)", "0.500x", "report", None),
                (
                    "native ring, batch  16, per msg (200.00 M msg/s)",
                    "0.050x",
                    "<= 0.1x raw IPC",
                    Some(true)
                ),
                (
                    "wasm ring, batch  16, per msg (50.00 M msg/s)",
                    "0.200x",
                    "<= 0.1x raw IPC",
                    Some(false)
                ),
            ]
        );
        assert_eq!(rows[0].json["messages_per_second"], json!(20e6));
    }

    #[test]
    fn wasm_compute_must_reach_nine_tenths_of_native_speed() {
        let main = main_log(&[
            ("compute.native.crc32", 1000),
            ("compute.wasm.crc32", 1250),
            ("compute.native.sha256", 900),
            ("compute.wasm.sha256", 1000),
            // A kernel with no Wasm figure has no rows.
            ("compute.native.fnv1a", 1000),
        ]);
        let (rows, speeds) = compute_rows(&main, None);
        assert_eq!(
            judged(&rows),
            [
                ("crc32 native PD (4 KiB per round)", "-", "baseline", None),
                ("crc32 AOT Wasm PD", "0.800x", ">= 0.9x native", Some(false)),
                ("sha256 native PD (4 KiB per round)", "-", "baseline", None),
                ("sha256 AOT Wasm PD", "0.900x", ">= 0.9x native", Some(true)),
            ]
        );
        let speeds: Vec<_> = speeds.iter().map(|s| (s.kernel, s.pd, s.host)).collect();
        assert_eq!(speeds, [("crc32", 0.8, None), ("sha256", 0.9, None)]);
    }

    #[test]
    fn the_host_rows_judge_only_the_pd_engine_config() {
        let main = main_log(&[("compute.native.crc32", 1000), ("compute.wasm.crc32", 1000)]);
        let figure = HostFigure {
            native_ns: Stat::of(vec![90.0]),
            wasm_ns: vec![Stat::of(vec![100.0]), Stat::of(vec![95.0]), Stat::of(vec![180.0])],
            digests_agree: true,
        };
        let host = BTreeMap::from([("crc32", figure)]);
        let (rows, speeds) = compute_rows(&main, Some(&host));
        assert_eq!(
            judged(&rows[2..]),
            [
                ("crc32 host native Rust (wall)", "-", "baseline", None),
                (
                    "crc32 host Wasm, PD engine config (wall)",
                    "0.900x",
                    ">= 0.9x native",
                    Some(true)
                ),
                ("crc32 host Wasm, PD config w/o fuel (wall)", "0.947x", "diagnostic", None),
                ("crc32 host Wasm, Wasmtime defaults (wall)", "0.500x", "diagnostic", None),
            ]
        );
        let keys: Vec<_> = rows[2..].iter().map(|r| r.json["key"].as_str().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "compute.host-native.crc32",
                "compute.host-wasm.crc32",
                "compute.host-wasm-variant1.crc32",
                "compute.host-wasm-variant2.crc32"
            ]
        );
        assert_eq!(speeds[0].host, Some(0.9));
    }

    #[test]
    fn cold_start_and_memory_rows_are_deterministic_counts() {
        let mut main = main_log(&[]);
        main.loaded.insert("kv".into(), 300);
        main.ready.insert("kv".into(), 1000);
        main.memory.insert("kv".into(), (4, 20, 300));
        main.memory.insert("driver".into(), (1, 2, 40));
        let cold = cold_start_rows(&main);
        assert_eq!(cold[0].figure, "`kv` .cwasm to ready (load 300, init 700)");
        assert_eq!((&cold[0].value[..], &cold[0].spread[..]), ("1000 cycles", "deterministic"));
        let memory = memory_rows(&main);
        let shown: Vec<_> = memory.iter().map(|r| (&r.figure[..], &r.value[..])).collect();
        assert_eq!(
            shown,
            [
                ("`driver` native PD: frames shared/private, untyped", "1/2, 40 KiB"),
                ("`kv` Wasm PD: frames shared/private, untyped", "4/20, 300 KiB"),
            ]
        );
        assert_eq!(memory[1].json["private_frames"], json!(20));
    }

    #[test]
    fn scale_rows_show_what_each_added_component_costs() {
        // The 64-component system failed before all were ready.
        let scale_log = |all_ready: Option<u64>| {
            let mut log = main_log(&[]);
            if let Some(cycles) = all_ready {
                log = main_log(&[("boot.all-ready", cycles)]);
            }
            log.passed = all_ready.is_some();
            log.untyped_total_kib = 8192;
            log
        };
        let scale = [(1, scale_log(Some(1000))), (8, scale_log(Some(4500))), (64, scale_log(None))];
        let (rows, boots) = scale_rows(&scale);
        assert_eq!(
            judged(&rows),
            [
                ("boot to all ready,  1 Wasm components (8 MiB untyped)", "-", "report", None),
                ("boot to all ready,  8 Wasm components (8 MiB untyped)", "+500", "report", None),
                (
                    "boot to all ready, 64 Wasm components (8 MiB untyped)",
                    "-",
                    "64 components boot",
                    Some(false)
                ),
            ]
        );
        assert_eq!((&rows[2].value[..], &rows[2].spread[..]), ("- cycles", "FAILED"));
        assert_eq!(rows[1].json["added_per_component"], json!(500.0));
        let boots: Vec<_> = boots.iter().map(|b| (b.components, b.all_ready)).collect();
        assert_eq!(boots, [(1, 1000.0), (8, 4500.0), (64, 0.0)]);
    }

    #[test]
    fn the_text_has_a_heading_per_section_and_the_json_every_row() {
        let main = main_log(&[("ipc.raw", 100), ("ipc.wasm", 300), ("ring.native.b16", 5)]);
        let mut rows = ipc_rows(&main);
        rows.extend(ring_rows(&main));
        let checks = Checks { repeatable: true, boots: 2, digests_agree: false };
        let text = text("qemu-x86_64", &main, &rows, &checks);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("guest TSC rate of 1000 MHz"), "{}", lines[0]);
        assert!(lines[1].contains("Median of 3 trials"), "{}", lines[1]);
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["figure", "median", "spread", "ratio", "goal", "met"]
        );
        assert_eq!(&lines[4..8], [
            "-- IPC",
            "IPC raw seL4 Call/ReplyRecv (native PDs)                   100 cycles                  100..100 (0.0%)     1.00x  baseline                   -",
            "IPC Wasm-to-Wasm protected call                            300 cycles                  300..300 (0.0%)     3.00x  <= 2x raw                  NO",
            "-- Rings",
        ]);
        assert!(lines[9].starts_with("repeatable: yes (2 boots of each system"));
        assert!(lines[9].ends_with("kernel digests native PD / Wasm PD / host DIFFER"));

        let document = document(&main, &rows, &checks);
        assert_eq!(document["boots"], json!(2));
        assert_eq!(document["digests_agree"], json!(false));
        let figures = document["figures"].as_array().unwrap();
        assert_eq!(figures.len(), 3);
        assert_eq!(figures[2]["section"], json!("Rings"));
        assert_eq!(figures[2]["key"], json!("ring.native.b16"));
        assert_eq!(document["raw"]["ipc.raw"]["totals"], json!([1000, 1000, 1000]));
    }
}
