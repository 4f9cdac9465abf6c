//! `cargo xtask setup`: installs what a fresh Debian machine lacks.

use std::process::Command;

use anyhow::{bail, Context, Result};
use sel4_kernel_build::{check_host_tools, HostPackage, REQUIRED_PACKAGES};

/// QEMU, besides what the kernel build needs.
const QEMU_PACKAGE: &str = "qemu-system-x86";

pub fn run(dry_run: bool) -> Result<()> {
    let mut packages: Vec<&str> = match check_host_tools(REQUIRED_PACKAGES) {
        Ok(()) => Vec::new(),
        Err(missing) => missing.0.iter().map(|p: &HostPackage| p.debian).collect(),
    };
    if !sel4_kernel_build::program_on_path("qemu-system-x86_64") {
        packages.push(QEMU_PACKAGE);
    }
    if packages.is_empty() {
        println!("host packages: all present");
    } else {
        println!("host packages to install: {}", packages.join(" "));
        if !dry_run {
            apt_install(&packages)?;
        }
    }
    // rustup installs a pinned toolchain with its targets, but adds no
    // target to a toolchain that is already installed: ask for them.
    for target in crate::image::BARE_METAL_TARGETS {
        if crate::image::rust_target_installed(target) {
            continue;
        }
        println!("rust target to install: {target}");
        if !dry_run {
            let status = Command::new("rustup").args(["target", "add", target]).current_dir(crate::workspace_root()).status().context("running rustup")?;
            if !status.success() {
                bail!("rustup target add {target} failed");
            }
        }
    }
    Ok(())
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut cmd = if is_root { Command::new("apt-get") } else {
        let mut c = Command::new("sudo");
        c.arg("apt-get");
        c
    };
    let update = Command::new(cmd.get_program()).args(cmd.get_args()).arg("update").status().context("running apt-get update")?;
    if !update.success() {
        bail!("apt-get update failed");
    }
    let status = cmd
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("running apt-get install")?;
    if !status.success() {
        bail!("apt-get install {} failed", packages.join(" "));
    }
    Ok(())
}
