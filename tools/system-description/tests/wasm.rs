//! Wasm components: parsing (`wasm`, `wasm_memory`, the defaults), the
//! programs and modules xtask builds, lowering (shared modules, indices,
//! configs), its errors, the report and determinism.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::*;
use system_description::*;
use system_manifest::layout::{badge, slot, vaddr};
use system_manifest::*;

const MIB: u64 = 1 << 20;
const KIB: u64 = 1 << 10;

/// A native server, two Wasm components of crate `echo` (the second with its
/// own memory limit and heap, calling the server), and one of crate `blink`
/// with an IO port range.
const TEXT: &str = r#"[system]
name = "wasm"

[[component]]
name = "native"
program = "native-prog"
priority = 150

[[component]]
name = "echo1"
wasm = "echo"
priority = 100

[[component]]
name = "echo2"
wasm = "echo"
priority = 100
heap = "8 MiB"
wasm_memory = "2 MiB"

[[component]]
name = "blink"
wasm = "blink"
priority = 100
stack = "1 MiB"
io_ports = [ { name = "com1", first = 0x3f8, last = 0x3ff } ]

[[channel]]
name = "echo2-to-native"
kind = "protected-call"
caller = { component = "echo2", id = 0 }
callee = { component = "native", id = 4 }
"#;

fn desc() -> SystemDescription {
    SystemDescription::parse_str("wasm.toml", TEXT).unwrap_or_else(|r| panic!("{}", render(&r)))
}

fn elves(desc: &SystemDescription) -> BTreeMap<String, PathBuf> {
    build_programs("wasm", &desc.programs(), |i| good_elf(i as u8))
}

/// A fake precompiled module.
fn cwasm(tag: u8, len: usize) -> Vec<u8> {
    let mut v = b"\x7fELF-cwasm".to_vec();
    v.resize(len, tag);
    v
}

/// `echo1` and `echo2` get the same bytes, `blink` others.
fn same_echo() -> BTreeMap<String, Vec<u8>> {
    BTreeMap::from([
        ("echo1".to_string(), cwasm(1, 300)),
        ("echo2".to_string(), cwasm(1, 300)),
        ("blink".to_string(), cwasm(2, 200)),
    ])
}

fn lower(wasm: &BTreeMap<String, Vec<u8>>) -> Result<BootImage, String> {
    let d = desc();
    d.lower(&elves(&d), wasm).map_err(|r| render(&r))
}

fn config(c: &Component) -> ComponentConfig {
    let mut aligned = rkyv::util::AlignedVec::<16>::new();
    aligned.extend_from_slice(&c.config);
    rkyv::deserialize::<ComponentConfig, rkyv::rancor::Error>(
        read_component_config(&aligned).unwrap(),
    )
    .unwrap()
}

#[test]
fn programs_modules_and_wasm_components() {
    let d = desc();
    assert_eq!(d.programs(), ["native-prog", WASM_RUNTIME_PROGRAM]);
    assert_eq!(d.wasm_modules(), ["echo", "blink"]);
    let wc = |component: &str, module: &str, io_ports: bool| WasmComponent {
        component: component.into(),
        module: module.into(),
        io_ports,
        irqs: false,
        device_memory: false,
    };
    assert_eq!(
        d.wasm_components(),
        [wc("echo1", "echo", false), wc("echo2", "echo", false), wc("blink", "blink", true)]
    );
    // Before lowering, a Wasm component's module index is its crate's.
    let provisional: Vec<_> = d.manifest().components.iter().map(|c| c.wasm_module).collect();
    assert_eq!(provisional, [None, Some(0), Some(0), Some(1)]);
}

#[test]
fn a_native_only_system_has_no_wasm() {
    let text =
        "[system]\nname = \"n\"\n\n[[component]]\nname = \"a\"\nprogram = \"p\"\npriority = 10\n";
    let d = SystemDescription::parse_str("n.toml", text).unwrap();
    assert!(d.wasm_components().is_empty());
    assert!(d.wasm_modules().is_empty());
    assert_eq!(d.programs(), ["p"]);
    let image = d.lower(&elves(&d), &BTreeMap::new()).unwrap();
    assert!(image.wasm_modules.is_empty());
    assert_eq!(image.manifest.components[0].wasm_module, None);
    assert_eq!(config(&image.manifest.components[0]).wasm, None);
}

