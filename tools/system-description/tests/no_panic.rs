//! The checker never panics, whatever a description holds: over
//! descriptions whose size, count, address, id and name fields (and whole
//! tables) are replaced by arbitrary TOML values (huge, negative or zero
//! integers, strings with units, floats, arrays, tables, very long
//! strings), checking for no board and for each emulated board returns
//! either a description or a list of problems that renders, and lowering,
//! reporting and the crate check of an accepted one do too.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use system_description::{report, SystemDescription};

/// A description with a Wasm and a native component, a board section, a
/// channel and a ring; `{N}` is field N, replaced by its default or by a
/// generated value.
const TEMPLATE: &str = r#"[system]
name = {0}

[console]
component = {1}

[[component]]
name = {2}
wasm = {3}
wasm_memory = {4}
priority = {5}
stack = {6}
heap = {7}
restart = {8}
lifetime = {9}
control = {10}
console_output = {11}

[[component]]
name = {12}
program = {13}
priority = 50
restart = { policy = "restart", max = {38} }

[component.board.qemu-x86_64]
io_ports = [{ name = "p", first = {14}, last = {15} }]
irqs = {24}
device_memory = [{ name = "d", paddr = {20}, size = {21}, cached = {41} }]

[component.board.qemu-aarch64-virt]
lifetime = {23}
irqs = [{ name = "g", irq = {22}, channel = {19} }]
device_memory = {25}

[[channel]]
name = {26}
kind = {27}
caller = { component = {28}, id = {29} }
callee = { component = "a", id = {30} }

[[channel]]
name = "n"
kind = "notification"
ends = {31}

[[ring]]
name = {32}
producer = { component = {37}, channel = {33} }
consumer = { component = "a", channel = {34} }
slots = {35}
slot_size = {36}
"#;

/// Every field's valid value.
const DEFAULTS: &[&str] = &[
    "\"s\"",                               // 0 system name
    "\"a\"",                               // 1 console
    "\"a\"",                               // 2 name
    "\"m\"",                               // 3 wasm
    "\"1 MiB\"",                           // 4 wasm_memory
    "100",                                 // 5 priority
    "\"512 KiB\"",                         // 6 stack
    "\"4 MiB\"",                           // 7 heap
    "\"restart\"",                         // 8 restart
    "\"service\"",                         // 9 lifetime
    "{ info = \"*\", restart = [\"b\"] }", // 10 control
    "[\"raw\"]",                           // 11 console_output
    "\"b\"",                               // 12 name
    "\"p\"",                               // 13 program
    "0x3f8",                               // 14 first port
    "0x3ff",                               // 15 last port
    "4",                                   // 16 pin
    "4",                                   // 17 vector
    "0",                                   // 18 ioapic
    "1",                                   // 19 irq channel
    "0x9000000",                           // 20 paddr
    "\"4 KiB\"",                           // 21 size
    "33",                                  // 22 GIC irq
    "\"service\"",                         // 23 lifetime (aarch64)
    "[{ name = \"i\", pin = {16}, vector = {17}, ioapic = {18}, channel = {19} }]", // 24 irqs
    "[{ name = \"u\", paddr = 0x9000000, size = 4096 }]", // 25 device_memory (aarch64)
    "\"c\"",                               // 26 channel name
    "\"protected-call\"",                  // 27 kind
    "\"b\"",                               // 28 caller
    "0",                                   // 29 caller id
    "0",                                   // 30 callee id
    "[{ component = \"a\", id = 2 }, { component = \"b\", id = 2 }]", // 31 ends
    "\"r\"",                               // 32 ring name
    "3",                                   // 33 producer channel
    "3",                                   // 34 consumer channel
    "64",                                  // 35 slots
    "128",                                 // 36 slot_size
    "\"b\"",                               // 37 producer
    "3",                                   // 38 restart max
    "\"x\"",                               // 39 (unused)
    "\"x\"",                               // 40 (unused)
    "false",                               // 41 cached
];

/// `TEMPLATE` with `fields` replaced (field → TOML value), and `extra`
/// more native components.
fn description(fields: &BTreeMap<usize, String>, extra: usize) -> String {
    // Field 24's default holds fields 16..=19: fill the outer fields first.
    let mut text = TEMPLATE.to_string();
    for round in 0..2 {
        for (i, default) in DEFAULTS.iter().enumerate().rev() {
            let value = fields.get(&i).map_or(*default, String::as_str);
            if round == 0 && i != 24 {
                continue;
            }
            text = text.replace(&format!("{{{i}}}"), value);
        }
    }
    for i in 0..extra {
        text.push_str(&format!(
            "\n[[component]]\nname = \"x{i}\"\nprogram = \"p\"\npriority = 50\n"
        ));
    }
    text
}

fn digits(n: usize) -> String {
    "9".repeat(n)
}

/// Numbers at the edges of the integer types and the layout, give or take
/// a little: where overflow and off-by-one live.
fn boundary() -> impl Strategy<Value = u128> {
    let edges = [
        0u128,
        1 << 8,
        1 << 16,
        1 << 31,
        1 << 32,
        1 << 52,
        1 << 63,
        1 << 64,
        1 << 127,
        u128::MAX,
        0x4000_0000,
        0x8000_0000_0000,
    ];
    let delta = prop_oneof![-16i32..=16, -4096i32..=4096];
    (proptest::sample::select(edges.to_vec()), delta)
        .prop_map(|(edge, delta)| edge.saturating_add_signed(delta.into()))
}

