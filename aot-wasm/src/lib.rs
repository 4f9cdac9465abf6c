//! Host-side ahead-of-time compiler of Wasm components.
//!
//! [`check`] validates a component's `.wasm` and checks its imports against
//! the host ABI of [`wasm_abi`] and the component's [`Grants`], and its
//! exports against what the runtime calls. [`precompile`] then compiles it
//! with Cranelift to a `.cwasm` for a board's [`Target`], with the engine
//! configuration of [`wasm_engine_config::configure`], the one the runtime in
//! the protection domain loads it with (`Module::deserialize_raw`).
//!
//! A `.cwasm` records the engine it was made for: Wasmtime's version, the
//! target, every Cranelift setting and ISA flag, the tunables (fuel, memory
//! reservation and guards, signals-based traps, ...) and the Wasm features.
//! [`verify_compatible`] compares that record with the one this crate's
//! engine writes for a target, so a stale or foreign artifact is refused at
//! build time rather than by the runtime on the board.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasm_abi::{HostFunction, Requires, ValType as AbiValType, MODULE};
use wasmparser::types::EntityType;
use wasmparser::{FuncType, ValType, Validator, WasmFeatures};

mod engine_section;

#[cfg(test)]
mod tests;

/// The machine a `.cwasm` is compiled for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Target triple, e.g. `x86_64-unknown-none`.
    pub triple: String,
    /// Cranelift ISA feature flags the code may use, e.g. `has_sse42`. Only
    /// CPU feature flags (`has_*`) are accepted; the runtime checks at load
    /// that the CPU has them.
    pub cranelift_flags: Vec<String>,
}

impl Target {
    /// The QEMU x86_64 machine the systems run on (`-cpu Nehalem`, no AVX,
    /// no XSAVE): SSE up to 4.2 and POPCNT, nothing more.
    pub fn qemu_x86_64() -> Target {
        Target {
            triple: "x86_64-unknown-none".into(),
            cranelift_flags: ["has_sse3", "has_ssse3", "has_sse41", "has_sse42", "has_popcnt"]
                .into_iter()
                .map(String::from)
                .collect(),
        }
    }

    /// Whether the target's Rust ABI is soft-float (the bare x86_64 target),
    /// so that Wasm code must not make float libcalls into the runtime.
    fn soft_float_x86(&self) -> bool {
        self.triple.starts_with("x86_64-") && self.triple.ends_with("-none")
    }

    /// The flags, sorted and without duplicates (their order does not
    /// change the compiled code).
    fn sorted_flags(&self) -> Vec<&str> {
        let mut flags: Vec<&str> = self.cranelift_flags.iter().map(String::as_str).collect();
        flags.sort_unstable();
        flags.dedup();
        flags
    }
}

/// What a component's description grants it, as far as imports go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grants {
    pub io_ports: bool,
    pub irqs: bool,
    pub device_memory: bool,
}

impl Grants {
    fn allows(&self, requires: Requires) -> bool {
        match requires {
            Requires::Nothing => true,
            Requires::IoPorts => self.io_ports,
            Requires::Irqs => self.irqs,
            Requires::DeviceMemory => self.device_memory,
        }
    }
}

/// What [`check`] learnt about a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Imports as `module.name`, in module order.
    pub imports: Vec<String>,
    /// Export names, in module order.
    pub exports: Vec<String>,
    /// Initial size of the linear memory in 64 KiB pages.
    pub memory_min_pages: u64,
    /// Maximum size of the linear memory in pages, if the module sets one.
    pub memory_max_pages: Option<u64>,
}

/// A compiled component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precompiled {
    /// The `.cwasm` (an ELF file) for `Module::deserialize_raw`.
    pub cwasm: Vec<u8>,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    pub memory_min_pages: u64,
    pub memory_max_pages: Option<u64>,
    /// Whether `cwasm` came from the cache rather than the compiler.
    pub cached: bool,
}

