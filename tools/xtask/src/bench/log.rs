//! What a boot of a benchmark system printed: the `BENCH` figures, the
//! kernel digests, the cold-start and memory counts, read from the console.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::{BenchArgs, ICOUNT_ARGS};
use crate::{image, workspace_root, BuildArgs};

/// One figure reported by a guest: totals of each trial over `operations`.
#[derive(Debug, Clone, PartialEq)]
pub struct Raw {
    pub unit: String,
    pub operations: u64,
    pub totals: Vec<u64>,
}

/// What one boot printed that the benchmarks use.
#[derive(Debug, Default)]
pub struct BootLog {
    pub tsc_mhz: u64,
    pub figures: BTreeMap<String, Raw>,
    /// The BENCH lines as printed, to compare boots.
    pub lines: Vec<String>,
    /// (`component.kernel`, digest) in the order printed.
    pub digests: Vec<(String, String)>,
    /// Component → load + instantiate cycles.
    pub loaded: BTreeMap<String, u64>,
    /// Component → cycles until ready, init included.
    pub ready: BTreeMap<String, u64>,
    /// Component → (shared frames, private frames, untyped KiB).
    pub memory: BTreeMap<String, (u64, u64, u64)>,
    pub untyped_total_kib: u64,
    pub passed: bool,
}

impl BootLog {
    /// Whether two boots counted the same: every BENCH line, cold-start and memory count.
    pub fn same_counts(&self, other: &BootLog) -> bool {
        self.lines == other.lines
            && self.ready == other.ready
            && self.loaded == other.loaded
            && self.memory == other.memory
    }

    /// The root task's boot line: "; TSC N MHz" before the aarch64 port,
    /// "; counter N MHz" since.
    fn read_counter_rate(&mut self, line: &str) {
        if let Some(mhz) = number_after(line, "; TSC ").or_else(|| number_after(line, "; counter "))
        {
            self.tsc_mhz = mhz;
        }
    }

    /// `BENCH-DIGEST kernel digest` or `BENCH name unit operations total...`.
    fn read_bench(&mut self, line: &str) {
        if let Some(at) = line.find("BENCH-DIGEST ") {
            let mut words = line[at + "BENCH-DIGEST ".len()..].split_whitespace();
            if let (Some(kernel), Some(digest)) = (words.next(), words.next()) {
                let who = component_of(line).unwrap_or("?");
                self.digests.push((format!("{who}.{kernel}"), digest.to_string()));
            }
        } else if let Some(at) = line.find("BENCH ") {
            let text = &line[at..];
            let words: Vec<&str> = text.split_whitespace().collect();
            if words.len() < 5 {
                return;
            }
            let totals: Option<Vec<u64>> = words[4..].iter().map(|v| v.parse().ok()).collect();
            if let (Ok(operations), Some(totals)) = (words[3].parse(), totals) {
                self.lines.push(text.to_string());
                let raw = Raw { unit: words[2].to_string(), operations, totals };
                self.figures.insert(words[1].to_string(), raw);
            }
        }
    }

    /// A Wasm component's "loaded and instantiated in N" and "`name` ready in N".
    fn read_cold_start(&mut self, line: &str) {
        let Some(who) = component_of(line) else { return };
        if let Some(cycles) = number_after(line, "loaded and instantiated in ") {
            self.loaded.insert(who.to_string(), cycles);
        }
        if let Some(cycles) = number_after(line, "` ready in ") {
            self.ready.insert(who.to_string(), cycles);
        }
    }

    /// "memory of `name`: S frames, P private frames, K ..." per component and
    /// the untyped total after "shared regions; ".
    fn read_memory(&mut self, line: &str) {
        if let Some(at) = line.find("memory of `") {
            let rest = &line[at + "memory of `".len()..];
            if let Some(end) = rest.find('`') {
                let counts = (
                    number_after(rest, ": "),
                    number_after(rest, "frames, "),
                    number_after(rest, "private frames, "),
                );
                if let (Some(shared), Some(private), Some(kib)) = counts {
                    self.memory.insert(rest[..end].to_string(), (shared, private, kib));
                }
            }
        }
        if let Some(kib) = number_after(line, "shared regions; ") {
            self.untyped_total_kib = kib;
        }
    }
}

