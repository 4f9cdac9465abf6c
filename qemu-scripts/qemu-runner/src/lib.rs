//! The QEMU runner shared by `cargo xtask run` and the QEMU boot tests.
//!
//! [`run`] starts the program described by a [`RunSpec`] (normally
//! `qemu-system-x86_64 ... -serial mon:stdio`), with a hard timeout over the
//! whole run. The serial console (QEMU's stdout) is written to a log file as it
//! arrives and, optionally, echoed to our stdout. When the run ends the console
//! is checked for failure markers (a Rust panic, an seL4 fault) and for the
//! expected lines, and QEMU's exit status is mapped to a [`Verdict`].
//!
//! The guest ends QEMU by writing `v` to the `isa-debug-exit` port; QEMU then
//! exits with status `(v << 1) | 1`. By the project's convention the guest
//! writes `0x10` on success ([`SUCCESS_STATUS`], 33) and `0x11` on failure
//! ([`FAILURE_STATUS`], 35).
//!
//! The runner never hangs: on timeout QEMU's whole process group is killed and
//! reaped, and output still held open by a stray process is waited for only
//! for a short grace period. Unix (Linux) only.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// QEMU's exit status when the guest writes `0x10` to `isa-debug-exit`: success.
pub const SUCCESS_STATUS: i32 = qemu_exit_status(0x10);
/// QEMU's exit status when the guest writes `0x11` to `isa-debug-exit`: failure.
pub const FAILURE_STATUS: i32 = qemu_exit_status(0x11);
/// Default hard timeout for a whole run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default log file, relative to the current directory.
pub const DEFAULT_LOG_FILE: &str = "target/qemu.log";
/// Default failure markers: a Rust panic and the seL4 kernel's fault/halt messages.
pub const DEFAULT_FAILURE_MARKERS: &[&str] =
    &["panicked at", "Caught cap fault", "vm fault on", "Halting", "halting"];
/// Default time to keep collecting the console after a failure marker line
/// before QEMU is killed (a faulted seL4 guest often hangs instead of exiting).
pub const DEFAULT_MARKER_GRACE: Duration = Duration::from_secs(1);

/// How long to wait for the console pipes to close once QEMU itself is gone
/// (a stray process outside QEMU's process group may hold them open).
const DRAIN_GRACE: Duration = Duration::from_secs(1);
/// How often the child's state is polled while waiting for output.
const POLL: Duration = Duration::from_millis(20);
/// How many console lines [`Outcome::report`] shows.
const REPORT_CONSOLE_LINES: usize = 60;
/// How many lines of QEMU's stderr [`Outcome::report`] shows.
const REPORT_STDERR_LINES: usize = 20;

/// QEMU's exit status when the guest writes `value` to `isa-debug-exit`.
pub const fn qemu_exit_status(value: u8) -> i32 {
    ((value as i32) << 1) | 1
}

/// What to run and how to judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    /// The program to start (normally `qemu-system-x86_64`).
    pub program: PathBuf,
    /// Its arguments; the runner adds none.
    pub args: Vec<String>,
    /// Hard limit for the whole run (ignored when `interactive`).
    pub timeout: Duration,
    /// The whole console (and QEMU's stderr, at the end) is written here;
    /// parent directories are created.
    pub log_file: PathBuf,
    /// Stream the console to our stdout (and QEMU's stderr to our stderr) as
    /// it arrives.
    pub echo: bool,
    /// The exit status that means success; [`SUCCESS_STATUS`] by default.
    pub success_status: i32,
    /// Substrings that must all appear in the console, in this order.
    pub expect: Vec<String>,
    /// A console line containing any of these fails the run, whatever the
    /// exit status; [`DEFAULT_FAILURE_MARKERS`] by default.
    pub failure_markers: Vec<String>,
    /// After the first failure marker line, keep collecting for this long,
    /// then kill QEMU instead of waiting for the timeout. `None` waits for
    /// QEMU to exit (or the timeout). Ignored when `interactive`.
    pub marker_grace: Option<Duration>,
    /// Let QEMU read our stdin, keep it in our process group (so it can use
    /// the terminal) and disable the timeout.
    pub interactive: bool,
    /// Typing into the serial console: each step waits until the console
    /// shows `after` (searched after where the previous step's text was
    /// seen), then writes `text` to QEMU's stdin. Ignored when `interactive`.
    pub input: Vec<InputStep>,
    /// End the run (as passed, unless a failure marker appeared) as soon as
    /// every `expect` line has appeared, instead of waiting for QEMU to
    /// exit: for systems that keep running.
    pub stop_when_expected: bool,
}

