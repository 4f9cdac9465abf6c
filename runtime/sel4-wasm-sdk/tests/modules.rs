//! Inspects the example components' Wasm modules, if they have been built
//! (`cargo build --release --target wasm32-unknown-unknown -p <example>`):
//! every import is a host function of the ABI with its exact type, the
//! handler exports have the types the runtime calls, device functions are
//! imported only by the component that uses them, and the trap examples
//! contain their trap. Prints each module's imports and sizes
//! (`cargo test -p sel4-wasm-sdk --test modules -- --nocapture`).
//! Modules not built are skipped (and named in the output).

use std::path::PathBuf;

use wasm_abi::{HostFunction, Requires, ValType, HOST_FUNCTIONS, MODULE};
use wasmparser::{
    CompositeInnerType, ExternalKind, Operator, Parser, Payload, TypeRef, ValType as WasmType,
};

/// (crate, whether it may import device functions)
const EXAMPLES: &[(&str, bool)] = &[
    ("wasm-calculator", false),
    ("wasm-kv-store", false),
    ("wasm-packet-filter", false),
    ("wasm-client", false),
    ("wasm-frame-source", false),
    ("wasm-crasher", false),
    ("wasm-runaway", false),
    ("wasm-oob", false),
    ("wasm-divzero", false),
    ("wasm-device-probe", true),
];

struct Module {
    /// (module, name, params, results)
    imports: Vec<(String, String, Vec<WasmType>, Vec<WasmType>)>,
    /// (name, params, results) of exported functions
    functions: Vec<(String, Vec<WasmType>, Vec<WasmType>)>,
    exports_memory: bool,
    memory_pages: u64,
    /// Bytes of code and data sections (without custom sections: names, DWARF).
    code_bytes: usize,
    data_bytes: usize,
    file_bytes: usize,
    /// Integer division instructions (the ones that trap on zero).
    divisions: usize,
}

fn wasm_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("wasm32-unknown-unknown/release")
}

fn parse(bytes: &[u8]) -> Module {
    let mut types = Vec::new();
    let mut function_types = Vec::new();
    let mut module = Module {
        imports: Vec::new(),
        functions: Vec::new(),
        exports_memory: false,
        memory_pages: 0,
        code_bytes: 0,
        data_bytes: 0,
        file_bytes: bytes.len(),
        divisions: 0,
    };
    let mut exports = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.expect("a valid module") {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group.unwrap().into_types() {
                        match &ty.composite_type.inner {
                            CompositeInnerType::Func(f) => {
                                types.push((f.params().to_vec(), f.results().to_vec()))
                            }
                            _ => types.push((vec![], vec![])),
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.unwrap();
                    let TypeRef::Func(ty) = import.ty else {
                        panic!("import {} is not a function", import.name)
                    };
                    let (params, results) = types[ty as usize].clone();
                    function_types.push(ty);
                    module.imports.push((
                        import.module.to_string(),
                        import.name.to_string(),
                        params,
                        results,
                    ));
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    function_types.push(ty.unwrap());
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    module.memory_pages = memory.unwrap().initial;
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.unwrap();
                    match export.kind {
                        ExternalKind::Func => exports.push((export.name.to_string(), export.index)),
                        ExternalKind::Memory => module.exports_memory |= export.name == "memory",
                        _ => {}
                    }
                }
            }
            Payload::CodeSectionStart { size, .. } => module.code_bytes = size as usize,
            Payload::CodeSectionEntry(body) => {
                for op in body.get_operators_reader().unwrap() {
                    if let Operator::I32DivU
                    | Operator::I32DivS
                    | Operator::I64DivU
                    | Operator::I64DivS = op.unwrap()
                    {
                        module.divisions += 1;
                    }
                }
            }
            Payload::DataSection(reader) => module.data_bytes = reader.range().len(),
            _ => {}
        }
    }
    for (name, index) in exports {
        let (params, results) = types[function_types[index as usize] as usize].clone();
        module.functions.push((name, params, results));
    }
    module
}

