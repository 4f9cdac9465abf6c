//! Building the images a board boots: its kernel and a root task.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use qemu_runner::RunSpec;
use sel4_kernel_build::{build_kernel, Board, Kernel, KernelUse, LoaderConfig};

use crate::{workspace_root, BuildArgs};

/// A root task program: a binary of a workspace package.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    pub package: &'static str,
    pub bin: &'static str,
    /// Whether it embeds a system (the real root task does; test guests not).
    pub embeds_system: bool,
}

/// The system's root task.
pub const ROOT_TASK: Program =
    Program { package: "root-task", bin: "root-task", embeds_system: true };

impl Program {
    /// The program BIN of PACKAGE (named on the command line or in a boot
    /// test; xtask is short-lived, so the names are kept for its lifetime).
    pub fn other(package: &str, bin: &str) -> Program {
        Program {
            package: Box::leak(package.to_string().into_boxed_str()),
            bin: Box::leak(bin.to_string().into_boxed_str()),
            embeds_system: package == ROOT_TASK.package,
        }
    }
}

/// Console lines that mean the system itself failed: a root task panic or a
/// kernel complaint. (A component's panic is a fault the supervisor handles.)
const FAILURE_MARKERS: &[&str] = &[
    "root task panicked at",
    "seL4 failed assertion",
    "Caught cap fault",
    "vm fault on",
    "halting...",
];

/// What QEMU (or a board's firmware) boots.
pub struct Images {
    pub board: Board,
    pub kernel: PathBuf,
    /// The configuration the kernel was built with (its `autoconf.h`).
    pub kernel_autoconf: PathBuf,
    pub root_task: PathBuf,
    /// The boot image the root task embeds (none for a test guest).
    pub boot_image: Option<PathBuf>,
    /// The loader image carrying both, on boards that boot through one
    /// (`<target>/images/<board>/<board>.elf`).
    pub loader: Option<PathBuf>,
    /// The loader as a raw binary, for firmware that loads raw images
    /// (`[loader] raw-binary`).
    pub raw: Option<PathBuf>,
}

impl Images {
    /// A runner spec that boots these images with the board's QEMU settings
    /// (an error for a board that has no emulator).
    pub fn run_spec(&self, timeout: Duration, log_file: PathBuf) -> Result<RunSpec> {
        let qemu = self.board.qemu()?;
        let mut spec = RunSpec::new(
            &qemu.program,
            self.board.qemu_args(&self.kernel, &self.root_task, self.loader.as_deref())?,
        );
        spec.timeout = timeout;
        spec.log_file = log_file;
        spec.success_status = qemu.success_status;
        spec.failure_markers = FAILURE_MARKERS.iter().map(|m| m.to_string()).collect();
        Ok(spec)
    }
}

/// Cargo's target folder for the images `cargo xtask build` makes.
pub fn target_dir() -> PathBuf {
    workspace_root().join("target")
}

/// Where a loader board's boot images are written.
pub fn image_dir(target: &Path, board: &str) -> PathBuf {
    target.join("images").join(board)
}

/// The error for booting a board no emulator here can run: it says so, and
/// where the board's image is (or will be once built).
pub fn no_emulator(board: &Board) -> anyhow::Error {
    let dir = image_dir(&target_dir(), &board.name);
    let elf = dir.join(format!("{}.elf", board.name));
    let raw = dir.join(format!("{}.bin", board.name));
    let image = match board.loader.as_ref().is_some_and(|l| l.raw_binary) {
        true => format!("{} (raw binary) and {} (ELF)", raw.display(), elf.display()),
        false => elf.display().to_string(),
    };
    let state = if elf.is_file() { "built" } else { "not built yet" };
    let doc = workspace_root().join("docs/boards").join(format!("{}.md", board.name));
    let how = if doc.is_file() {
        format!("; how to boot it on the hardware: {}", doc.display())
    } else {
        String::new()
    };
    anyhow::anyhow!(
        "board `{}` has no emulator: {} has no [qemu] section, so nothing here can boot it. \
         Its image is {image} ({state}; `cargo xtask build --board {}` builds it){how}",
        board.name,
        board.dir.join("board.toml").display(),
        board.name
    )
}

/// Rust targets the build needs besides the host: the boards' and Wasm (see rust-toolchain.toml).
pub const RUST_TARGETS: &[&str] =
    &["x86_64-unknown-none", "aarch64-unknown-none", crate::wasm::WASM_TARGET];

/// Whether the workspace toolchain has the standard library of `target`.
pub fn rust_target_installed(target: &str) -> bool {
    let sysroot =
        Command::new("rustc").arg("--print").arg("sysroot").current_dir(workspace_root()).output();
    sysroot.is_ok_and(|o| {
        let root = String::from_utf8_lossy(&o.stdout).trim().to_string();
        Path::new(&root).join("lib/rustlib").join(target).join("lib").is_dir()
    })
}

