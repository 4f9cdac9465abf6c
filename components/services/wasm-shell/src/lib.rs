//! The console shell as a Wasm component.
//!
//! Bytes typed at the serial console reach it over ring [`INPUT`] (from the
//! serial driver); it echoes them, edits the line (backspace), and runs the
//! command on Enter. It asks the root task through its control channel
//! (`control` in the description, which grants each verb per component;
//! `system_manifest::control`):
//!
//! - `ps`: every component it may inspect, with state, restarts and faults;
//! - `stats [NAME]`: per-channel call, signal and ring counters;
//! - `restart NAME`: restarts a running component now;
//! - `stop NAME`: stops a running component (its callers get `SERVER_DIED`);
//! - `start NAME`: starts a stopped or exited component again;
//! - `help`.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use sel4_wasm_sdk::{self as sdk, Channel, Error, Handler, RingConsumer};
use system_manifest::control::{self, info_reply, reply, request, state};

sdk::component!(init);

/// The ring typed bytes arrive on.
pub const INPUT: &str = "console-rx";
/// What the shell prints when it waits for a command.
pub const PROMPT: &str = "sel4> ";
/// Longest command line.
pub const LINE_BYTES: usize = 128;

/// What a key does to the line being edited.
#[derive(Debug, PartialEq, Eq)]
pub enum Key {
    /// Run the line.
    Enter,
    /// A character was added (echo it).
    Added(char),
    /// The last character was removed (erase it on screen).
    Erased,
    /// Nothing changed.
    Ignored,
}

/// The line being typed.
#[derive(Debug, Default)]
pub struct LineEditor {
    line: String,
}

impl LineEditor {
    /// Applies one typed byte.
    pub fn key(&mut self, byte: u8) -> Key {
        match byte {
            b'\r' | b'\n' => Key::Enter,
            0x08 | 0x7f => match self.line.pop() {
                Some(_) => Key::Erased,
                None => Key::Ignored,
            },
            0x20..=0x7e if self.line.len() < LINE_BYTES => {
                self.line.push(byte as char);
                Key::Added(byte as char)
            }
            _ => Key::Ignored,
        }
    }

    /// Takes the finished line, leaving an empty one.
    pub fn take(&mut self) -> String {
        core::mem::take(&mut self.line)
    }
}

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<'a> {
    Empty,
    Help,
    Ps,
    Stats(Option<&'a str>),
    /// `restart`, `start` or `stop` of a component: the request label and the name.
    Change(u64, &'a str),
    /// Unknown command or wrong arguments: the message to print.
    Invalid(String),
}

pub fn parse(line: &str) -> Command<'_> {
    let mut words = line.split_whitespace();
    let Some(command) = words.next() else { return Command::Empty };
    let args: Vec<&str> = words.collect();
    match (command, args.as_slice()) {
        ("help", []) => Command::Help,
        ("ps", []) => Command::Ps,
        ("stats", []) => Command::Stats(None),
        ("stats", [name]) => Command::Stats(Some(name)),
        ("restart", [name]) => Command::Change(request::RESTART, name),
        ("start", [name]) => Command::Change(request::START, name),
        ("stop", [name]) => Command::Change(request::STOP, name),
        ("restart" | "start" | "stop", _) => {
            Command::Invalid(alloc::format!("usage: {command} NAME"))
        }
        ("stats", _) => Command::Invalid("usage: stats [NAME]".into()),
        (other, _) => Command::Invalid(alloc::format!("unknown command `{other}` (try `help`)")),
    }
}

/// A component as `ps` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentInfo {
    pub index: u64,
    pub name: String,
    pub state: u64,
    pub exit_code: u64,
    pub restarts: u64,
    pub faults: u64,
    /// Restarts and starts asked for over the control channel.
    pub requested_restarts: u64,
    /// The index of the component it is calling and waiting on now.
    pub waits_on: Option<u64>,
}

impl ComponentInfo {
    /// Decodes an `INFO` reply (`system_manifest::control::request::INFO`).
    pub fn decode(index: u64, reply: &[u8]) -> Option<ComponentInfo> {
        let word = |i: usize| {
            reply.get(i * 8..i * 8 + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()))
        };
        let name_len = word(info_reply::NAME_LEN)? as usize;
        let name = reply.get(info_reply::NAME_OFFSET..info_reply::NAME_OFFSET + name_len)?;
        Some(ComponentInfo {
            index,
            name: String::from_utf8_lossy(name).into_owned(),
            state: word(info_reply::STATE)?,
            exit_code: word(info_reply::EXIT_CODE)?,
            restarts: word(info_reply::RESTARTS)?,
            faults: word(info_reply::FAULTS)?,
            requested_restarts: word(info_reply::REQUESTED_RESTARTS)?,
            waits_on: word(info_reply::WAITS_ON)?.checked_sub(1),
        })
    }

    pub fn state_text(&self) -> String {
        match self.state {
            state::RUNNING => "running".into(),
            state::EXITED => alloc::format!("exited ({})", self.exit_code),
            state::STOPPED => "stopped".into(),
            _ => "unknown".into(),
        }
    }
}

