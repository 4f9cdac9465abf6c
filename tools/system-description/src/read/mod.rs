//! TOML → [`Model`]: reads every table of the description from the spanned
//! document (`toml_reader`), so that each problem is recorded with its span
//! and reading goes on after it. Reading checks what a value says on its own
//! (its type, range, format); values are checked against each other and
//! against the board in `validate`.

mod board_section;
mod channel;
mod component;
mod console_output;
mod control;
mod end;
mod grants;
mod policy;
mod program;
mod ring;
mod values;

use toml::de::DeTable;

use crate::diag::{Collector, Problem};
use crate::model::{Model, F};
use crate::toml_reader::{self, Reader, Table};
use crate::TargetBoard;

const ROOT_KEYS: &[&str] = &["system", "console", "component", "channel", "ring"];
const SYSTEM_KEYS: &[&str] = &["name"];
const CONSOLE_KEYS: &[&str] = &["component"];

/// Reads description `text`, applying the sections for `board` (see
/// `board_section`).
pub(crate) fn parse(text: &str, board: Option<&TargetBoard>, c: &mut Collector) -> Model {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            c.push(
                Problem::new("toml_syntax", format!("invalid TOML: {}", e.message().trim()))
                    .label(&span, "here")
                    .help("fix the TOML syntax (https://toml.io); the description is checked once it parses"),
            );
        }
        return Model::default();
    }
    let r = Reader::new(text);
    let root = r.root(&doc, "the description");
    root.check_keys(ROOT_KEYS, c);
    Model {
        name: system(&r, &root, c),
        console: console(&r, &root, c),
        components: toml_reader::tables(&root, "component", c)
            .iter()
            .enumerate()
            .map(|(i, t)| component::component(&r, board, t, i, c))
            .collect(),
        channels: toml_reader::tables(&root, "channel", c)
            .iter()
            .enumerate()
            .map(|(i, t)| channel::channel(&r, t, i, c))
            .collect(),
        rings: toml_reader::tables(&root, "ring", c)
            .iter()
            .enumerate()
            .map(|(i, t)| ring::ring(&r, t, i, c))
            .collect(),
    }
}

/// `[system]`: the system's name.
fn system(r: &Reader, root: &Table, c: &mut Collector) -> F<String> {
    let Some(v) = root.get("system") else {
        c.push(
            Problem::new("missing_key", "the description has no `[system]` table")
                .label(&(0..0), "expected `[system]` with the system's name")
                .help("add\n[system]\nname = \"my-system\""),
        );
        return None;
    };
    let sys = toml_reader::table(v, "`system`", c)?;
    sys.check_keys(SYSTEM_KEYS, c);
    r.req(&sys, "name", "name = \"my-system\"", c).and_then(|v| values::name(v, "system name", c))
}

/// `[console] component`: the component that receives every log line.
fn console(r: &Reader, root: &Table, c: &mut Collector) -> F<String> {
    let console = toml_reader::table(root.get("console")?, "`console`", c)?;
    console.check_keys(CONSOLE_KEYS, c);
    r.req(&console, "component", "component = \"console\"", c)
        .and_then(|v| values::name(v, "the console component", c))
}
