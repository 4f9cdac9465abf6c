//! `cargo xtask lint`: the habits CI enforces. Formatting (`cargo fmt
//! --check`) and clippy with every warning an error, for every target the
//! build uses: the host crates (with their tests), the Wasm components
//! (wasm32), and each emulated board's programs (root task, PD programs,
//! runtimes, test guests, loader) with the kernel configuration they are
//! generated for. The workspace's own lints are in `[workspace.lints]`.

use std::process::Command;

use anyhow::{Context, Result};
use sel4_kernel_build::Board;

use crate::image::{self, cargo_for_kernel, cargo_for_loader};
use crate::packages::ComponentPackages;
use crate::wasm::WASM_TARGET;
use crate::{workspace_root, BuildArgs};

/// Arguments after `--` of every clippy run: any warning fails.
const DENY_WARNINGS: &[&str] = &["--", "-D", "warnings"];

/// One lint step and whether it passed.
pub struct Step {
    pub name: String,
    pub passed: bool,
}

/// Runs every lint step for `boards` (each emulated board's Rust target
/// once) and returns the steps in order; a failing step does not stop the
/// others, so one run shows every problem.
pub fn run(boards: &[String]) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    let mut record = |name: String, command: &mut Command| -> Result<()> {
        println!("== lint: {name}");
        let status = command.status().with_context(|| format!("running {name}"))?;
        steps.push(Step { name, passed: status.success() });
        Ok(())
    };
    record(
        "formatting (cargo fmt --all --check)".into(),
        cargo().args(["fmt", "--all", "--check"]),
    )?;
    record(
        "clippy on the host crates (--all-targets)".into(),
        cargo().args(["clippy", "--all-targets"]).args(DENY_WARNINGS),
    )?;
    let packages = ComponentPackages::load()?;
    let mut wasm = cargo();
    wasm.args(["clippy", "--release", "--target", WASM_TARGET]);
    for name in &packages.wasm {
        wasm.args(["--package", name]);
    }
    record(format!("clippy on the Wasm components ({WASM_TARGET})"), wasm.args(DENY_WARNINGS))?;

    let mut linted_targets = Vec::new();
    for board_name in boards {
        let board = Board::load(&workspace_root().join("board"), board_name)?;
        // One board per Rust target: the code is the same, only the kernel
        // configuration differs, and the emulated boards cover both.
        if board.qemu.is_none() || linted_targets.contains(&board.rust_target) {
            continue;
        }
        linted_targets.push(board.rust_target.clone());
        board_steps(&board, &packages, &mut record)?;
    }
    Ok(steps)
}

/// Clippy on the programs of `board`'s Rust target, with the kernel and the
/// default system's boot image they are built against; and, on a board of
/// the host's architecture, the `sel4` crate's host tests.
fn board_steps(
    board: &Board,
    packages: &ComponentPackages,
    record: &mut impl FnMut(String, &mut Command) -> Result<()>,
) -> Result<()> {
    let args = BuildArgs::for_board(&board.name);
    // The root task embeds a boot image: build the default system's first.
    let images = image::build(&args, image::ROOT_TASK)?;
    let (_, kernel) = image::kernel(&args)?;
    let boot_image = images.boot_image.clone().context("the root task embeds a boot image")?;
    let mut programs: Vec<&str> = vec![image::ROOT_TASK.package, "test-guests"];
    programs.extend(packages.programs.values().map(String::as_str));
    if board.kernel.sel4_arch == "aarch64" {
        programs.push("test-guests-aarch64");
    }
    programs.sort_unstable();
    programs.dedup();
    let mut clippy = cargo_for_kernel(board, &kernel);
    clippy.env("SEL4_WASM_BOOT_IMAGE", &boot_image).args([
        "clippy",
        "--release",
        "--target",
        &board.rust_target,
    ]);
    for package in &programs {
        clippy.args(["--package", package]);
    }
    record(
        format!("clippy on the {} programs ({})", board.name, board.rust_target),
        clippy.args(DENY_WARNINGS),
    )?;
    if let Some(loader) = &board.loader {
        let mut clippy = cargo_for_loader(board, loader, &kernel, &images.root_task)?;
        clippy.args([
            "clippy",
            "--release",
            "--package",
            &loader.package,
            "--target",
            &loader.target,
        ]);
        record(format!("clippy on the {} loader", board.name), clippy.args(DENY_WARNINGS))?;
    }
    if board.kernel.sel4_arch == std::env::consts::ARCH {
        let mut clippy = cargo_for_kernel(board, &kernel);
        clippy.args(["clippy", "--package", "sel4", "--all-targets"]);
        record(
            format!("clippy on the sel4 crate's host tests ({})", board.name),
            clippy.args(DENY_WARNINGS),
        )?;
    }
    Ok(())
}

fn cargo() -> Command {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(workspace_root());
    cargo
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Source files of a package (its `src/`), to look for `unsafe`.
    fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// The habits hold for every crate, also the next one added: it takes
    /// the workspace's lints, and a crate without `unsafe` forbids it in
    /// every crate root (library and binaries).
    #[test]
    fn every_crate_takes_the_workspace_lints_and_forbids_unsafe_when_it_has_none() {
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(workspace_root().join("Cargo.toml"))
            .no_deps()
            .exec()
            .unwrap();
        let mut forbidding = 0;
        for package in &metadata.packages {
            let manifest = std::fs::read_to_string(&package.manifest_path).unwrap();
            let manifest: toml::Value = toml::from_str(&manifest).unwrap();
            let workspace_lints = manifest.get("lints").and_then(|l| l.get("workspace"));
            assert_eq!(
                workspace_lints.and_then(|w| w.as_bool()),
                Some(true),
                "{}: add `[lints]\\nworkspace = true`",
                package.manifest_path
            );
            let dir = package.manifest_path.parent().unwrap().join("src");
            let mut files = Vec::new();
            sources(dir.as_std_path(), &mut files);
            let has_unsafe = files.iter().any(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                text.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == "unsafe")
            });
            if has_unsafe {
                continue;
            }
            let roots = package.targets.iter().filter(|t| {
                t.kind.iter().any(|k| matches!(k.to_string().as_str(), "lib" | "bin" | "cdylib"))
            });
            for root in roots {
                let text = std::fs::read_to_string(&root.src_path).unwrap();
                assert!(
                    text.contains("#![forbid(unsafe_code)]"),
                    "{}: has no unsafe code: add #![forbid(unsafe_code)]",
                    root.src_path
                );
                forbidding += 1;
            }
        }
        assert!(forbidding >= 30, "only {forbidding} crate roots forbid unsafe code");
    }
}
