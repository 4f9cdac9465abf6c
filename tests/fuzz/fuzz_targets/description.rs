//! The system description checker on hostile `system.toml` text: it must
//! report problems, never panic, whatever the bytes and whichever board.
//!
//! An input is either
//! - plain text (its first byte 0x10 or above, as any TOML file's is): the
//!   whole description, checked for no board in particular, so every
//!   system of the repository is a seed as it is; or
//! - a selector byte below 0x10 followed by the rest: bits 0-2 pick the
//!   board (none or one of `board/`), and bit 3 whether the rest is the
//!   description's text or a structured edit of a valid description (the
//!   shipped systems and the checker's valid test systems): one value,
//!   found by its position in the document, replaced by a fuzzed TOML value
//!   or removed. Edits reach the validation and planning passes that random
//!   text rarely gets past the parser to.
//!
//! A rejected description's report is rendered as `cargo xtask build`
//! prints it (labels point into the source, so a wrong span would panic
//! there); an accepted one is queried as xtask queries it.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use sel4_kernel_build::{Board, KernelUse};
use system_description::{Arch, BoardDevice, SystemDescription, TargetBoard};

/// The valid descriptions the structured mode edits.
const BASES: &[&str] = &[
    include_str!("../../../systems/default.toml"),
    include_str!("../../../systems/native.toml"),
    include_str!("../../../tools/system-description/tests/valid/example.toml"),
    include_str!("../../../tools/system-description/tests/valid/console.toml"),
];

/// Every board of `board/`, as xtask describes it to the checker
/// (`tools/xtask/src/system.rs`, `target_board`).
fn boards() -> &'static [TargetBoard] {
    static BOARDS: OnceLock<Vec<TargetBoard>> = OnceLock::new();
    BOARDS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../board");
        let names = Board::list(&dir).expect("board/ lists the boards");
        names
            .iter()
            .map(|name| {
                let board = Board::load(&dir, name).expect("every board.toml loads");
                let arch = match board.kernel.sel4_arch.as_str() {
                    "x86_64" => Arch::X86_64,
                    "aarch64" => Arch::Aarch64,
                    other => panic!("board {name}: unknown architecture {other}"),
                };
                let platform = board.platform.as_ref();
                TargetBoard {
                    name: board.name.clone(),
                    arch,
                    known_boards: names.clone(),
                    devices: platform
                        .map(|p| {
                            p.devices
                                .iter()
                                .filter(|d| {
                                    !matches!(
                                        d.kernel,
                                        Some(
                                            KernelUse::GicDistributor | KernelUse::GicCpuInterface
                                        )
                                    )
                                })
                                .map(|d| BoardDevice {
                                    name: d.name.clone(),
                                    paddr: d.paddr,
                                    size: d.size,
                                    irq: d.irq,
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    max_irq: platform.map(|p| p.max_irq),
                    kernel_irqs: platform.map(|p| vec![p.timer_irq]).unwrap_or_default(),
                }
            })
            .collect()
    })
}

/// A TOML value the structured mode writes into a description: small
/// integers and names near what the format uses are likelier than
/// arbitrary ones to get past the first checks.
#[derive(Arbitrary, Debug)]
enum FuzzValue {
    Int(i64),
    SmallInt(i8),
    Name(u8),
    Text(String),
    Bool(bool),
    Float(f64),
    Array(Vec<FuzzValue>),
    Table(Vec<(FuzzKey, FuzzValue)>),
}

/// A key of a fuzzed table: one the format knows, or any.
#[derive(Arbitrary, Debug)]
enum FuzzKey {
    Known(u8),
    Any(String),
}

/// Keys and names that occur in descriptions.
const WORDS: &[&str] = &[
    "name",
    "program",
    "wasm",
    "priority",
    "lifetime",
    "task",
    "service",
    "restart",
    "policy",
    "max",
    "component",
    "id",
    "caller",
    "callee",
    "kind",
    "protected-call",
    "notification",
    "ring",
    "producer",
    "consumer",
    "slots",
    "slot_size",
    "irqs",
    "io_ports",
    "device_memory",
    "heap",
    "stack",
    "board",
    "console",
    "control",
    "server",
    "client",
    "qemu-x86_64",
    "qemu-aarch64-virt",
    "hikey",
    "uart0",
    "4 KiB",
    "1 MiB",
    "0x3f8",
    "pin",
    "vector",
    "gic",
];

impl FuzzValue {
    fn to_toml(&self, depth: usize) -> toml::Value {
        use toml::Value;
        match self {
            FuzzValue::Int(v) => Value::Integer(*v),
            FuzzValue::SmallInt(v) => Value::Integer(*v as i64),
            FuzzValue::Name(i) => Value::String(WORDS[*i as usize % WORDS.len()].into()),
            FuzzValue::Text(s) => Value::String(s.clone()),
            FuzzValue::Bool(b) => Value::Boolean(*b),
            FuzzValue::Float(f) => Value::Float(*f),
            // Nesting is bounded so a value stays small to print and parse.
            _ if depth > 3 => Value::Integer(0),
            FuzzValue::Array(items) => {
                Value::Array(items.iter().map(|v| v.to_toml(depth + 1)).collect())
            }
            FuzzValue::Table(entries) => Value::Table(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            FuzzKey::Known(i) => WORDS[*i as usize % WORDS.len()].to_string(),
                            FuzzKey::Any(s) => s.clone(),
                        };
                        (key, v.to_toml(depth + 1))
                    })
                    .collect(),
            ),
        }
    }
}

