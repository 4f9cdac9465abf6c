//! A line of formatted text in a fixed byte buffer, without allocation.
//!
//! [`FixedLine`] implements [`core::fmt::Write`] into a buffer it borrows.
//! Text that does not fit is cut after the last whole character that does,
//! and nothing written after a cut is kept: the line is always a prefix of
//! what was written, and always valid UTF-8. The write that cut returns
//! [`core::fmt::Error`] (so do all later ones), so a caller that needs the
//! whole text can tell; one that wants as much as fits ignores the result.
#![no_std]
#![forbid(unsafe_code)]

use core::fmt;

/// Formatted text in a borrowed byte buffer; see the crate documentation.
#[derive(Debug)]
pub struct FixedLine<'a> {
    buffer: &'a mut [u8],
    len: usize,
    cut: bool,
}

impl<'a> FixedLine<'a> {
    /// An empty line that holds at most `buffer.len()` bytes of text.
    pub fn new(buffer: &'a mut [u8]) -> FixedLine<'a> {
        FixedLine { buffer, len: 0, cut: false }
    }

    /// The text written so far (cut, if [`Self::is_cut`]).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buffer[..self.len])
            .expect("only whole characters of `str`s are copied in")
    }

    /// Bytes of text written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True once some text did not fit (and was left out).
    pub fn is_cut(&self) -> bool {
        self.cut
    }
}

impl fmt::Write for FixedLine<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.cut {
            return Err(fmt::Error);
        }
        let room = self.buffer.len() - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.buffer[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        if take < s.len() {
            self.cut = true;
            return Err(fmt::Error);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn text_that_fits_is_kept_whole() {
        let mut buffer = [0; 16];
        let mut line = FixedLine::new(&mut buffer);
        assert!(line.is_empty());
        assert_eq!(write!(line, "BENCH {} {}", "ipc", 42), Ok(()));
        assert_eq!(line.as_str(), "BENCH ipc 42");
        assert_eq!(line.len(), 12);
        assert!(!line.is_cut());
    }

    #[test]
    fn exactly_full_is_not_a_cut() {
        let mut buffer = [0; 4];
        let mut line = FixedLine::new(&mut buffer);
        assert_eq!(write!(line, "abcd"), Ok(()));
        assert_eq!(line.as_str(), "abcd");
        assert!(!line.is_cut());
        assert_eq!(write!(line, ""), Ok(()), "nothing more to write still fits");
    }

    #[test]
    fn a_multi_byte_character_at_the_cut_is_left_out_whole() {
        // "ab" then "é" (2 bytes) fit in 5; the second "é" would be cut in half.
        let mut buffer = [0; 5];
        let mut line = FixedLine::new(&mut buffer);
        assert_eq!(write!(line, "abéé"), Err(fmt::Error));
        assert_eq!(line.as_str(), "abé");
        assert_eq!(line.len(), 4);
        assert!(line.is_cut());
        // A 4-byte character with only 3 bytes of room: none of it.
        let mut buffer = [0; 3];
        let mut line = FixedLine::new(&mut buffer);
        assert_eq!(line.write_str("🦀"), Err(fmt::Error));
        assert_eq!(line.as_str(), "");
        assert!(line.is_cut());
    }

    #[test]
    fn nothing_after_a_cut_is_kept() {
        // One byte of room is left after the cut "é"; a later "x" would fit
        // but must not follow the missing character.
        let mut buffer = [0; 5];
        let mut line = FixedLine::new(&mut buffer);
        assert_eq!(write!(line, "abé{}", 'é'), Err(fmt::Error));
        assert_eq!(write!(line, "x"), Err(fmt::Error));
        assert_eq!(line.as_str(), "abé");
    }

    #[test]
    fn a_zero_byte_buffer_holds_only_the_empty_line() {
        let mut line = FixedLine::new(&mut []);
        assert_eq!(write!(line, ""), Ok(()));
        assert_eq!(write!(line, "a"), Err(fmt::Error));
        assert_eq!(line.as_str(), "");
    }
}
