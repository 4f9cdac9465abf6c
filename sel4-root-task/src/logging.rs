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

/// Writes `record` to the early console.
pub fn early(record: &Record) {
    let _ = writeln!(crate::exit::Console, "[{:<5} root-task] {}", record.level(), record.args());
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
