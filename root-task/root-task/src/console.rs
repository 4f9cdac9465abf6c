//! The root task's lines once the system's console runs: sent over the root
//! task's own log ring (`system_manifest::console::ROOT_LOG_RING`) to the console
//! component, like every component's, so all output takes one path and
//! stays in order. Before that, and whenever the ring is full, lines go to
//! the early console instead: nothing is lost, at worst a line is out of
//! order.

use core::cell::UnsafeCell;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

use log::Record;
use sel4_root_task::logging;
use sel4_root_task::sel4::cap;
use shared_ring::{Producer, RingGeometry, SendError};
use system_manifest::console::{level, LogMessage, LOG_SLOTS, LOG_SLOT_SIZE};

struct RootConsole {
    ring: Producer<'static>,
    /// Signals the console component on its log channel.
    signal: cap::Notification,
}

struct Slot(UnsafeCell<Option<RootConsole>>);

// SAFETY: the root task has one thread; `BUSY` keeps a nested log call (a
// line logged while one is being sent) off the ring.
unsafe impl Sync for Slot {}

static CONSOLE: Slot = Slot(UnsafeCell::new(None));
static BUSY: AtomicBool = AtomicBool::new(false);

/// Sends the root task's lines over the log ring mapped at `base` from now on.
///
/// # Safety
/// `base` is the root task's mapping of its log ring region, shared only
/// with the console component (the consumer), for the rest of the run.
pub unsafe fn start(base: *mut u8, signal: cap::Notification) -> Result<(), &'static str> {
    let geometry =
        RingGeometry::new(LOG_SLOTS, LOG_SLOT_SIZE).map_err(|_| "bad log ring geometry")?;
    // SAFETY: forwarded from the caller.
    let ring =
        unsafe { Producer::new(base, geometry) }.map_err(|_| "the log ring region is misplaced")?;
    // SAFETY: single thread, and the sink is not installed yet.
    unsafe { *CONSOLE.0.get() = Some(RootConsole { ring, signal }) };
    send_kept_lines();
    logging::set_sink(sink);
    Ok(())
}

/// Back to the early console (before the system ends).
pub fn stop() {
    logging::use_early_console();
}

fn level_byte(level: log::Level) -> u8 {
    match level {
        log::Level::Error => level::ERROR,
        log::Level::Warn => level::WARN,
        log::Level::Info => level::INFO,
        log::Level::Debug => level::DEBUG,
        log::Level::Trace => level::TRACE,
    }
}

fn sink(record: &Record) {
    if BUSY.swap(true, Ordering::Acquire) {
        return logging::early(record);
    }
    let mut sent = send(record.level(), *record.args());
    if !sent && !sel4_root_task::HAS_EARLY_CONSOLE {
        // Nowhere else to write: wait for the console to make room.
        make_room();
        sent = send(record.level(), *record.args());
    }
    BUSY.store(false, Ordering::Release);
    if !sent {
        logging::early(record);
    }
}

/// Sends one line over the root task's log ring; false if it is full (or
/// not set up).
fn send(level: log::Level, args: fmt::Arguments) -> bool {
    // SAFETY: single thread, and `BUSY` (or `start`) excludes re-entry.
    let Some(console) = (unsafe { &mut *CONSOLE.0.get() }) else {
        return false;
    };
    let max_payload = console.ring.geometry().max_payload() as usize;
    let message = LogMessage::new(level_byte(level), max_payload, args);
    match console.ring.try_send(message.as_bytes()) {
        Ok(()) => {
            if console.ring.publish().is_needed() {
                console.signal.signal();
            }
            true
        }
        Err(SendError::Full | SendError::TooLarge { .. } | SendError::Ring(_)) => false,
    }
}

/// Lets every component run until it waits (the console drains the ring):
/// the root task drops below them all for one yield.
fn make_room() {
    use sel4_root_task::init_caps;
    if init_caps::TCB.set_priority(0).is_ok() {
        sel4_root_task::sel4::yield_now();
        let _ = init_caps::TCB.set_priority(ROOT_PRIORITY);
    }
}

/// The root task's priority (seL4 starts it at the highest).
const ROOT_PRIORITY: u8 = 255;

/// Sends the lines kept for lack of an early console (a board whose root
/// task cannot write its serial port, under a kernel that does not print).
fn send_kept_lines() {
    logging::take_kept_lines(|level, text| {
        if !send(level, format_args!("{text}")) {
            make_room();
            let _ = send(level, format_args!("{text}"));
        }
    });
}