/// Builds (incrementally) the kernel of the board and profile `args` name.
pub fn kernel(args: &BuildArgs) -> Result<(Board, Kernel)> {
    crate::setup::ensure()?;
    let root = workspace_root();
    let board = Board::load(&root.join("board"), &args.board)?;
    let profile = board.profile(&args.kernel_profile)?;
    let out_dir = root.join("target/sel4-kernel").join(format!("{}-{}", board.name, profile.name));
    let kernel = build_kernel(
        &root.join("Cargo.toml"),
        &root.join("board/kernel-patches"),
        &board,
        &profile,
        &out_dir,
    )?;
    Ok((board, kernel))
}

/// A cargo command whose `sel4` crate is generated for `kernel`: the
/// variables tell its build script where the configured kernel source is.
pub fn cargo_for_kernel(board: &Board, kernel: &Kernel) -> Command {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(workspace_root())
        .env("SEL4_SOURCE_ROOT", &kernel.source.root)
        .env("SEL4_AUTOCONF", &kernel.source.autoconf)
        .env("SEL4_ARCH", &board.kernel.arch)
        .env("SEL4_SEL4_ARCH", &board.kernel.sel4_arch)
        // sel4-root-task compiles its semihosting exit in only for a QEMU
        // that enables it.
        .env("SEL4_SEMIHOSTING", if board.semihosting() { "1" } else { "0" });
    cargo
}

pub fn build(args: &BuildArgs, program: Program) -> Result<Images> {
    build_in(args, program, &target_dir())
}

/// `build` with cargo's target folder `target`: a check can build a board's
/// image without touching the builds in the workspace's `target/` (which the
/// other board of the same Rust target shares). A program that embeds a
/// system needs the workspace's folder (the system's programs are built there).
pub fn build_in(args: &BuildArgs, program: Program, target: &Path) -> Result<Images> {
    let root = workspace_root();
    if program.embeds_system && target != target_dir() {
        bail!(
            "{} embeds a system, which is built in {}: it cannot be built in {}",
            program.bin,
            target_dir().display(),
            target.display()
        );
    }
    // A description with errors stops the build before anything is built.
    let description = match program.embeds_system {
        true => {
            let board = Board::load(&root.join("board"), &args.board)?;
            Some(crate::system::load(&root.join(&args.system), &board)?)
        }
        false => None,
    };
    let (board, kernel) = kernel(args)?;
    if !rust_target_installed(&board.rust_target) {
        bail!("the Rust target {} is not installed; run `cargo xtask setup` (or `rustup target add {}`)", board.rust_target, board.rust_target);
    }
    let mut cargo = cargo_for_kernel(&board, &kernel);
    cargo.env("CARGO_TARGET_DIR", target);
    let mut boot_image = None;
    if let Some(description) = &description {
        let system = crate::system::compile(
            &root.join(&args.system),
            description,
            &board,
            &kernel,
            !args.debug_root_task,
            args.interactive,
        )?;
        println!(
            "system `{}`: boot image {} (what was built: {})",
            system.name,
            system.boot_image.display(),
            system.report.display()
        );
        cargo.env("SEL4_WASM_BOOT_IMAGE", &system.boot_image);
        boot_image = Some(system.boot_image);
    }
    cargo.args([
        "build",
        "--package",
        program.package,
        "--bin",
        program.bin,
        "--target",
        &board.rust_target,
    ]);
    if !args.debug_root_task {
        cargo.arg("--release");
    }
    let status = cargo.status().context("running cargo build")?;
    if !status.success() {
        bail!("building {} for {} failed", program.package, board.rust_target);
    }
    let profile_dir = if args.debug_root_task { "debug" } else { "release" };
    let root_task = target.join(&board.rust_target).join(profile_dir).join(program.bin);
    check_root_task_elf(&root_task)?;
    let (loader, raw) = match &board.loader {
        Some(config) => {
            let (elf, raw) = build_loader(&board, config, &kernel, &root_task, target)?;
            (Some(elf), raw)
        }
        None => (None, None),
    };
    Ok(Images {
        board,
        kernel: kernel.image,
        kernel_autoconf: kernel.source.autoconf,
        root_task,
        boot_image,
        loader,
        raw,
    })
}

