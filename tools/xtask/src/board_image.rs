//! The boot image of a loader board, read back after it is built: what
//! `cargo xtask build` reports about it, and the check `cargo xtask test`
//! runs for boards that no emulator here can boot (e.g. `hikey`): the image
//! builds, sits where the firmware will put it, carries the board's kernel,
//! and its code holds no semihosting instruction.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use sel4_kernel_build::{Autoconf, KernelUse, Platform};

use crate::image::{self, Images, Program};
use crate::{workspace_root, BuildArgs};

/// The program the check boots into: the smallest root task on the runtime
/// (any board). The real root task would need the whole system built for
/// the board, and a system is built in the workspace's target folder, which
/// the board shares with the other board of its Rust target.
const CHECK_PROGRAM: Program =
    Program { package: "test-guests", bin: "hello-root-task", embeds_system: false };

/// `hlt #0xf000`, the AArch64 semihosting call.
const SEMIHOSTING_HLT: u32 = 0xd45e_0000;

/// The kernel's virtual base on aarch64 (`kernelBase`).
const KERNEL_VIRT_BASE: u64 = 0xffff_ff80_0000_0000;

const EM_AARCH64: u16 = 183;
const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;

/// One program header.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub kind: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

/// A 64-bit little-endian ELF file, as much as the checks need.
pub struct Elf {
    pub data: Vec<u8>,
    pub machine: u16,
    pub entry: u64,
    pub segments: Vec<Segment>,
}

impl Elf {
    pub fn read(path: &Path) -> Result<Elf> {
        let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(data).with_context(|| format!("{}", path.display()))
    }

    pub fn parse(data: Vec<u8>) -> Result<Elf> {
        ensure!(
            data.len() >= 64 && &data[..4] == b"\x7fELF" && data[4] == 2 && data[5] == 1,
            "not a 64-bit little-endian ELF file"
        );
        let u16_at = |o: usize| u16::from_le_bytes(data[o..o + 2].try_into().unwrap());
        let u32_at = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap());
        let u64_at = |o: usize| u64::from_le_bytes(data[o..o + 8].try_into().unwrap());
        let (phoff, phentsize, phnum) =
            (u64_at(32) as usize, u16_at(54) as usize, u16_at(56) as usize);
        ensure!(
            phoff + phnum * phentsize <= data.len(),
            "program headers beyond the end of the file"
        );
        let segments = (0..phnum)
            .map(|i| {
                let h = phoff + i * phentsize;
                Segment {
                    kind: u32_at(h),
                    flags: u32_at(h + 4),
                    offset: u64_at(h + 8),
                    vaddr: u64_at(h + 16),
                    paddr: u64_at(h + 24),
                    filesz: u64_at(h + 32),
                    memsz: u64_at(h + 40),
                }
            })
            .collect();
        Ok(Elf { machine: u16_at(18), entry: u64_at(24), segments, data })
    }

    pub fn loadable(&self) -> impl Iterator<Item = &Segment> {
        self.segments.iter().filter(|s| s.kind == PT_LOAD && s.memsz > 0)
    }

    /// The file bytes of a segment.
    pub fn bytes(&self, s: &Segment) -> &[u8] {
        &self.data[s.offset as usize..(s.offset + s.filesz) as usize]
    }

    /// Physical range the loadable segments cover.
    pub fn load_range(&self) -> (u64, u64) {
        let start = self.loadable().map(|s| s.paddr).min().unwrap_or(0);
        let end = self.loadable().map(|s| s.paddr + s.memsz).max().unwrap_or(0);
        (start, end)
    }

    /// Where a 4-byte aligned word of an executable segment is `word`.
    pub fn code_word_at(&self, word: u32) -> Option<u64> {
        self.loadable().filter(|s| s.flags & PF_X != 0).find_map(|s| {
            self.bytes(s)
                .chunks_exact(4)
                .position(|c| u32::from_le_bytes(c.try_into().unwrap()) == word)
                .map(|i| s.vaddr + 4 * i as u64)
        })
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// One line per loader image: where it loads and starts, and how big it is.
pub fn summary(images: &Images) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    if let Some(loader) = &images.loader {
        let elf = Elf::read(loader)?;
        let (start, end) = elf.load_range();
        lines.push(format!(
            "loader:    {} (loads at {start:#x}..{end:#x}, entry {:#x})",
            loader.display(),
            elf.entry
        ));
    }
    if let Some(raw) = &images.raw {
        let size =
            std::fs::metadata(raw).with_context(|| format!("reading {}", raw.display()))?.len();
        let address = images.board.loader.as_ref().map_or(0, |l| l.address);
        lines.push(format!(
            "raw image: {} ({size} bytes = {:.1} MiB: load it at {address:#x} and jump to its first byte)",
            raw.display(),
            size as f64 / (1 << 20) as f64
        ));
    }
    Ok(lines)
}

