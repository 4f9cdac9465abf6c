//! `[component.board.<name>]`: a component's settings for one board. The
//! section of the board being built for is read as if its keys were
//! written in the component; every section is checked, whichever board
//! is built for.

use toml::de::{DeTable, DeValue};

use crate::diag::{Collector, Problem, Span};
use crate::toml_reader::{self, backticked, closest, Table};
use crate::TargetBoard;

use super::component::COMPONENT_SETTINGS;

/// Checks component `o`'s `board` table, one section per board, and
/// returns the section of `board` (the board being built for), if the
/// component has one.
pub(super) fn section<'a, 'i>(
    board: Option<&TargetBoard>,
    o: &Table<'a, 'i>,
    c: &mut Collector,
) -> Option<&'a DeTable<'i>> {
    let v = o.t.get("board")?;
    let boards = toml_reader::table(v, &format!("`board` of {}", o.what), c)?;
    let mut chosen = None;
    for (key, section) in boards.t.iter() {
        let name: &str = key.get_ref();
        if let Some(target) = board {
            if !exists(target, name) {
                unknown_board(target, o, name, &key.span(), c);
                continue;
            }
        }
        let what = format!("the `{name}` section of {}", o.what);
        let Some(section) = toml_reader::table(section, &what, c) else {
            continue;
        };
        section.check_keys(COMPONENT_SETTINGS, c);
        given_twice(o, name, &section, c);
        if board.is_some_and(|t| t.name == name) {
            chosen = Some(section.t);
        }
    }
    chosen
}

/// Whether `name` is a board (when the target knows the boards).
fn exists(target: &TargetBoard, name: &str) -> bool {
    target.known_boards.is_empty() || target.known_boards.iter().any(|b| b == name)
}

/// Reports a section of component `o` for board `name`, which does not
/// exist (a typo would otherwise never apply).
fn unknown_board(target: &TargetBoard, o: &Table, name: &str, span: &Span, c: &mut Collector) {
    let known: Vec<&str> = target.known_boards.iter().map(String::as_str).collect();
    let list = backticked(&known);
    c.push(
        Problem::new(
            "unknown_board",
            format!("{} has a section for board `{name}`, which does not exist", o.what),
        )
        .label(span, "no such board")
        .help(match closest(name, &known) {
            Some(best) => {
                format!("did you mean `{best}`? The boards (folders under `board/`) are {list}")
            }
            None => format!("use one of the boards (folders under `board/`): {list}"),
        }),
    );
}

/// Reports every key of `section` (for board `name`) that component `o`
/// also gives for every board.
fn given_twice(o: &Table, name: &str, section: &Table, c: &mut Collector) {
    for (k, val) in section.t.iter() {
        let k: &str = k.get_ref();
        if let Some(also) = o.t.get(k) {
            c.push(
                Problem::new(
                    "board_key_twice",
                    format!(
                        "`{k}` of {} is given both for every board and in its `{name}` section",
                        o.what
                    ),
                )
                .label(&also.span(), "for every board")
                .label(&val.span(), format!("for `{name}`"))
                .help(format!(
                    "give `{k}` in one place: in the component for every board, or in each board's section"
                )),
            );
        }
    }
}

/// `help` for a setting component `o` lacks, saying why its board
/// sections did not give it: it has none for `board`, or no board is
/// being built for.
pub(super) fn when_none_applies(board: Option<&TargetBoard>, o: &Table, help: &str) -> String {
    let sections: Vec<String> = match o.t.get("board").map(|v| v.get_ref()) {
        Some(DeValue::Table(t)) => t.iter().map(|(k, _)| format!("`{}`", k.get_ref())).collect(),
        _ => Vec::new(),
    };
    if sections.is_empty() {
        return help.to_string();
    }
    match board {
        Some(b) => format!(
            "it has sections for {} but none for board `{}`: add `[component.board.{}]` \
             with what it runs there, or {help}",
            sections.join(", "),
            b.name,
            b.name
        ),
        None => format!(
            "it has sections for {}, which apply only when building for a board \
             (`cargo xtask build --board <board>`); or {help}",
            sections.join(", ")
        ),
    }
}
