//! The system console (`[console]` in the description): every component (the
//! console component itself included) gets a ring of its own, named
//! [`LOG_RING_PREFIX`] + its name, on which its runtime sends its log lines
//! to the console component; the root task has one too ([`ROOT_LOG_RING`]).
//! A message is one line: a level byte ([`level`]) followed by UTF-8 text
//! without a line end.

use fixed_line::FixedLine;

/// The channel id of the log ring at both ends (reserved when a system has a
/// console). All log rings signal the console on this one channel, so the
/// console serves any number of components with one id.
pub const LOG_CHANNEL: u8 = crate::layout::MAX_CHANNELS - 1;
/// Log rings are named this prefix and the producer's name.
pub const LOG_RING_PREFIX: &str = "log:";
/// The root task's log ring.
pub const ROOT_LOG_RING: &str = "log:root-task";
/// Slots of a log ring.
pub const LOG_SLOTS: u32 = 32;
/// Bytes of a log ring slot: a level byte and up to 255 bytes of text.
pub const LOG_SLOT_SIZE: u32 = 256;
/// Where the root task maps the components' counter pages in its own
/// address space (component `i` at `+ i * PAGE_SIZE`).
pub const ROOT_STATS_VADDR: u64 = 0x0102_0000_0000;
/// Where the root task maps its log ring in its own address space.
pub const ROOT_LOG_RING_VADDR: u64 = 0x0100_0000_0000;

/// The first byte of a log message.
pub mod level {
    /// Printed as it is, without a prefix (a shell's output).
    pub const RAW: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const WARN: u8 = 2;
    pub const INFO: u8 = 3;
    pub const DEBUG: u8 = 4;
    pub const TRACE: u8 = 5;
    /// Written exactly as it is, without a line end (echo, prompts).
    pub const TEXT: u8 = 6;
}

/// A log message as it travels over a log ring: the level byte, then as much
/// of the text as fits the ring's largest message, cut on a character
/// boundary ([`FixedLine`]). Both senders (the root task and the components'
/// runtime) format into one of these on the stack.
pub struct LogMessage {
    bytes: [u8; LOG_SLOT_SIZE as usize],
    len: usize,
}

impl LogMessage {
    /// `args` at `level` (see [`level`]), for a ring whose messages are at
    /// most `max_payload` bytes.
    pub fn new(level: u8, max_payload: usize, args: core::fmt::Arguments<'_>) -> LogMessage {
        let limit = max_payload.clamp(1, LOG_SLOT_SIZE as usize);
        let mut bytes = [0; LOG_SLOT_SIZE as usize];
        bytes[0] = level;
        let mut text = FixedLine::new(&mut bytes[1..limit]);
        // A line too long for the ring is sent cut.
        let _ = core::fmt::Write::write_fmt(&mut text, args);
        let len = 1 + text.len();
        LogMessage { bytes, len }
    }

    /// The level byte and the text, to send as one ring message.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_the_level_byte_then_the_text() {
        let m = LogMessage::new(level::WARN, 256, format_args!("disk {}% full", 93));
        assert_eq!(m.as_bytes(), b"\x02disk 93% full");
    }

    #[test]
    fn text_is_cut_to_the_ring_message_size_on_a_character_boundary() {
        // 1 level byte + 4 bytes of room: "ab" then "é" (2 bytes) fits,
        // the next "é" would be cut in half, so it is left out.
        let m = LogMessage::new(level::INFO, 5, format_args!("abéé"));
        assert_eq!(m.as_bytes(), "\x03abé".as_bytes());
        let long = [b'x'; 600];
        let m = LogMessage::new(
            level::INFO,
            4096,
            format_args!("{}", core::str::from_utf8(&long).unwrap()),
        );
        assert_eq!(m.as_bytes().len(), LOG_SLOT_SIZE as usize, "never more than a slot");
    }

    #[test]
    fn a_ring_with_room_for_the_level_byte_only_gets_no_text() {
        let m = LogMessage::new(level::ERROR, 0, format_args!("lost"));
        assert_eq!(m.as_bytes(), b"\x01");
    }
}