/// Reads back a built loader image against the board description; returns
/// what it verified, one line each.
pub fn verify(images: &Images) -> Result<Vec<String>> {
    let board = &images.board;
    let config =
        board.loader.as_ref().with_context(|| format!("board `{}` has no [loader]", board.name))?;
    let platform: &Platform = board
        .platform
        .as_ref()
        .with_context(|| format!("board `{}` has no [platform]", board.name))?;
    let loader_path = images.loader.as_ref().context("no loader image was built")?;
    let loader = Elf::read(loader_path)?;
    let mut done = Vec::new();

    // 1. The loader starts where the firmware jumps.
    ensure!(
        loader.machine == EM_AARCH64,
        "the loader is not an AArch64 ELF file (machine {})",
        loader.machine
    );
    let (start, end) = loader.load_range();
    ensure!(
        loader.entry == config.address && start == config.address,
        "the loader loads at {start:#x} with entry {:#x}; the board's [loader] address is {:#x}",
        loader.entry,
        config.address
    );
    ensure!(
        platform.ram.iter().any(|r| r.start <= start && end <= r.end),
        "the loader's {start:#x}..{end:#x} is not inside one RAM region of [platform]"
    );
    done.push(format!(
        "loader ELF: AArch64, entry = load address = {:#x}, {start:#x}..{end:#x} in RAM",
        config.address
    ));

    // 2. The raw binary is the loader's memory image from its first byte.
    if config.raw_binary {
        let raw_path =
            images.raw.as_ref().context("the board asks for a raw binary but none was written")?;
        let raw =
            std::fs::read(raw_path).with_context(|| format!("reading {}", raw_path.display()))?;
        for s in loader.loadable().filter(|s| s.filesz > 0) {
            let at = (s.paddr - config.address) as usize;
            ensure!(
                raw.get(at..at + s.filesz as usize) == Some(loader.bytes(s)),
                "{}: the segment at {:#x} is not at offset {at:#x}",
                raw_path.display(),
                s.paddr
            );
        }
        done.push(format!(
            "raw binary: {} bytes, every loadable segment at its offset from {:#x}",
            raw.len(),
            config.address
        ));
    }

    // 3. It carries the board's kernel, built for the board's platform.
    let kernel = Elf::read(&images.kernel)?;
    let (kernel_phys, _) = kernel.load_range();
    let kernel_virt = kernel.loadable().map(|s| s.vaddr).min().unwrap_or(0);
    ensure!(kernel.machine == EM_AARCH64, "the kernel is not an AArch64 ELF file");
    ensure!(
        kernel_phys == platform.phys_base && kernel_virt == KERNEL_VIRT_BASE,
        "the kernel is linked at {kernel_virt:#x} from physical {kernel_phys:#x}; expected {KERNEL_VIRT_BASE:#x} from phys-base {:#x}",
        platform.phys_base
    );
    ensure!(
        contains(&loader.data, &kernel.data),
        "the loader does not carry {}",
        images.kernel.display()
    );
    let root_task = std::fs::read(&images.root_task)
        .with_context(|| format!("reading {}", images.root_task.display()))?;
    ensure!(
        contains(&loader.data, &root_task),
        "the loader does not carry {}",
        images.root_task.display()
    );
    let autoconf = Autoconf::new(std::fs::read_to_string(&images.kernel_autoconf)?);
    let plat_option = format!("CONFIG_PLAT_{}", board.kernel.plat.to_uppercase().replace('-', "_"));
    for option in [plat_option.as_str(), "CONFIG_ARCH_AARCH64"] {
        ensure!(
            autoconf.value(option).is_some(),
            "the kernel was configured without {option} ({})",
            images.kernel_autoconf.display()
        );
    }
    // The kernel maps its console at the device window's first page; its
    // device table holds (physical address, kernel address) of that UART.
    let console = platform
        .devices
        .iter()
        .find(|d| d.kernel == Some(KernelUse::Console))
        .context("no console device")?;
    let mut entry = console.paddr.to_le_bytes().to_vec();
    entry.extend(Platform::kernel_pptr(KernelUse::Console).to_le_bytes());
    ensure!(
        contains(&kernel.data, &entry),
        "the kernel's device table does not map the console `{}` at {:#x}",
        console.name,
        console.paddr
    );
    done.push(format!(
        "kernel: {plat_option}, aarch64, linked at {KERNEL_VIRT_BASE:#x} from {:#x}, console `{}` at {:#x}; carried verbatim with the root task",
        platform.phys_base, console.name, console.paddr
    ));

    // 4. Without semihosting, no code of the image may call it.
    if !board.semihosting() {
        let root = Elf::parse(root_task)?;
        for (what, elf) in [("root task", &root), ("loader", &loader), ("kernel", &kernel)] {
            if let Some(at) = elf.code_word_at(SEMIHOSTING_HLT) {
                bail!("the {what}'s code has a semihosting call (hlt #0xf000) at {at:#x}, but board `{}` has no semihosting", board.name);
            }
        }
        done.push(
            "no semihosting call (hlt #0xf000) in the code of the root task, loader or kernel"
                .to_string(),
        );
    }
    Ok(done)
}