/// Why a request to the root task failed.
#[derive(Debug)]
pub enum AskError {
    /// The call itself failed.
    Call(Error),
    /// The root task answered with this error label (`system_manifest::control::reply`).
    Refused(u64),
    /// The answer was shorter than its format.
    Malformed,
}

impl core::fmt::Display for AskError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AskError::Call(e) => write!(f, "the call failed: {e}"),
            AskError::Refused(reply::NO_SUCH_COMPONENT) => f.write_str("no such component"),
            AskError::Refused(reply::NOT_PERMITTED) => {
                f.write_str("not permitted: the system description does not grant it to this shell")
            }
            AskError::Refused(reply::RATE_LIMITED) => write!(
                f,
                "refused: more than {} restarts or starts in {} s; try again later",
                control::RESTARTS_PER_WINDOW,
                control::RATE_WINDOW_MS / 1000
            ),
            AskError::Refused(reply::WRONG_STATE) => {
                f.write_str("refused: not in a state for that (`restart`/`stop` a running component, `start` a stopped one)")
            }
            AskError::Refused(label) => write!(f, "refused with label {label}"),
            AskError::Malformed => f.write_str("a malformed answer"),
        }
    }
}

pub struct Shell {
    input: RingConsumer,
    control: Channel,
    editor: LineEditor,
    reply: [u8; sdk::MAX_MESSAGE_BYTES],
}

fn init() -> Shell {
    let mut shell = Shell {
        input: RingConsumer::open(INPUT),
        control: Channel::new(control::CHANNEL),
        editor: LineEditor::default(),
        reply: [0; sdk::MAX_MESSAGE_BYTES],
    };
    sdk::raw!("shell: type `help` for commands");
    sdk::log::write_text(PROMPT);
    // Take what was typed before the shell ran, and tell the serial driver
    // that this end sleeps: from then on it signals each arrival.
    shell.read_input();
    shell
}

impl Shell {
    fn ask(&mut self, label: u64, index: u64) -> Result<&[u8], AskError> {
        let reply = self
            .control
            .call(label, &index.to_le_bytes(), &mut self.reply)
            .map_err(AskError::Call)?;
        if reply.label != reply::OK {
            return Err(AskError::Refused(reply.label));
        }
        Ok(&self.reply[..reply.len])
    }

    fn components(&mut self) -> Result<Vec<ComponentInfo>, AskError> {
        let count = self.ask(request::COUNT, 0)?;
        let count =
            u64::from_le_bytes(count.get(..8).ok_or(AskError::Malformed)?.try_into().unwrap());
        let mut all = Vec::new();
        for index in 0..count {
            // Components this shell may not inspect are left out.
            let reply = match self.ask(request::INFO, index) {
                Err(AskError::Refused(reply::NOT_PERMITTED)) => continue,
                reply => reply?,
            };
            all.push(ComponentInfo::decode(index, reply).ok_or(AskError::Malformed)?);
        }
        Ok(all)
    }

    fn run(&mut self, line: &str) {
        let result = match parse(line) {
            Command::Empty => Ok(()),
            Command::Help => {
                sdk::raw!(
                    "commands: ps | stats [NAME] | restart NAME | stop NAME | start NAME | help"
                );
                Ok(())
            }
            Command::Invalid(message) => {
                sdk::raw!("{message}");
                Ok(())
            }
            Command::Ps => self.ps(),
            Command::Stats(name) => self.stats(name),
            Command::Change(label, name) => self.change(label, name),
        };
        if let Err(e) = result {
            sdk::raw!("error: asking the root task: {e}");
        }
    }

    fn ps(&mut self) -> Result<(), AskError> {
        let all = self.components()?;
        sdk::raw!(
            "{:<16} {:<12} {:>8} {:>6} {:>6}  {}",
            "NAME",
            "STATE",
            "RESTARTS",
            "FAULTS",
            "ASKED",
            "WAITS ON"
        );
        for c in &all {
            // A server this shell may not inspect is shown by its index.
            let waits_on = c.waits_on.map(|i| {
                all.iter()
                    .find(|s| s.index == i)
                    .map_or_else(|| alloc::format!("#{i}"), |s| s.name.clone())
            });
            sdk::raw!(
                "{:<16} {:<12} {:>8} {:>6} {:>6}  {}",
                c.name,
                c.state_text(),
                c.restarts,
                c.faults,
                c.requested_restarts,
                waits_on.as_deref().unwrap_or("-")
            );
        }
        Ok(())
    }

