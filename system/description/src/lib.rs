//! `system.toml` → [`system_manifest::BootImage`], on the host.
//!
//! [`SystemDescription::load`] parses and validates a description, reporting
//! every problem at once (file, line, source snippet and a fix, rendered by
//! [`miette`]); [`SystemDescription::lower`] adds the programs' ELF files and
//! produces the [`BootImage`] that xtask archives ([`write_boot_image`]) and
//! packs into the root task. Nothing is parsed on the target.
//!
//! ```no_run
//! # use std::{collections::BTreeMap, path::{Path, PathBuf}};
//! # fn main() -> miette::Result<()> {
//! let desc = system_description::SystemDescription::load(Path::new("system.toml"))?;
//! let mut elves = BTreeMap::new();
//! for program in desc.programs() {
//!     elves.insert(program.clone(), PathBuf::from(format!("target/x86_64-unknown-none/release/{program}")));
//! }
//! let image = desc.lower(&elves)?;
//! print!("{}", system_description::report(&image));
//! system_description::write_boot_image(&image, Path::new("boot-image.rkyv")).map_err(|e| miette::miette!("{e:#}"))?;
//! # Ok(()) }
//! ```
//!
//! The format, every rule and how the description is lowered follow (also
//! in `FORMAT.md` beside this crate's `Cargo.toml`).
//!
#![doc = include_str!("../FORMAT.md")]

mod diag;
mod elf;
mod model;
mod parse;
mod plan;
mod report;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use miette::NamedSource;
use system_manifest::{ArchivedBootImage, BootImage, SystemManifest, FORMAT_VERSION};

pub use diag::{Problem, Problems};
pub use report::report;
pub use validate::MAX_COMPONENTS;

use diag::{Collector, Source};
use model::{ok, Model};

/// A parsed and validated system description, with its resources assigned.
#[derive(Debug)]
pub struct SystemDescription {
    source: Source,
    model: Model,
    /// The manifest, complete but for the programs.
    manifest: SystemManifest,
}

impl SystemDescription {
    /// Reads, parses and validates the description at `path`.
    pub fn load(path: &Path) -> Result<SystemDescription, miette::Report> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            miette::miette!(
                code = "unreadable_description",
                "cannot read {}: {e}",
                path.display()
            )
        })?;
        Self::parse_str(&path.display().to_string(), &text)
    }

    /// Parses and validates `text`, reporting problems as in `source_name`.
    pub fn parse_str(source_name: &str, text: &str) -> Result<SystemDescription, miette::Report> {
        let source: Source =
            Arc::new(NamedSource::new(source_name, text.to_string()).with_language("TOML"));
        let mut c = Collector::new(source.clone());
        let model = parse::parse(text, &mut c);
        validate::validate(&model, &mut c);
        if !c.is_empty() {
            return Err(c.finish().unwrap_err());
        }
        let manifest = plan::plan(&model, source_name, &mut c);
        c.finish()?;
        Ok(SystemDescription {
            source,
            model,
            manifest,
        })
    }

    /// The system's name (`[system] name`).
    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// Distinct program names, in first-use order: what xtask must build.
    /// `BootImage::programs` is in this order.
    pub fn programs(&self) -> Vec<String> {
        plan::programs(&self.model)
    }

    /// Component names, in description (start) order.
    pub fn component_names(&self) -> Vec<String> {
        self.manifest
            .components
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    /// The manifest without programs (everything [`Self::lower`] produces
    /// but the ELF contents).
    pub fn manifest(&self) -> &SystemManifest {
        &self.manifest
    }

    /// Builds the boot image: the manifest plus each program of
    /// [`Self::programs`], read from its ELF file in `programs` (program
    /// name → path) and checked. Every problem is reported, each pointing at
    /// the component that names the program.
    pub fn lower(&self, programs: &BTreeMap<String, PathBuf>) -> Result<BootImage, miette::Report> {
        let mut c = Collector::new(self.source.clone());
        let mut out = Vec::new();
        for name in self.programs() {
            let comp = self
                .model
                .components
                .iter()
                .find(|comp| ok(&comp.program) == name)
                .unwrap();
            let span = comp.program.as_ref().unwrap().span.clone();
            let Some(path) = programs.get(&name) else {
                c.push(
                    Problem::new("program_not_built", format!("no ELF file was given for program `{name}`"))
                        .label(&span, "this program")
                        .help(format!(
                            "build `{name}` (a cargo bin) and pass its path; the programs given were: {}",
                            programs.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                        )),
                );
                continue;
            };
            let data = match std::fs::read(path) {
                Ok(d) => d,
                Err(e) => {
                    c.push(
                        Problem::new(
                            "program_unreadable",
                            format!("cannot read program `{name}` at {}: {e}", path.display()),
                        )
                        .label(&span, "this program")
                        .help("build the program first (cargo xtask build), or fix its path"),
                    );
                    continue;
                }
            };
            match elf::load_program(&name, &data) {
                Ok(p) => out.push(p),
                Err(errs) => {
                    for (code, msg, help) in errs {
                        c.push(
                            Problem::new(code, format!("{msg} ({})", path.display()))
                                .label(&span, format!("program `{name}`"))
                                .help(help),
                        );
                    }
                }
            }
        }
        c.finish()?;
        Ok(BootImage {
            format_version: FORMAT_VERSION,
            manifest: self.manifest.clone(),
            programs: out,
        })
    }
}

/// Archives `image` with rkyv and writes it to `path`.
pub fn write_boot_image(image: &BootImage, path: &Path) -> anyhow::Result<()> {
    let bytes = boot_image_bytes(image)?;
    std::fs::write(path, &bytes[..])
        .with_context(|| format!("writing the boot image to {}", path.display()))
}

/// The rkyv archive of `image` (aligned to [`system_manifest::ARCHIVE_ALIGN`]).
pub fn boot_image_bytes(image: &BootImage) -> anyhow::Result<rkyv::util::AlignedVec<16>> {
    rkyv::to_bytes::<rkyv::rancor::Error>(image)
        .map_err(|e| anyhow::anyhow!("archiving the boot image: {e}"))
}

/// Checked access to an archived boot image. `bytes` must be aligned to
/// [`system_manifest::ARCHIVE_ALIGN`] (e.g. an `rkyv::util::AlignedVec`).
pub fn read_boot_image(bytes: &[u8]) -> anyhow::Result<&ArchivedBootImage> {
    rkyv::access::<ArchivedBootImage, rkyv::rancor::Error>(bytes)
        .map_err(|e| anyhow::anyhow!("invalid boot image: {e}"))
}

/// Checked access to an archived component config (for tests and tools).
pub fn read_component_config(
    bytes: &[u8],
) -> anyhow::Result<&system_manifest::ArchivedComponentConfig> {
    rkyv::access::<system_manifest::ArchivedComponentConfig, rkyv::rancor::Error>(bytes)
        .map_err(|e| anyhow::anyhow!("invalid component config: {e}"))
}
