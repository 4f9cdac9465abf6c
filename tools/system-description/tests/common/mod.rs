//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{GraphicalReportHandler, GraphicalTheme};
use system_description::{Arch, BoardDevice, TargetBoard};

/// Boards as xtask describes them from `board/*/board.toml`.
pub fn test_board(name: &str) -> TargetBoard {
    // Every board of the repository (folders of `board/` with a board.toml),
    // as xtask lists them.
    let boards_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../board");
    let mut known_boards: Vec<String> = std::fs::read_dir(&boards_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("board.toml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    known_boards.sort();
    match name {
        "qemu-x86_64" => TargetBoard {
            name: name.into(),
            arch: Arch::X86_64,
            known_boards,
            devices: Vec::new(),
            max_irq: None,
            kernel_irqs: Vec::new(),
        },
        "qemu-aarch64-virt" => TargetBoard {
            name: name.into(),
            arch: Arch::Aarch64,
            known_boards,
            devices: vec![
                BoardDevice {
                    name: "uart0".into(),
                    paddr: 0x0900_0000,
                    size: 0x1000,
                    irq: Some(33),
                },
                BoardDevice { name: "rtc".into(), paddr: 0x0901_0000, size: 0x1000, irq: Some(34) },
            ],
            max_irq: Some(287),
            kernel_irqs: vec![27],
        },
        _ => panic!("no test board `{name}`"),
    }
}

/// Renders a report as the user sees it, without colors, without wrapping.
pub fn render(report: &miette::Report) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(400)
        .render_report(&mut out, report.as_ref())
        .unwrap();
    out
}

pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

/// A loadable segment of a test ELF.
pub struct Seg {
    pub vaddr: u64,
    pub flags: u32,
    pub data: Vec<u8>,
    pub mem: u64,
}

pub fn seg(vaddr: u64, flags: u32, data: &[u8], mem: u64) -> Seg {
    Seg { vaddr, flags, data: data.to_vec(), mem }
}

/// A minimal x86_64 static executable (ELF64, little endian) with the given
/// PT_LOAD segments and entry point. No section headers.
pub fn elf(entry: u64, segs: &[Seg]) -> Vec<u8> {
    let phoff = 64u64;
    let mut data_off = phoff + 56 * segs.len() as u64;
    let mut out = Vec::new();
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    out.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&entry.to_le_bytes());
    out.extend_from_slice(&phoff.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    out.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    out.extend_from_slice(&64u16.to_le_bytes());
    out.extend_from_slice(&56u16.to_le_bytes());
    out.extend_from_slice(&(segs.len() as u16).to_le_bytes());
    out.extend_from_slice(&64u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    let mut payload = Vec::new();
    for s in segs {
        out.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
        out.extend_from_slice(&s.flags.to_le_bytes());
        out.extend_from_slice(&data_off.to_le_bytes());
        out.extend_from_slice(&s.vaddr.to_le_bytes());
        out.extend_from_slice(&s.vaddr.to_le_bytes());
        out.extend_from_slice(&(s.data.len() as u64).to_le_bytes());
        out.extend_from_slice(&s.mem.to_le_bytes());
        out.extend_from_slice(&4096u64.to_le_bytes());
        payload.extend_from_slice(&s.data);
        data_off += s.data.len() as u64;
    }
    out.extend_from_slice(&payload);
    out
}

/// A well-formed program: code at 0x400000, read-only data, writable data + bss.
pub fn good_elf(tag: u8) -> Vec<u8> {
    elf(
        0x40_0010,
        &[
            seg(0x40_0000, PF_R | PF_X, &[0x90, tag, 0xcc, 0xc3], 0x20),
            seg(0x40_1000, PF_R, b"rodata", 6),
            seg(0x40_2000, PF_R | PF_W, &[tag; 8], 0x3000),
        ],
    )
}

/// Writes one ELF per program into a fresh folder; returns name → path.
pub fn build_programs(
    dir_name: &str,
    programs: &[String],
    make: impl Fn(usize) -> Vec<u8>,
) -> BTreeMap<String, PathBuf> {
    static UNIQUE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = UNIQUE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("system-description-{}-{dir_name}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut map = BTreeMap::new();
    for (i, p) in programs.iter().enumerate() {
        let path = dir.join(p);
        std::fs::write(&path, make(i)).unwrap();
        map.insert(p.clone(), path);
    }
    map
}

/// The `ComponentConfig` archived in a lowered component.
pub fn config(c: &system_manifest::Component) -> system_manifest::ComponentConfig {
    let mut aligned = rkyv::util::AlignedVec::<16>::new();
    aligned.extend_from_slice(&c.config);
    let archived = system_description::read_component_config(&aligned).unwrap();
    rkyv::deserialize::<system_manifest::ComponentConfig, rkyv::rancor::Error>(archived).unwrap()
}