/// `cargo xtask test` for a board without an emulator: builds its image
/// around the smallest root task, in a target folder of its own, and
/// verifies it. Prints what was verified and how long it took.
pub fn check(board: &str) -> Result<()> {
    let started = Instant::now();
    let args = BuildArgs::for_board(board);
    let target = workspace_root().join("target/image-check");
    let images = image::build_in(&args, CHECK_PROGRAM, &target)?;
    for line in verify(&images)? {
        println!("  {line}");
    }
    println!("  image check of board {board} took {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF: header and one executable PT_LOAD holding `code`.
    fn elf_with_code(code: &[u32]) -> Vec<u8> {
        let mut d = vec![0u8; 64 + 56];
        d[..6].copy_from_slice(b"\x7fELF\x02\x01");
        d[18..20].copy_from_slice(&EM_AARCH64.to_le_bytes());
        d[24..32].copy_from_slice(&0x1000u64.to_le_bytes());
        d[32..40].copy_from_slice(&64u64.to_le_bytes());
        d[54..56].copy_from_slice(&56u16.to_le_bytes());
        d[56..58].copy_from_slice(&1u16.to_le_bytes());
        let h = 64;
        d[h..h + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
        d[h + 4..h + 8].copy_from_slice(&(PF_X | 4).to_le_bytes());
        d[h + 8..h + 16].copy_from_slice(&120u64.to_le_bytes());
        d[h + 16..h + 24].copy_from_slice(&0x1000u64.to_le_bytes());
        d[h + 24..h + 32].copy_from_slice(&0x1000u64.to_le_bytes());
        let size = 4 * code.len() as u64;
        d[h + 32..h + 40].copy_from_slice(&size.to_le_bytes());
        d[h + 40..h + 48].copy_from_slice(&size.to_le_bytes());
        d.extend(code.iter().flat_map(|w| w.to_le_bytes()));
        d
    }

    #[test]
    fn finds_a_semihosting_call_in_code() {
        let elf = Elf::parse(elf_with_code(&[0xd503201f, SEMIHOSTING_HLT, 0xd65f03c0])).unwrap();
        assert_eq!(elf.entry, 0x1000);
        assert_eq!(elf.load_range(), (0x1000, 0x100c));
        assert_eq!(elf.code_word_at(SEMIHOSTING_HLT), Some(0x1004));
        let clean = Elf::parse(elf_with_code(&[0xd503201f, 0xd65f03c0])).unwrap();
        assert_eq!(clean.code_word_at(SEMIHOSTING_HLT), None);
    }

    #[test]
    fn refuses_what_is_not_a_64_bit_elf() {
        assert!(Elf::parse(b"\x7fELF\x01\x01".to_vec()).is_err());
    }
}
