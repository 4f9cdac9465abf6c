//! Preparing the kernel source for a board and running its build.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::autoconf::Autoconf;
use crate::board::{Board, KernelProfile};
use crate::host::{check_host_tools, kernel_python, REQUIRED_PACKAGES};
use crate::patches::{apply_patch, Patch};
use crate::platform::{copy_platform, generated_files};
use crate::source::locate_kernel_source;

/// Warnings that gcc 12 raises on this (2018) kernel source; the Makefile
/// appends its own flags to these.
const KERNEL_CFLAGS: &str = "-Wno-address-of-packed-member -Wno-array-bounds -Wno-attributes";

/// A patched, configured copy of the kernel source.
#[derive(Debug, Clone)]
pub struct PreparedSource {
    /// Root of the copied source (the `seL4/` folder's copy).
    pub root: PathBuf,
    /// The configured autoconf.h inside `root`.
    pub autoconf: PathBuf,
    /// Kernel version (`VERSION` file).
    pub version: String,
}

/// A built kernel.
#[derive(Debug, Clone)]
pub struct Kernel {
    pub source: PreparedSource,
    /// The kernel ELF as the build produced it.
    pub elf: PathBuf,
    /// What the board's boot loader takes (`elf` converted, or `elf` itself).
    pub image: PathBuf,
}