/// One step of [`RunSpec::input`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputStep {
    pub after: String,
    pub text: String,
}

impl InputStep {
    pub fn new(after: impl Into<String>, text: impl Into<String>) -> InputStep {
        InputStep { after: after.into(), text: text.into() }
    }
}

impl RunSpec {
    /// A spec with the defaults: 60 s timeout, log at [`DEFAULT_LOG_FILE`],
    /// echo on, success status 33, no expected lines, the default failure
    /// markers, not interactive.
    pub fn new<I, S>(program: impl Into<PathBuf>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        RunSpec {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            timeout: DEFAULT_TIMEOUT,
            log_file: PathBuf::from(DEFAULT_LOG_FILE),
            echo: true,
            success_status: SUCCESS_STATUS,
            expect: Vec::new(),
            failure_markers: DEFAULT_FAILURE_MARKERS.iter().map(|m| m.to_string()).collect(),
            marker_grace: Some(DEFAULT_MARKER_GRACE),
            interactive: false,
            input: Vec::new(),
            stop_when_expected: false,
        }
    }
}

/// The judgement of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed(Failure),
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The run did not end within the timeout; QEMU was killed.
    Timeout { after: Duration },
    /// QEMU exited with a status other than the success status; `None` means
    /// it was ended by a signal.
    ExitStatus { status: Option<i32> },
    /// The status was success but these expected lines were not seen (in order).
    MissingLines { missing: Vec<String> },
    /// A console line contained a failure marker (takes precedence over the
    /// exit status and the timeout).
    Marker { marker: String, line: String },
    /// The program could not be started.
    Spawn(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Timeout { after } => {
                write!(f, "timed out after {after:.1?}; QEMU was killed")
            }
            Failure::ExitStatus { status } => match status {
                Some(code) => write!(f, "QEMU exited with status {}", describe_code(*code)),
                None => write!(f, "QEMU was killed by a signal"),
            },
            Failure::MissingLines { missing } => {
                write!(f, "expected console lines missing (in order):")?;
                for m in missing {
                    write!(f, " {m:?}")?;
                }
                Ok(())
            }
            Failure::Marker { marker, line } => {
                write!(f, "failure marker {marker:?} on the console: {line}")
            }
            Failure::Spawn(msg) => write!(f, "could not start QEMU: {msg}"),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Passed => write!(f, "passed"),
            Verdict::Failed(failure) => write!(f, "failed: {failure}"),
        }
    }
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    /// The whole console, decoded lossily, with carriage returns removed.
    pub console: String,
    /// QEMU's stderr, decoded lossily (also appended to the log file).
    pub stderr: String,
    /// From spawning QEMU until the run was over.
    pub elapsed: Duration,
    pub log_file: PathBuf,
    /// QEMU's raw exit status (`None` if it could not be started).
    pub exit_status: Option<ExitStatus>,
    /// The success status the run was judged against.
    pub success_status: i32,
}

