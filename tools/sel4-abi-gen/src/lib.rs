//! Generates the seL4 user-level ABI numbers for one kernel configuration
//! from the kernel's own interface files.
//!
//! Inputs (relative to the kernel source root, the `seL4/` directory):
//! the interface XML files (`libsel4/include/interfaces/sel4.xml` and the
//! `sel4arch.xml` of the sel4_arch and arch layers), `include/api/syscall.xml`,
//! the C headers that only exist as C (object types, errors, constants), and
//! the `.bf` bitfield files of libsel4 (`shared_types_<N>.bf`, `types_<N>.bf`
//! for word size N, and the sel4_arch `types.bf` with what it includes).
//! Conditions are evaluated against the kernel's `autoconf.h`
//! ([`KernelConfig`]); nothing is hand-typed.
//!
//! Typical use from a build script:
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use sel4_abi_gen::{generate, AbiInputs, KernelConfig};
//! use std::path::Path;
//! let config = KernelConfig::from_autoconf(Path::new("autoconf.h"))?;
//! let abi = generate(&AbiInputs {
//!     source_root: Path::new("seL4"),
//!     arch: "x86",
//!     sel4_arch: "x86_64",
//!     config: &config,
//! })?;
//! std::fs::write("abi.rs", abi.to_rust(&config))?;
//! for f in abi.input_files() {
//!     println!("cargo:rerun-if-changed={}", f.display());
//! }
//! # Ok(()) }
//! ```

mod bitfield;
mod cheader;
mod config;
mod emit;
mod expr;
mod interfaces;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub use bitfield::{Block, Field, TaggedUnion};
pub use config::KernelConfig;

/// What to generate the ABI from.
#[derive(Clone, Copy, Debug)]
pub struct AbiInputs<'a> {
    /// The kernel source root (the `seL4/` directory).
    pub source_root: &'a Path,
    /// The architecture, e.g. `"x86"` (selects `libsel4/arch_include/<arch>`).
    pub arch: &'a str,
    /// The sel4_arch, e.g. `"x86_64"` (selects `libsel4/sel4_arch_include/<sel4_arch>`).
    pub sel4_arch: &'a str,
    /// The kernel configuration.
    pub config: &'a KernelConfig,
}

/// Which part of the ABI a name belongs to (one emitted module each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Syscall,
    Invocation,
    ObjectType,
    Error,
    Constant,
    /// Fixed slots of the root task's CNode and bootinfo constants.
    BootInfo,
    /// A block of a `.bf` file (see [`Abi::bitfields`]).
    Bitfield,
    /// A `tagged_union` of a `.bf` file (see [`Abi::tagged_unions`]).
    TaggedUnion,
}

/// Where a generated name was defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Path relative to the kernel source root.
    pub file: PathBuf,
    /// 1-based line, or `None` for names the kernel's generators add
    /// (`InvalidInvocation`, `nInvocationLabels`, ...).
    pub line: Option<u32>,
}

/// The ABI numbers of one configuration. All lists are in source order.
#[derive(Clone, Debug)]
pub struct Abi {
    /// `seL4_Sys*` syscall numbers (negative).
    pub syscalls: Vec<(String, i64)>,
    /// Invocation labels, including `InvalidInvocation` and the
    /// `nInvocationLabels` / `nSeL4ArchInvocationLabels` /
    /// `nArchInvocationLabels` terminators.
    pub invocation_labels: Vec<(String, u64)>,
    /// Object types: enumerators of the api, sel4_arch and arch enums
    /// (including the `...Count` enumerators) and the integer `#define`s of
    /// those headers (e.g. the `0xffffff` fallbacks of absent types).
    pub object_types: Vec<(String, u64)>,
    /// `seL4_Error` values, including `seL4_NumErrors`.
    pub errors: Vec<(String, u64)>,
    /// Enumerators and integer `#define`s of the api, sel4_arch and arch
    /// `constants.h` (priorities, message limits, lookup failures, fault
    /// message layouts, object size bits, ...).
    pub constants: Vec<(String, i64)>,
    /// Enumerators and integer `#define`s of `bootinfo_types.h`: the slots
    /// where the kernel puts the root task's initial capabilities.
    pub bootinfo: Vec<(String, u64)>,
    /// Blocks of libsel4's `.bf` files (`seL4_MessageInfo`, `seL4_CapRights`,
    /// `Badge`, the fault blocks, ...): where each field lives.
    pub bitfields: Vec<Block>,
    /// Tagged unions of libsel4's `.bf` files (`seL4_CapData`, `seL4_Fault`)
    /// and their tag values.
    pub tagged_unions: Vec<TaggedUnion>,
    origins: HashMap<(Section, String), Origin>,
    input_files: Vec<PathBuf>,
}

impl Abi {
    /// Where `name` of `section` was defined.
    pub fn origin(&self, section: Section, name: &str) -> Option<&Origin> {
        self.origins.get(&(section, name.to_string()))
    }