/// A cargo command for the board's loader: the variables its build script
/// reads (the kernel and root task it carries, where it is linked, the
/// console UART and RAM of the board).
pub fn cargo_for_loader(
    board: &Board,
    config: &LoaderConfig,
    kernel: &Kernel,
    root_task: &Path,
) -> Result<Command> {
    let platform = board.platform.as_ref().with_context(|| {
        format!(
            "board `{}` has a [loader] but no [platform] describing its RAM and console",
            board.name
        )
    })?;
    let uart =
        platform.devices.iter().find(|d| d.kernel == Some(KernelUse::Console)).with_context(
            || format!("board `{}` has a [loader] but no console device in [platform]", board.name),
        )?;
    let ram: Vec<String> =
        platform.ram.iter().map(|r| format!("{:#x}..{:#x}", r.start, r.end)).collect();
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(workspace_root())
        .env("SEL4_KERNEL_ELF", &kernel.elf)
        .env("SEL4_ROOT_TASK_ELF", root_task)
        .env("SEL4_LOADER_ADDRESS", format!("{:#x}", config.address))
        .env("SEL4_LOADER_UART", format!("{:#x}", uart.paddr))
        .env("SEL4_LOADER_RAM", ram.join(","));
    Ok(cargo)
}

/// Builds the board's ELF loader around the kernel and the root task, and
/// writes it to `<target>/images/<board>/<board>.elf` (and `.bin`, the raw
/// binary, when the board asks for one). Returns the two paths.
fn build_loader(
    board: &Board,
    config: &LoaderConfig,
    kernel: &Kernel,
    root_task: &Path,
    target: &Path,
) -> Result<(PathBuf, Option<PathBuf>)> {
    if !rust_target_installed(&config.target) {
        bail!("the Rust target {} is not installed; run `cargo xtask setup` (or `rustup target add {}`)", config.target, config.target);
    }
    let status = cargo_for_loader(board, config, kernel, root_task)?
        .env("CARGO_TARGET_DIR", target)
        .args([
            "build",
            "--release",
            "--package",
            &config.package,
            "--bin",
            &config.package,
            "--target",
            &config.target,
        ])
        .status()
        .context("running cargo build for the loader")?;
    if !status.success() {
        bail!("building the loader {} for {} failed", config.package, config.target);
    }
    let built = target.join(&config.target).join("release").join(&config.package);
    let dir = image_dir(target, &board.name);
    std::fs::create_dir_all(&dir)?;
    let elf = dir.join(format!("{}.elf", board.name));
    std::fs::copy(&built, &elf)
        .with_context(|| format!("copying {} to {}", built.display(), elf.display()))?;
    if !config.raw_binary {
        return Ok((elf, None));
    }
    // The firmware copies the file to `address` and jumps to its first byte.
    let raw = dir.join(format!("{}.bin", board.name));
    let objcopy = format!("{}objcopy", board.kernel.toolprefix.as_deref().unwrap_or_default());
    let status = Command::new(&objcopy)
        .args(["-O", "binary"])
        .arg(&elf)
        .arg(&raw)
        .status()
        .with_context(|| format!("running {objcopy} (Debian package binutils-aarch64-linux-gnu; `cargo xtask setup` installs it)"))?;
    if !status.success() {
        bail!("{objcopy} -O binary {} failed ({status})", elf.display());
    }
    Ok((elf, Some(raw)))
}

/// The kernel's ELF loader maps every program header with a nonzero memory
/// size as if it were loadable, and needs page-aligned segments: refuse an
/// image that breaks either rule rather than boot it.
fn check_root_task_elf(path: &Path) -> Result<()> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let u16_at = |o: usize| u16::from_le_bytes(data[o..o + 2].try_into().unwrap());
    let u32_at = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(data[o..o + 8].try_into().unwrap());
    if data.len() < 64 || &data[..4] != b"\x7fELF" || data[4] != 2 || u16_at(16) != 2 {
        bail!("{}: not a 64-bit executable ELF file", path.display());
    }
    let (phoff, phentsize, phnum) = (u64_at(32) as usize, u16_at(54) as usize, u16_at(56) as usize);
    const PT_LOAD: u32 = 1;
    for i in 0..phnum {
        let h = phoff + i * phentsize;
        let (kind, offset, vaddr, memsz) =
            (u32_at(h), u64_at(h + 8), u64_at(h + 16), u64_at(h + 40));
        if kind != PT_LOAD && memsz != 0 {
            bail!(
                "{}: program header {i} (type {kind:#x}) has memory size {memsz:#x}; the kernel would load it. \
                 Link with sel4-root-task's linker script (see root-task/root-task/build.rs)",
                path.display()
            );
        }
        if kind == PT_LOAD && (vaddr % 4096 != 0 || offset % 4096 != 0) {
            bail!(
                "{}: segment {i} at {vaddr:#x} (file offset {offset:#x}) is not page aligned; the kernel's loader needs page-aligned segments",
                path.display()
            );
        }
    }
    Ok(())
}