/// The edit the structured mode makes at the `at`-th value of the document
/// (counted depth first over tables and arrays).
#[derive(Arbitrary, Debug)]
struct Edit {
    base: u8,
    at: u16,
    replacement: Option<FuzzValue>,
}

/// Replaces (or removes, for `None`) the `at`-th value under `value`;
/// `at` counts down as values are passed. True once done.
fn edit(value: &mut toml::Value, at: &mut usize, replacement: &mut Option<toml::Value>) -> bool {
    use toml::Value;
    match value {
        Value::Table(table) => {
            let keys: Vec<String> = table.keys().cloned().collect();
            for key in keys {
                if *at == 0 {
                    match replacement.take() {
                        Some(v) => table.insert(key, v),
                        None => table.remove(&key),
                    };
                    return true;
                }
                *at -= 1;
                if edit(table.get_mut(&key).unwrap(), at, replacement) {
                    return true;
                }
            }
            false
        }
        Value::Array(items) => {
            for i in 0..items.len() {
                if *at == 0 {
                    match replacement.take() {
                        Some(v) => items[i] = v,
                        None => {
                            items.remove(i);
                        }
                    }
                    return true;
                }
                *at -= 1;
                if edit(&mut items[i], at, replacement) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

fn structured(data: &[u8]) -> Option<String> {
    let edit_spec = Edit::arbitrary(&mut Unstructured::new(data)).ok()?;
    let base = BASES[edit_spec.base as usize % BASES.len()];
    let mut doc: toml::Value = toml::from_str(base).expect("the base descriptions are TOML");
    let mut replacement = edit_spec.replacement.map(|v| v.to_toml(0));
    let mut at = edit_spec.at as usize;
    edit(&mut doc, &mut at, &mut replacement);
    // A replacement that toml cannot print (e.g. a table after values in an
    // array of tables is fine, but NaN keys are not) is not a description.
    toml::to_string(&doc).ok()
}

fn check(text: &str, board: Option<&TargetBoard>) {
    match SystemDescription::parse_str_for("fuzz.toml", text, board) {
        Err(report) => {
            // What xtask prints (`{report:?}`: miette's graphical report).
            let rendered = format!("{report:?}");
            assert!(!rendered.is_empty(), "an empty report for a rejected description");
        }
        Ok(description) => {
            let _ = description.name();
            let _ = description.programs();
            let _ = description.wasm_components();
            let _ = description.wasm_modules();
            let _ = description.component_names();
            let _ = description.manifest();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (board, structured_edit, rest) = match data.split_first() {
        Some((&selector, rest)) if selector < 0x10 => {
            let boards = boards();
            let board = match (selector & 7) as usize % (boards.len() + 1) {
                0 => None,
                i => Some(&boards[i - 1]),
            };
            (board, selector & 8 != 0, rest)
        }
        _ => (None, false, data),
    };
    let text = if structured_edit {
        match structured(rest) {
            Some(text) => text,
            None => return,
        }
    } else {
        match std::str::from_utf8(rest) {
            Ok(text) => text.to_string(),
            Err(_) => return,
        }
    };
    check(&text, board);
});
