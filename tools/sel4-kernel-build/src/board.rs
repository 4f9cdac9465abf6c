//! Board descriptions: `board/<name>/board.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::platform::{DerivedPlatform, Platform};

/// One board: how to configure and build its kernel and how to boot it.
#[derive(Debug, Clone)]
pub struct Board {
    pub name: String,
    /// The folder holding `board.toml`.
    pub dir: PathBuf,
    pub description: String,
    /// Rust target of the code that runs on the board.
    pub rust_target: String,
    pub kernel: KernelDescription,
    /// How QEMU boots the board; none for a real board that cannot be
    /// emulated here (its image is built, never booted).
    pub qemu: Option<QemuConfig>,
    /// How Wasm components are compiled for this board (none: the board
    /// cannot run Wasm components).
    pub wasm: Option<WasmTarget>,
    /// The machine, for a kernel platform derived from a stock one.
    pub platform: Option<Platform>,
    /// The boot loader image QEMU boots, when the kernel is not booted directly.
    pub loader: Option<LoaderConfig>,
    /// Debian packages this board needs besides the common kernel build ones.
    pub host_packages: Vec<BoardPackage>,
}

/// A Debian package a board needs, and the program that shows it is installed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct BoardPackage {
    pub debian: String,
    pub program: String,
    pub why: String,
}

/// `[loader]`: an ELF loader (a workspace package) that carries the kernel
/// and the root task and enters the kernel the way it expects.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct LoaderConfig {
    /// Workspace package (and binary) of the loader.
    pub package: String,
    /// Rust target the loader is built for.
    pub target: String,
    /// Physical address the loader is linked at, clear of what it loads.
    pub address: u64,
    /// Also write the loader as a raw binary (`objcopy -O binary`, with the
    /// board's `[kernel] toolprefix`), for firmware that loads raw images at
    /// `address` and jumps there.
    #[serde(default)]
    pub raw_binary: bool,
}

/// The target Wasm components are precompiled for.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct WasmTarget {
    pub target: String,
    /// Cranelift ISA flags to enable: the CPU features the board has.
    #[serde(default)]
    pub cranelift_flags: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct KernelDescription {
    pub arch: String,
    pub sel4_arch: String,
    pub plat: String,
    /// Path, relative to the kernel source, of the autoconf.h the build uses.
    pub autoconf: String,
    /// Stock autoconf.h the configuration starts from, when it is not
    /// `autoconf` itself (a derived platform starts from its stock one's).
    #[serde(default)]
    pub stock_autoconf: Option<String>,
    /// ARM: the Makefile's CPU and ARMV, and the cross compiler prefix.
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub armv: Option<String>,
    #[serde(default)]
    pub toolprefix: Option<String>,
    /// Build a platform the kernel source lacks from a stock one (described
    /// by the board's `[platform]`).
    #[serde(default)]
    pub derive_platform: Option<DerivedPlatform>,
    /// `objcopy` output format of the image the boot loader takes, if it is
    /// not the kernel ELF itself.
    #[serde(default)]
    pub image_format: Option<String>,
    #[serde(default)]
    pub config: ConfigChanges,
    #[serde(default)]
    pub profile: BTreeMap<String, ProfileDescription>,
}

/// Changes applied to the stock `autoconf.h`.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigChanges {
    #[serde(default)]
    pub unset: Vec<String>,
    #[serde(default)]
    pub set: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ProfileDescription {
    #[serde(default)]
    pub make_flags: Vec<String>,
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    #[serde(default)]
    pub unset: Vec<String>,
}

