//! Per-board sections (`[component.board.<name>]`) and the board's hardware:
//! the shipped default system builds on each board with that board's UART
//! driver and grants, and each architecture gets its own kind of interrupt.

mod common;

use std::path::Path;

use common::*;
use system_description::*;
use system_manifest::*;

fn default_system(board: Option<&TargetBoard>) -> Result<SystemDescription, miette::Report> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../systems/default.toml");
    SystemDescription::load_for(&path, board)
}

fn serial(desc: &SystemDescription) -> &Component {
    desc.manifest().components.iter().find(|c| c.name == "serial").expect("a serial component")
}

fn irq_sources(comp: &Component) -> Vec<IrqSource> {
    comp.grants
        .iter()
        .filter_map(|g| match &g.cap {
            GrantedCap::Irq { irq, .. } => Some(*irq),
            _ => None,
        })
        .collect()
}

#[test]
fn the_default_system_gets_the_16550_driver_on_x86_64() {
    let board = test_board("qemu-x86_64");
    let desc = default_system(Some(&board)).unwrap_or_else(|r| panic!("{}", render(&r)));
    let serial_wasm = desc.wasm_components().into_iter().find(|w| w.component == "serial").unwrap();
    assert_eq!(serial_wasm.module, "wasm-uart-16550");
    assert!(serial_wasm.io_ports && serial_wasm.irqs && !serial_wasm.device_memory);
    let comp = serial(&desc);
    assert!(comp.grants.iter().any(|g| g.cap == GrantedCap::IoPorts { first: 0x3f8, last: 0x3ff }));
    assert!(matches!(irq_sources(comp)[..], [IrqSource::IoApic { pin: 4, vector: 4, .. }]));
    assert!(comp.mappings.iter().all(|m| !matches!(m.source, MappingSource::Device { .. })));
}

#[test]
fn the_default_system_gets_the_pl011_driver_on_aarch64_virt() {
    let board = test_board("qemu-aarch64-virt");
    let desc = default_system(Some(&board)).unwrap_or_else(|r| panic!("{}", render(&r)));
    let serial_wasm = desc.wasm_components().into_iter().find(|w| w.component == "serial").unwrap();
    assert_eq!(serial_wasm.module, "wasm-uart-pl011");
    assert!(!serial_wasm.io_ports && serial_wasm.irqs && serial_wasm.device_memory);
    let comp = serial(&desc);
    assert!(comp.grants.iter().all(|g| !matches!(g.cap, GrantedCap::IoPorts { .. })));
    assert_eq!(irq_sources(comp), vec![IrqSource::Gic { irq: 33 }]);
    let uart = comp
        .mappings
        .iter()
        .find(|m| m.source == MappingSource::Device { paddr: 0x0900_0000 })
        .expect("the UART mapped");
    assert_eq!((uart.bytes, uart.writable, uart.cached), (0x1000, true, false));
    // Everything else is the same system on both boards.
    let x86 = default_system(Some(&test_board("qemu-x86_64"))).unwrap();
    assert_eq!(desc.component_names(), x86.component_names());
    assert_eq!(desc.manifest().regions.len(), x86.manifest().regions.len());
    assert_eq!(desc.manifest().channels, x86.manifest().channels);
}

#[test]
fn without_a_board_a_component_whose_program_is_per_board_is_reported() {
    let report = default_system(None).unwrap_err();
    let text = render(&report);
    assert!(text.contains("component `serial` has no `program` and no `wasm`"), "{text}");
}

#[test]
fn another_boards_section_does_not_apply() {
    let text = r#"
[system]
name = "s"

[[component]]
name = "dev"
program = "p"
priority = 100

[component.board.qemu-x86_64]
io_ports = [{ name = "com1", first = 0x3f8, last = 0x3ff }]

[component.board.qemu-aarch64-virt]
device_memory = [{ name = "rtc", paddr = 0x09010000, size = "4 KiB" }]
irqs = [{ name = "rtc", irq = 34, channel = 1 }]
"#;
    let arm =
        SystemDescription::parse_str_for("s.toml", text, Some(&test_board("qemu-aarch64-virt")))
            .unwrap_or_else(|r| panic!("{}", render(&r)));
    let comp = &arm.manifest().components[0];
    assert_eq!(irq_sources(comp), vec![IrqSource::Gic { irq: 34 }]);
    assert!(comp.grants.iter().all(|g| !matches!(g.cap, GrantedCap::IoPorts { .. })));
    let x86 = SystemDescription::parse_str_for("s.toml", text, Some(&test_board("qemu-x86_64")))
        .unwrap_or_else(|r| panic!("{}", render(&r)));
    let comp = &x86.manifest().components[0];
    assert!(irq_sources(comp).is_empty());
    assert!(comp.mappings.iter().all(|m| !matches!(m.source, MappingSource::Device { .. })));
    assert!(comp.grants.iter().any(|g| matches!(g.cap, GrantedCap::IoPorts { first: 0x3f8, .. })));
}

#[test]
fn the_report_names_a_gic_interrupt() {
    let board = test_board("qemu-aarch64-virt");
    let desc = default_system(Some(&board)).unwrap();
    let image = BootImage {
        format_version: FORMAT_VERSION,
        manifest: desc.manifest().clone(),
        programs: Vec::new(),
        wasm_modules: Vec::new(),
        keep_running: false,
    };
    let text = report(&image);
    assert!(text.contains("interrupt    GIC 33 (level)"), "{text}");
}