/// Why a component cannot be compiled or an artifact cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AotError {
    #[error("component `{component}`: not a valid Wasm module: {message} (at offset {offset})")]
    InvalidWasm { component: String, message: String, offset: usize },

    #[error(
        "component `{component}` imports `{module}.{name}`, but components may only import from \
         `{MODULE}`; remove the import (with Rust, build for wasm32-unknown-unknown with no std)"
    )]
    ForeignImport { component: String, module: String, name: String },

    #[error(
        "component `{component}` imports the {kind} `{module}.{name}`, but components may only \
         import functions: define and export the {kind} in the component instead{hint}"
    )]
    ImportedEntity {
        component: String,
        module: String,
        name: String,
        kind: &'static str,
        hint: &'static str,
    },

    #[error(
        "component `{component}` imports `{MODULE}.{name}`, which ABI version {version} does not \
         have (host functions: {available})",
        version = wasm_abi::VERSION
    )]
    UnknownHostFunction { component: String, name: String, available: String },

    #[error(
        "component `{component}` imports `{MODULE}.{name}` as {found}, but the host provides \
         {expected}; fix the import's declaration"
    )]
    ImportSignature { component: String, name: String, found: String, expected: String },

    #[error(
        "component `{component}` imports `{MODULE}.{name}`, which needs {grant} grant: add \
         {grant_name} to the component in the system description, or remove the import"
    )]
    NotGranted { component: String, name: String, grant: &'static str, grant_name: &'static str },

    #[error("component `{component}` does not export `{name}`: {why}")]
    MissingExport { component: String, name: &'static str, why: &'static str },

    #[error(
        "component `{component}` exports `{name}` as {found}, but the runtime needs {expected}"
    )]
    ExportKind { component: String, name: &'static str, found: String, expected: &'static str },

    #[error("component `{component}`: {problem}")]
    Memory { component: String, problem: String },

    #[error("target `{triple}`: {problem}")]
    Target { triple: String, problem: String },

    #[error("component `{component}`: Wasmtime could not compile it: {message}")]
    Compile { component: String, message: String },

    #[error("the artifact is not a precompiled Wasmtime module ({problem}); compile the .wasm with `aot-wasm compile`")]
    NotPrecompiled { problem: String },

    #[error(
        "the artifact was compiled for another engine than the protection domains' for target \
         `{triple}`: {difference}; recompile it with this aot-wasm (`cargo xtask build` does)"
    )]
    Incompatible { triple: String, difference: String },

    #[error("cannot {action} `{}`: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
}

/// The Wasm features the checker accepts. Everything a component compiler
/// commonly emits; memory64, threads (shared memory) and multiple memories
/// are accepted by the validator only so that [`check`] can refuse them with
/// a precise message. Wasmtime validates again with the engine's features.
fn features() -> WasmFeatures {
    WasmFeatures::WASM2
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::EXTENDED_CONST
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::THREADS
        | WasmFeatures::MEMORY64
}

/// Formats a signature as `(i32, i64) -> (i32)`.
struct Signature<'a, T>(&'a [T], &'a [T]);

impl<T: fmt::Display> fmt::Display for Signature<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let list = |f: &mut fmt::Formatter, items: &[T]| {
            f.write_str("(")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item}")?;
            }
            f.write_str(")")
        };
        list(f, self.0)?;
        f.write_str(" -> ")?;
        list(f, self.1)
    }
}

fn abi_val_type(t: AbiValType) -> ValType {
    match t {
        AbiValType::I32 => ValType::I32,
        AbiValType::I64 => ValType::I64,
    }
}

fn matches(ty: &FuncType, params: &[ValType], results: &[ValType]) -> bool {
    ty.params() == params && ty.results() == results
}

fn host_signature(f: &HostFunction) -> String {
    let params: Vec<ValType> = f.params.iter().copied().map(abi_val_type).collect();
    let results: Vec<ValType> = f.results.iter().copied().map(abi_val_type).collect();
    Signature(&params, &results).to_string()
}

fn func_signature(ty: &FuncType) -> String {
    Signature(ty.params(), ty.results()).to_string()
}

fn entity_kind(ty: &EntityType) -> &'static str {
    match ty {
        EntityType::Func(_) | EntityType::FuncExact(_) => "function",
        EntityType::Table(_) => "table",
        EntityType::Memory(_) => "memory",
        EntityType::Global(_) => "global",
        EntityType::Tag(_) => "tag",
    }
}