/// A kernel profile of a board (e.g. `debug`), resolved.
#[derive(Debug, Clone)]
pub struct KernelProfile {
    pub name: String,
    pub make_flags: Vec<String>,
    /// Board changes followed by the profile's own.
    pub config: ConfigChanges,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct QemuConfig {
    pub program: String,
    /// Arguments; `{kernel}`, `{root-task}` and `{loader}` are replaced by
    /// image paths, `{ram-size}` by the RAM size of the board's `[platform]`.
    pub args: Vec<String>,
    pub success_status: i32,
    /// The arguments give user level semihosting (`-semihosting-config`):
    /// the root task may end QEMU with a semihosting SYS_EXIT. Off, the root
    /// task's code holds no semihosting instruction.
    #[serde(default)]
    pub semihosting: bool,
}

impl QemuConfig {
    /// The QEMU arguments for booting `kernel` with `root_task`.
    pub fn args_for(&self, kernel: &Path, root_task: &Path) -> Vec<String> {
        self.args_with_loader(kernel, root_task, None)
    }

    /// The QEMU arguments, `{loader}` included.
    pub fn args_with_loader(
        &self,
        kernel: &Path,
        root_task: &Path,
        loader: Option<&Path>,
    ) -> Vec<String> {
        let loader = loader.map(|l| l.display().to_string()).unwrap_or_default();
        self.args
            .iter()
            .map(|a| {
                a.replace("{kernel}", &kernel.display().to_string())
                    .replace("{root-task}", &root_task.display().to_string())
                    .replace("{loader}", &loader)
            })
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardFile {
    board: BoardSection,
    kernel: KernelDescription,
    #[serde(default)]
    qemu: Option<QemuConfig>,
    #[serde(default)]
    wasm: Option<WasmTarget>,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    loader: Option<LoaderConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct BoardSection {
    description: String,
    rust_target: String,
    #[serde(default)]
    host_packages: Vec<BoardPackage>,
}

impl Board {
    /// Loads `boards_dir/<name>/board.toml`.
    pub fn load(boards_dir: &Path, name: &str) -> Result<Board> {
        let dir = boards_dir.join(name);
        let file = dir.join("board.toml");
        if !file.is_file() {
            let known = Self::list(boards_dir).unwrap_or_default().join(", ");
            bail!("unknown board `{name}`: {} does not exist (boards: {known})", file.display());
        }
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        Self::parse(name, &dir, &text).with_context(|| format!("in {}", file.display()))
    }

    /// Parses the text of a `board.toml`.
    pub fn parse(name: &str, dir: &Path, text: &str) -> Result<Board> {
        let parsed: BoardFile = toml::from_str(text)?;
        for key in parsed.kernel.config.set.keys().chain(&parsed.kernel.config.unset) {
            check_config_name(key)?;
        }
        for (profile, p) in &parsed.kernel.profile {
            for key in p.set.keys().chain(&p.unset) {
                check_config_name(key).with_context(|| format!("in [kernel.profile.{profile}]"))?;
            }
        }
        match (&parsed.kernel.derive_platform, &parsed.platform) {
            (Some(_), None) => {
                bail!("[kernel.derive-platform] needs a [platform] section describing the machine")
            }
            (None, Some(_)) => bail!("[platform] is only used with [kernel.derive-platform]"),
            (Some(_), Some(platform)) => platform.check()?,
            (None, None) => {}
        }
        if let (Some(loader), Some(platform)) = (&parsed.loader, &parsed.platform) {
            if !platform.ram.iter().any(|r| r.start <= loader.address && loader.address < r.end) {
                bail!("[loader] address {:#x} is not in any [platform] ram region", loader.address);
            }
            if loader.address <= platform.phys_base {
                bail!("[loader] address {:#x} must lie above phys-base {:#x}: the kernel and root task are placed from there upwards", loader.address, platform.phys_base);
            }
        }
        if let Some(loader) = &parsed.loader {
            if loader.raw_binary && parsed.kernel.toolprefix.is_none() {
                bail!("[loader] raw-binary needs [kernel] toolprefix: the raw binary is written by <toolprefix>objcopy");
            }
        }
        if let Some(qemu) = &parsed.qemu {
            let enabled = qemu.args.iter().any(|a| a == "-semihosting-config");
            if qemu.semihosting != enabled {
                bail!(
                    "[qemu] semihosting = {} but the QEMU arguments {} -semihosting-config: the two must agree",
                    qemu.semihosting,
                    if enabled { "have" } else { "lack" }
                );
            }
        }
        Ok(Board {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            description: parsed.board.description,
            rust_target: parsed.board.rust_target,
            kernel: parsed.kernel,
            qemu: parsed.qemu,
            wasm: parsed.wasm,
            platform: parsed.platform,
            loader: parsed.loader,
            host_packages: parsed.board.host_packages,
        })
    }

    /// Names of the boards under `boards_dir` (folders with a `board.toml`).
    pub fn list(boards_dir: &Path) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(boards_dir)? {
            let entry = entry?;
            if entry.path().join("board.toml").is_file() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// The board's QEMU settings, or an error that says the board cannot
    /// be booted here.
    pub fn qemu(&self) -> Result<&QemuConfig> {
        self.qemu.as_ref().with_context(|| {
            format!(
                "board `{}` ({}) has no emulator: {} has no [qemu] section, so nothing here can boot it; \
                 its image is built (`cargo xtask build --board {}`) and run on the hardware",
                self.name,
                self.description,
                self.dir.join("board.toml").display(),
                self.name
            )
        })
    }

    /// Whether the root task may end the run with a semihosting SYS_EXIT
    /// (only under a QEMU that enables it).
    pub fn semihosting(&self) -> bool {
        self.qemu.as_ref().is_some_and(|q| q.semihosting)
    }

    /// The QEMU arguments that boot these images: `{kernel}`, `{root-task}`,
    /// `{loader}` and `{ram-size}` (the RAM of `[platform]`, e.g. `1024M`)
    /// are replaced.
    pub fn qemu_args(
        &self,
        kernel: &Path,
        root_task: &Path,
        loader: Option<&Path>,
    ) -> Result<Vec<String>> {
        let ram_mib = self
            .platform
            .as_ref()
            .map(|p| p.ram.iter().map(|r| r.end - r.start).sum::<u64>() >> 20);
        Ok(self
            .qemu()?
            .args_with_loader(kernel, root_task, loader)
            .into_iter()
            .map(|a| match ram_mib {
                Some(mib) => a.replace("{ram-size}", &format!("{mib}M")),
                None => a,
            })
            .collect())
    }

    /// The named kernel profile, with the board-wide config changes folded in.
    pub fn profile(&self, name: &str) -> Result<KernelProfile> {
        let Some(p) = self.kernel.profile.get(name) else {
            let known: Vec<_> = self.kernel.profile.keys().cloned().collect();
            bail!(
                "board `{}` has no kernel profile `{name}` (profiles: {}); add [kernel.profile.{name}] to {}",
                self.name,
                known.join(", "),
                self.dir.join("board.toml").display()
            );
        };
        let mut config = self.kernel.config.clone();
        config.unset.extend(p.unset.iter().cloned());
        config.set.extend(p.set.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(KernelProfile { name: name.to_string(), make_flags: p.make_flags.clone(), config })
    }
}

fn check_config_name(name: &str) -> Result<()> {
    let valid = name.starts_with("CONFIG_")
        && name.len() > "CONFIG_".len()
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        bail!("`{name}` is not a kernel config name: names look like CONFIG_SOME_OPTION");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[board]
description = "test"
rust-target = "x86_64-unknown-none"
[kernel]
arch = "x86"
sel4-arch = "x86_64"
plat = "pc99"
autoconf = "include/plat/pc99/autoconf.h"
[kernel.config]
unset = ["CONFIG_A"]
set = { CONFIG_B = "1" }
[kernel.profile.debug]
make-flags = ["DEBUG=1"]
set = { CONFIG_DEBUG_BUILD = "1" }
[qemu]
program = "qemu-system-x86_64"
args = ["-kernel", "{kernel}", "-initrd", "{root-task}"]
success-status = 33
"#;

    #[test]
    fn profile_folds_board_config_and_its_own() {
        let board = Board::parse("t", Path::new("/b/t"), MINIMAL).unwrap();
        let p = board.profile("debug").unwrap();
        assert_eq!(p.make_flags, ["DEBUG=1"]);
        assert_eq!(p.config.unset, ["CONFIG_A"]);
        assert_eq!(p.config.set["CONFIG_B"], "1");
        assert_eq!(p.config.set["CONFIG_DEBUG_BUILD"], "1");
    }

    #[test]
    fn missing_profile_names_the_known_ones_and_the_fix() {
        let board = Board::parse("t", Path::new("/b/t"), MINIMAL).unwrap();
        let err = board.profile("release").unwrap_err().to_string();
        assert!(err.contains("no kernel profile `release`"), "{err}");
        assert!(err.contains("profiles: debug"), "{err}");
        assert!(err.contains("[kernel.profile.release]"), "{err}");
    }

    #[test]
    fn qemu_args_get_image_paths() {
        let board = Board::parse("t", Path::new("/b/t"), MINIMAL).unwrap();
        let args = board.qemu().unwrap().args_for(Path::new("/k.elf"), Path::new("/r.elf"));
        assert_eq!(args, ["-kernel", "/k.elf", "-initrd", "/r.elf"]);
    }

    #[test]
    fn aarch64_virt_boots_the_loader_with_the_platform_ram() {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../board");
        let board = Board::load(&boards, "qemu-aarch64-virt").unwrap();
        let args = board
            .qemu_args(Path::new("/k.elf"), Path::new("/r.elf"), Some(Path::new("/loader.elf")))
            .unwrap();
        let joined = args.join(" ");
        assert!(joined.contains("-m size=1024M"), "{joined}");
        assert!(joined.contains("-kernel /loader.elf"), "{joined}");
        assert!(!joined.contains('{'), "{joined}");
    }

    #[test]
    fn bad_config_name_is_rejected() {
        let text = MINIMAL.replace("CONFIG_B", "XAPIC");
        let err = format!("{:#}", Board::parse("t", Path::new("/b/t"), &text).unwrap_err());
        assert!(err.contains("`XAPIC` is not a kernel config name"), "{err}");
    }

    #[test]
    fn unknown_key_is_rejected() {
        let text = MINIMAL.replace("plat = \"pc99\"", "plat = \"pc99\"\nplatform = \"x\"");
        let err = format!("{:#}", Board::parse("t", Path::new("/b/t"), &text).unwrap_err());
        assert!(err.contains("platform"), "{err}");
    }

    #[test]
    fn a_board_without_qemu_parses_and_says_it_cannot_boot_here() {
        let start = MINIMAL.find("[qemu]").unwrap();
        let text = &MINIMAL[..start];
        let board = Board::parse("t", Path::new("/b/t"), text).unwrap();
        assert!(!board.semihosting());
        let err = board.qemu_args(Path::new("/k"), Path::new("/r"), None).unwrap_err().to_string();
        assert!(err.contains("board `t` (test) has no emulator"), "{err}");
        assert!(err.contains("cargo xtask build --board t"), "{err}");
    }

    #[test]
    fn semihosting_flag_must_match_the_qemu_arguments() {
        let text =
            MINIMAL.replace("success-status = 33", "success-status = 33\nsemihosting = true");
        let err = format!("{:#}", Board::parse("t", Path::new("/b/t"), &text).unwrap_err());
        assert!(
            err.contains("semihosting = true but the QEMU arguments lack -semihosting-config"),
            "{err}"
        );
    }

    #[test]
    fn hikey_is_built_not_booted_and_has_no_semihosting() {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../board");
        let board = Board::load(&boards, "hikey").unwrap();
        assert!(board.qemu.is_none());
        assert!(!board.semihosting());
        let loader = board.loader.as_ref().unwrap();
        assert!(loader.raw_binary);
        let virt = Board::load(&boards, "qemu-aarch64-virt").unwrap();
        assert!(virt.semihosting());
    }

    #[test]
    fn repository_boards_parse() {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../board");
        let names = Board::list(&boards).unwrap();
        assert!(names.contains(&"qemu-x86_64".to_string()), "{names:?}");
        for name in names {
            let board = Board::load(&boards, &name).unwrap();
            board.profile("debug").unwrap();
        }
    }
}
