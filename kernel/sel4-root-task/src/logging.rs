//! `log` backend: lines go to a sink the root task may replace (the system's
//! console once it runs, see [`set_sink`]); until then, and for last words,
//! to the early console ([`crate::Console`]).

use core::fmt::Write;
use core::sync::atomic::{AtomicPtr, Ordering};

use log::{LevelFilter, Log, Metadata, Record};

/// Where log lines go: called with each record.
pub type Sink = fn(&Record);

struct RootTaskLogger;

static LOGGER: RootTaskLogger = RootTaskLogger;

/// The current sink; null means the early console.
static SINK: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

impl Log for RootTaskLogger {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let sink = SINK.load(Ordering::Acquire);
        if sink.is_null() {
            early(record);
        } else {
            // SAFETY: only `set_sink` stores here, and it stores a `Sink`.
            let sink: Sink = unsafe { core::mem::transmute::<*mut (), Sink>(sink) };
            sink(record);
        }
    }

    fn flush(&self) {}
}

/// Writes `record` to the early console; where there is none, keeps it
/// for the system's console ([`take_kept_lines`]).
pub fn early(record: &Record) {
    if crate::exit::HAS_EARLY_CONSOLE {
        let _ =
            writeln!(crate::exit::Console, "[{:<5} root-task] {}", record.level(), record.args());
    } else {
        kept::keep(record);
    }
}

/// Hands every line kept for lack of an early console to `f` (level, text),
/// oldest first, and forgets them: the root task sends them to the system's
/// console once it runs. Lines beyond the buffer were dropped, and `f` is
/// told how many with a last warning line.
pub fn take_kept_lines(f: impl FnMut(log::Level, &str)) {
    kept::take(f);
}

/// Lines logged before the system's console runs, on a board where the
/// root task has no serial port of its own and the kernel does not print
/// (a release kernel on aarch64): each is a level byte, a length byte and
/// the text (cut to 255 bytes on a character boundary).
mod kept {
    use core::cell::UnsafeCell;
    use core::fmt::Write;

    use fixed_line::FixedLine;
    use log::{Level, Record};

    const BYTES: usize = 4096;
    const MAX_LINE: usize = 255;

    struct Kept {
        bytes: [u8; BYTES],
        len: usize,
        dropped: usize,
    }

    struct Slot(UnsafeCell<Kept>);
    // SAFETY: the root task has one thread, and logging does not nest.
    unsafe impl Sync for Slot {}

    static KEPT: Slot = Slot(UnsafeCell::new(Kept { bytes: [0; BYTES], len: 0, dropped: 0 }));

    pub(super) fn keep(record: &Record) {
        let mut text = [0; MAX_LINE];
        let mut line = FixedLine::new(&mut text);
        // A line too long is kept cut.
        let _ = write!(line, "{}", record.args());
        let line = line.as_str().as_bytes();
        // SAFETY: single thread, no re-entry (formatting is done).
        let kept = unsafe { &mut *KEPT.0.get() };
        if kept.len + 2 + line.len() > BYTES {
            kept.dropped += 1;
            return;
        }
        kept.bytes[kept.len] = record.level() as u8;
        kept.bytes[kept.len + 1] = line.len() as u8;
        kept.bytes[kept.len + 2..kept.len + 2 + line.len()].copy_from_slice(line);
        kept.len += 2 + line.len();
    }

    pub(super) fn take(mut f: impl FnMut(Level, &str)) {
        // SAFETY: single thread; `f` must not log (it sends to the console).
        let kept = unsafe { &mut *KEPT.0.get() };
        let mut at = 0;
        while at < kept.len {
            let level = match kept.bytes[at] {
                1 => Level::Error,
                2 => Level::Warn,
                3 => Level::Info,
                4 => Level::Debug,
                _ => Level::Trace,
            };
            let len = kept.bytes[at + 1] as usize;
            let text =
                core::str::from_utf8(&kept.bytes[at + 2..at + 2 + len]).unwrap_or("(not UTF-8)");
            f(level, text);
            at += 2 + len;
        }
        if kept.dropped > 0 {
            let mut text = [0; MAX_LINE];
            let mut line = FixedLine::new(&mut text);
            let _ = write!(
                line,
                "{} early lines were dropped: the early-line buffer was full",
                kept.dropped
            );
            f(Level::Warn, line.as_str());
        }
        kept.len = 0;
        kept.dropped = 0;
    }
}

/// Sends every later line to `sink`.
pub fn set_sink(sink: Sink) {
    SINK.store(sink as *mut (), Ordering::Release);
}

/// Sends every later line to the early console again (before ending the
/// system, whose console may not get to run).
pub fn use_early_console() {
    SINK.store(core::ptr::null_mut(), Ordering::Release);
}

pub(crate) fn init() {
    // Only fails if a logger is already set, which cannot happen here.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(if cfg!(debug_assertions) { LevelFilter::Trace } else { LevelFilter::Info });
}