/// Validates `wasm` and checks it against the host ABI, `grants` and the
/// exports the runtime needs. `component` names the component in errors.
pub fn check(component: &str, wasm: &[u8], grants: &Grants) -> Result<ModuleInfo, AotError> {
    let component_name = component;
    let component = || component_name.to_string();

    let types = Validator::new_with_features(features()).validate_all(wasm).map_err(|e| {
        AotError::InvalidWasm {
            component: component(),
            message: e.message().to_string(),
            offset: e.offset(),
        }
    })?;
    let types = types.as_ref();
    let func_type = |id: wasmparser::types::CoreTypeId| types[id].unwrap_func();

    // Imports: only functions, only from the ABI module, only those that
    // exist, with their exact signature, and only with the needed grant.
    let mut imports = Vec::new();
    for (module, name, ty) in types.core_imports().into_iter().flatten() {
        let id = match ty {
            EntityType::Func(id) | EntityType::FuncExact(id) => id,
            other => {
                let kind = entity_kind(&other);
                let hint = if kind == "memory" {
                    " (with Rust, do not link with --import-memory)"
                } else {
                    ""
                };
                return Err(AotError::ImportedEntity {
                    component: component(),
                    module: module.into(),
                    name: name.into(),
                    kind,
                    hint,
                });
            }
        };
        if module != MODULE {
            return Err(AotError::ForeignImport {
                component: component(),
                module: module.into(),
                name: name.into(),
            });
        }
        let Some(host) = wasm_abi::host_function(name) else {
            let available: Vec<&str> = wasm_abi::HOST_FUNCTIONS.iter().map(|f| f.name).collect();
            return Err(AotError::UnknownHostFunction {
                component: component(),
                name: name.into(),
                available: available.join(", "),
            });
        };
        let ty = func_type(id);
        let params: Vec<ValType> = host.params.iter().copied().map(abi_val_type).collect();
        let results: Vec<ValType> = host.results.iter().copied().map(abi_val_type).collect();
        if !matches(ty, &params, &results) {
            return Err(AotError::ImportSignature {
                component: component(),
                name: name.into(),
                found: func_signature(ty),
                expected: host_signature(host),
            });
        }
        if !grants.allows(host.requires) {
            let (grant, grant_name) = match host.requires {
                Requires::IoPorts => ("an io_ports", "io_ports"),
                Requires::Irqs => ("an irqs", "irqs"),
                Requires::DeviceMemory => ("a device_memory", "device_memory"),
                Requires::Nothing => unreachable!("always allowed"),
            };
            return Err(AotError::NotGranted {
                component: component(),
                name: name.into(),
                grant,
                grant_name,
            });
        }
        imports.push(format!("{module}.{name}"));
    }

    // The linear memory: exactly one (checked with the exports), 32-bit,
    // not shared.
    if types.memory_count() > 1 {
        return Err(AotError::Memory {
            component: component(),
            problem: format!(
                "defines {} memories, but a component has one linear memory; build without multi-memory",
                types.memory_count()
            ),
        });
    }
    let memory = (types.memory_count() == 1).then(|| types.memory_at(0));
    if let Some(memory) = memory {
        if memory.memory64 {
            return Err(AotError::Memory {
                component: component(),
                problem: "its memory is a 64-bit memory (memory64), which the runtime does not support; build for wasm32".into(),
            });
        }
        if memory.shared {
            return Err(AotError::Memory {
                component: component(),
                problem: "its memory is shared (threads), which the runtime does not support; build without the atomics/threads feature".into(),
            });
        }
    }

    // Exports.
    let mut exports = Vec::new();
    let mut exported = std::collections::HashMap::new();
    for (name, ty) in types.core_exports().into_iter().flatten() {
        exports.push(name.to_string());
        exported.insert(name, ty);
    }
    let check_func =
        |name: &'static str, params: &[ValType], results: &[ValType], expected: &'static str| {
            match exported.get(name) {
                None => Ok(false),
                Some(EntityType::Func(id) | EntityType::FuncExact(id)) => {
                    let ty = func_type(*id);
                    if matches(ty, params, results) {
                        Ok(true)
                    } else {
                        Err(AotError::ExportKind {
                            component: component(),
                            name,
                            found: func_signature(ty),
                            expected,
                        })
                    }
                }
                Some(other) => Err(AotError::ExportKind {
                    component: component(),
                    name,
                    found: format!("a {}", entity_kind(other)),
                    expected,
                }),
            }
        };
    use wasm_abi::export;
    if !check_func(export::INIT, &[], &[], "a function () -> ()")? {
        return Err(AotError::MissingExport {
            component: component(),
            name: export::INIT,
            why: "the runtime calls `init() -> ()` when the component starts; export it (with Rust: #[no_mangle] pub extern \"C\" fn init())",
        });
    }
    match exported.get(export::MEMORY) {
        Some(EntityType::Memory(_)) => {}
        Some(other) => {
            return Err(AotError::ExportKind {
                component: component(),
                name: export::MEMORY,
                found: format!("a {}", entity_kind(other)),
                expected: "the linear memory",
            })
        }
        None => {
            return Err(AotError::MissingExport {
                component: component(),
                name: export::MEMORY,
                why: "the runtime reads and writes the component's linear memory through it; define one memory and export it as `memory` (Rust's wasm32 targets do)",
            })
        }
    }
    check_func(export::NOTIFIED, &[ValType::I32], &[], "a function (i32) -> ()")?;
    let protected = check_func(
        export::PROTECTED,
        &[ValType::I32, ValType::I64, ValType::I32],
        &[ValType::I64],
        "a function (i32, i64, i32) -> (i64)",
    )?;
    let message_buffer =
        check_func(export::MESSAGE_BUFFER, &[], &[ValType::I32], "a function () -> (i32)")?;
    if protected && !message_buffer {
        return Err(AotError::MissingExport {
            component: component(),
            name: export::MESSAGE_BUFFER,
            why: "a component that exports `protected` must export `message_buffer() -> i32`, the address of the buffer that carries requests and replies",
        });
    }

    let memory = memory.expect("an exported memory exists");
    Ok(ModuleInfo {
        imports,
        exports,
        memory_min_pages: memory.initial,
        memory_max_pages: memory.maximum,
    })
}

