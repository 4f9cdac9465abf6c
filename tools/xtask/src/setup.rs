//! What the host needs, and installing it: Debian packages through apt and
//! Rust targets through rustup. `cargo xtask setup` does it explicitly;
//! `build`, `run` and `test` do it for whatever is missing when they start.

use std::process::Command;

use anyhow::{bail, Context, Result};
use sel4_kernel_build::{check_host_tools, program_on_path, Board, REQUIRED_PACKAGES};

use crate::image::{rust_target_installed, RUST_TARGETS};
use crate::workspace_root;

/// QEMU for the x86_64 board, besides what the kernel build needs. Other
/// boards list theirs (cross compilers, QEMU) in their board.toml.
const QEMU: (&str, &str) = ("qemu-system-x86_64", "qemu-system-x86");

/// `host-packages` of every board under board/: a fresh machine gets all.
fn board_packages() -> Vec<(String, String)> {
    let boards = workspace_root().join("board");
    let names = Board::list(&boards).unwrap_or_default();
    let mut packages = Vec::new();
    for name in names {
        if let Ok(board) = Board::load(&boards, &name) {
            packages.extend(board.host_packages.into_iter().map(|p| (p.program, p.debian)));
        }
    }
    packages
}

/// What is missing on this host.
#[derive(Debug, Default)]
struct Missing {
    packages: Vec<&'static str>,
    targets: Vec<&'static str>,
}

fn missing() -> Missing {
    let mut packages: Vec<&str> = match check_host_tools(REQUIRED_PACKAGES) {
        Ok(()) => Vec::new(),
        Err(missing) => missing.0.iter().map(|p| p.debian).collect(),
    };
    if !program_on_path(QEMU.0) {
        packages.push(QEMU.1);
    }
    for (program, debian) in board_packages() {
        if !program_on_path(&program) && !packages.contains(&debian.as_str()) {
            packages.push(Box::leak(debian.into_boxed_str()));
        }
    }
    let targets = RUST_TARGETS.iter().copied().filter(|t| !rust_target_installed(t)).collect();
    Missing { packages, targets }
}

/// `cargo xtask setup`.
pub fn run(dry_run: bool) -> Result<()> {
    let missing = missing();
    if missing.packages.is_empty() && missing.targets.is_empty() {
        println!("setup: host packages and Rust targets are all present");
        return Ok(());
    }
    install(&missing, dry_run)
}

/// Installs whatever is missing before a build (checked once per xtask run).
pub fn ensure() -> Result<()> {
    static CHECKED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    if CHECKED.get().is_some() {
        return Ok(());
    }
    let missing = missing();
    if missing.packages.is_empty() && missing.targets.is_empty() {
        let _ = CHECKED.set(());
        return Ok(());
    }
    install(&missing, false)
        .context("installing what the build needs (see `cargo xtask setup`)")?;
    let _ = CHECKED.set(());
    Ok(())
}

fn install(missing: &Missing, dry_run: bool) -> Result<()> {
    if !missing.packages.is_empty() {
        println!("setup: Debian packages to install: {}", missing.packages.join(" "));
        if !dry_run {
            apt_install(&missing.packages)?;
        }
    }
    // rustup installs a pinned toolchain with its targets, but adds no
    // target to a toolchain that is already installed.
    for target in &missing.targets {
        println!("setup: Rust target to install: {target}");
        if !dry_run {
            let status = Command::new("rustup")
                .args(["target", "add", target])
                .current_dir(workspace_root())
                .status()
                .context("running rustup")?;
            if !status.success() {
                bail!("rustup target add {target} failed");
            }
        }
    }
    Ok(())
}

/// Installs Debian packages (as root, or through sudo).
pub(crate) fn apt_install(packages: &[&str]) -> Result<()> {
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let apt = |args: &[&str]| -> Result<()> {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else if program_on_path("sudo") {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        } else {
            bail!(
                "need root to install Debian packages; as root run: apt-get install -y {}",
                packages.join(" ")
            );
        };
        let status = cmd
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("running apt-get")?;
        if !status.success() {
            bail!("apt-get {} failed", args.join(" "));
        }
        Ok(())
    };
    apt(&["update"])?;
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}
