use super::*;

const FULL: &str = r#"(module
  (import "sel4_wasm_v1" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 2 16)
  (func (export "init") (call $log (i32.const 3) (i32.const 0) (i32.const 5)))
  (func (export "notified") (param i32))
  (func (export "protected") (param i32 i64 i32) (result i64) (i64.extend_i32_u (local.get 2)))
  (func (export "message_buffer") (result i32) (i32.const 1024))
  (data (i32.const 0) "hello"))"#;

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("test WAT parses")
}

/// A minimal component with `body` (imports first) added: exports init
/// and memory.
fn component(body: &str) -> Vec<u8> {
    wasm(&format!(r#"(module {body} (memory (export "memory") 1) (func (export "init")))"#))
}

fn none() -> Grants {
    Grants::default()
}

fn err(component_name: &str, wasm: &[u8], grants: &Grants) -> String {
    check(component_name, wasm, grants).expect_err("check refuses it").to_string()
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary folder")
}

#[test]
fn valid_module_precompiles_to_elf_and_the_cache_returns_identical_bytes() {
    let wasm = wasm(FULL);
    let target = Target::qemu_x86_64();
    let dir = temp_dir();

    let first = precompile("kv", &wasm, &target, &none(), Some(dir.path())).unwrap();
    assert!(!first.cached);
    assert!(first.cwasm.len() > 64);
    assert_eq!(&first.cwasm[..4], b"\x7fELF");
    assert_eq!(first.imports, ["sel4_wasm_v1.log"]);
    assert_eq!(first.exports, ["memory", "init", "notified", "protected", "message_buffer"]);
    assert_eq!((first.memory_min_pages, first.memory_max_pages), (2, Some(16)));
    verify_compatible(&first.cwasm, &target).unwrap();

    let second = precompile("kv", &wasm, &target, &none(), Some(dir.path())).unwrap();
    assert!(second.cached);
    assert_eq!(second.cwasm, first.cwasm);
    // Exactly one entry, and no temporary file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // Compiling is deterministic: without the cache the bytes are the same.
    let uncached = precompile("kv", &wasm, &target, &none(), None).unwrap();
    assert!(!uncached.cached);
    assert_eq!(uncached.cwasm, first.cwasm);
}

#[test]
fn cache_key_depends_on_the_target_flags_and_the_wasm() {
    let dir = temp_dir();
    let a = Target::qemu_x86_64();
    let mut b = Target::qemu_x86_64();
    b.cranelift_flags.retain(|f| f != "has_popcnt");
    assert_ne!(engine_fingerprint(&a), engine_fingerprint(&b));
    assert_eq!(engine_fingerprint(&a), engine_fingerprint(&a));
    assert!(
        engine_fingerprint(&a).contains("wasmtime 48.0.8 (artifact version 48)"),
        "{}",
        engine_fingerprint(&a)
    );

    assert!(!precompile("kv", &wasm(FULL), &a, &none(), Some(dir.path())).unwrap().cached);
    assert!(!precompile("kv", &wasm(FULL), &b, &none(), Some(dir.path())).unwrap().cached);
    assert!(!precompile("kv", &component(""), &a, &none(), Some(dir.path())).unwrap().cached);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[test]
fn damaged_cache_entry_is_recompiled() {
    let dir = temp_dir();
    let target = Target::qemu_x86_64();
    let good = precompile("kv", &wasm(FULL), &target, &none(), Some(dir.path())).unwrap();
    let entry = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    std::fs::write(&entry, b"garbage").unwrap();
    let again = precompile("kv", &wasm(FULL), &target, &none(), Some(dir.path())).unwrap();
    assert!(!again.cached);
    assert_eq!(again.cwasm, good.cwasm);
    assert_eq!(std::fs::read(&entry).unwrap(), good.cwasm);
}

#[test]
fn invalid_module_reports_the_validator_message_and_the_component() {
    let e = err("kv", b"\0asm\x01\0\0\0\x01\x05", &none());
    assert!(e.starts_with("component `kv`: not a valid Wasm module: "), "{e}");
    assert!(e.contains("(at offset "), "{e}");

    // A type error inside a function body.
    let e = err("kv", &component("(func (result i32) (i64.const 1))"), &none());
    assert!(e.contains("component `kv`: not a valid Wasm module: type mismatch"), "{e}");

    let e = err("kv", b"not wasm at all", &none());
    assert!(e.contains("magic header"), "{e}");
}

#[test]
fn forbidden_import_without_grant_is_refused_and_allowed_with_it() {
    let wasm = component(
        r#"(import "sel4_wasm_v1" "io_out" (func (param i32 i32 i32 i32) (result i32)))"#,
    );
    let e = err("calc", &wasm, &none());
    assert_eq!(
        e,
        "component `calc` imports `sel4_wasm_v1.io_out`, which needs an io_ports grant: add io_ports \
         to the component in the system description, or remove the import"
    );
    // Other grants do not help.
    let e = err("calc", &wasm, &Grants { irqs: true, device_memory: true, io_ports: false });
    assert!(e.contains("io_ports grant"), "{e}");

    let io = Grants { io_ports: true, ..none() };
    let info = check("calc", &wasm, &io).unwrap();
    assert_eq!(info.imports, ["sel4_wasm_v1.io_out"]);
    precompile("calc", &wasm, &Target::qemu_x86_64(), &io, None).unwrap();

    let irq = component(r#"(import "sel4_wasm_v1" "irq_ack" (func (param i32) (result i32)))"#);
    assert!(err("serial", &irq, &none()).contains("needs an irqs grant"));
    check("serial", &irq, &Grants { irqs: true, ..none() }).unwrap();

    let mmio =
        component(r#"(import "sel4_wasm_v1" "mmio_read32" (func (param i32 i32) (result i64)))"#);
    assert!(err("nic", &mmio, &none()).contains("needs a device_memory grant"));
    check("nic", &mmio, &Grants { device_memory: true, ..none() }).unwrap();
}

#[test]
fn restarted_needs_no_grant() {
    let wasm = component(r#"(import "sel4_wasm_v1" "restarted" (func (result i32)))"#);
    let info = check("serial", &wasm, &none()).unwrap();
    assert_eq!(info.imports, ["sel4_wasm_v1.restarted"]);
    let e = err(
        "serial",
        &component(r#"(import "sel4_wasm_v1" "restarted" (func (result i64)))"#),
        &none(),
    );
    assert!(e.contains("as () -> (i64), but the host provides () -> (i32)"), "{e}");
}

#[test]
fn unknown_host_function_is_refused_with_the_list_of_host_functions() {
    let e = err("kv", &component(r#"(import "sel4_wasm_v1" "fork" (func))"#), &none());
    assert!(
        e.starts_with("component `kv` imports `sel4_wasm_v1.fork`, which ABI version 1 does not have (host functions: log, wait, exit, "),
        "{e}"
    );
    assert!(e.contains("mmio_write32)"), "{e}");
}

#[test]
fn import_from_another_module_is_refused() {
    let e = err("kv", &component(r#"(import "env" "abort" (func (param i32)))"#), &none());
    assert_eq!(
        e,
        "component `kv` imports `env.abort`, but components may only import from `sel4_wasm_v1`; \
         remove the import (with Rust, build for wasm32-unknown-unknown with no std)"
    );
    let e = err(
        "kv",
        &component(
            r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#,
        ),
        &none(),
    );
    assert!(e.contains("imports `wasi_snapshot_preview1.fd_write`"), "{e}");
}

#[test]
fn import_signature_mismatch_is_refused() {
    let e = err("kv", &component(r#"(import "sel4_wasm_v1" "log" (func (param i32)))"#), &none());
    assert!(
        e.starts_with("component `kv` imports `sel4_wasm_v1.log` as (i32) -> (), but the host provides (i32, i32, i32) -> ()"),
        "{e}"
    );
    let e = err(
        "kv",
        &component(r#"(import "sel4_wasm_v1" "time_now_ns" (func (result i32)))"#),
        &none(),
    );
    assert!(e.contains("as () -> (i32), but the host provides () -> (i64)"), "{e}");
}

#[test]
fn imported_memory_table_and_global_are_refused() {
    let e = err(
        "kv",
        &wasm(r#"(module (import "env" "memory" (memory 1)) (func (export "init")))"#),
        &none(),
    );
    assert!(e.starts_with("component `kv` imports the memory `env.memory`, but components may only import functions"), "{e}");
    assert!(e.contains("--import-memory"), "{e}");
    let e = err("kv", &component(r#"(import "sel4_wasm_v1" "table" (table 1 funcref))"#), &none());
    assert!(e.contains("imports the table `sel4_wasm_v1.table`"), "{e}");
    let e = err("kv", &component(r#"(import "sel4_wasm_v1" "g" (global i32))"#), &none());
    assert!(e.contains("imports the global `sel4_wasm_v1.g`"), "{e}");
}

#[test]
fn missing_init_export_is_refused() {
    let e = err("kv", &wasm(r#"(module (memory (export "memory") 1))"#), &none());
    assert!(e.starts_with("component `kv` does not export `init`: "), "{e}");

    let e = err(
        "kv",
        &wasm(r#"(module (memory (export "memory") 1) (func (export "init") (param i32)))"#),
        &none(),
    );
    assert_eq!(
        e,
        "component `kv` exports `init` as (i32) -> (), but the runtime needs a function () -> ()"
    );
}

#[test]
fn missing_memory_export_is_refused() {
    let e = err("kv", &wasm(r#"(module (memory 1) (func (export "init")))"#), &none());
    assert!(e.starts_with("component `kv` does not export `memory`: "), "{e}");
    let e = err("kv", &wasm(r#"(module (func (export "init")))"#), &none());
    assert!(e.starts_with("component `kv` does not export `memory`: "), "{e}");
    let e = err(
        "kv",
        &wasm(
            r#"(module (memory 1) (func (export "init")) (global (export "memory") i32 (i32.const 0)))"#,
        ),
        &none(),
    );
    assert!(
        e.contains("exports `memory` as a global, but the runtime needs the linear memory"),
        "{e}"
    );
}

#[test]
fn protected_without_message_buffer_is_refused() {
    let e = err(
        "kv",
        &component(r#"(func (export "protected") (param i32 i64 i32) (result i64) (i64.const 0))"#),
        &none(),
    );
    assert!(
        e.starts_with(
            "component `kv` does not export `message_buffer`: a component that exports `protected`"
        ),
        "{e}"
    );
}

#[test]
fn handler_signatures_are_checked() {
    let e = err("kv", &component(r#"(func (export "notified") (param i64))"#), &none());
    assert_eq!(e, "component `kv` exports `notified` as (i64) -> (), but the runtime needs a function (i32) -> ()");
    let e = err(
        "kv",
        &component(
            r#"(func (export "protected") (param i32 i32 i32) (result i64) (i64.const 0))
               (func (export "message_buffer") (result i32) (i32.const 0))"#,
        ),
        &none(),
    );
    assert!(e.contains("exports `protected` as (i32, i32, i32) -> (i64), but the runtime needs a function (i32, i64, i32) -> (i64)"), "{e}");
    let e = err(
        "kv",
        &component(
            r#"(func (export "protected") (param i32 i64 i32) (result i64) (i64.const 0))
               (func (export "message_buffer") (result i64) (i64.const 0))"#,
        ),
        &none(),
    );
    assert!(e.contains("exports `message_buffer` as () -> (i64)"), "{e}");
}

#[test]
fn memory64_shared_and_multiple_memories_are_refused() {
    let e = err(
        "kv",
        &wasm(r#"(module (memory (export "memory") i64 1) (func (export "init")))"#),
        &none(),
    );
    assert!(e.contains("64-bit memory (memory64)"), "{e}");
    let e = err(
        "kv",
        &wasm(r#"(module (memory (export "memory") 1 1 shared) (func (export "init")))"#),
        &none(),
    );
    assert!(e.contains("its memory is shared"), "{e}");
    let e = err(
        "kv",
        &wasm(r#"(module (memory (export "memory") 1) (memory 1) (func (export "init")))"#),
        &none(),
    );
    assert!(e.contains("defines 2 memories"), "{e}");
}

#[test]
fn target_flags_are_checked() {
    let wasm = wasm(FULL);
    let bad_flag = Target {
        triple: "x86_64-unknown-none".into(),
        cranelift_flags: vec!["enable_pinned_reg".into(), "has_sse41".into()],
    };
    let e = precompile("kv", &wasm, &bad_flag, &none(), None).unwrap_err().to_string();
    assert!(e.contains("`enable_pinned_reg` is not a CPU feature flag"), "{e}");

    let unknown = Target {
        triple: "x86_64-unknown-none".into(),
        cranelift_flags: vec!["has_sse41".into(), "has_warp_drive".into()],
    };
    let e = precompile("kv", &wasm, &unknown, &none(), None).unwrap_err().to_string();
    assert!(e.starts_with("target `x86_64-unknown-none`: "), "{e}");
    assert!(e.contains("has_warp_drive"), "{e}");

    let no_sse41 =
        Target { triple: "x86_64-unknown-none".into(), cranelift_flags: vec!["has_sse3".into()] };
    let e = precompile("kv", &wasm, &no_sse41, &none(), None).unwrap_err().to_string();
    assert!(e.contains("needs the has_sse41 flag"), "{e}");

    let bad_triple = Target { triple: "nonsense".into(), cranelift_flags: vec![] };
    let e = precompile("kv", &wasm, &bad_triple, &none(), None).unwrap_err().to_string();
    assert!(e.starts_with("target `nonsense`: "), "{e}");
}

#[test]
fn artifact_for_other_cpu_flags_is_refused() {
    let wasm = wasm(FULL);
    let pd = Target::qemu_x86_64();
    let mut avx = Target::qemu_x86_64();
    avx.cranelift_flags.extend(["has_avx".to_string(), "has_avx2".to_string()]);
    let artifact = precompile("kv", &wasm, &avx, &none(), None).unwrap();
    verify_compatible(&artifact.cwasm, &avx).unwrap();

    let e = verify_compatible(&artifact.cwasm, &pd).unwrap_err().to_string();
    assert!(e.starts_with("the artifact was compiled for another engine than the protection domains' for target `x86_64-unknown-none`: "), "{e}");
    assert!(e.contains("ISA flag `has_avx` is true in the artifact but false here"), "{e}");
    assert!(e.contains("ISA flag `has_avx2` is true in the artifact but false here"), "{e}");
    assert!(!e.contains("tunables"), "{e}");
}

#[test]
fn artifact_without_fuel_is_refused() {
    // The test-only hook: the PD configuration with fuel metering off, the
    // kind of drift a stale artifact from an older configuration has.
    let target = Target::qemu_x86_64();
    let mut config = engine_config(&target).unwrap();
    config.consume_fuel(false);
    let artifact =
        precompile_with_config("kv", &wasm(FULL), &target, &none(), None, &config).unwrap();

    let e = verify_compatible(&artifact.cwasm, &target).unwrap_err().to_string();
    assert!(e.contains("its tunables or Wasm features differ"), "{e}");
    assert!(!e.contains("ISA flag"), "{e}");
    assert!(e.ends_with("recompile it with this aot-wasm (`cargo xtask build` does)"), "{e}");
}

#[test]
fn non_artifacts_are_refused() {
    let target = Target::qemu_x86_64();
    let e = verify_compatible(&wasm(FULL), &target).unwrap_err().to_string();
    assert!(
        e.starts_with("the artifact is not a precompiled Wasmtime module (no Wasmtime ELF header)"),
        "{e}"
    );
    // A Wasmtime artifact whose engine record was damaged.
    let mut cwasm = precompile("kv", &wasm(FULL), &target, &none(), None).unwrap().cwasm;
    let section = engine_section::find(&cwasm).unwrap();
    let start = section.as_ptr() as usize - cwasm.as_ptr() as usize;
    cwasm[start + 3] ^= 1; // inside the version string
    let e = verify_compatible(&cwasm, &target).unwrap_err().to_string();
    assert!(e.contains("was made by Wasmtime 4"), "{e}");
}

#[test]
fn engine_record_is_read() {
    let target = Target::qemu_x86_64();
    let cwasm = precompile("kv", &wasm(FULL), &target, &none(), None).unwrap().cwasm;
    let parsed = engine_section::parse(engine_section::find(&cwasm).unwrap()).unwrap();
    assert_eq!(parsed.version, "48");
    assert_eq!(parsed.target, "x86_64-unknown-none");
    let isa =
        |name: &str| parsed.isa_flags.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
    assert_eq!(isa("has_sse42"), Some("true"));
    assert_eq!(isa("has_avx"), Some("false"));
    assert!(parsed.shared_flags.iter().any(|(n, _)| *n == "opt_level"));
}

/// What the runtime itself checks when it loads an artifact, shown with the
/// host's triple (an engine for `x86_64-unknown-none` cannot load code in a
/// Linux process: Wasmtime refuses a target that is not the host before
/// reading the artifact). Wasmtime compares the artifact's tunables with the
/// loading engine's and refuses a mismatch; ISA flags it only checks
/// against the CPU, which is why [`verify_compatible`] compares the whole
/// record instead.
#[test]
fn wasmtime_refuses_to_load_an_artifact_of_another_pd_configuration() {
    let host_config = |fuel: bool| {
        let mut config = wasmtime::Config::new();
        wasm_engine_config::configure(&mut config);
        config.wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
        config.consume_fuel(fuel);
        wasmtime::Engine::new(&config).unwrap()
    };
    let pd = host_config(true);
    let drifted = host_config(false);
    let wasm = wasm(FULL);

    let good = pd.precompile_module(&wasm).unwrap();
    // SAFETY: the bytes were just produced by Wasmtime's compiler.
    unsafe { wasmtime::Module::deserialize(&pd, &good) }.expect("same configuration loads");

    let stale = drifted.precompile_module(&wasm).unwrap();
    // SAFETY: as above; Wasmtime checks the engine record before using them.
    let e = unsafe { wasmtime::Module::deserialize(&pd, &stale) }.unwrap_err();
    assert_eq!(
        format!("{e}"),
        "Module was compiled without fuel support but it is enabled for the host"
    );
}

/// The cache key names the exact Wasmtime version (a patch release may
/// change the code while the artifact's version stays "48"): keep
/// [`WASMTIME_VERSION`] equal to the version the workspace builds.
#[test]
fn wasmtime_version_constant_matches_the_lockfile() {
    let lock =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
    let expected = format!("name = \"wasmtime\"\nversion = \"{WASMTIME_VERSION}\"\n");
    assert!(lock.contains(&expected), "Cargo.lock builds another wasmtime than {WASMTIME_VERSION}");
}

#[test]
fn aarch64_board_target_precompiles_with_no_optional_features() {
    // The aarch64 board's [wasm] section: Cortex-A53 (ARMv8.0-A), no flags.
    let target = Target { triple: "aarch64-unknown-none".into(), cranelift_flags: vec![] };
    let artifact = precompile("kv", &wasm(FULL), &target, &none(), None).unwrap();
    assert_eq!(&artifact.cwasm[..4], b"\x7fELF");
    verify_compatible(&artifact.cwasm, &target).unwrap();
    let parsed = engine_section::parse(engine_section::find(&artifact.cwasm).unwrap()).unwrap();
    assert_eq!(parsed.target, "aarch64-unknown-none");
    for flag in ["has_lse", "has_pauth", "has_fp16", "has_dotprod", "has_i8mm"] {
        let value = parsed.isa_flags.iter().find(|(n, _)| *n == flag).map(|(_, v)| v.as_str());
        assert_eq!(value, Some("false"), "{flag}");
    }
    // An x86_64 artifact is not one for the aarch64 engine.
    let x86 = precompile("kv", &wasm(FULL), &Target::qemu_x86_64(), &none(), None).unwrap();
    assert!(verify_compatible(&x86.cwasm, &target).is_err());
}