/// The Wasmtime configuration the protection domains' runtime loads
/// artifacts with, compiling for `target`.
fn engine_config(target: &Target) -> Result<wasmtime::Config, AotError> {
    let target_error =
        |problem: String| AotError::Target { triple: target.triple.clone(), problem };
    let mut config = wasmtime::Config::new();
    wasm_engine_config::configure(&mut config);
    // With `std`, Wasmtime's default reads WASMTIME_BACKTRACE_DETAILS from
    // the environment, and the result is recorded in the artifact; the
    // no_std runtime always has it off.
    config.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
    config.target(&target.triple).map_err(|e| target_error(format!("{e:#}")))?;
    for flag in target.sorted_flags() {
        if !flag.starts_with("has_") {
            return Err(target_error(format!(
                "`{flag}` is not a CPU feature flag; only Cranelift's `has_*` ISA flags may be given"
            )));
        }
        // SAFETY: only ISA feature flags; the artifact records them and the
        // runtime refuses it on a CPU that lacks one. An unknown name makes
        // `Engine::new` fail.
        unsafe {
            config.cranelift_flag_enable(flag);
        }
    }
    if target.soft_float_x86() && !target.cranelift_flags.iter().any(|f| f == "has_sse41") {
        // Without SSE4.1 Cranelift turns float rounding into libcalls into
        // the runtime, whose soft-float ABI passes floats differently: the
        // runtime may only set `x86_float_abi_ok` when none are made.
        return Err(target_error(
            "a soft-float target needs the has_sse41 flag (with has_sse3 and has_ssse3), else float rounding would call into the soft-float runtime".into(),
        ));
    }
    Ok(config)
}

fn engine(config: &wasmtime::Config, target: &Target) -> Result<wasmtime::Engine, AotError> {
    wasmtime::Engine::new(config)
        .map_err(|e| AotError::Target { triple: target.triple.clone(), problem: format!("{e:#}") })
}

