//! Boot-test expectations: the data of the boot tests, kept beside the
//! systems they boot. A system `X.toml` has its tests in `X.expect.toml`
//! next to it; tests that boot a small root task of their own instead of a
//! system (`program = "PACKAGE/BIN"`) live with that program. The format is
//! described in tests/README.md ("Boot tests").

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::image::{self, Program};

/// The folders searched for `*.expect.toml` files (recursively).
pub const EXPECTATION_DIRS: &[&str] = &["systems", "tests", "bench"];

/// What a boot test expects of the run.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// The system ends successfully and prints these lines, in order.
    Pass(Vec<String>),
    /// The system ends with a failure status (not a panic, not a timeout)
    /// after printing these lines, in order.
    Fail(Vec<String>),
    /// The run fails with a panic whose report shows this text.
    Panic(String),
    /// The run is stopped at the timeout.
    Timeout,
}

/// One boot test, resolved for one architecture.
#[derive(Debug, Clone)]
pub struct BootTest {
    pub name: String,
    /// The file it was read from.
    pub file: PathBuf,
    pub program: Program,
    /// The system description the root task embeds (workspace-relative).
    pub system: PathBuf,
    pub timeout: Duration,
    pub expect: Expect,
    /// Kernel profile of the board (`debug` unless the test is about another).
    pub kernel_profile: String,
    /// Build the image as `cargo xtask run --interactive` does: the system
    /// keeps running after its tasks end; the test ends once every expected
    /// line has appeared.
    pub interactive: bool,
    /// Typed into the serial console: (wait for this text, then type this).
    pub input: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    test: Vec<TestEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct TestEntry {
    name: String,
    /// PACKAGE/BIN of a root task that embeds no system.
    program: Option<String>,
    /// Architectures the test runs on (default: every one).
    arch: Option<Vec<String>>,
    #[serde(default = "default_profile")]
    kernel_profile: String,
    #[serde(default)]
    interactive: bool,
    timeout: u64,
    outcome: Outcome,
    panic_message: Option<String>,
    #[serde(default)]
    input: Vec<InputEntry>,
    #[serde(default)]
    lines: Vec<Line>,
}

fn default_profile() -> String {
    "debug".into()
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Pass,
    Fail,
    Panic,
    Timeout,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputEntry {
    after: String,
    #[serde(rename = "type")]
    text: String,
}

/// An expected line: the same on every architecture, or per architecture
/// (none, one or several lines).
#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Same(String),
    PerArch(std::collections::BTreeMap<String, OneOrMore>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMore {
    One(String),
    More(Vec<String>),
}

/// The architectures boot tests know (`arch = [...]`, per-arch lines).
const ARCHES: &[&str] = &["x86_64", "aarch64"];

/// The folders holding the repository's system descriptions.
#[cfg(test)]
pub const SYSTEM_DIRS: &[&str] = &["systems", "tests/systems", "bench/systems"];

/// Every `*.expect.toml` under the expectation folders, sorted by path.
pub fn files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for dir in EXPECTATION_DIRS {
        collect(&root.join(dir), &|p| p.ends_with(".expect.toml"), &mut found)?;
    }
    found.sort();
    Ok(found)
}

/// Every system description of the repository (`*.toml` in the system
/// folders, expectations left out), sorted by path.
#[cfg(test)]
pub fn system_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let is_system = |p: &str| p.ends_with(".toml") && !p.ends_with(".expect.toml");
    for dir in SYSTEM_DIRS {
        collect(&root.join(dir), &is_system, &mut found)?;
    }
    found.sort();
    Ok(found)
}

fn collect(dir: &Path, wanted: &dyn Fn(&str) -> bool, found: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, wanted, found)?;
        } else if path.to_str().is_some_and(wanted) {
            found.push(path);
        }
    }
    Ok(())
}

/// The boot tests of `arch`, from every expectation file under `root`, in
/// file order.
pub fn load_all(root: &Path, arch: &str) -> Result<Vec<BootTest>> {
    let mut tests = Vec::new();
    for file in files(root)? {
        tests.extend(load(root, &file, arch)?);
    }
    let mut names: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    if let Some(twice) = names.windows(2).find(|w| w[0] == w[1]) {
        bail!("two boot tests for {arch} are named `{}`: give one another name", twice[0]);
    }
    Ok(tests)
}