    /// The input files read, for `cargo:rerun-if-changed` (including the
    /// config's `autoconf.h` when it was read from a file).
    pub fn input_files(&self) -> &[PathBuf] {
        &self.input_files
    }

    /// Rust source (no_std-compatible, no `use`s needed) to be `include!`d
    /// inside a module: modules `syscall`, `invocation`, `object_type`,
    /// `error`, `constants`, `bootinfo`, `bitfield`, `tagged_union` and `config`.
    pub fn to_rust(&self, config: &KernelConfig) -> String {
        emit::to_rust(self, config)
    }
}

struct Collector {
    abi: Abi,
}

impl Collector {
    fn add_origin(
        &mut self,
        section: Section,
        name: &str,
        file: &str,
        line: Option<u32>,
    ) -> Result<()> {
        let origin = Origin { file: PathBuf::from(file), line };
        if let Some(old) = self.abi.origins.insert((section, name.to_string()), origin) {
            bail!("`{name}` is defined twice (also in {} line {:?})", old.file.display(), old.line);
        }
        Ok(())
    }
}

fn to_u64(name: &str, v: i128, file: &str) -> Result<u64> {
    u64::try_from(v)
        .with_context(|| format!("{file}: `{name}` = {v} does not fit an unsigned 64-bit value"))
}

fn to_i64(name: &str, v: i128, file: &str) -> Result<i64> {
    i64::try_from(v)
        .with_context(|| format!("{file}: `{name}` = {v} does not fit a signed 64-bit value"))
}

/// The kernel word size: `CONFIG_WORD_SIZE`, or else implied by the sel4_arch.
fn word_size(inputs: &AbiInputs) -> Result<u32> {
    let from_arch = match inputs.sel4_arch {
        "x86_64" | "aarch64" | "riscv64" => Some(64),
        "ia32" | "aarch32" | "arm_hyp" | "riscv32" => Some(32),
        _ => None,
    };
    match inputs.config.int_value("CONFIG_WORD_SIZE") {
        Some(v @ (32 | 64)) => {
            let v = v as u32;
            if from_arch.is_some_and(|a| a != v) {
                bail!(
                    "CONFIG_WORD_SIZE is {v} but sel4_arch `{}` is not {v}-bit",
                    inputs.sel4_arch
                );
            }
            Ok(v)
        }
        Some(v) => bail!("unsupported CONFIG_WORD_SIZE {v}"),
        None => from_arch.ok_or_else(|| {
            anyhow::anyhow!(
                "no CONFIG_WORD_SIZE in the config and unknown word size of sel4_arch `{}`",
                inputs.sel4_arch
            )
        }),
    }
}

