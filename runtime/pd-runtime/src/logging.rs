//! `log` backend: each line goes to the system console over this
//! component's log ring (`system_manifest::console`) when the system has a console,
//! otherwise to the kernel's debug console, prefixed with the level and the
//! component's name.
//!
//! Log lines never block the component: when the ring stays full (the
//! console is not draining it) the line is dropped and counted
//! (`PdStats::log_dropped`).

use core::cell::UnsafeCell;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use log::{LevelFilter, Log, Metadata, Record};
use system_manifest::console::{level, LogMessage};

use crate::ring::RingProducer;

struct ComponentLogger;

static LOGGER: ComponentLogger = ComponentLogger;

struct LogRing(UnsafeCell<Option<RingProducer>>);
// SAFETY: one thread per protection domain; `BUSY` excludes re-entry.
unsafe impl Sync for LogRing {}
static RING: LogRing = LogRing(UnsafeCell::new(None));
static BUSY: AtomicBool = AtomicBool::new(false);

/// Times a full ring is retried (yielding to equal priorities in between)
/// before the line is dropped.
const FULL_RETRIES: usize = 64;

impl Log for ComponentLogger {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let code = match record.level() {
            log::Level::Error => level::ERROR,
            log::Level::Warn => level::WARN,
            log::Level::Info => level::INFO,
            log::Level::Debug => level::DEBUG,
            log::Level::Trace => level::TRACE,
        };
        write_line(code, format_args!("{}", record.args()));
    }

    fn flush(&self) {}
}

/// Writes one line of level `code` (`system_manifest::console::level`; `RAW` is
/// printed without a prefix).
pub fn write_line(code: u8, args: fmt::Arguments<'_>) {
    if !BUSY.swap(true, Ordering::Acquire) {
        // SAFETY: single thread, and `BUSY` excludes re-entry.
        if let Some(ring) = unsafe { &mut *RING.0.get() } {
            send(ring, code, args);
            BUSY.store(false, Ordering::Release);
            return;
        }
        BUSY.store(false, Ordering::Release);
    }
    // No console (or a line logged while one is being sent).
    let name = crate::config::name_or_unknown();
    let _ = match code {
        level::RAW => writeln!(sel4::DebugConsole, "{args}"),
        level::TEXT => write!(sel4::DebugConsole, "{args}"),
        _ => writeln!(sel4::DebugConsole, "[{:<5} {name}] {args}", level_name(code)),
    };
}

fn level_name(code: u8) -> &'static str {
    match code {
        level::ERROR => "ERROR",
        level::WARN => "WARN",
        level::INFO => "INFO",
        level::DEBUG => "DEBUG",
        _ => "TRACE",
    }
}

/// Sends one log message (the level byte, then as much of the text as fits)
/// over the component's log ring, retrying a full ring a few times.
fn send(ring: &mut RingProducer, code: u8, args: fmt::Arguments<'_>) {
    let message = LogMessage::new(code, ring.max_payload(), args);
    let counters = crate::stats::counters();
    for _ in 0..FULL_RETRIES {
        match ring.try_send(message.as_bytes()) {
            Ok(()) => {
                ring.publish();
                counters.log_lines.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(crate::ring::SendError::Full) => {
                ring.publish();
                sel4::yield_now();
            }
            Err(_) => break,
        }
    }
    counters.log_dropped.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn init() {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(LevelFilter::Info);
}

/// Opens the log ring; called once the config is read.
pub(crate) fn open_ring() {
    if let Some(name) = crate::config().log_ring.as_ref() {
        let ring = RingProducer::open(name.as_str());
        // SAFETY: single thread; nothing logs through the ring yet.
        unsafe { *RING.0.get() = Some(ring) };
    }
}
