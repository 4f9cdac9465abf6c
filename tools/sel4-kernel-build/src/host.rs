//! Host tools the kernel build needs, and a clear error when one is missing.

use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The python3 the kernel's generator scripts run under. Debian's, because
/// its modules come from Debian packages (a pyenv or venv python on PATH
/// usually lacks them).
pub fn kernel_python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// How to tell whether a package is installed.
#[derive(Debug, Clone, Copy)]
pub enum Probe {
    /// An executable on PATH.
    Program(&'static str),
    /// A module importable by [`kernel_python`].
    PythonModule(&'static str),
}

/// A Debian package the build needs.
#[derive(Debug, Clone, Copy)]
pub struct HostPackage {
    pub debian: &'static str,
    pub probe: Probe,
    pub why: &'static str,
}

/// What building the kernel and booting it need on the host.
pub const REQUIRED_PACKAGES: &[HostPackage] = &[
    HostPackage {
        debian: "make",
        probe: Probe::Program("make"),
        why: "runs the kernel's Makefile",
    },
    HostPackage { debian: "gcc", probe: Probe::Program("gcc"), why: "compiles the kernel" },
    HostPackage {
        debian: "binutils",
        probe: Probe::Program("objcopy"),
        why: "converts the kernel to the boot loader's image format",
    },
    HostPackage {
        debian: "python3",
        probe: Probe::Program("python3"),
        why: "runs the kernel's generator scripts",
    },
    HostPackage {
        debian: "python3-ply",
        probe: Probe::PythonModule("ply"),
        why: "the kernel's bitfield generator parses with ply",
    },
    HostPackage {
        debian: "python3-tempita",
        probe: Probe::PythonModule("tempita"),
        why: "the kernel's header generators use tempita templates",
    },
    HostPackage {
        debian: "python3-six",
        probe: Probe::PythonModule("six"),
        why: "the kernel's bitfield generator imports six",
    },
    HostPackage {
        debian: "python3-lxml",
        probe: Probe::PythonModule("lxml"),
        why: "the kernel's generators read XML with lxml",
    },
    HostPackage {
        debian: "libxml2-utils",
        probe: Probe::Program("xmllint"),
        why: "the kernel's Makefile checks its XML interface files",
    },
];

/// Packages found missing, with the command that installs them.
#[derive(Debug, Clone)]
pub struct MissingPackages(pub Vec<HostPackage>);

impl fmt::Display for MissingPackages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "missing host packages:")?;
        for p in &self.0 {
            writeln!(f, "  {:<16} {}", p.debian, p.why)?;
        }
        let names: Vec<_> = self.0.iter().map(|p| p.debian).collect();
        write!(
            f,
            "install them with `cargo xtask setup`, or: sudo apt-get install -y {}",
            names.join(" ")
        )
    }
}

impl std::error::Error for MissingPackages {}

pub fn is_installed(package: &HostPackage) -> bool {
    match package.probe {
        Probe::Program(name) => program_on_path(name),
        Probe::PythonModule(module) => Command::new(kernel_python())
            .args(["-c", &format!("import {module}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success()),
    }
}

pub fn program_on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            let candidate = dir.join(name);
            candidate.is_file()
                && std::fs::metadata(&candidate).is_ok_and(|m| {
                    use std::os::unix::fs::PermissionsExt;
                    m.permissions().mode() & 0o111 != 0
                })
        })
    })
}

/// Checks `packages`; the error lists every missing one and how to install it.
pub fn check_host_tools(packages: &[HostPackage]) -> Result<(), MissingPackages> {
    let missing: Vec<_> = packages.iter().filter(|p| !is_installed(p)).copied().collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(MissingPackages(missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_package_is_named_with_the_install_command() {
        let fake = HostPackage {
            debian: "sel4wasm-no-such-package",
            probe: Probe::Program("sel4wasm-no-such-program"),
            why: "test",
        };
        let err = check_host_tools(&[fake]).unwrap_err().to_string();
        assert!(err.contains("sel4wasm-no-such-package"), "{err}");
        assert!(err.contains("apt-get install -y sel4wasm-no-such-package"), "{err}");
    }

    #[test]
    fn a_present_program_passes() {
        let sh = HostPackage { debian: "dash", probe: Probe::Program("sh"), why: "test" };
        assert!(check_host_tools(&[sh]).is_ok());
    }
}
