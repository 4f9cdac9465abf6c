//! `system.toml` → [`system_manifest::BootImage`], on the host.
//!
//! [`SystemDescription::load`] parses and validates a description, reporting
//! every problem at once (file, line, source snippet and a fix, rendered by
//! [`miette`]); [`SystemDescription::lower`] adds the programs' ELF files and
//! the Wasm components' precompiled modules and produces the [`BootImage`] that xtask archives ([`write_boot_image`]) and
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
//! // Each Wasm component's precompiled module (built for
//! // wasm32-unknown-unknown, then precompiled by aot-wasm).
//! let mut cwasm = BTreeMap::new();
//! for wc in desc.wasm_components() {
//!     cwasm.insert(wc.component, std::fs::read(format!("target/cwasm/{}.cwasm", wc.module)).unwrap());
//! }
//! let image = desc.lower(&elves, &cwasm)?;
//! print!("{}", system_description::report(&image));
//! system_description::write_boot_image(&image, Path::new("boot-image.rkyv")).map_err(|e| miette::miette!("{e:#}"))?;
//! # Ok(()) }
//! ```
//!
//! The format, every rule and how the description is lowered follow (also
//! in `FORMAT.md` beside this crate's `Cargo.toml`).
//!
#![doc = include_str!("../FORMAT.md")]
#![forbid(unsafe_code)]

mod crates;
mod diag;
mod elf;
mod limits;
mod model;
mod plan;
mod read;
mod report;
mod toml_reader;
mod units;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use miette::NamedSource;
use system_manifest::layout::vaddr;
use system_manifest::{ArchivedBootImage, BootImage, SystemManifest, WasmModule, FORMAT_VERSION};

pub use diag::{Problem, Problems};
pub use limits::MAX_COMPONENTS;
pub use model::{Arch, BoardDevice, TargetBoard};
pub use report::report;

use diag::{Collector, Source};
use model::{ok, Model, Sp};

/// The program of every Wasm component: the native Wasm runtime, which runs
/// the component's precompiled module (mapped at `layout::vaddr::WASM_MODULE`).
pub const WASM_RUNTIME_PROGRAM: &str = "wasm-runtime";

/// A Wasm component of a description: what xtask needs to build and
/// precompile its module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmComponent {
    /// The component's name (the key of its module in [`SystemDescription::lower`]).
    pub component: String,
    /// The Wasm crate it runs.
    pub module: String,
    /// Whether it is granted IO ports.
    pub io_ports: bool,
    /// Whether it is granted interrupts.
    pub irqs: bool,
    /// Whether it is granted device memory.
    pub device_memory: bool,
}

/// A parsed and validated system description, with its resources assigned.
#[derive(Debug)]
pub struct SystemDescription {
    source: Source,
    model: Model,
    /// The manifest, complete but for the programs.
    manifest: SystemManifest,
}

impl SystemDescription {
    /// Reads, parses and validates the description at `path` for no board
    /// in particular: `[component.board.<name>]` sections are checked but
    /// not applied, and hardware grants are checked against both
    /// architectures' rules. Building for a board uses [`Self::load_for`].
    pub fn load(path: &Path) -> Result<SystemDescription, miette::Report> {
        Self::load_for(path, None)
    }

