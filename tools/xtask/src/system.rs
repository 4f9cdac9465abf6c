//! Compiling a system description into the boot image the root task embeds:
//! validate the description, build the component programs it names, lower
//! it to the manifest and write the archive.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use sel4_kernel_build::{Board, Kernel, KernelUse};
use system_description::{Arch, BoardDevice, SystemDescription, TargetBoard};

use crate::image::cargo_for_kernel;
use crate::packages::ComponentPackages;
use crate::workspace_root;

/// The system `cargo xtask run` boots when no `--system` is given.
pub const DEFAULT_SYSTEM: &str = "systems/default.toml";

/// A compiled system.
pub struct CompiledSystem {
    pub name: String,
    /// The rkyv archive the root task embeds.
    pub boot_image: PathBuf,
    /// What was built, for people (components, grants, mappings).
    pub report: PathBuf,
}

/// Validates `path` for `board`; every problem is reported with file, line
/// and fix.
pub fn load(path: &Path, board: &Board) -> Result<SystemDescription> {
    let target = target_board(board)?;
    SystemDescription::load_for(path, Some(&target)).map_err(|report| anyhow!("{report:?}"))
}

/// What a system description needs to know of `board`: its name and
/// architecture (which `[component.board.<name>]` sections apply, which kind
/// of interrupt exists) and the devices and interrupts it can grant.
pub fn target_board(board: &Board) -> Result<TargetBoard> {
    let arch = match board.kernel.sel4_arch.as_str() {
        "x86_64" => Arch::X86_64,
        "aarch64" => Arch::Aarch64,
        other => bail!(
            "board `{}`: system descriptions do not know the architecture `{other}`",
            board.name
        ),
    };
    let platform = board.platform.as_ref();
    Ok(TargetBoard {
        name: board.name.clone(),
        arch,
        known_boards: Board::list(&workspace_root().join("board"))?,
        // The interrupt controller stays the kernel's.
        devices: platform
            .map(|p| {
                p.devices
                    .iter()
                    .filter(|d| {
                        !matches!(
                            d.kernel,
                            Some(KernelUse::GicDistributor | KernelUse::GicCpuInterface)
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
    })
}

/// Builds the programs `description` names and writes its boot image.
pub fn compile(
    path: &Path,
    description: &SystemDescription,
    board: &Board,
    kernel: &Kernel,
    release: bool,
    keep_running: bool,
) -> Result<CompiledSystem> {
    let root = workspace_root();
    // Before building anything: the Wasm runtime only builds for boards with a Wasm target.
    if board.wasm.is_none() && !description.wasm_modules().is_empty() {
        bail!(
            "system `{}` has Wasm components, but board `{}` runs native components only (no [wasm] section in {}); \
             boot a native system there, e.g. --system systems/native.toml",
            description.name(),
            board.name,
            board.dir.join("board.toml").display()
        );
    }
    let packages = ComponentPackages::load()?;
    // Before cargo is asked (its own error names neither component nor file).
    let programs: BTreeSet<String> = packages.programs.keys().cloned().collect();
    description.check_crates(&programs, &packages.wasm).map_err(|report| anyhow!("{report:?}"))?;
    let mut by_package: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for program in description.programs() {
        let Some(package) = packages.programs.get(&program) else {
            bail!(
                "program `{program}` of {} has no package (check_crates passed it)",
                path.display()
            );
        };
        by_package.entry(package.as_str()).or_default().push(program);
    }
    for (package, bins) in &by_package {
        let mut cargo = cargo_for_kernel(board, kernel);
        cargo.args(["build", "--package", package, "--target", &board.rust_target]);
        for bin in bins {
            cargo.args(["--bin", bin]);
        }
        if release {
            cargo.arg("--release");
        }
        if !cargo.status().context("running cargo build")?.success() {
            bail!("building the programs of package {package} failed");
        }
    }
    let profile_dir = if release { "release" } else { "debug" };
    let out = root.join("target").join(&board.rust_target).join(profile_dir);
    let programs: BTreeMap<String, PathBuf> =
        description.programs().into_iter().map(|p| (p.clone(), out.join(&p))).collect();
    let wasm = crate::wasm::precompile_components(description, board)?;
    let mut image = description.lower(&programs, &wasm).map_err(|report| anyhow!("{report:?}"))?;
    image.keep_running = keep_running;

    let dir = root.join("target/systems").join(description.name());
    std::fs::create_dir_all(&dir)?;
    let boot_image = dir.join("boot-image.rkyv");
    system_description::write_boot_image(&image, &boot_image)?;
    let report = dir.join("report.txt");
    std::fs::write(&report, system_description::report(&image))?;
    Ok(CompiledSystem { name: description.name().to_string(), boot_image, report })
}
