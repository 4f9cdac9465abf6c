//! `log` backend: each line prefixed with the level and the component's name.

use core::fmt::Write;

use log::{LevelFilter, Log, Metadata, Record};

struct ComponentLogger;

static LOGGER: ComponentLogger = ComponentLogger;

impl Log for ComponentLogger {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        let _ = writeln!(sel4::DebugConsole, "[{:<5} {}] {}", record.level(), crate::name(), record.args());
    }

    fn flush(&self) {}
}

pub(crate) fn init() {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(LevelFilter::Info);
}