#[test]
fn identical_modules_are_shared() {
    let image = lower(&same_echo()).unwrap();
    let m = &image.manifest;
    assert_eq!(
        image.programs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["native-prog", WASM_RUNTIME_PROGRAM]
    );
    assert_eq!(m.components.iter().map(|c| c.program).collect::<Vec<_>>(), [0, 1, 1, 1]);
    assert_eq!(
        image.wasm_modules,
        [
            WasmModule { name: "echo".into(), cwasm: cwasm(1, 300) },
            WasmModule { name: "blink".into(), cwasm: cwasm(2, 200) },
        ]
    );
    assert_eq!(
        m.components.iter().map(|c| c.wasm_module).collect::<Vec<_>>(),
        [None, Some(0), Some(0), Some(1)]
    );
}

#[test]
fn sizes_and_configs() {
    let image = lower(&same_echo()).unwrap();
    let c = &image.manifest.components;
    // Native defaults; Wasm defaults (heap 4 MiB, stack 512 KiB); given sizes.
    assert_eq!((c[0].stack_bytes, c[0].heap_bytes), (64 * KIB, 256 * KIB));
    assert_eq!((c[1].stack_bytes, c[1].heap_bytes), (512 * KIB, 4 * MIB));
    assert_eq!((c[2].stack_bytes, c[2].heap_bytes), (512 * KIB, 8 * MIB));
    assert_eq!((c[3].stack_bytes, c[3].heap_bytes), (MIB, 4 * MIB));

    assert_eq!(config(&c[0]).wasm, None);
    let echo1 = config(&c[1]);
    assert_eq!(echo1.wasm, Some(WasmConfig { module: "echo".into(), memory_limit_bytes: MIB }));
    assert_eq!((echo1.stack_bytes, echo1.heap_bytes), (512 * KIB, 4 * MIB));
    let echo2 = config(&c[2]);
    assert_eq!(echo2.wasm, Some(WasmConfig { module: "echo".into(), memory_limit_bytes: 2 * MIB }));
    // A Wasm component's channels are granted like a native one's.
    assert_eq!(
        echo2.channels,
        [ChannelEnd {
            id: 0,
            peer: "native".into(),
            kind: ChannelEndKind::Caller { slot: slot::FIRST_GRANT }
        }]
    );
    assert_eq!(
        c[2].grants,
        [Grant {
            slot: slot::FIRST_GRANT,
            cap: GrantedCap::Endpoint { server: 0, badge: badge::protected_call(4) }
        }]
    );
    let blink = config(&c[3]);
    assert_eq!(blink.wasm, Some(WasmConfig { module: "blink".into(), memory_limit_bytes: MIB }));
    assert_eq!(blink.io_ports.len(), 1);
}

#[test]
fn different_bytes_give_different_modules() {
    let mut wasm = same_echo();
    wasm.insert("echo2".into(), cwasm(3, 300));
    let image = lower(&wasm).unwrap();
    assert_eq!(
        image.wasm_modules,
        [
            WasmModule { name: "echo".into(), cwasm: cwasm(1, 300) },
            WasmModule { name: "echo".into(), cwasm: cwasm(3, 300) },
            WasmModule { name: "blink".into(), cwasm: cwasm(2, 200) },
        ]
    );
    assert_eq!(
        image.manifest.components.iter().map(|c| c.wasm_module).collect::<Vec<_>>(),
        [None, Some(0), Some(1), Some(2)]
    );
}

#[test]
fn identical_bytes_of_different_crates_are_stored_once() {
    let mut wasm = same_echo();
    wasm.insert("blink".into(), cwasm(1, 300));
    let image = lower(&wasm).unwrap();
    assert_eq!(image.wasm_modules.len(), 1);
    assert_eq!(
        image.manifest.components.iter().map(|c| c.wasm_module).collect::<Vec<_>>(),
        [None, Some(0), Some(0), Some(0)]
    );
    // The config still names the component's own crate.
    assert_eq!(config(&image.manifest.components[3]).wasm.unwrap().module, "blink");
}