impl Outcome {
    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Passed
    }

    /// The failure, if any.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.verdict {
            Verdict::Passed => None,
            Verdict::Failed(failure) => Some(failure),
        }
    }

    /// A report for humans: the reason, then the last console lines, QEMU's
    /// stderr if any, and the log path.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let failure = match &self.verdict {
            Verdict::Passed => {
                out.push_str(&format!(
                    "QEMU run passed in {:.1?} ({})\nlog: {}\n",
                    self.elapsed,
                    self.describe_exit(),
                    self.log_file.display()
                ));
                return out;
            }
            Verdict::Failed(failure) => failure,
        };

        out.push_str(&format!("QEMU run FAILED after {:.1?}: ", self.elapsed));
        match failure {
            Failure::Marker { marker, line } => {
                out.push_str(&format!("failure marker {marker:?} on the console\n"));
                for l in self.marker_context(line) {
                    out.push_str(&format!("    {l}\n"));
                }
                out.push_str(&format!("({})\n", self.describe_exit()));
            }
            Failure::ExitStatus { .. } => {
                out.push_str(&format!(
                    "{} (success is {})\n",
                    self.describe_exit(),
                    self.success_status
                ));
            }
            Failure::MissingLines { missing } => {
                out.push_str("expected console lines missing (they must appear in this order):\n");
                for m in missing {
                    out.push_str(&format!("    {m:?}\n"));
                }
            }
            other => out.push_str(&format!("{other}\n")),
        }

        let lines: Vec<&str> = self.console.lines().collect();
        if lines.is_empty() {
            out.push_str("--- console: empty ---\n");
        } else {
            let shown = lines.len().min(REPORT_CONSOLE_LINES);
            if shown == lines.len() {
                out.push_str(&format!("--- console ({} lines) ---\n", lines.len()));
            } else {
                out.push_str(&format!("--- console (last {shown} of {} lines) ---\n", lines.len()));
            }
            for l in &lines[lines.len() - shown..] {
                out.push_str(l);
                out.push('\n');
            }
            out.push_str("--- end of console ---\n");
        }

        let err_lines: Vec<&str> = self.stderr.lines().collect();
        if !err_lines.is_empty() {
            let shown = err_lines.len().min(REPORT_STDERR_LINES);
            out.push_str("--- QEMU stderr ---\n");
            for l in &err_lines[err_lines.len() - shown..] {
                out.push_str(l);
                out.push('\n');
            }
            out.push_str("--- end of QEMU stderr ---\n");
        }
        out.push_str(&format!("log: {}\n", self.log_file.display()));
        out
    }

    /// The marker line and the line after it (Rust prints the panic message
    /// on the line after `panicked at ...:`).
    fn marker_context(&self, line: &str) -> Vec<String> {
        let mut lines = self.console.lines();
        match lines.position(|l| l == line) {
            Some(_) => {
                let mut ctx = vec![line.to_string()];
                if let Some(next) = lines.next() {
                    ctx.push(next.to_string());
                }
                ctx
            }
            None => vec![line.to_string()],
        }
    }

    fn describe_exit(&self) -> String {
        match (&self.verdict, self.exit_status) {
            (Verdict::Failed(Failure::Timeout { after }), _) => {
                format!("timed out after {after:.1?}; QEMU was killed")
            }
            (_, None) => "QEMU did not run".to_string(),
            (_, Some(status)) => match (status.code(), status.signal()) {
                (Some(code), _) => format!("QEMU exit status {}", describe_code(code)),
                (None, Some(sig)) => format!("QEMU was killed by signal {sig}"),
                (None, None) => format!("QEMU ended: {status}"),
            },
        }
    }
}

/// Explains an exit status in terms of `isa-debug-exit`.
fn describe_code(code: i32) -> String {
    match code {
        0 => "0: QEMU quit without the guest writing to isa-debug-exit".to_string(),
        1 => "1: QEMU reported an error (see its stderr)".to_string(),
        SUCCESS_STATUS => format!("{code}: the guest wrote 0x10 to isa-debug-exit (success)"),
        FAILURE_STATUS => format!("{code}: the guest wrote 0x11 to isa-debug-exit (failure)"),
        c if c > 1 && c & 1 == 1 && c < 512 => {
            format!("{c}: the guest wrote {:#x} to isa-debug-exit", c >> 1)
        }
        c => c.to_string(),
    }
}

/// Boots `spec.program` and judges the run. Only setup errors (the log file
/// cannot be created, waiting on QEMU fails) are `Err`; a program that cannot
/// be started is `Failure::Spawn`.
pub fn run(spec: &RunSpec) -> anyhow::Result<Outcome> {
    let mut log = create_log(&spec.log_file)?;

    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args).stdout(Stdio::piped()).stderr(Stdio::piped());
    if spec.interactive {
        // Stay in our process group so QEMU may read the terminal.
        cmd.stdin(Stdio::inherit());
    } else if !spec.input.is_empty() {
        cmd.stdin(Stdio::piped()).process_group(0);
    } else {
        cmd.stdin(Stdio::null()).process_group(0);
    }
    die_with_parent(&mut cmd);

    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            let msg = format!("`{}`: {e}", spec.program.display());
            let _ = writeln!(log, "qemu-runner: could not start {msg}");
            return Ok(Outcome {
                verdict: Verdict::Failed(Failure::Spawn(msg)),
                console: String::new(),
                stderr: String::new(),
                elapsed: start.elapsed(),
                log_file: spec.log_file.clone(),
                exit_status: None,
                success_status: spec.success_status,
            });
        }
    };

    let (tx, rx) = mpsc::channel();
    spawn_reader(child.stdout.take(), Stream::Console, tx.clone());
    spawn_reader(child.stderr.take(), Stream::Stderr, tx);

    let mut sink = Sink {
        console: Vec::new(),
        scanned: 0,
        stderr: Vec::new(),
        log: &mut log,
        echo: spec.echo,
        markers: &spec.failure_markers,
        marker_seen: false,
    };
    let run = supervise(spec, &mut child, start, &rx, &mut sink)?;
    let elapsed = start.elapsed();

    let console = normalize(&sink.console);
    let stderr = normalize(&sink.stderr);
    if !stderr.is_empty() {
        let _ = write!(log, "\n--- QEMU stderr ---\n{stderr}");
        if !stderr.ends_with('\n') {
            let _ = writeln!(log);
        }
    }
    let _ = log.flush();

    let verdict = judge(spec, &console, &run);
    Ok(Outcome {
        verdict,
        console,
        stderr,
        elapsed,
        log_file: spec.log_file.clone(),
        exit_status: Some(run.status),
        success_status: spec.success_status,
    })
}