    /// Reads, parses and validates the description at `path` for `board`:
    /// its `[component.board.<board>]` sections apply, and interrupts, IO
    /// ports and device memory are checked against what the board has.
    pub fn load_for(
        path: &Path,
        board: Option<&TargetBoard>,
    ) -> Result<SystemDescription, miette::Report> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            miette::miette!(code = "unreadable_description", "cannot read {}: {e}", path.display())
        })?;
        Self::parse_str_for(&path.display().to_string(), &text, board)
    }

    /// Parses and validates `text` for no board in particular (see
    /// [`Self::load`]), reporting problems as in `source_name`.
    pub fn parse_str(source_name: &str, text: &str) -> Result<SystemDescription, miette::Report> {
        Self::parse_str_for(source_name, text, None)
    }

    /// Parses and validates `text` for `board` (see [`Self::load_for`]).
    pub fn parse_str_for(
        source_name: &str,
        text: &str,
        board: Option<&TargetBoard>,
    ) -> Result<SystemDescription, miette::Report> {
        let source: Source =
            Arc::new(NamedSource::new(source_name, text.to_string()).with_language("TOML"));
        let mut c = Collector::new(source.clone());
        let mut model = read::parse(text, board, &mut c);
        validate::validate(&mut model, board, &mut c);
        if !c.is_empty() {
            return Err(c.finish().unwrap_err());
        }
        let manifest = plan::plan(&model, source_name, &mut c);
        c.finish()?;
        Ok(SystemDescription { source, model, manifest })
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

    /// The Wasm components, in description order.
    pub fn wasm_components(&self) -> Vec<WasmComponent> {
        self.model
            .components
            .iter()
            .filter_map(|comp| {
                let module = comp.wasm.as_ref()?.v.clone();
                Some(WasmComponent {
                    component: ok(&comp.name),
                    module,
                    io_ports: !comp.io_ports.is_empty(),
                    irqs: !comp.irqs.is_empty(),
                    device_memory: !comp.device_memory.is_empty(),
                })
            })
            .collect()
    }

    /// Distinct Wasm crates, in first-use order: the Wasm modules xtask must
    /// build and precompile.
    pub fn wasm_modules(&self) -> Vec<String> {
        plan::wasm_modules(&self.model)
    }

    /// Component names, in description (start) order.
    pub fn component_names(&self) -> Vec<String> {
        self.manifest.components.iter().map(|c| c.name.clone()).collect()
    }

    /// The manifest without programs and Wasm modules (everything
    /// [`Self::lower`] produces but the ELF and `.cwasm` contents). Until
    /// lowering, a Wasm component's `wasm_module` is its crate's index in
    /// [`Self::wasm_modules`]; [`Self::lower`] replaces it with the index of
    /// its module's contents.
    pub fn manifest(&self) -> &SystemManifest {
        &self.manifest
    }

    /// Checks that the programs and Wasm crates the description names exist,
    /// before anything is built: `programs` are the program (binary) names
    /// the workspace's component packages build, `wasm_crates` its Wasm
    /// component crates. Each component that names one that does not is
    /// reported at its `program` or `wasm`, with those that exist.
    pub fn check_crates(
        &self,
        programs: &BTreeSet<String>,
        wasm_crates: &BTreeSet<String>,
    ) -> Result<(), miette::Report> {
        let mut c = Collector::new(self.source.clone());
        crates::check(&self.model, programs, wasm_crates, &mut c);
        c.finish()
    }

    /// Builds the boot image: the manifest plus each program of
    /// [`Self::programs`], read from its ELF file in `programs` (program
    /// name → path) and checked, plus each Wasm component's precompiled
    /// module from `wasm` (component name → `.cwasm` bytes). Identical
    /// modules are stored once (`BootImage::wasm_modules`, in first-use
    /// order) and shared. Every problem is reported, each pointing at the
    /// component that names the program or module.
    pub fn lower(
        &self,
        programs: &BTreeMap<String, PathBuf>,
        wasm: &BTreeMap<String, Vec<u8>>,
    ) -> Result<BootImage, miette::Report> {
        let mut c = Collector::new(self.source.clone());
        let mut out = Vec::new();
        for name in self.programs() {
            let comp = self.model.components.iter().find(|comp| ok(&comp.program) == name).unwrap();
            let span = comp.program.as_ref().unwrap().span.clone();
            let label = if comp.wasm.is_some() {
                format!("a Wasm component: runs on the Wasm runtime `{name}`")
            } else {
                "this program".to_string()
            };
            let Some(path) = programs.get(&name) else {
                c.push(
                    Problem::new("program_not_built", format!("no ELF file was given for program `{name}`"))
                        .label(&span, label)
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
                        .label(&span, label)
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
        let (wasm_modules, indices) = self.wasm_modules_of(wasm, &mut c);
        c.finish()?;
        let mut manifest = self.manifest.clone();
        for (comp, index) in manifest.components.iter_mut().zip(indices) {
            comp.wasm_module = index;
        }
        Ok(BootImage {
            format_version: FORMAT_VERSION,
            manifest,
            programs: out,
            wasm_modules,
            keep_running: false,
        })
    }

    /// The distinct modules of `wasm` (component name → `.cwasm`), in
    /// first-use order, and each component's index into them. Reports
    /// missing, empty and oversized modules and modules given for
    /// components that are not Wasm components.
    fn wasm_modules_of(
        &self,
        wasm: &BTreeMap<String, Vec<u8>>,
        c: &mut Collector,
    ) -> (Vec<WasmModule>, Vec<Option<u32>>) {
        self.modules_for_others(wasm, c);
        let mut modules: Vec<WasmModule> = Vec::new();
        let mut by_content: BTreeMap<&[u8], u32> = BTreeMap::new();
        let mut indices = Vec::new();
        for comp in &self.model.components {
            let Some(module) = &comp.wasm else {
                indices.push(None);
                continue;
            };
            let Some(cwasm) = module_of(&ok(&comp.name), module, wasm, c) else {
                indices.push(None);
                continue;
            };
            let index = *by_content.entry(cwasm.as_slice()).or_insert_with(|| {
                modules.push(WasmModule { name: module.v.clone(), cwasm: cwasm.clone() });
                modules.len() as u32 - 1
            });
            indices.push(Some(index));
        }
        (modules, indices)
    }

    /// Reports the modules of `wasm` given for components that are not
    /// Wasm components (or not components at all).
    fn modules_for_others(&self, wasm: &BTreeMap<String, Vec<u8>>, c: &mut Collector) {
        let wasm_names: Vec<String> =
            self.wasm_components().into_iter().map(|w| w.component).collect();
        for given in wasm.keys().filter(|given| !wasm_names.contains(given)) {
            let comp = self
                .model
                .components
                .iter()
                .find(|comp| comp.name.as_ref().is_some_and(|n| n.v == *given));
            let mut p = Problem::new(
                "cwasm_for_non_wasm_component",
                match comp {
                    Some(_) => format!("a precompiled Wasm module was given for component `{given}`, which is not a Wasm component"),
                    None => format!("a precompiled Wasm module was given for `{given}`, which is not a component of the system"),
                },
            );
            if let Some(prog) = comp.and_then(|comp| comp.program.as_ref()) {
                p = p.label(&prog.span, "a native component");
            }
            c.push(p.help(format!(
                "give modules only for the Wasm components (those with `wasm = \"<crate>\"`): {}",
                listed(wasm_names.iter())
            )));
        }
    }
}

/// The precompiled module of Wasm component `name` (crate `module`) in
/// `wasm`, if it is given and fits; reported otherwise.
fn module_of<'w>(
    name: &str,
    module: &Sp<String>,
    wasm: &'w BTreeMap<String, Vec<u8>>,
    c: &mut Collector,
) -> Option<&'w Vec<u8>> {
    let what = format!("Wasm component `{name}` (crate `{}`)", module.v);
    let problem = match wasm.get(name) {
        None => Problem::new("wasm_module_not_built", format!("no precompiled module (.cwasm) was given for {what}"))
            .label(&module.span, "this module")
            .help(format!(
                "build `{}` for wasm32-unknown-unknown and precompile it with aot-wasm (cargo xtask build does); modules were given for: {}",
                module.v,
                listed(wasm.keys())
            )),
        Some(cwasm) if cwasm.is_empty() => Problem::new(
            "wasm_module_empty",
            format!("the precompiled module of {what} is empty"),
        )
        .label(&module.span, "this module")
        .help("precompile the module with aot-wasm (cargo xtask build does)"),
        Some(cwasm) if cwasm.len() as u64 > vaddr::WASM_MODULE_MAX_BYTES => Problem::new(
            "wasm_module_too_large",
            format!(
                "the precompiled module of {what} is {} bytes; at most {} ({}) fit at layout::vaddr::WASM_MODULE",
                cwasm.len(),
                vaddr::WASM_MODULE_MAX_BYTES,
                units::human(vaddr::WASM_MODULE_MAX_BYTES)
            ),
        )
        .label(&module.span, "this module")
        .help("make the module smaller (build it in release mode with opt-level \"s\", strip debug info, drop dependencies)"),
        Some(cwasm) => return Some(cwasm),
    };
    c.push(problem);
    None
}

/// `` `a`, `b` ``, or `none`.
fn listed<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
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
