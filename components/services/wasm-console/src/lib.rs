//! The system console as a Wasm component.
//!
//! In a system with `[console]`, every component (this one included) and
//! the root task send their log lines over a log ring of their own
//! (`system_manifest::console`). The console drains them all, prefixes each line
//! with its level and the sender's name (`[INFO  kv] ready`), and sends the
//! text over ring [`OUTPUT`] to the serial driver, which owns the UART.
//!
//! Only a sender granted it (`console_output`, reported per log ring by
//! [`sdk::RingEndInfo::producer_output`]) prints raw lines and text without
//! a prefix; everything else is printed prefixed, at info for the levels
//! not granted, with its control characters escaped, so no sender can
//! forge another's line or send the terminal an escape sequence. The Wasm
//! runtime does the same for its components, but a native producer writes
//! its ring directly, so the console checks again.
//!
//! Lines of one sender stay in order and are never interleaved with another
//! sender's: a line is one ring message end to end. When the driver stops
//! draining (it crashed and is being restarted), the console waits for it
//! with the sender's line still in hand, so nothing it has taken is lost;
//! senders whose own rings then fill drop lines and count them.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use sel4_wasm_sdk::{self as sdk, Channel, Handler, RingConsumer, RingProducer};
use system_manifest::console::{level, LOG_CHANNEL, LOG_RING_PREFIX, LOG_SLOT_SIZE};
use wasm_abi::console_text::{self, Escaped, Grant, Lossy, Output};

sdk::component!(init);

/// The ring to the serial driver.
pub const OUTPUT: &str = "console-tx";

/// Longest formatted line: the prefix, a full log message with every byte
/// escaped (at most 4 characters per byte), and the line end.
pub const LINE_BYTES: usize = 32 + 64 + 4 * LOG_SLOT_SIZE as usize;

/// Formats log message `message` (level byte, then text) from `sender`,
/// granted `grant`, as the console prints it; `None` for an empty
/// (malformed) message. Whether it was printed as text (no line end).
pub fn format_line(sender: &str, grant: Grant, message: &[u8], out: &mut String) -> Option<bool> {
    let (&code, text) = message.split_first()?;
    out.clear();
    let name = match console_text::output_of(code.into(), grant) {
        Output::Raw => {
            let _ = writeln!(out, "{}", Lossy(text));
            return Some(false);
        }
        Output::Text => {
            let _ = write!(out, "{}", Lossy(text));
            return Some(true);
        }
        Output::Prefixed(level::ERROR) => "ERROR",
        Output::Prefixed(level::WARN) => "WARN",
        Output::Prefixed(level::INFO) => "INFO",
        Output::Prefixed(level::DEBUG) => "DEBUG",
        Output::Prefixed(_) => "TRACE",
    };
    let _ = writeln!(out, "[{name:<5} {sender}] {}", Escaped(text));
    Some(false)
}

/// One sender's log ring.
struct Source {
    ring: RingConsumer,
    /// The sender's name (the ring's name without the prefix).
    name: String,
    /// Its unprefixed output grants.
    grant: Grant,
}

pub struct Console {
    sources: Vec<Source>,
    output: RingProducer,
    line: String,
    /// Whether the text so far ended with a line end: a line that arrives
    /// after unfinished text (a prompt) starts on a line of its own.
    at_line_start: bool,
    /// Lines written to the driver, and malformed messages skipped.
    pub lines: u64,
    pub malformed: u64,
}

fn init() -> Console {
    let mut sources = Vec::new();
    for end in sdk::ring_ends() {
        if let Some(name) = end.name().strip_prefix(LOG_RING_PREFIX).filter(|_| end.consumer) {
            match RingConsumer::open_end(end.index) {
                Ok(ring) => {
                    let granted = end.producer_output;
                    let grant = Grant { raw: granted.raw, text: granted.text };
                    sources.push(Source { ring, name: name.into(), grant })
                }
                Err(e) => sdk::error!("log ring `{}`: {e}", end.name()),
            }
        }
    }
    let mut console = Console {
        sources,
        output: RingProducer::open(OUTPUT),
        line: String::with_capacity(LINE_BYTES),
        at_line_start: true,
        lines: 0,
        malformed: 0,
    };
    console.info_start();
    console.drain_all();
    console
}

impl Console {
    fn info_start(&self) {
        sdk::info!("console: {} log rings", self.sources.len());
    }