fn abi_type(types: &[ValType]) -> Vec<WasmType> {
    types.iter().map(|t| if *t == ValType::I32 { WasmType::I32 } else { WasmType::I64 }).collect()
}

fn host_function(name: &str) -> &'static HostFunction {
    wasm_abi::host_function(name)
        .unwrap_or_else(|| panic!("`{name}` is not a host function of the ABI"))
}

#[test]
fn example_modules_import_only_the_abi() {
    use WasmType::{I32, I64};
    let dir = wasm_dir();
    let mut skipped = Vec::new();
    let mut divisions = std::collections::HashMap::new();
    for &(name, may_use_devices) in EXAMPLES {
        let path = dir.join(format!("{}.wasm", name.replace('-', "_")));
        let Ok(bytes) = std::fs::read(&path) else {
            skipped.push(name);
            continue;
        };
        let module = parse(&bytes);
        let imports: Vec<&str> = module.imports.iter().map(|i| i.1.as_str()).collect();
        println!(
            "{name}: {} bytes ({} code, {} data; the rest is names and debug info), {} initial pages of memory, imports {}",
            module.file_bytes,
            module.code_bytes,
            module.data_bytes,
            module.memory_pages,
            imports.join(" ")
        );
        for (module_name, function, params, results) in &module.imports {
            assert_eq!(module_name, MODULE, "{name} imports {function} from {module_name}");
            let abi = host_function(function);
            assert_eq!(
                (params, results),
                (&abi_type(abi.params), &abi_type(abi.results)),
                "{name}: type of {function}"
            );
        }
        let devices: Vec<&str> = imports
            .iter()
            .copied()
            .filter(|i| host_function(i).requires != Requires::Nothing)
            .collect();
        if may_use_devices {
            let all: Vec<&str> = HOST_FUNCTIONS
                .iter()
                .filter(|f| f.requires != Requires::Nothing)
                .map(|f| f.name)
                .collect();
            let mut devices = devices.clone();
            devices.sort();
            let mut all = all.clone();
            all.sort();
            assert_eq!(devices, all, "{name} uses every device function");
        } else {
            assert!(
                devices.is_empty(),
                "{name} imports device functions it does not use: {devices:?}"
            );
        }

        // The exports the runtime calls, with their types.
        assert!(module.exports_memory, "{name} exports no memory");
        let expected: [(&str, &[WasmType], &[WasmType]); 4] = [
            (wasm_abi::export::INIT, &[], &[]),
            (wasm_abi::export::NOTIFIED, &[I32], &[]),
            (wasm_abi::export::PROTECTED, &[I32, I64, I32], &[I64]),
            (wasm_abi::export::MESSAGE_BUFFER, &[], &[I32]),
        ];
        for (export, params, results) in expected {
            let found = module.functions.iter().find(|f| f.0 == export);
            let (_, p, r) = found.unwrap_or_else(|| panic!("{name} does not export {export}"));
            assert_eq!(
                (p.as_slice(), r.as_slice()),
                (params, results),
                "{name}: type of export {export}"
            );
        }
        // A 64 KiB stack, a few statics: linear memory starts small.
        assert!(
            module.memory_pages <= 4,
            "{name} starts with {} pages of memory",
            module.memory_pages
        );

        divisions.insert(name, module.divisions);
    }
    // The SDK's formatting code divides too: wasm-divzero has one division
    // more than wasm-crasher, its own (Rust's zero check removed).
    if let (Some(divzero), Some(crasher)) =
        (divisions.get("wasm-divzero"), divisions.get("wasm-crasher"))
    {
        assert!(divzero > crasher, "wasm-divzero has {divzero} divisions, wasm-crasher {crasher}");
    }
    if !skipped.is_empty() {
        println!("not built, skipped: {}", skipped.join(" "));
    }
}