/// The `[file:line:` of `needle`'s line in TEXT, `nth` occurrence (0-based).
fn line_of(needle: &str, nth: usize) -> String {
    let line = TEXT.lines().enumerate().filter(|(_, l)| l.contains(needle)).nth(nth).unwrap().0 + 1;
    format!("[wasm.toml:{line}:")
}

#[test]
fn a_missing_module_is_reported_at_its_component() {
    let mut wasm = same_echo();
    wasm.remove("echo2");
    let rendered = lower(&wasm).unwrap_err();
    assert!(rendered.contains("1 error"), "{rendered}");
    assert!(
        rendered.contains(
            "no precompiled module (.cwasm) was given for Wasm component `echo2` (crate `echo`)"
        ),
        "{rendered}"
    );
    assert!(rendered.contains(&line_of("wasm = \"echo\"", 1)), "{rendered}");
    assert!(rendered.contains("wasm_module_not_built"), "{rendered}");
}

#[test]
fn an_oversized_module_is_reported_at_its_component() {
    let mut wasm = same_echo();
    wasm.insert("blink".into(), cwasm(2, vaddr::WASM_MODULE_MAX_BYTES as usize + 1));
    let rendered = lower(&wasm).unwrap_err();
    assert!(
        rendered.contains(&format!(
            "the precompiled module of Wasm component `blink` (crate `blink`) is {} bytes",
            vaddr::WASM_MODULE_MAX_BYTES + 1
        )),
        "{rendered}"
    );
    assert!(rendered.contains(&line_of("wasm = \"blink\"", 0)), "{rendered}");
    // Exactly the limit fits.
    wasm.insert("blink".into(), cwasm(2, vaddr::WASM_MODULE_MAX_BYTES as usize));
    lower(&wasm).unwrap();
}

#[test]
fn an_empty_module_is_refused() {
    let mut wasm = same_echo();
    wasm.insert("echo1".into(), Vec::new());
    let rendered = lower(&wasm).unwrap_err();
    assert!(
        rendered
            .contains("the precompiled module of Wasm component `echo1` (crate `echo`) is empty"),
        "{rendered}"
    );
}

#[test]
fn a_module_for_a_component_that_is_not_wasm_is_refused() {
    let mut wasm = same_echo();
    wasm.insert("native".into(), cwasm(9, 10));
    wasm.insert("ghost".into(), cwasm(9, 10));
    let rendered = lower(&wasm).unwrap_err();
    assert!(rendered.contains("2 errors"), "{rendered}");
    assert!(
        rendered.contains("a precompiled Wasm module was given for component `native`, which is not a Wasm component"),
        "{rendered}"
    );
    assert!(rendered.contains(&line_of("program = \"native-prog\"", 0)), "{rendered}");
    assert!(
        rendered.contains("a precompiled Wasm module was given for `ghost`, which is not a component of the system"),
        "{rendered}"
    );
    assert!(rendered.contains("`echo1`, `echo2`, `blink`"), "{rendered}");
}

#[test]
fn a_missing_wasm_runtime_points_at_the_first_wasm_component() {
    let d = desc();
    let mut programs = elves(&d);
    programs.remove(WASM_RUNTIME_PROGRAM);
    let rendered = render(&d.lower(&programs, &same_echo()).unwrap_err());
    assert!(rendered.contains("no ELF file was given for program `wasm-runtime`"), "{rendered}");
    assert!(rendered.contains(&line_of("wasm = \"echo\"", 0)), "{rendered}");
    assert!(rendered.contains("runs on the Wasm runtime"), "{rendered}");
}

#[test]
fn deterministic_and_round_trips() {
    let image = lower(&same_echo()).unwrap();
    let bytes = boot_image_bytes(&image).unwrap();
    let again = boot_image_bytes(&lower(&same_echo()).unwrap()).unwrap();
    assert_eq!(&bytes[..], &again[..]);
    let archived = read_boot_image(&bytes).unwrap();
    assert_eq!(archived.wasm_modules.len(), 2);
    let back: BootImage = rkyv::deserialize::<BootImage, rkyv::rancor::Error>(archived).unwrap();
    assert_eq!(back, image);
}

