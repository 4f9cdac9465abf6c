//! Program ELF files → [`Program`]: the PT_LOAD segments, checked against
//! the component address-space layout.

use object::elf::{FileHeader64, EM_AARCH64, EM_X86_64, ET_EXEC, PF_R, PF_W, PF_X, PT_LOAD};
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;
use system_manifest::layout::{vaddr, PAGE_SIZE};
use system_manifest::{Program, Segment, SegmentAccess};

use crate::units::human;

/// A problem of a program: its code, a sentence naming what is wrong, and a
/// fix.
pub(crate) type ElfProblem = (&'static str, String, String);

type ProgramHeader64 = object::elf::ProgramHeader64<Endianness>;

/// Reads and checks one program. `Err` holds every problem found, each a
/// sentence naming the segment, and a fix.
pub(crate) fn load_program(name: &str, data: &[u8]) -> Result<Program, Vec<ElfProblem>> {
    let (endian, entry, phdrs) = header(data)?;
    let mut errs: Vec<ElfProblem> = Vec::new();
    let segments: Vec<Segment> = phdrs
        .iter()
        .enumerate()
        .filter(|(_, ph)| ph.p_type(endian) == PT_LOAD && ph.p_memsz(endian) != 0)
        .filter_map(|(i, ph)| segment(name, i, ph, endian, data, &mut errs))
        .collect();
    overlaps(name, &segments, &mut errs);
    if segments.is_empty() && errs.is_empty() {
        errs.push((
            "program_invalid",
            format!("`{name}` has no loadable segment"),
            "rebuild the program".into(),
        ));
    }
    if errs.is_empty() && !entry_is_executable(entry, &segments) {
        errs.push((
            "entry_not_executable",
            format!("the entry point {entry:#x} of `{name}` is not in an executable segment"),
            "check the program's entry symbol and linker script".into(),
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Program { name: name.to_string(), entry, segments })
}

/// The file's byte order, entry point and program headers, if it is a
/// static x86_64 or aarch64 executable.
fn header(data: &[u8]) -> Result<(Endianness, u64, &[ProgramHeader64]), Vec<ElfProblem>> {
    let invalid = |msg: String| {
        vec![(
            "program_invalid",
            msg,
            "build the program for the board (x86_64 or aarch64) as a static executable (cargo xtask build does)"
                .to_string(),
        )]
    };
    let header = FileHeader64::<Endianness>::parse(data)
        .map_err(|e| invalid(format!("not a 64-bit ELF file: {e}")))?;
    let endian = header.endian().map_err(|e| invalid(format!("bad ELF header: {e}")))?;
    // The boards' architectures. (That the program matches the board is
    // cargo's business: xtask builds every program for the board's target.)
    if ![EM_X86_64, EM_AARCH64].contains(&header.e_machine(endian)) {
        return Err(invalid(format!(
            "not an x86_64 or aarch64 program (ELF machine {})",
            header.e_machine(endian)
        )));
    }
    if header.e_type(endian) != ET_EXEC {
        return Err(invalid(format!(
            "not a static executable (ELF type {}); position-independent programs are not supported",
            header.e_type(endian)
        )));
    }
    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| invalid(format!("bad program headers: {e}")))?;
    Ok((endian, header.e_entry(endian), phdrs))
}

/// Loadable segment `i` (`ph`) of program `name`, if it is fit to map;
/// its problems are added to `errs`.
fn segment(
    name: &str,
    i: usize,
    ph: &ProgramHeader64,
    endian: Endianness,
    data: &[u8],
    errs: &mut Vec<ElfProblem>,
) -> Option<Segment> {
    let (va, mem, file) = (ph.p_vaddr(endian), ph.p_memsz(endian), ph.p_filesz(endian));
    let flags = ph.p_flags(endian);
    let end = va.checked_add(mem);
    let what = format!("segment {i} ({va:#x}..{:#x}) of `{name}`", end.unwrap_or(u64::MAX));
    let (w, x) = (flags & PF_W != 0, flags & PF_X != 0);
    let bytes = ph.data(endian, data).ok();
    let problems = [
        (w && x).then(|| (
            "segment_writable_executable",
            format!("{what} is both writable and executable"),
            "link the program so that code and writable data are in separate segments (no RWX: e.g. drop `-N`/`--omagic`, keep separate .text and .data)".into(),
        )),
        (flags & (PF_R | PF_W | PF_X) == 0).then(|| (
            "program_invalid",
            format!("{what} has no access rights"),
            "give the segment at least read access".into(),
        )),
        (!va.is_multiple_of(PAGE_SIZE)).then(|| (
            "segment_not_aligned",
            format!("{what} does not start on a page boundary"),
            "link with segments aligned to 4096 bytes (e.g. `-z max-page-size=4096` and page-aligned sections)".into(),
        )),
        (va < vaddr::PROGRAM_START || end.is_none_or(|e| e > vaddr::PROGRAM_END)).then(|| (
            "segment_outside_program_area",
            format!("{what} lies outside the program area {:#x}..{:#x}", vaddr::PROGRAM_START, vaddr::PROGRAM_END),
            format!("link the program at {:#x} (the component linker script does) and keep it under {}", vaddr::PROGRAM_START, human(vaddr::PROGRAM_END - vaddr::PROGRAM_START)),
        )),
        (file > mem).then(|| (
            "program_invalid",
            format!("{what} has more file bytes than memory bytes"),
            "rebuild the program".into(),
        )),
        bytes.is_none().then(|| (
            "program_invalid",
            format!("{what} points outside the file"),
            "rebuild the program".into(),
        )),
    ];
    let before = errs.len();
    errs.extend(problems.into_iter().flatten());
    if errs.len() > before {
        return None;
    }
    let access = if x {
        SegmentAccess::ReadExecute
    } else if w {
        SegmentAccess::ReadWrite
    } else {
        SegmentAccess::ReadOnly
    };
    Some(Segment { vaddr: va, mem_bytes: mem, access, data: bytes?.to_vec() })
}

/// Segments that share a page (every segment is mapped page by page).
fn overlaps(name: &str, segments: &[Segment], errs: &mut Vec<ElfProblem>) {
    let mut sorted: Vec<&Segment> = segments.iter().collect();
    sorted.sort_by_key(|s| s.vaddr);
    for pair in sorted.windows(2) {
        let a_end = (pair[0].vaddr + pair[0].mem_bytes).div_ceil(PAGE_SIZE) * PAGE_SIZE;
        if pair[1].vaddr < a_end {
            errs.push((
                "segments_overlap",
                format!(
                    "segments {:#x}..{:#x} and {:#x}..{:#x} of `{name}` share a page",
                    pair[0].vaddr,
                    pair[0].vaddr + pair[0].mem_bytes,
                    pair[1].vaddr,
                    pair[1].vaddr + pair[1].mem_bytes
                ),
                "link the program so that each segment starts on a new page".into(),
            ));
        }
    }
}

/// Whether `entry` lies in an executable segment.
fn entry_is_executable(entry: u64, segments: &[Segment]) -> bool {
    segments
        .iter()
        .any(|s| s.access.executable() && (s.vaddr..s.vaddr + s.mem_bytes).contains(&entry))
}