/// The engine record (`.wasmtime.engine` section) that `engine` writes into
/// every artifact: compiling the empty module yields it.
fn reference_engine_section(
    engine: &wasmtime::Engine,
    target: &Target,
) -> Result<Vec<u8>, AotError> {
    let empty = engine.precompile_module(b"\0asm\x01\0\0\0").map_err(|e| AotError::Target {
        triple: target.triple.clone(),
        problem: format!("cannot compile for it: {e:#}"),
    })?;
    engine_section::find(&empty).map(<[u8]>::to_vec).map_err(|problem| AotError::Target {
        triple: target.triple.clone(),
        problem: format!("Wasmtime wrote an unreadable artifact: {problem}"),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Wasmtime version Cargo.toml pins (a test checks it against
/// Cargo.lock). Artifacts only record the major version.
pub const WASMTIME_VERSION: &str = "48.0.8";

fn fingerprint_from_section(section: &[u8], target: &Target) -> String {
    let version = engine_section::parse(section).map(|s| s.version.to_string()).unwrap_or_default();
    format!(
        "aot-wasm {}; wasmtime {WASMTIME_VERSION} (artifact version {version}); target {}; flags {}; engine {}",
        env!("CARGO_PKG_VERSION"),
        target.triple,
        target.sorted_flags().join(","),
        hex(&Sha256::digest(section)),
    )
}

/// Identifies the compiler and every setting that shapes an artifact for
/// `target`: aot-wasm's and Wasmtime's versions, the target and its flags,
/// and a hash of the engine record Wasmtime writes into artifacts (all
/// Cranelift settings, tunables and Wasm features). Part of the cache key.
pub fn engine_fingerprint(target: &Target) -> String {
    let section = engine_config(target)
        .and_then(|config| engine(&config, target))
        .and_then(|engine| reference_engine_section(&engine, target));
    match section {
        Ok(section) => fingerprint_from_section(&section, target),
        Err(e) => format!("aot-wasm {}; unusable target: {e}", env!("CARGO_PKG_VERSION")),
    }
}

/// Checks that `cwasm` is a precompiled module made for exactly the engine
/// that the protection domains use for `target`.
///
/// Wasmtime's own load-time check compares the artifact's engine record
/// with the loading engine, but it accepts ISA flags as long as the CPU has
/// them, and it can only run on the machine itself. This check is stricter
/// and runs on the build host: the artifact's record must equal, byte for
/// byte, the record this crate's engine writes for `target` (same Wasmtime
/// version, target, Cranelift settings, ISA flags, tunables and features).
pub fn verify_compatible(cwasm: &[u8], target: &Target) -> Result<(), AotError> {
    let config = engine_config(target)?;
    let engine = engine(&config, target)?;
    let expected = reference_engine_section(&engine, target)?;
    verify_against(cwasm, &expected, target)
}

fn verify_against(cwasm: &[u8], expected: &[u8], target: &Target) -> Result<(), AotError> {
    match wasmtime::Engine::detect_precompiled(cwasm) {
        Some(wasmtime::Precompiled::Module) => {}
        Some(wasmtime::Precompiled::Component) => {
            return Err(AotError::NotPrecompiled {
                problem: "it is a precompiled component, not a core module".into(),
            })
        }
        None => return Err(AotError::NotPrecompiled { problem: "no Wasmtime ELF header".into() }),
    }
    let found =
        engine_section::find(cwasm).map_err(|problem| AotError::NotPrecompiled { problem })?;
    if found == expected {
        return Ok(());
    }
    Err(AotError::Incompatible {
        triple: target.triple.clone(),
        difference: engine_section::describe_difference(found, expected),
    })
}

/// Compiles `wasm` for `target` after [`check`]ing it. With `cache_dir`,
/// an artifact of the same bytes and engine is reused, and a new one stored
/// there (`<sha256>.cwasm`, written atomically).
pub fn precompile(
    component: &str,
    wasm: &[u8],
    target: &Target,
    grants: &Grants,
    cache_dir: Option<&Path>,
) -> Result<Precompiled, AotError> {
    let config = engine_config(target)?;
    precompile_with_config(component, wasm, target, grants, cache_dir, &config)
}

fn precompile_with_config(
    component: &str,
    wasm: &[u8],
    target: &Target,
    grants: &Grants,
    cache_dir: Option<&Path>,
    config: &wasmtime::Config,
) -> Result<Precompiled, AotError> {
    let info = check(component, wasm, grants)?;
    let engine = engine(config, target)?;
    let section = reference_engine_section(&engine, target)?;
    let done = |cwasm, cached| Precompiled {
        cwasm,
        imports: info.imports.clone(),
        exports: info.exports.clone(),
        memory_min_pages: info.memory_min_pages,
        memory_max_pages: info.memory_max_pages,
        cached,
    };

    let cache_path = cache_dir.map(|dir| {
        let mut key = Sha256::new();
        let fingerprint = fingerprint_from_section(&section, target);
        key.update((fingerprint.len() as u64).to_le_bytes());
        key.update(fingerprint.as_bytes());
        key.update(wasm);
        dir.join(format!("{}.cwasm", hex(&key.finalize())))
    });
    if let Some(path) = &cache_path {
        match std::fs::read(path) {
            // A damaged entry is recompiled and replaced.
            Ok(cwasm) if verify_against(&cwasm, &section, target).is_ok() => {
                return Ok(done(cwasm, true))
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(AotError::Io {
                    action: "read cached artifact",
                    path: path.clone(),
                    source,
                })
            }
        }
    }

    let cwasm = engine.precompile_module(wasm).map_err(|e| AotError::Compile {
        component: component.to_string(),
        message: format!("{e:#}"),
    })?;

    if let Some(path) = &cache_path {
        write_atomically(path, &cwasm)?;
    }
    Ok(done(cwasm, false))
}

/// Writes `bytes` to `path` through a temporary file in the same folder
/// and a rename, so readers never see a partial file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), AotError> {
    let cache_error = |source| AotError::Io { action: "write", path: path.to_path_buf(), source };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(cache_error)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".aot-wasm-");
    // Like a file made by `File::create` (tempfile's default is owner-only).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder.tempfile_in(dir).map_err(cache_error)?;
    file.write_all(bytes).map_err(cache_error)?;
    file.as_file().sync_all().map_err(cache_error)?;
    file.persist(path).map_err(|e| cache_error(e.error))?;
    Ok(())
}