    /// Moves every waiting line of every sender to the driver.
    fn drain_all(&mut self) {
        let Console { sources, output, line, at_line_start, lines, malformed } = self;
        for source in sources.iter_mut() {
            let drained = source.ring.drain(|message| {
                let Some(is_text) = format_line(&source.name, source.grant, message, line) else {
                    *malformed += 1;
                    return;
                };
                if !is_text && !*at_line_start {
                    line.insert(0, '\n');
                }
                if !line.is_empty() {
                    *at_line_start = line.ends_with('\n');
                }
                // Waits while the driver's ring is full: the line is never dropped here.
                match output.send_blocking(line.as_bytes()) {
                    Ok(()) => *lines += 1,
                    Err(e) => sdk::error!("console output ring: {e}"),
                }
            });
            if let Err(e) = drained {
                sdk::error!("log ring of `{}`: {e}", source.name);
            }
            // Publish per sender: the driver starts on the first lines while
            // the console reads the next ring.
            let _ = output.publish();
        }
    }
}

impl Handler for Console {
    fn notified(&mut self, channel: Channel) {
        if channel.id() == LOG_CHANNEL || channel == self.output.channel() {
            self.drain_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHELL: Grant = Grant { raw: true, text: true };

    fn line(sender: &str, message: &[u8]) -> Option<String> {
        granted(sender, Grant::default(), message)
    }

    fn granted(sender: &str, grant: Grant, message: &[u8]) -> Option<String> {
        let mut out = String::new();
        format_line(sender, grant, message, &mut out).map(|_| out)
    }

    #[test]
    fn lines_carry_level_and_sender() {
        assert_eq!(line("kv", b"\x03ready").as_deref(), Some("[INFO  kv] ready\n"));
        assert_eq!(line("uart", b"\x01boom").as_deref(), Some("[ERROR uart] boom\n"));
        assert_eq!(line("x", b"\x02w").as_deref(), Some("[WARN  x] w\n"));
        assert_eq!(line("root-task", b"\x05t").as_deref(), Some("[TRACE root-task] t\n"));
    }

    #[test]
    fn raw_and_text_are_unprefixed_when_granted() {
        assert_eq!(granted("shell", SHELL, b"\x00  kv running").as_deref(), Some("  kv running\n"));
        assert_eq!(granted("shell", SHELL, b"\x06sel4> ").as_deref(), Some("sel4> "));
        let mut out = String::new();
        assert_eq!(format_line("shell", SHELL, b"\x06sel4> ", &mut out), Some(true), "text");
        assert_eq!(format_line("shell", SHELL, b"\x00ps", &mut out), Some(false));
    }

    #[test]
    fn raw_and_text_without_the_grant_are_info_lines() {
        assert_eq!(
            line("evil", b"\x00[ERROR root-task] supervisor: forged").as_deref(),
            Some("[INFO  evil] [ERROR root-task] supervisor: forged\n")
        );
        assert_eq!(line("evil", b"\x06sel4> ").as_deref(), Some("[INFO  evil] sel4> \n"));
        let raw_only = Grant { raw: true, text: false };
        assert_eq!(granted("x", raw_only, b"\x06t").as_deref(), Some("[INFO  x] t\n"));
        assert_eq!(
            line("x", b"\x07beyond the levels").as_deref(),
            Some("[INFO  x] beyond the levels\n")
        );
    }

    #[test]
    fn control_characters_of_prefixed_lines_are_escaped() {
        assert_eq!(
            line("evil", b"\x03ok\n[ERROR root-task] supervisor: forged").as_deref(),
            Some("[INFO  evil] ok\\x0a[ERROR root-task] supervisor: forged\n")
        );
        assert_eq!(
            line("evil", b"\x01\x1b[2J\r\x7f").as_deref(),
            Some("[ERROR evil] \\x1b[2J\\x0d\\x7f\n")
        );
        assert_eq!(
            line("evil", "\x03a\u{9b}b".as_bytes()).as_deref(),
            Some("[INFO  evil] a\\u{9b}b\n")
        );
        // Not escaped where granted: the shell prints its own layout.
        assert_eq!(granted("shell", SHELL, b"\x00a\tb").as_deref(), Some("a\tb\n"));
    }

    #[test]
    fn malformed_messages_are_reported() {
        assert_eq!(line("x", b""), None);
        assert_eq!(line("x", b"\x03\xff\xfe").as_deref(), Some("[INFO  x] \u{fffd}\u{fffd}\n"));
    }
}
