//! `log` backend over the kernel's debug console.

use core::fmt::Write;

use log::{LevelFilter, Log, Metadata, Record};

struct DebugConsoleLogger;

static LOGGER: DebugConsoleLogger = DebugConsoleLogger;

impl Log for DebugConsoleLogger {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let _ = writeln!(crate::exit::Console, "[{:<5} root-task] {}", record.level(), record.args());
    }

    fn flush(&self) {}
}

pub(crate) fn init() {
    // Only fails if a logger is already set, which cannot happen here.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(if cfg!(debug_assertions) { LevelFilter::Trace } else { LevelFilter::Info });
}
