//! How a log line's text reaches the console: which levels a component may
//! print unprefixed, and the escaping of every other line's control
//! characters, so that no line can start another line or carry an escape
//! sequence. The Wasm runtime applies it to `log`, and the console again to
//! every log ring (a native producer writes its ring directly).

use core::fmt;

/// Log levels (as `system_manifest::console::level`).
pub mod level {
    /// A whole line printed as it is (a shell's output).
    pub const RAW: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const INFO: u8 = 3;
    pub const TRACE: u8 = 5;
    /// Text printed as it is, without a line end (echo, prompts).
    pub const TEXT: u8 = 6;
}

/// The unprefixed output a component is granted (`console_output`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grant {
    pub raw: bool,
    pub text: bool,
}

/// How one line is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// As it is, with a line end (granted raw).
    Raw,
    /// As it is, without a line end (granted text).
    Text,
    /// Prefixed with this level (1 error .. 5 trace) and the sender's name,
    /// its control characters escaped.
    Prefixed(u8),
}

impl Output {
    /// The level byte of this output.
    pub fn level(self) -> u8 {
        match self {
            Output::Raw => level::RAW,
            Output::Text => level::TEXT,
            Output::Prefixed(level) => level,
        }
    }
}

/// How a line logged at `level` by a sender granted `grant` is printed:
/// raw and text only when granted, levels 1..=5 as they are, anything else
/// at info.
pub fn output_of(level: i64, grant: Grant) -> Output {
    match level {
        0 if grant.raw => Output::Raw,
        6 if grant.text => Output::Text,
        1..=5 => Output::Prefixed(level as u8),
        _ => Output::Prefixed(level::INFO),
    }
}

/// At most `max` bytes of `bytes`, cut before a character that would not
/// fit whole (a UTF-8 continuation byte never starts the cut-off part).
pub fn cut(bytes: &[u8], max: usize) -> &[u8] {
    if bytes.len() <= max {
        return bytes;
    }
    let mut end = max;
    // A UTF-8 character has at most 3 continuation bytes.
    while end > 0 && max - end < 4 && bytes[end] & 0xc0 == 0x80 {
        end -= 1;
    }
    if max - end >= 4 {
        // Not UTF-8 here anyway: cut where asked.
        end = max;
    }
    &bytes[..end]
}

/// Whether `c` is escaped: C0 controls (line ends, ESC, ...), DEL, and the
/// C1 controls U+0080..U+009F (some terminals act on them).
pub fn is_control(c: char) -> bool {
    c < ' ' || ('\u{7f}'..='\u{9f}').contains(&c)
}

/// Text as UTF-8 (invalid bytes shown as U+FFFD) with every control
/// character written as an escape: `\x0a` for C0 controls and DEL,
/// `\u{85}` for C1 controls. Formats without allocating.
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            let valid = chunk.valid();
            let mut start = 0;
            for (at, c) in valid.char_indices() {
                if is_control(c) {
                    f.write_str(&valid[start..at])?;
                    if (c as u32) < 0x80 {
                        write!(f, "\\x{:02x}", c as u32)?;
                    } else {
                        write!(f, "\\u{{{:x}}}", c as u32)?;
                    }
                    start = at + c.len_utf8();
                }
            }
            f.write_str(&valid[start..])?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{fffd}")?;
            }
        }
        Ok(())
    }
}

/// Text as UTF-8, invalid bytes shown as U+FFFD, nothing escaped (for the
/// raw and text output of a component granted it).
pub struct Lossy<'a>(pub &'a [u8]);

impl fmt::Display for Lossy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{fffd}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::{String, ToString};

    use super::*;

    fn escaped(bytes: &[u8]) -> String {
        Escaped(bytes).to_string()
    }

    #[test]
    fn line_ends_and_escape_sequences_are_escaped() {
        assert_eq!(
            escaped(b"ok\n[ERROR root-task] supervisor: forged"),
            "ok\\x0a[ERROR root-task] supervisor: forged"
        );
        assert_eq!(escaped(b"\r\x1b[2J\x07\x7f\x00"), "\\x0d\\x1b[2J\\x07\\x7f\\x00");
        assert_eq!(escaped("a\u{85}b\u{9b}c".as_bytes()), "a\\u{85}b\\u{9b}c");
    }

    #[test]
    fn ordinary_text_is_kept() {
        assert_eq!(
            escaped("tab-free text, é, ü, 東京, \u{a0}".as_bytes()),
            "tab-free text, é, ü, 東京, \u{a0}"
        );
        assert_eq!(escaped(b""), "");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(escaped(b"a\xffb\n"), "a\u{fffd}b\\x0a");
        assert_eq!(Lossy(b"a\xff\nb").to_string(), "a\u{fffd}\nb");
    }

    #[test]
    fn raw_and_text_need_their_grant() {
        let none = Grant::default();
        let raw = Grant { raw: true, text: false };
        let text = Grant { raw: false, text: true };
        assert_eq!(output_of(0, none), Output::Prefixed(level::INFO));
        assert_eq!(output_of(6, none), Output::Prefixed(level::INFO));
        assert_eq!(output_of(0, raw), Output::Raw);
        assert_eq!(output_of(6, raw), Output::Prefixed(level::INFO));
        assert_eq!(output_of(6, text), Output::Text);
        assert_eq!(output_of(0, text), Output::Prefixed(level::INFO));
        assert_eq!(output_of(1, none), Output::Prefixed(level::ERROR));
        assert_eq!(output_of(5, none), Output::Prefixed(level::TRACE));
        for odd in [-1, 7, 255, i64::from(i32::MIN), i64::MAX] {
            assert_eq!(output_of(odd, Grant { raw: true, text: true }), Output::Prefixed(3));
        }
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        assert_eq!(cut(b"abc", 5), b"abc");
        assert_eq!(cut(b"abcdef", 3), b"abc");
        // "é" is 2 bytes: a cut in its middle leaves it out.
        assert_eq!(cut("aé".as_bytes(), 2), b"a");
        assert_eq!(cut("a東".as_bytes(), 3), b"a");
        assert_eq!(cut("a東".as_bytes(), 4), "a東".as_bytes());
        // Not UTF-8 (only continuation bytes): cut where asked.
        assert_eq!(cut(&[0x80; 10], 6).len(), 6);
        assert_eq!(cut(&[0xff; 1000], 255).len(), 255);
    }
}