/// Copies the pinned source to `out_dir/src`, applies our patches from
/// `patches_dir` and writes the profile's configuration. Does nothing when
/// the same inputs were prepared before.
pub fn prepare_source(
    workspace_manifest: &Path,
    patches_dir: &Path,
    board: &Board,
    profile: &KernelProfile,
    out_dir: &Path,
) -> Result<PreparedSource> {
    let pristine = locate_kernel_source(workspace_manifest)?;
    let patches = Patch::load_dir(patches_dir)?;
    let stock_name = board.kernel.stock_autoconf.as_ref().unwrap_or(&board.kernel.autoconf);
    let stock_autoconf_path = pristine.root.join(stock_name);
    let stock_autoconf = std::fs::read_to_string(&stock_autoconf_path).with_context(|| {
        format!(
            "board `{}`: {stock_name:?} (kernel.autoconf or kernel.stock-autoconf) is not a file in the kernel source ({})",
            board.name,
            stock_autoconf_path.display()
        )
    })?;
    let derived = derived_platform(board, &pristine.root)?;
    let autoconf = Autoconf::new(stock_autoconf)
        .apply(&profile.config)
        .with_context(|| format!("board `{}`, kernel profile `{}`", board.name, profile.name))?;

    let mut hash = Sha256::new();
    hash.update(pristine.root.display().to_string());
    hash.update(&pristine.version);
    for patch in &patches {
        hash.update(patch.target.display().to_string());
        hash.update(&patch.diff);
    }
    hash.update(autoconf.text());
    if let Some(derived) = &derived {
        hash.update(&derived.from);
        for patch in &derived.patches {
            hash.update(patch.target.display().to_string());
            hash.update(&patch.diff);
        }
        for (path, text) in &derived.files {
            hash.update(path.display().to_string());
            hash.update(text);
        }
    }
    let fingerprint = format!("{:x}", hash.finalize());

    let src = out_dir.join("src");
    let stamp = out_dir.join("source.stamp");
    let prepared = PreparedSource {
        autoconf: src.join(&board.kernel.autoconf),
        root: src.clone(),
        version: pristine.version.clone(),
    };
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(fingerprint.as_str()) && src.is_dir()
    {
        return Ok(prepared);
    }

    // Inputs changed: start from a clean copy, and drop the old build with it.
    for dir in [&src, &out_dir.join("build")] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    let _ = std::fs::remove_file(&stamp);
    copy_tree(&pristine.root, &src)?;
    for patch in &patches {
        apply_patch(&src, patch)?;
    }
    if let Some(derived) = &derived {
        // A board naming its own stock platform keeps it in place.
        if derived.from != board.kernel.plat {
            copy_platform(&src, &derived.from, &board.kernel.plat)?;
        }
        for patch in &derived.patches {
            apply_patch(&src, patch)?;
        }
        for (path, text) in &derived.files {
            let path = src.join(path);
            std::fs::create_dir_all(path.parent().expect("generated files are inside the source"))?;
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if let Some(dir) = prepared.autoconf.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&prepared.autoconf, autoconf.text())
        .with_context(|| format!("writing {}", prepared.autoconf.display()))?;
    // Written last: an interrupted preparation is redone next time.
    std::fs::write(&stamp, &fingerprint)?;
    Ok(prepared)
}

/// What deriving the board's platform needs: the stock platform, the
/// board's patches and the generated files (path in the source, text).
struct Derived {
    from: String,
    patches: Vec<Patch>,
    files: Vec<(PathBuf, String)>,
}

fn derived_platform(board: &Board, pristine: &Path) -> Result<Option<Derived>> {
    let (Some(derive), Some(platform)) = (&board.kernel.derive_platform, &board.platform) else {
        return Ok(None);
    };
    let patches = match &derive.patches {
        Some(dir) => Patch::load_dir(&board.dir.join(dir))?,
        None => Vec::new(),
    };
    let stock_linker_path = pristine.join("src/plat").join(&derive.from).join("linker.lds");
    let stock_linker = std::fs::read_to_string(&stock_linker_path).with_context(|| {
        format!(
            "board `{}`: stock platform `{}` has no {}",
            board.name,
            derive.from,
            stock_linker_path.display()
        )
    })?;
    let files =
        generated_files(&board.kernel.plat, platform, &stock_linker).with_context(|| {
            format!("board `{}`: deriving platform `{}`", board.name, board.kernel.plat)
        })?;
    Ok(Some(Derived { from: derive.from.clone(), patches, files }))
}

/// Builds the kernel of `board` with `profile` under `out_dir`
/// (`src/`, `build/`, `bin/`), incrementally.
pub fn build_kernel(
    workspace_manifest: &Path,
    patches_dir: &Path,
    board: &Board,
    profile: &KernelProfile,
    out_dir: &Path,
) -> Result<Kernel> {
    check_host_tools(REQUIRED_PACKAGES)?;
    let missing: Vec<_> =
        board.host_packages.iter().filter(|p| !crate::host::program_on_path(&p.program)).collect();
    if !missing.is_empty() {
        let names: Vec<_> = missing.iter().map(|p| p.debian.as_str()).collect();
        bail!(
            "board `{}` needs Debian packages {} (install with `cargo xtask setup`, or apt-get install -y {})",
            board.name,
            names.join(", "),
            names.join(" ")
        );
    }
    let source = prepare_source(workspace_manifest, patches_dir, board, profile, out_dir)?;

    // The generator scripts start with `#!/usr/bin/env python`: put a
    // `python` that is the kernel python first on PATH.
    let bin = out_dir.join("bin");
    std::fs::create_dir_all(&bin)?;
    let shim = bin.join("python");
    if std::fs::read_link(&shim).ok().as_deref() != Some(Path::new(kernel_python())) {
        let _ = std::fs::remove_file(&shim);
        std::os::unix::fs::symlink(kernel_python(), &shim)?;
    }
    let path = std::env::join_paths(
        std::iter::once(bin.clone())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )?;

    let build = out_dir.join("build");
    std::fs::create_dir_all(&build)?;
    let log = build.join("make.log");
    let log_file = std::fs::File::create(&log)?;
    // -j1: parallel bitfield-generator runs overwrite each other's parsetab.py.
    let status = Command::new("make")
        .current_dir(&build)
        .env("PATH", path)
        .env("CFLAGS", KERNEL_CFLAGS)
        .arg("-f")
        .arg(source.root.join("Makefile"))
        .arg(format!("SOURCE_ROOT={}", source.root.display()))
        .arg(format!("ARCH={}", board.kernel.arch))
        .arg(format!("PLAT={}", board.kernel.plat))
        .arg(format!("SEL4_ARCH={}", board.kernel.sel4_arch))
        .arg(format!("PYTHON={}", kernel_python()))
        .args(board.kernel.cpu.iter().map(|v| format!("CPU={v}")))
        .args(board.kernel.armv.iter().map(|v| format!("ARMV={v}")))
        .args(board.kernel.toolprefix.iter().map(|v| format!("TOOLPREFIX={v}")))
        .args(&profile.make_flags)
        .arg("-j1")
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .status()
        .context("running make")?;
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<_> =
            text.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
        bail!(
            "the kernel build for board `{}` failed ({status}); last lines of {}:\n{}",
            board.name,
            log.display(),
            tail.join("\n")
        );
    }

    let elf = build.join("kernel.elf");
    let image = match &board.kernel.image_format {
        None => elf.clone(),
        Some(format) => {
            let image = build.join(format!("kernel.{format}.elf"));
            if is_older(&image, &elf) {
                let status = Command::new("objcopy")
                    .args(["-O", format])
                    .arg(&elf)
                    .arg(&image)
                    .status()
                    .context("running objcopy")?;
                if !status.success() {
                    bail!("objcopy -O {format} {} failed ({status})", elf.display());
                }
            }
            image
        }
    };
    Ok(Kernel { source, elf, image })
}

/// True when `output` is missing or older than `input`.
fn is_older(output: &Path, input: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(output), modified(input)) {
        (Some(out), Some(inp)) => out < inp,
        _ => true,
    }
}

pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).with_context(|| {
                format!("copying {} to {}", entry.path().display(), target.display())
            })?;
            // Registry sources are read-only; the copy must be writable
            // (patches, generated parsetab.py).
            let mut perms = std::fs::metadata(&target)?.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&target, perms)?;
        }
    }
    Ok(())
}