/// The decimal number right after the first `before` in `line`.
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

/// Reads a boot's console; `passed` is whether the boot ended successfully.
pub fn parse_log(console: &str, passed: bool) -> BootLog {
    let mut log = BootLog { passed, ..Default::default() };
    for line in console.lines() {
        let line = line.trim_end();
        log.read_counter_rate(line);
        log.read_bench(line);
        log.read_cold_start(line);
        log.read_memory(line);
    }
    log
}

/// Builds `system` and boots it once with icount (`run` numbers the console log).
pub fn boot(args: &BenchArgs, system: &str, run: usize) -> Result<BootLog> {
    let build = BuildArgs { system: system.into(), ..BuildArgs::for_board(&args.board) };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up console in the forms the root task, the runtimes and the
    /// benchmark components print.
    const CONSOLE: &str = "\
[INFO  root-task] root CNode: 2^12 slots, 4000 free slots 96..4096; image frames 3..50; counter 2000 MHz\r
[INFO  root-task] system `bench` (main): built 4 components, 2 shared regions; 9216 KiB of untyped memory used
[INFO  root-task] memory of `kv`: 3 shared frames, 40 private frames, 1200 KiB of untyped memory
[INFO  root-task] memory of `driver`: 1 shared frames, 8 private frames, 96 KiB of untyped memory
[INFO  kv] Wasm module `kv` (120 KiB precompiled) loaded and instantiated in 51000 cycles
[INFO  kv] Wasm module `kv` ready in 60000 cycles (init 9000 cycles)
[INFO  driver] BENCH ipc.raw cycles 100 41000 40000 40500
[INFO  kv] BENCH boot.all-ready ns 1 30000
[INFO  driver] BENCH ipc.broken cycles 100 41000 lots
[INFO  driver] BENCH-DIGEST crc32 0x1f2e
[INFO  kv] BENCH-DIGEST crc32 0x1f2e
";

    #[test]
    fn a_console_gives_the_figures_digests_and_counts() {
        let log = parse_log(CONSOLE, true);
        assert!(log.passed);
        assert_eq!(log.tsc_mhz, 2000);
        assert_eq!(log.untyped_total_kib, 9216);
        let raw = |unit: &str, operations, totals: &[u64]| Raw {
            unit: unit.into(),
            operations,
            totals: totals.to_vec(),
        };
        assert_eq!(
            log.figures,
            BTreeMap::from([
                ("boot.all-ready".to_string(), raw("ns", 1, &[30000])),
                ("ipc.raw".to_string(), raw("cycles", 100, &[41000, 40000, 40500])),
            ])
        );
        // Lines from "BENCH" on, as printed; a line with a total that is no number is left out.
        assert_eq!(
            log.lines,
            ["BENCH ipc.raw cycles 100 41000 40000 40500", "BENCH boot.all-ready ns 1 30000"]
        );
        assert_eq!(
            log.digests,
            [
                ("driver.crc32".to_string(), "0x1f2e".to_string()),
                ("kv.crc32".to_string(), "0x1f2e".to_string())
            ]
        );
        assert_eq!(log.loaded, BTreeMap::from([("kv".to_string(), 51000)]));
        assert_eq!(log.ready, BTreeMap::from([("kv".to_string(), 60000)]));
        assert_eq!(
            log.memory,
            BTreeMap::from([("driver".to_string(), (1, 8, 96)), ("kv".to_string(), (3, 40, 1200))])
        );
    }

    #[test]
    fn the_counter_rate_was_once_called_tsc() {
        let log = parse_log("[INFO  root-task] image frames 3..50; TSC 3000 MHz", false);
        assert_eq!(log.tsc_mhz, 3000);
        assert!(!log.passed);
    }

    #[test]
    fn boots_that_count_the_same_are_the_same() {
        let first = parse_log(CONSOLE, true);
        assert!(first.same_counts(&parse_log(CONSOLE, true)));
        let other = CONSOLE.replace("40000", "40001");
        assert!(!first.same_counts(&parse_log(&other, true)));
    }
}
