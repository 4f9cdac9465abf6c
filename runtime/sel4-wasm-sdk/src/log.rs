//! Logging through the host's `log` function: each line is formatted into a
//! fixed buffer on the stack (no allocation) and printed by the runtime,
//! prefixed with the component's name. Lines longer than
//! [`LINE_BYTES`] are cut at a character boundary and end with `...`.
//!
//! ```ignore
//! sel4_wasm_sdk::info!("x = {}", x);
//! ```

use core::fmt::{self, Write};

/// Longest log line, in bytes.
pub const LINE_BYTES: usize = 256;

const ELLIPSIS: &str = "...";

/// The level of a log line, numbered as the ABI's `log` wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(i32)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

/// A line of at most `N` bytes being formatted; what does not fit is
/// dropped and the line marked as cut.
pub struct Line<const N: usize> {
    bytes: [u8; N],
    len: usize,
    cut: bool,
}

impl<const N: usize> Line<N> {
    pub const fn new() -> Self {
        Line { bytes: [0; N], len: 0, cut: false }
    }

    /// The text: everything written if it fit, otherwise as much as fits
    /// before a trailing `...`.
    pub fn as_str(&self) -> &str {
        let text = &self.bytes[..self.len];
        // SAFETY: only whole characters of `str`s are copied in (`write_str`
        // and `finish` cut at character boundaries).
        unsafe { core::str::from_utf8_unchecked(text) }
    }

    /// Whether some of the text did not fit.
    pub fn was_cut(&self) -> bool {
        self.cut
    }

    /// Ends the line: if it was cut, makes room for and appends `...`.
    pub fn finish(&mut self) -> &str {
        if self.cut && N >= ELLIPSIS.len() {
            let mut keep = self.len.min(N - ELLIPSIS.len());
            while keep > 0 && !is_char_start(self.bytes[keep]) {
                keep -= 1;
            }
            self.bytes[keep..keep + ELLIPSIS.len()].copy_from_slice(ELLIPSIS.as_bytes());
            self.len = keep + ELLIPSIS.len();
            self.cut = false;
        }
        self.as_str()
    }
}

impl<const N: usize> Default for Line<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `byte` starts a character (is not a UTF-8 continuation byte).
fn is_char_start(byte: u8) -> bool {
    byte & 0xc0 != 0x80
}

impl<const N: usize> Write for Line<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.cut {
            return Ok(());
        }
        let room = N - self.len;
        let mut take = s.len().min(room);
        if take < s.len() {
            self.cut = true;
            while !s.is_char_boundary(take) {
                take -= 1;
            }
        }
        self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        // Never fail: a cut line is still printed.
        Ok(())
    }
}

/// Writes one line of `level` (what the macros call).
pub fn write(level: Level, args: fmt::Arguments<'_>) {
    let mut line = Line::<LINE_BYTES>::new();
    let _ = line.write_fmt(args);
    write_str(level, line.finish());
}

/// Writes `text` as one line of `level`, as it is.
pub fn write_str(level: Level, text: &str) {
    // SAFETY: the host reads `text.len()` bytes at `text.as_ptr()`.
    unsafe { crate::sys::log(level as i32, text.as_ptr(), text.len()) }
}

/// Writes one line as it is, without level or name (a shell's output):
/// `sdk::raw!("{} components", n)`.
pub fn write_raw(args: fmt::Arguments<'_>) {
    let mut line = Line::<LINE_BYTES>::new();
    let _ = line.write_fmt(args);
    let text = line.finish();
    // SAFETY: the host reads `text.len()` bytes at `text.as_ptr()`.
    unsafe { crate::sys::log(0, text.as_ptr(), text.len()) }
}

/// Writes `text` exactly as it is, without a line end (echo, prompts).
pub fn write_text(text: &str) {
    // SAFETY: the host reads `text.len()` bytes at `text.as_ptr()`.
    unsafe { crate::sys::log(6, text.as_ptr(), text.len()) }
}

/// Writes a line without level or name: `raw!("{} components", n)`.
#[macro_export]
macro_rules! raw {
    ($($arg:tt)+) => {
        $crate::log::write_raw(::core::format_args!($($arg)+))
    };
}

/// Logs a line at `level`: `log!(Level::Info, "x = {}", x)`.
#[macro_export]
macro_rules! log {
    ($level:expr, $($arg:tt)+) => {
        $crate::log::write($level, ::core::format_args!($($arg)+))
    };
}

/// Logs an error line (level 1).
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::log!($crate::log::Level::Error, $($arg)+) };
}

/// Logs a warning line (level 2).
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::log!($crate::log::Level::Warn, $($arg)+) };
}

/// Logs an information line (level 3).
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::log!($crate::log::Level::Info, $($arg)+) };
}

/// Logs a debugging line (level 4).
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::log!($crate::log::Level::Debug, $($arg)+) };
}

/// Logs a tracing line (level 5).
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::log!($crate::log::Level::Trace, $($arg)+) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::{self, Call};
    use std::string::String;

    fn line<const N: usize>(args: fmt::Arguments<'_>) -> String {
        let mut line = Line::<N>::new();
        line.write_fmt(args).unwrap();
        line.finish().into()
    }

    #[test]
    fn short_lines_are_kept() {
        assert_eq!(line::<16>(format_args!("x = {}", 42)), "x = 42");
        assert_eq!(line::<6>(format_args!("x = {}", 42)), "x = 42", "exactly full is not cut");
    }

    #[test]
    fn long_lines_end_with_an_ellipsis() {
        assert_eq!(line::<10>(format_args!("{}", "abcdefghijklmnop")), "abcdefg...");
        assert_eq!(line::<10>(format_args!("{}{}", "abcdefghi", "jk")), "abcdefg...");
        assert_eq!(line::<3>(format_args!("abcd")), "...");
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        // "é" is two bytes: neither the cut nor the ellipsis may split it.
        let text = line::<8>(format_args!("{}", "aéééééé"));
        assert_eq!(text, "aéé...");
        let text = line::<9>(format_args!("{}", "aéééééé"));
        assert_eq!(text, "aéé...", "the ellipsis does not split a character either");
        let text = line::<10>(format_args!("{}", "aéééééé"));
        assert_eq!(text, "aééé...");
    }

    #[test]
    fn macros_send_one_line_per_call() {
        mock::reset();
        crate::info!("x = {}", 1);
        crate::error!("{}", "y".repeat(LINE_BYTES * 2));
        crate::trace!("done");
        let logs: std::vec::Vec<_> = mock::calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Log { level, text } => Some((level, text)),
                _ => None,
            })
            .collect();
        assert_eq!(logs.len(), 3);
        assert_eq!(logs[0], (3, "x = 1".into()));
        assert_eq!(logs[1].0, 1);
        assert_eq!(logs[1].1.len(), LINE_BYTES);
        assert!(logs[1].1.ends_with("y..."));
        assert_eq!(logs[2], (5, "done".into()));
    }
}