#[test]
fn report_shows_modules_and_memory_limits() {
    let text = report(&lower(&same_echo()).unwrap());
    for needle in [
        "4 components, 2 programs, 2 Wasm modules",
        "program   `wasm-runtime` (program 1)",
        "wasm      module `echo` (module 0, 300 bytes), memory limit 1 MiB",
        "wasm      module `echo` (module 0, 300 bytes), memory limit 2 MiB",
        "wasm      module `blink` (module 1, 200 bytes), memory limit 1 MiB",
        "module 0 `echo`: 300 bytes, run by `echo1`, `echo2`",
        "module 1 `blink`: 200 bytes, run by `blink`",
    ] {
        assert!(text.contains(needle), "report lacks {needle:?}:\n{text}");
    }
    // Native components have no Wasm line.
    let native = text.split("component 0 `native`").nth(1).unwrap();
    let native = native.split("\ncomponent 1").next().unwrap();
    assert!(!native.contains("wasm "), "{native}");
}

#[test]
fn wasm_memory_rules() {
    let comp = |extra: &str| {
        format!("[system]\nname = \"w\"\n\n[[component]]\nname = \"a\"\nwasm = \"m\"\npriority = 10\n{extra}")
    };
    let ok =
        |extra: &str| SystemDescription::parse_str("w.toml", &comp(extra)).map_err(|r| render(&r));
    // Exactly 1 MiB left for the runtime is enough.
    ok("heap = \"4 MiB\"\nwasm_memory = \"3 MiB\"").unwrap();
    ok("heap = \"2 MiB\"").unwrap();
    // The default 1 MiB of Wasm memory needs a 2 MiB heap.
    let e = ok("heap = \"1 MiB\"").unwrap_err();
    assert!(e.contains("leaves the Wasm runtime less than 1 MiB of its heap (1 MiB)"), "{e}");
    assert!(e.contains("raise `heap` to at least 2 MiB"), "{e}");
    let e = ok("wasm_memory = \"4 MiB\"").unwrap_err();
    assert!(e.contains("lower `wasm_memory` to at most 3 MiB"), "{e}");
    let e = ok("wasm_memory = \"96 KiB\"").unwrap_err();
    assert!(e.contains("not a multiple of the Wasm page"), "{e}");
    assert!(e.contains("round it up to 128 KiB"), "{e}");
    let e = ok("wasm_memory = 0").unwrap_err();
    assert!(e.contains("is zero"), "{e}");
}

#[test]
fn a_wasm_stack_holds_the_wasm_stack_limit_and_the_runtimes_frames() {
    let comp = |kind: &str, extra: &str| {
        format!(
            "[system]\nname = \"w\"\n\n[[component]]\nname = \"a\"\n{kind}\npriority = 10\n{extra}"
        )
    };
    let check = |kind: &str, extra: &str| {
        SystemDescription::parse_str("w.toml", &comp(kind, extra)).map_err(|r| render(&r))
    };
    // The default (512 KiB) and exactly the minimum (256 KiB + 64 KiB) pass.
    let desc = check("wasm = \"m\"", "").unwrap();
    assert_eq!(desc.manifest().components[0].stack_bytes, 512 * 1024);
    check("wasm = \"m\"", "stack = \"320 KiB\"").unwrap();
    // One page less is refused, with the value and the minimum to write.
    let e = check("wasm = \"m\"", "stack = \"316 KiB\"").unwrap_err();
    assert!(e.contains("wasm_stack_too_small"), "{e}");
    assert!(e.contains("the stack of Wasm component `a` is 316 KiB"), "{e}");
    assert!(e.contains("write `stack = \"320 KiB\"` or more"), "{e}");
    assert!(e.contains("[w.toml:8:9]"), "{e}");
    // A native component's stack has no such rule.
    check("program = \"p\"", "stack = \"64 KiB\"").unwrap();
}