fn create_log(path: &Path) -> anyhow::Result<File> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("creating log directory {}", parent.display()))?;
    }
    File::create(path).with_context(|| format!("creating log file {}", path.display()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Console,
    Stderr,
}

enum Msg {
    Data(Stream, Vec<u8>),
    Eof,
}

fn spawn_reader(pipe: Option<impl Read + Send + 'static>, which: Stream, tx: Sender<Msg>) {
    let Some(mut pipe) = pipe else {
        let _ = tx.send(Msg::Eof);
        return;
    };
    let spawned = thread::Builder::new().name(format!("qemu-runner-{which:?}")).spawn({
        let tx = tx.clone();
        move || {
            let mut buf = [0u8; 8192];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx.send(Msg::Data(which, buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(Msg::Eof);
        }
    });
    if spawned.is_err() {
        let _ = tx.send(Msg::Eof);
    }
}

/// Where output goes while the run is in progress.
struct Sink<'a> {
    console: Vec<u8>,
    /// Console bytes already scanned for failure markers (whole lines only).
    scanned: usize,
    stderr: Vec<u8>,
    log: &'a mut File,
    echo: bool,
    markers: &'a [String],
    marker_seen: bool,
}

impl Sink<'_> {
    /// Takes a chunk of output; returns true when it completed the first line
    /// containing a failure marker.
    fn push(&mut self, which: Stream, bytes: &[u8]) -> bool {
        match which {
            Stream::Console => {
                // Unbuffered file: the log is complete even if we are killed.
                let _ = self.log.write_all(bytes);
                if self.echo {
                    let mut out = io::stdout().lock();
                    if out.write_all(bytes).and_then(|()| out.flush()).is_err() {
                        self.echo = false;
                    }
                }
                self.console.extend_from_slice(bytes);
                self.scan_markers()
            }
            Stream::Stderr => {
                if self.echo {
                    let mut err = io::stderr().lock();
                    let _ = err.write_all(bytes).and_then(|()| err.flush());
                }
                self.stderr.extend_from_slice(bytes);
                false
            }
        }
    }

    fn scan_markers(&mut self) -> bool {
        if self.marker_seen {
            return false;
        }
        let Some(end) = self.console.iter().rposition(|&b| b == b'\n') else {
            return false;
        };
        if end < self.scanned {
            return false;
        }
        let text = String::from_utf8_lossy(&self.console[self.scanned..end]);
        self.scanned = end + 1;
        if find_marker(&text, self.markers).is_some() {
            self.marker_seen = true;
            return true;
        }
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// QEMU exited by itself.
    Exited,
    /// We killed it at the timeout.
    Timeout,
    /// We killed it a grace period after a failure marker.
    Marker,
    /// We stopped it once every expected line had appeared
    /// ([`RunSpec::stop_when_expected`]).
    Expected,
}

struct RunEnd {
    status: ExitStatus,
    stop: Stop,
}

/// Pumps output until QEMU is gone and its pipes are closed (or the drain
/// grace has passed), enforcing the timeout and the marker grace.
fn supervise(
    spec: &RunSpec,
    child: &mut Child,
    start: Instant,
    rx: &Receiver<Msg>,
    sink: &mut Sink<'_>,
) -> anyhow::Result<RunEnd> {
    let pid = child.id();
    let own_group = !spec.interactive;
    let deadline = (!spec.interactive).then(|| start + spec.timeout);
    let mut marker_stop_at: Option<Instant> = None;
    let mut open_pipes = 2;
    let mut end: Option<(RunEnd, Instant)> = None; // with the drain deadline
    let mut stdin = if spec.interactive { None } else { child.stdin.take() };
    let mut typist = Typist { steps: &spec.input, next: 0, searched_from: 0 };
    let mut expected_seen = false;

    loop {
        let now = Instant::now();
        if end.is_none() {
            let stop = if has_exited(pid) {
                Some(Stop::Exited)
            } else if deadline.is_some_and(|d| now >= d) {
                Some(Stop::Timeout)
            } else if marker_stop_at.is_some_and(|t| now >= t) {
                Some(Stop::Marker)
            } else if expected_seen {
                Some(Stop::Expected)
            } else {
                None
            };
            if let Some(stop) = stop {
                // Kill the group while QEMU is unreaped, so its id cannot
                // have been reused; this also ends strays holding the pipes.
                if own_group {
                    kill_group(pid);
                }
                if stop != Stop::Exited {
                    let _ = child.kill();
                }
                let status = child.wait().context("waiting for QEMU")?;
                end = Some((RunEnd { status, stop }, Instant::now() + DRAIN_GRACE));
            }
        }
        if let Some((_, drain_until)) = &end {
            if open_pipes == 0 || Instant::now() >= *drain_until {
                break;
            }
        }

        if open_pipes == 0 {
            thread::sleep(POLL);
            continue;
        }
        let mut wait = POLL;
        if let Some((_, drain_until)) = &end {
            wait = wait.min(drain_until.saturating_duration_since(Instant::now()));
        }
        match rx.recv_timeout(wait) {
            Ok(Msg::Data(which, bytes)) => {
                if sink.push(which, &bytes) && !spec.interactive {
                    if let Some(grace) = spec.marker_grace {
                        marker_stop_at = Some(Instant::now() + grace);
                    }
                }
                if spec.stop_when_expected && which == Stream::Console && !spec.interactive {
                    expected_seen =
                        missing_in_order(&normalize(&sink.console), &spec.expect).is_empty();
                }
                if let Some(pipe) = stdin.as_mut() {
                    for text in typist.due(&sink.console) {
                        let _ = sink
                            .log
                            .write_all(format!("\n[qemu-runner types {text:?}]\n").as_bytes());
                        if pipe.write_all(text.as_bytes()).and_then(|()| pipe.flush()).is_err() {
                            break;
                        }
                    }
                }
            }
            Ok(Msg::Eof) => open_pipes -= 1,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open_pipes = 0,
        }
    }
    Ok(end.expect("loop ends only after QEMU is reaped").0)
}

/// Plays [`RunSpec::input`] against the console as it arrives.
struct Typist<'a> {
    steps: &'a [InputStep],
    next: usize,
    /// Console offset after the previous trigger.
    searched_from: usize,
}

impl Typist<'_> {
    /// The texts whose triggers the console now shows, in order.
    fn due(&mut self, console: &[u8]) -> Vec<String> {
        let mut texts = Vec::new();
        while let Some(step) = self.steps.get(self.next) {
            let haystack = &console[self.searched_from.min(console.len())..];
            let Some(at) = find_bytes(haystack, step.after.as_bytes()) else { break };
            self.searched_from += at + step.after.len();
            self.next += 1;
            texts.push(step.text.clone());
        }
        texts
    }
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether the child has exited, without reaping it.
fn has_exited(pid: u32) -> bool {
    // SAFETY: siginfo_t is plain data; waitid only writes into it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: WNOWAIT leaves the child waitable, so std's Child can reap it.
    let rc = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    if rc != 0 {
        // EINTR: try again next poll. Anything else (ECHILD) means there is
        // nothing left to wait for; let Child::wait sort it out.
        return io::Error::last_os_error().kind() != io::ErrorKind::Interrupted;
    }
    // SAFETY: after a successful waitid the si_pid field is valid (0 = no change).
    unsafe { info.si_pid() != 0 }
}

fn kill_group(pgid: u32) {
    // SAFETY: plain syscall; pgid is QEMU's pid, which leads its own group.
    unsafe {
        libc::kill(-(pgid as libc::pid_t), libc::SIGKILL);
    }
}

/// Makes QEMU die if we do (e.g. on Ctrl-C), so it is never left behind.
fn die_with_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: prctl, getppid and _exit are async-signal-safe; the closure
        // does not allocate.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

fn judge(spec: &RunSpec, console: &str, run: &RunEnd) -> Verdict {
    if let Some((marker, line)) = find_marker(console, &spec.failure_markers) {
        return Verdict::Failed(Failure::Marker {
            marker: marker.to_string(),
            line: line.to_string(),
        });
    }
    if run.stop == Stop::Timeout {
        return Verdict::Failed(Failure::Timeout { after: spec.timeout });
    }
    let code = run.status.code();
    if run.stop == Stop::Expected {
        return Verdict::Passed;
    }
    if code != Some(spec.success_status) {
        return Verdict::Failed(Failure::ExitStatus { status: code });
    }
    let missing = missing_in_order(console, &spec.expect);
    if !missing.is_empty() {
        return Verdict::Failed(Failure::MissingLines { missing });
    }
    Verdict::Passed
}

/// The first line (in console order) containing any of `markers`, with the
/// marker it contains.
pub fn find_marker<'a, 'c>(console: &'c str, markers: &'a [String]) -> Option<(&'a str, &'c str)> {
    console.lines().find_map(|line| {
        markers
            .iter()
            .filter(|m| !m.is_empty())
            .find(|m| line.contains(m.as_str()))
            .map(|m| (m.as_str(), line.trim_end_matches('\r')))
    })
}

/// The expected substrings not found in `console` when searched for in order
/// (each after the end of the previous match). Once one is missing, those
/// after it are searched from the same place.
pub fn missing_in_order(console: &str, expect: &[String]) -> Vec<String> {
    let mut pos = 0;
    let mut missing = Vec::new();
    for e in expect {
        match console[pos..].find(e.as_str()) {
            Some(i) => pos += i + e.len(),
            None => missing.push(e.clone()),
        }
    }
    missing
}

/// Decodes console bytes lossily and removes carriage returns (`\r\n` and
/// `\r\r\n` become `\n`; a lone `\r` becomes `\n`).
pub fn normalize(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            match chars.peek() {
                Some('\r') | Some('\n') => {}
                _ => out.push('\n'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_waits_for_each_trigger_in_turn() {
        let steps = vec![InputStep::new("sel4> ", "ps\r"), InputStep::new("sel4> ", "stats\r")];
        let mut typist = Typist { steps: &steps, next: 0, searched_from: 0 };
        assert!(typist.due(b"booting").is_empty());
        assert_eq!(typist.due(b"booting\nsel4> "), vec!["ps\r".to_string()]);
        assert!(
            typist.due(b"booting\nsel4> ps\nNAME").is_empty(),
            "the same prompt does not count twice"
        );
        assert_eq!(typist.due(b"booting\nsel4> ps\nNAME\nsel4> "), vec!["stats\r".to_string()]);
        assert!(typist.due(b"booting\nsel4> ps\nNAME\nsel4> \nsel4> ").is_empty(), "no steps left");
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exit_status_convention_is_value_shifted_or_one() {
        assert_eq!(SUCCESS_STATUS, 33);
        assert_eq!(FAILURE_STATUS, 35);
        assert_eq!(qemu_exit_status(0), 1);
    }

    #[test]
    fn normalize_strips_carriage_returns_and_decodes_lossily() {
        assert_eq!(normalize(b"a\r\nb\r\r\nc\rd\xffe"), "a\nb\nc\nd\u{fffd}e");
    }

    #[test]
    fn expected_lines_must_appear_in_order() {
        let console = "one\ntwo\nthree\n";
        assert!(missing_in_order(console, &strings(&["one", "three"])).is_empty());
        assert_eq!(missing_in_order(console, &strings(&["three", "one"])), strings(&["one"]));
        assert_eq!(
            missing_in_order(console, &strings(&["one", "four", "two"])),
            strings(&["four"])
        );
    }

    #[test]
    fn first_marker_line_in_console_order_is_found() {
        let markers = strings(&["panicked at", "vm fault on"]);
        let console = "boot\nvm fault on data\npanicked at x\n";
        assert_eq!(find_marker(console, &markers), Some(("vm fault on", "vm fault on data")));
        assert_eq!(find_marker("all fine\n", &markers), None);
    }

    #[test]
    fn failure_reasons_read_in_terms_of_isa_debug_exit() {
        let f = Failure::ExitStatus { status: Some(35) };
        assert!(f.to_string().contains("0x11"), "{f}");
        let f = Failure::ExitStatus { status: Some(0) };
        assert!(f.to_string().contains("without the guest"), "{f}");
    }
}