/// The tests of one expectation file that apply to `arch`.
pub fn load(root: &Path, file: &Path, arch: &str) -> Result<Vec<BootTest>> {
    let shown = file.strip_prefix(root).unwrap_or(file).display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {shown}"))?;
    let parsed: File =
        toml::from_str(&text).with_context(|| format!("{shown}: not a boot-test file"))?;
    let mut tests = Vec::new();
    for entry in parsed.test {
        let place = format!("{shown}: test `{}`", entry.name);
        if let Some(arches) = &entry.arch {
            if let Some(unknown) = arches.iter().find(|a| !ARCHES.contains(&a.as_str())) {
                bail!("{place}: unknown arch `{unknown}` (known: {})", ARCHES.join(", "));
            }
            if !arches.iter().any(|a| a == arch) {
                continue;
            }
        }
        tests.push(resolve(root, file, entry, arch).with_context(|| place.clone())?);
    }
    Ok(tests)
}

fn resolve(root: &Path, file: &Path, entry: TestEntry, arch: &str) -> Result<BootTest> {
    let (program, system) = match &entry.program {
        // A test guest embeds no system; the default one satisfies the build.
        Some(spec) => (program(spec)?, PathBuf::from(crate::system::DEFAULT_SYSTEM)),
        None => {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let system = file.with_file_name(name.replace(".expect.toml", ".toml"));
            if !system.is_file() {
                bail!("no system {} beside it (a test without `program` boots the system of the same name)", system.display());
            }
            (image::ROOT_TASK, system.strip_prefix(root).unwrap_or(&system).to_path_buf())
        }
    };
    let mut lines = Vec::new();
    for line in entry.lines {
        match line {
            Line::Same(text) => lines.push(text),
            Line::PerArch(by_arch) => {
                if let Some(unknown) = by_arch.keys().find(|a| !ARCHES.contains(&a.as_str())) {
                    bail!(
                        "a per-arch line names unknown arch `{unknown}` (known: {})",
                        ARCHES.join(", ")
                    );
                }
                match by_arch.get(arch) {
                    Some(OneOrMore::One(text)) => lines.push(text.clone()),
                    Some(OneOrMore::More(texts)) => lines.extend(texts.iter().cloned()),
                    None => {}
                }
            }
        }
    }
    if entry.outcome != Outcome::Panic && entry.panic_message.is_some() {
        bail!("`panic-message` is only for outcome \"panic\"");
    }
    let expect = match entry.outcome {
        Outcome::Pass => Expect::Pass(lines),
        Outcome::Fail => Expect::Fail(lines),
        Outcome::Panic => {
            Expect::Panic(entry.panic_message.context("outcome \"panic\" needs a `panic-message`")?)
        }
        Outcome::Timeout => Expect::Timeout,
    };
    if matches!(expect, Expect::Pass(ref l) | Expect::Fail(ref l) if l.is_empty()) {
        bail!("outcome \"pass\" or \"fail\" needs the `lines` it expects: a test that expects nothing cannot fail");
    }
    if entry.timeout == 0 || entry.timeout > 600 {
        bail!("timeout = {}: give seconds between 1 and 600", entry.timeout);
    }
    Ok(BootTest {
        name: entry.name,
        file: file.to_path_buf(),
        program,
        system,
        timeout: Duration::from_secs(entry.timeout),
        expect,
        kernel_profile: entry.kernel_profile,
        interactive: entry.interactive,
        input: entry.input.into_iter().map(|i| (i.after, i.text)).collect(),
    })
}

/// A root task program named PACKAGE/BIN that embeds no system.
fn program(spec: &str) -> Result<Program> {
    let Some((package, bin)) = spec.split_once('/') else {
        bail!("program = \"{spec}\": expected PACKAGE/BIN");
    };
    if package == image::ROOT_TASK.package {
        bail!("program = \"{spec}\": the root task boots a system; leave `program` out and put the test beside its system");
    }
    Ok(Program::other(package, bin))
}