    fn stats(&mut self, name: Option<&str>) -> Result<(), AskError> {
        let all = self.components()?;
        let chosen: Vec<&ComponentInfo> =
            all.iter().filter(|c| name.is_none_or(|n| c.name == n)).collect();
        if chosen.is_empty() {
            sdk::raw!("no component is named `{}`", name.unwrap_or(""));
            return Ok(());
        }
        for c in chosen {
            let text = self.ask(request::STATS, c.index)?;
            let text = core::str::from_utf8(text).unwrap_or("").trim_end_matches('\0');
            sdk::raw!("{}:", c.name);
            for line in text.lines() {
                sdk::raw!("{line}");
            }
        }
        Ok(())
    }

    /// `restart`, `start` or `stop` (`label`) of component `name`.
    fn change(&mut self, label: u64, name: &str) -> Result<(), AskError> {
        let all = self.components()?;
        let Some(c) = all.iter().find(|c| c.name == name) else {
            sdk::raw!("no component is named `{name}` (or this shell may not see it)");
            return Ok(());
        };
        self.ask(label, c.index)?;
        let done = match label {
            request::RESTART => "restarted",
            request::START => "started",
            _ => "stopped",
        };
        sdk::raw!("{done} `{name}`");
        Ok(())
    }

    fn read_input(&mut self) {
        let mut typed: Vec<u8> = Vec::new();
        if let Err(e) = self.input.drain(|bytes| typed.extend_from_slice(bytes)) {
            sdk::error!("input ring: {e}");
        }
        self.typed(&typed);
    }

    fn typed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match self.editor.key(byte) {
                Key::Enter => {
                    sdk::log::write_text("\n");
                    let line = self.editor.take();
                    self.run(&line);
                    sdk::log::write_text(PROMPT);
                }
                Key::Added(c) => {
                    let mut buffer = [0u8; 4];
                    sdk::log::write_text(c.encode_utf8(&mut buffer));
                }
                Key::Erased => sdk::log::write_text("\x08 \x08"),
                Key::Ignored => {}
            }
        }
    }
}

impl Handler for Shell {
    fn notified(&mut self, channel: Channel) {
        if channel == self.input.channel() {
            self.read_input();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(parse(""), Command::Empty);
        assert_eq!(parse("  ps "), Command::Ps);
        assert_eq!(parse("stats"), Command::Stats(None));
        assert_eq!(parse("stats kv"), Command::Stats(Some("kv")));
        assert_eq!(parse("restart kv"), Command::Change(request::RESTART, "kv"));
        assert_eq!(parse("start kv"), Command::Change(request::START, "kv"));
        assert_eq!(parse("stop kv"), Command::Change(request::STOP, "kv"));
        assert!(matches!(parse("stop"), Command::Invalid(m) if m == "usage: stop NAME"));
        assert!(matches!(parse("restart"), Command::Invalid(m) if m.contains("usage")));
        assert!(
            matches!(parse("reboot"), Command::Invalid(m) if m.contains("unknown command `reboot`"))
        );
    }

    #[test]
    fn the_editor_handles_backspace_and_enter() {
        let mut editor = LineEditor::default();
        for &b in b"pz" {
            editor.key(b);
        }
        assert_eq!(editor.key(0x7f), Key::Erased);
        assert_eq!(editor.key(b's'), Key::Added('s'));
        assert_eq!(editor.key(0x1b), Key::Ignored);
        assert_eq!(editor.key(b'\r'), Key::Enter);
        assert_eq!(editor.take(), "ps");
        assert_eq!(editor.key(0x08), Key::Ignored, "nothing to erase");
    }

    #[test]
    fn info_replies_decode() {
        let mut reply = Vec::new();
        // state, exit code, restarts, faults, asked, waits on (#5 + 1), name length
        for w in [state::EXITED, 3, 1, 2, 7, 6, 2] {
            reply.extend_from_slice(&u64::to_le_bytes(w));
        }
        reply.extend_from_slice(b"kv\0\0\0\0\0\0");
        let info = ComponentInfo::decode(4, &reply).unwrap();
        assert_eq!(info.name, "kv");
        assert_eq!(info.state_text(), "exited (3)");
        assert_eq!((info.restarts, info.faults, info.index), (1, 2, 4));
        assert_eq!((info.requested_restarts, info.waits_on), (7, Some(5)));
        assert_eq!(ComponentInfo::decode(0, &reply[..30]), None);
    }
}