/// An arbitrary TOML value, as text.
fn value() -> impl Strategy<Value = String> {
    let units = ["", " B", " KiB", "MiB", " GiB", " TiB", " kb"];
    let unit = proptest::sample::select(units.to_vec());
    let float = proptest::sample::select(vec!["inf", "-inf", "nan", "1e300", "0.5", "-0.0"]);
    let word = proptest::sample::select(vec!["\"*\"", "\"a\"", "\"b\"", "\"\"", "\"raw\""]);
    let leaf = prop_oneof![
        4 => boundary().prop_map(|n| n.to_string()),
        1 => boundary().prop_map(|n| format!("-{n}")),
        1 => boundary().prop_map(|n| format!("0x{n:x}")),
        4 => (boundary(), unit.clone()).prop_map(|(n, unit)| format!("\"{n}{unit}\"")),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => (19usize..80).prop_map(digits),
        1 => (any::<u64>(), unit).prop_map(|(n, unit)| format!("\"{n}{unit}\"")),
        1 => float.prop_map(str::to_string),
        2 => word.prop_map(str::to_string),
        1 => (0usize..100_000, "[a-z` \\-]").prop_map(|(n, ch)| format!("\"{}\"", ch.repeat(n))),
        1 => "[ -~]{0,20}".prop_map(|s| format!("{s:?}")),
        // Any characters but a quote and line ends, long lines included.
        1 => "[^'\\n\\r]{0,400}".prop_map(|s| format!("'{s}'")),
        1 => any::<bool>().prop_map(|b| b.to_string()),
        1 => Just("1979-05-27T07:32:00Z".to_string()),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        let key = prop_oneof![
            Just("name"),
            Just("component"),
            Just("id"),
            Just("channel"),
            Just("policy"),
            Just("max"),
            Just("info"),
            Just("restart"),
            Just("stop"),
            Just("first"),
            Just("last"),
            Just("irq"),
            Just("pin"),
            Just("vector"),
            Just("paddr"),
            Just("size"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(", "))),
            proptest::collection::btree_map(key, inner, 0..4).prop_map(|t| {
                let items: Vec<String> = t.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", items.join(", "))
            }),
        ]
    })
}

/// Fields 0..=41 but the unused ones, each replaced with some chance.
fn fields() -> impl Strategy<Value = BTreeMap<usize, String>> {
    let field = (0usize..DEFAULTS.len()).prop_filter("used", |i| *i != 39 && *i != 40);
    proptest::collection::btree_map(field, value(), 1..6)
}

/// Checks `text` every way the tools do; panics only if the checker does.
fn check_every_way(text: &str) {
    let boards = [
        None,
        Some(common::test_board("qemu-x86_64")),
        Some(common::test_board("qemu-aarch64-virt")),
    ];
    for board in &boards {
        match SystemDescription::parse_str_for("fuzz.toml", text, board.as_ref()) {
            Err(report) => {
                let rendered = common::render(&report);
                assert!(rendered.len() < 1 << 20, "{} bytes of report", rendered.len());
            }
            Ok(desc) => {
                let image = system_manifest::BootImage {
                    format_version: system_manifest::FORMAT_VERSION,
                    manifest: desc.manifest().clone(),
                    programs: Vec::new(),
                    wasm_modules: Vec::new(),
                    keep_running: false,
                };
                let _ = report(&image);
                if let Err(r) = desc.check_crates(&BTreeSet::new(), &BTreeSet::new()) {
                    common::render(&r);
                }
                if let Err(r) = desc.lower(&BTreeMap::new(), &BTreeMap::new()) {
                    common::render(&r);
                }
            }
        }
    }
}

#[test]
fn the_template_is_valid_on_every_board() {
    let text = description(&BTreeMap::new(), 0);
    for board in ["qemu-x86_64", "qemu-aarch64-virt"] {
        let board = common::test_board(board);
        SystemDescription::parse_str_for("t.toml", &text, Some(&board))
            .unwrap_or_else(|r| panic!("{}", common::render(&r)));
    }
    SystemDescription::parse_str("t.toml", &text)
        .unwrap_or_else(|r| panic!("{}", common::render(&r)));
}

#[test]
fn known_panics_are_errors() {
    for (field, value) in [
        (6, "\"18446744073709551615 B\""),
        (7, "99999999999999999999"),
        (4, "\"18446744073709551615 GiB\""),
        (21, "\"18446744073709551615 B\""),
        (20, "0xffffffffffff000"),
        (35, "2147483648"),
        (36, "4294967295"),
        (35, "4294967295"),
        (2, &format!("\"{}\"", "n".repeat(1 << 20))),
    ] {
        let text = description(&BTreeMap::from([(field, value.to_string())]), 0);
        let x86 = common::test_board("qemu-x86_64");
        let report =
            SystemDescription::parse_str_for("t.toml", &text, Some(&x86)).map(|_| ()).unwrap_err();
        let rendered = common::render(&report);
        assert!(rendered.contains("[t.toml:"), "field {field}: {rendered}");
        assert!(rendered.len() < 20_000, "field {field}: {} bytes", rendered.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_checker_never_panics(fields in fields(), extra in prop_oneof![4 => Just(0usize), 1 => 0usize..70]) {
        check_every_way(&description(&fields, extra));
    }
}