/// Generates the ABI numbers for `inputs.config`.
pub fn generate(inputs: &AbiInputs) -> Result<Abi> {
    let root = inputs.source_root;
    let (arch, sel4_arch) = (inputs.arch, inputs.sel4_arch);
    let mut c = Collector {
        abi: Abi {
            syscalls: Vec::new(),
            invocation_labels: Vec::new(),
            object_types: Vec::new(),
            errors: Vec::new(),
            constants: Vec::new(),
            bootinfo: Vec::new(),
            bitfields: Vec::new(),
            tagged_unions: Vec::new(),
            origins: HashMap::new(),
            input_files: Vec::new(),
        },
    };
    // Syscalls.
    let syscall_xml = "include/api/syscall.xml".to_string();
    for s in interfaces::syscalls(&root.join(&syscall_xml), inputs.config)? {
        c.add_origin(Section::Syscall, &s.name, &syscall_xml, s.line)?;
        c.abi.syscalls.push((s.name, s.value));
    }
    c.abi.input_files.push(root.join(&syscall_xml));

    // Invocation labels.
    let xmls = [
        "libsel4/include/interfaces/sel4.xml".to_string(),
        format!("libsel4/sel4_arch_include/{sel4_arch}/interfaces/sel4arch.xml"),
        format!("libsel4/arch_include/{arch}/interfaces/sel4arch.xml"),
    ];
    let xml_paths = xmls.clone().map(|x| root.join(x));
    let labels = interfaces::invocation_labels(
        [&xml_paths[0], &xml_paths[1], &xml_paths[2]],
        inputs.config,
    )?;
    for (l, layer) in labels {
        c.add_origin(Section::Invocation, &l.name, &xmls[layer], l.line)?;
        c.abi.invocation_labels.push((l.name, l.value));
    }
    c.abi.input_files.extend(xml_paths);

    // C-only headers, in one shared scope (later files use earlier enumerators).
    let headers: Vec<(Section, String)> = vec![
        (Section::ObjectType, "libsel4/include/sel4/objecttype.h".into()),
        (
            Section::ObjectType,
            format!("libsel4/sel4_arch_include/{sel4_arch}/sel4/sel4_arch/objecttype.h"),
        ),
        (Section::ObjectType, format!("libsel4/arch_include/{arch}/sel4/arch/objecttype.h")),
        (Section::Error, "libsel4/include/sel4/errors.h".into()),
        (Section::Constant, "libsel4/include/sel4/constants.h".into()),
        (
            Section::Constant,
            format!("libsel4/sel4_arch_include/{sel4_arch}/sel4/sel4_arch/constants.h"),
        ),
        (Section::Constant, format!("libsel4/arch_include/{arch}/sel4/arch/constants.h")),
        (Section::BootInfo, "libsel4/include/sel4/bootinfo_types.h".into()),
        // Message-register layout of capability faults.
        (Section::Constant, "libsel4/include/sel4/shared_types.h".into()),
    ];
    let mut scope = cheader::Scope::new(Some(inputs.config));
    // (section, file, name, line, enumerator value or macro definition)
    let mut found = Vec::new();
    for (section, rel) in &headers {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let pre = scope.preprocess(&text, rel)?;
        let enums = scope.scan_enums(&pre.code, rel)?;
        let mut items: Vec<(usize, String, Result<i128, expr::MacroDef>)> =
            enums.into_iter().map(|e| (e.line, e.name, Ok(e.value))).collect();
        for (name, line, def) in pre.defines {
            // Header guards and other empty or function-like macros are no
            // numbers; neither is a call of a C function (shared_types.h's
            // `#define seL4_ReadWrite seL4_CapRights_new(0, 1, 1)`).
            if def.params.is_none() && !def.body.is_empty() && !is_c_function_call(&def, &scope) {
                items.push((line, name, Err(def)));
            }
        }
        items.sort_by_key(|(line, _, _)| *line);
        found.extend(
            items.into_iter().map(|(line, name, v)| (*section, rel.clone(), name, line, v)),
        );
        c.abi.input_files.push(path);
    }
    // Macros are evaluated at the end, as C evaluates them where they are used.
    for (section, rel, name, line, v) in found {
        let value = match v {
            Ok(v) => v,
            Err(def) => scope.eval_macro(&def).with_context(|| {
                format!("{rel}:{line}: value of macro `{name}` (`{}`)", def.text)
            })?,
        };
        c.add_origin(section, &name, &rel, Some(line as u32))?;
        match section {
            Section::ObjectType => {
                c.abi.object_types.push((name.clone(), to_u64(&name, value, &rel)?))
            }
            Section::Error => c.abi.errors.push((name.clone(), to_u64(&name, value, &rel)?)),
            Section::Constant => c.abi.constants.push((name.clone(), to_i64(&name, value, &rel)?)),
            Section::BootInfo => c.abi.bootinfo.push((name.clone(), to_u64(&name, value, &rel)?)),
            Section::Syscall | Section::Invocation | Section::Bitfield | Section::TaggedUnion => {
                unreachable!("not from C headers")
            }
        }
    }

    // Bitfields, one unit per top-level `.bf` file as the kernel build runs
    // `bitfield_gen.py` once per file.
    let word_size = word_size(inputs)?;
    let includes = bitfield::IncludePath {
        root,
        dirs: vec![
            "libsel4/include".into(),
            format!("libsel4/arch_include/{arch}"),
            format!("libsel4/sel4_arch_include/{sel4_arch}"),
        ],
    };
    for rel in [
        format!("libsel4/include/sel4/shared_types_{word_size}.bf"),
        format!("libsel4/include/sel4/types_{word_size}.bf"),
        format!("libsel4/sel4_arch_include/{sel4_arch}/sel4/sel4_arch/types.bf"),
    ] {
        let unit = bitfield::read_unit(&rel, &includes, inputs.config)?;
        for (block, file, line) in unit.blocks {
            c.add_origin(Section::Bitfield, &block.name, &file, Some(line as u32))?;
            c.abi.bitfields.push(block);
        }
        for (u, file, line) in unit.unions {
            c.add_origin(Section::TaggedUnion, &u.name, &file, Some(line as u32))?;
            c.abi.tagged_unions.push(u);
        }
        for f in unit.files {
            if !c.abi.input_files.contains(&f) {
                c.abi.input_files.push(f);
            }
        }
    }
    if let Some(p) = inputs.config.path() {
        c.abi.input_files.push(p.to_path_buf());
    }
    Ok(c.abi)
}

/// A macro whose body starts with a call of something that is not a
/// function-like macro: a C function, whose value no header evaluation gives.
fn is_c_function_call(def: &expr::MacroDef, scope: &cheader::Scope) -> bool {
    match def.body.as_slice() {
        [expr::Tok::Ident(name), expr::Tok::Punct("("), ..] => {
            !scope.local_macros().any(|(n, m)| n == name && m.params.is_some())
        }
        _ => false,
    }
}
