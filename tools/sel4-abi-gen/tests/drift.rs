//! Drift check against the kernel's own generators and C headers.
//!
//! For each config, the kernel's python generators produce the invocation
//! and syscall headers; gcc preprocesses them together with the C-only
//! headers (`-E -dD`) to list every enumerator and integer `#define` that
//! exists in that config, and a compiled C program prints their values.
//! The result must equal `generate()`'s output name by name.
//!
//! The bitfield layouts are checked the same way: the `.bf` files are run
//! through `gcc -E -P` (as libsel4's Makefile runs `cpp -P`) and the kernel's
//! `bitfield_gen.py`; a C probe sets each field of each block to all ones with
//! the generated `_set_` functions on a `_new` value of zeros, prints which
//! bits changed, finds each tagged union's tag field by probing its
//! `_get_<tag>` function bit by bit, and prints the tag enumerators.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use sel4_abi_gen::{Abi, Section};
use std::collections::BTreeSet;

const PYTHON: &str = "/usr/bin/python3";
const INSTALL_HINT: &str =
    "install them with `apt-get install python3-tempita python3-ply python3-lxml python3-six gcc`";

fn require_tools() {
    let py = Command::new(PYTHON).args(["-c", "import ply, tempita, lxml, six"]).output();
    match py {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "{PYTHON} lacks the modules the kernel's generators need ({}); {INSTALL_HINT}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!("cannot run {PYTHON} ({e}); {INSTALL_HINT}"),
    }
    if let Err(e) = Command::new("gcc").arg("--version").output() {
        panic!("cannot run gcc ({e}); {INSTALL_HINT}");
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs the kernel's generators (copied out of the source tree) into `gen/`.
fn run_generators(source: &Path, work: &Path) -> PathBuf {
    let tools = work.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    for script in ["invocation_header_gen.py", "syscall_header_gen.py"] {
        std::fs::copy(source.join("libsel4/tools").join(script), tools.join(script)).unwrap();
    }
    let gen = work.join("gen");
    let layers = [
        ("libsel4/include/interfaces/sel4.xml", None, "sel4/invocation.h"),
        (
            "libsel4/sel4_arch_include/x86_64/interfaces/sel4arch.xml",
            Some("--sel4_arch"),
            "sel4/sel4_arch/invocation.h",
        ),
        (
            "libsel4/arch_include/x86/interfaces/sel4arch.xml",
            Some("--arch"),
            "sel4/arch/invocation.h",
        ),
    ];
    for (xml, flag, dest) in layers {
        std::fs::create_dir_all(gen.join(dest).parent().unwrap()).unwrap();
        let mut cmd = Command::new(PYTHON);
        cmd.env("PYTHONDONTWRITEBYTECODE", "1")
            .arg(tools.join("invocation_header_gen.py"))
            .arg("--xml")
            .arg(source.join(xml))
            .arg("--libsel4")
            .args(flag)
            .arg("--dest")
            .arg(gen.join(dest));
        run(&mut cmd);
    }
    run(Command::new(PYTHON)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(tools.join("syscall_header_gen.py"))
        .arg("--xml")
        .arg(source.join("include/api/syscall.xml"))
        .arg("--libsel4_header")
        .arg(gen.join("sel4/syscall.h")));
    gen
}

/// Our own minimal stand-ins for the headers the real ones pull in.
fn write_shims(work: &Path) -> PathBuf {
    let shim = work.join("shim");
    write(
        &shim.join("sel4/macros.h"),
        "#pragma once\n#define SEL4_FORCE_LONG_ENUM(t) abi_probe_pad_##t = 0x7fffffffL\n",
    );
    write(&shim.join("sel4/deprecated.h"), "#pragma once\n");
    write(
        &shim.join("abi_probe_types.h"),
        "#pragma once\ntypedef unsigned long seL4_Word;\ntypedef unsigned char seL4_Uint8;\n\
         typedef seL4_Word seL4_NodeId;\ntypedef seL4_Word seL4_Domain;\n\
         typedef seL4_Word seL4_CPtr;\ntypedef struct { seL4_Word words[1]; } seL4_MessageInfo_t;\n\
         #define SEL4_PACKED __attribute__((packed))\n",
    );
    shim
}

const PROBE_INCLUDES: &str = "\
#include <abi_probe_types.h>
#include <autoconf.h>
#include <sel4/macros.h>
#include <sel4/syscall.h>
#include <sel4/invocation.h>
#include <sel4/objecttype.h>
#include <sel4/sel4_arch/objecttype.h>
#include <sel4/arch/objecttype.h>
#include <sel4/errors.h>
#include <sel4/constants.h>
#include <sel4/arch/constants.h>
#include <sel4/shared_types.h>
#include <sel4/bootinfo_types.h>
";

/// Which section a header belongs to, by its path as gcc reports it.
fn section_of(file: &str) -> Option<Section> {
    let table: &[(&str, Section)] = &[
        ("gen/sel4/syscall.h", Section::Syscall),
        ("gen/sel4/invocation.h", Section::Invocation),
        ("gen/sel4/sel4_arch/invocation.h", Section::Invocation),
        ("gen/sel4/arch/invocation.h", Section::Invocation),
        ("libsel4/include/sel4/objecttype.h", Section::ObjectType),
        ("libsel4/sel4_arch_include/x86_64/sel4/sel4_arch/objecttype.h", Section::ObjectType),
        ("libsel4/arch_include/x86/sel4/arch/objecttype.h", Section::ObjectType),
        ("libsel4/include/sel4/errors.h", Section::Error),
        ("libsel4/include/sel4/constants.h", Section::Constant),
        ("libsel4/include/sel4/bootinfo_types.h", Section::BootInfo),
        ("libsel4/include/sel4/shared_types.h", Section::Constant),
        ("libsel4/sel4_arch_include/x86_64/sel4/sel4_arch/constants.h", Section::Constant),
        ("libsel4/arch_include/x86/sel4/arch/constants.h", Section::Constant),
    ];
    table.iter().find(|(suffix, _)| file.ends_with(suffix)).map(|(_, s)| *s)
}

/// From `gcc -E -dD` output: every enumerator and non-empty object-like
/// macro defined in the headers of interest, with its section.
fn names_from_preprocessed(text: &str) -> Vec<(Section, String)> {
    let mut names = Vec::new();
    let mut file = String::new();
    // Function-like macros seen so far: a body calling anything else calls
    // a C function and is no number.
    let mut function_macros = std::collections::BTreeSet::new();
    // (token, section of the file it came from)
    let mut toks: Vec<(String, Option<Section>)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            // Linemarker: # 12 "file" flags
            if let Some(q) = rest.find('"') {
                file = rest[q + 1..].split('"').next().unwrap_or("").to_string();
            }
            continue;
        }
        if let Some(def) = line.strip_prefix("#define ") {
            let name_len =
                def.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(def.len());
            let (name, body) = def.split_at(name_len);
            let function_like = body.starts_with('(');
            if function_like {
                function_macros.insert(name.to_string());
            }
            let trimmed = body.trim();
            let callee_len = trimmed
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(trimmed.len());
            let calls_c_function = callee_len > 0
                && trimmed[callee_len..].trim_start().starts_with('(')
                && !function_macros.contains(&trimmed[..callee_len]);
            if let (Some(s), false, false, false) =
                (section_of(&file), function_like, trimmed.is_empty(), calls_c_function)
            {
                names.push((s, name.to_string()));
            }
            continue;
        }
        if line.starts_with('#') {
            continue; // #undef and the like
        }
        let section = section_of(&file);
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c.is_ascii_alphanumeric() || c == '_' {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if !(d.is_ascii_alphanumeric() || d == '_') {
                        break;
                    }
                    end = j + d.len_utf8();
                    chars.next();
                }
                toks.push((line[i..end].to_string(), section));
            } else if c == '"' {
                for (_, d) in chars.by_ref() {
                    if d == '"' {
                        break;
                    }
                }
            } else if !c.is_whitespace() {
                toks.push((c.to_string(), section));
            }
        }
    }
    let mut i = 0;
    while i < toks.len() {
        if toks[i].0 != "enum" {
            i += 1;
            continue;
        }
        let section = toks[i].1;
        let mut j = i + 1;
        if toks[j].0 != "{" {
            j += 1;
        }
        if toks[j].0 != "{" {
            i = j;
            continue;
        }
        let mut depth = 0;
        let mut at_entry_start = true;
        j += 1;
        while toks[j].0 != "}" || depth > 0 {
            let t = &toks[j].0;
            match t.as_str() {
                "(" => depth += 1,
                ")" => depth -= 1,
                "," if depth == 0 => {
                    at_entry_start = true;
                    j += 1;
                    continue;
                }
                _ => {}
            }
            if at_entry_start {
                if let Some(s) = section.filter(|_| !t.starts_with("abi_probe_pad_")) {
                    names.push((s, t.clone()));
                }
                at_entry_start = false;
            }
            j += 1;
        }
        i = j;
    }
    names
}

type Values = BTreeMap<Section, BTreeMap<String, i128>>;

/// What the kernel's generators and headers say for the config in `work/cfg`.
fn c_side(source: &Path, work: &Path) -> Values {
    let gen = run_generators(source, work);
    let shim = write_shims(work);
    let include_dirs = [
        shim,
        gen,
        work.join("cfg"),
        source.join("libsel4/include"),
        source.join("libsel4/arch_include/x86"),
        source.join("libsel4/sel4_arch_include/x86_64"),
        source.join("libsel4/sel4_plat_include/pc99"),
    ];
    let includes: Vec<String> = include_dirs.iter().map(|d| format!("-I{}", d.display())).collect();

    let list_c = work.join("list.c");
    write(&list_c, PROBE_INCLUDES);
    let pre =
        run(Command::new("gcc").args(["-E", "-dD", "-std=gnu11"]).args(&includes).arg(&list_c));
    let names = names_from_preprocessed(&pre);
    assert!(names.len() > 100, "suspiciously few names from gcc -E: {names:?}");

    let mut probe = String::from(PROBE_INCLUDES);
    probe.push_str("#include <stdio.h>\nint main(void) {\n");
    for (s, n) in &names {
        probe.push_str(&format!("    printf(\"{} {n} %lld\\n\", (long long)({n}));\n", *s as u8));
    }
    probe.push_str("    return 0;\n}\n");
    let probe_c = work.join("probe.c");
    write(&probe_c, &probe);
    let exe = work.join("probe");
    run(Command::new("gcc")
        .args(["-std=gnu11", "-w", "-o"])
        .arg(&exe)
        .args(&includes)
        .arg(&probe_c));
    let printed = run(&mut Command::new(&exe));

    let sections = [
        Section::Syscall,
        Section::Invocation,
        Section::ObjectType,
        Section::Error,
        Section::Constant,
        Section::BootInfo,
    ];
    let mut values = Values::new();
    for line in printed.lines() {
        let mut w = line.split_whitespace();
        let s = sections[w.next().unwrap().parse::<usize>().unwrap()];
        let name = w.next().unwrap().to_string();
        let v: i128 = w.next().unwrap().parse().unwrap();
        assert!(values.entry(s).or_default().insert(name.clone(), v).is_none(), "C: {name} twice");
    }
    values
}

fn rust_side(abi: &Abi) -> Values {
    let mut values = Values::new();
    let mut add = |s: Section, list: Vec<(String, i128)>| {
        let m = values.entry(s).or_default();
        for (n, v) in list {
            assert!(m.insert(n.clone(), v).is_none(), "generate(): {n} twice");
        }
    };
    let widen = |l: &[(String, i64)]| l.iter().map(|(n, v)| (n.clone(), i128::from(*v))).collect();
    let widen_u =
        |l: &[(String, u64)]| l.iter().map(|(n, v)| (n.clone(), i128::from(*v))).collect();
    add(Section::Syscall, widen(&abi.syscalls));
    add(Section::Invocation, widen_u(&abi.invocation_labels));
    add(Section::ObjectType, widen_u(&abi.object_types));
    add(Section::Error, widen_u(&abi.errors));
    add(Section::Constant, widen(&abi.constants));
    add(Section::BootInfo, widen_u(&abi.bootinfo));
    values
}

fn compare(label: &str, c: &Values, rust: &Values) {
    let mut problems = Vec::new();
    let empty = BTreeMap::new();
    for s in [
        Section::Syscall,
        Section::Invocation,
        Section::ObjectType,
        Section::Error,
        Section::Constant,
        Section::BootInfo,
    ] {
        let (cs, rs) = (c.get(&s).unwrap_or(&empty), rust.get(&s).unwrap_or(&empty));
        assert!(!cs.is_empty(), "{label}: the C side found nothing for {s:?}");
        for (n, v) in cs {
            match rs.get(n) {
                None => problems.push(format!("{s:?} {n}: C has {v}, generate() lacks it")),
                Some(r) if r != v => {
                    problems.push(format!("{s:?} {n}: C has {v}, generate() has {r}"))
                }
                _ => {}
            }
        }
        for (n, r) in rs {
            if !cs.contains_key(n) {
                problems.push(format!("{s:?} {n}: generate() has {r}, C lacks it"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{label}: {} difference(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn check(label: &str, autoconf: &str) {
    require_tools();
    let source = sel4_source();
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("cfg")).unwrap();
    let (_, abi) = generate_for(&source, &work.path().join("cfg"), autoconf);
    let c = c_side(&source, work.path());
    compare(label, &c, &rust_side(&abi));
}

#[test]
fn drift_board_config() {
    let source = sel4_source();
    check("board config", &board_autoconf(&source));
}

#[test]
fn drift_exotic_config() {
    let source = sel4_source();
    check("VT-x/SMP/debug-API/benchmark config", &exotic_autoconf(&source));
}

#[test]
fn drift_stock_config() {
    let source = sel4_source();
    check("stock pc99 config", &stock_with(&source, &[]));
}

// ---------------------------------------------------------------------------
// Bitfields.

/// field -> (word, shift, width)
type BfFields = BTreeMap<String, (usize, u32, u32)>;

/// Per block: word count and fields; per tagged union: (tag -> value).
#[derive(Debug, Default, PartialEq)]
struct BfValues {
    blocks: BTreeMap<String, (usize, BfFields)>,
    unions: BTreeMap<String, BTreeMap<String, u64>>,
}

/// The `.bf` inputs of an x86_64 build: (output stem, file).
const BF_FILES: &[(&str, &str)] = &[
    ("shared_types", "libsel4/include/sel4/shared_types_64.bf"),
    ("types", "libsel4/include/sel4/types_64.bf"),
    ("sel4_arch_types", "libsel4/sel4_arch_include/x86_64/sel4/sel4_arch/types.bf"),
];

/// The names `bitfield_gen.py` put into a header.
#[derive(Debug, Default)]
struct HeaderNames {
    structs: Vec<String>,
    /// union -> [(tag, enumerator)]
    unions: BTreeMap<String, Vec<String>>,
    /// function name -> argument count
    news: BTreeMap<String, usize>,
    getters: BTreeSet<String>,
}

fn header_names(text: &str, names: &mut HeaderNames) {
    let mut in_enum: Option<String> = None;
    for line in text.lines() {
        if let Some(u) = &in_enum {
            if line.starts_with('}') {
                in_enum = None;
            } else if let Some(name) = line.split_whitespace().next() {
                let tag = name
                    .strip_prefix(&format!("{u}_"))
                    .unwrap_or_else(|| panic!("enum entry `{name}` of {u}"));
                names.unions.get_mut(u).unwrap().push(tag.to_string());
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("struct ") {
            if let Some(n) = rest.strip_suffix(" {") {
                names.structs.push(n.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("enum ") {
            if let Some(u) = rest.strip_suffix("_tag {") {
                names.unions.insert(u.to_string(), Vec::new());
                in_enum = Some(u.to_string());
            }
        } else if let Some((func, args)) = line.split_once('(') {
            let is_ident = |s: &str| {
                !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            };
            if !is_ident(func) || !line.ends_with(") {") {
                continue;
            }
            if func.ends_with("_new") && !func.ends_with("_ptr_new") {
                let args = args.trim_end_matches(") {");
                let n = if args == "void" { 0 } else { args.split(',').count() };
                names.news.insert(func.to_string(), n);
            } else if func.contains("_get_") && !func.contains("_ptr_get_") {
                names.getters.insert(func.to_string());
            }
        }
    }
}

fn fields_with_prefix(getters: &BTreeSet<String>, prefix: &str) -> Vec<String> {
    getters
        .iter()
        .filter_map(|g| g.strip_prefix(prefix))
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

/// A `_new(0, ..., 0)` call.
fn zero_new(names: &HeaderNames, func: &str) -> String {
    let n = *names.news.get(func).unwrap_or_else(|| panic!("no {func} in the generated headers"));
    format!("{func}({})", vec!["0"; n].join(", "))
}

/// Converts a single-word bit mask to (shift, width); it must be contiguous.
fn mask_to_field(what: &str, mask: u64) -> (u32, u32) {
    let shift = mask.trailing_zeros();
    let width = mask.count_ones();
    let expected = if width == 64 { u64::MAX } else { ((1u64 << width) - 1) << shift };
    assert_eq!(mask, expected, "{what}: bits {mask:#x} are not contiguous");
    (shift, width)
}

fn bitfield_c_side(source: &Path, work: &Path) -> BfValues {
    let tools = work.join("bftools");
    std::fs::create_dir_all(&tools).unwrap();
    for (from, name) in [
        ("libsel4/tools/bitfield_gen.py", "bitfield_gen.py"),
        // Its imports, which live in the kernel's top-level tools folder.
        ("tools/lex.py", "lex.py"),
        ("tools/umm.py", "umm.py"),
    ] {
        std::fs::copy(source.join(from), tools.join(name))
            .unwrap_or_else(|e| panic!("copying {from}: {e}"));
    }
    let gen = work.join("bfgen");
    std::fs::create_dir_all(&gen).unwrap();
    let cpp_includes = [
        work.join("cfg"),
        source.join("libsel4/include"),
        source.join("libsel4/arch_include/x86"),
        source.join("libsel4/sel4_arch_include/x86_64"),
    ];
    let mut names = HeaderNames::default();
    let mut probe = String::from(
        "#include <stdio.h>\n#include <string.h>\n\
         #define CONST __attribute__((__const__))\n#define PURE __attribute__((__pure__))\n\
         #define LIBSEL4_INLINE_FUNC static inline\n",
    );
    for (stem, bf) in BF_FILES {
        let pbf = gen.join(format!("{stem}.pbf"));
        let pre = run(Command::new("gcc")
            .args(["-E", "-P", "-x", "c"])
            .args(cpp_includes.iter().map(|d| format!("-I{}", d.display())))
            .arg(source.join(bf)));
        write(&pbf, &pre);
        let header = gen.join(format!("{stem}_gen.h"));
        run(Command::new(PYTHON)
            .current_dir(work)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONPATH", &tools)
            .arg(tools.join("bitfield_gen.py"))
            .args(["--environment", "libsel4"])
            .arg(&pbf)
            .arg(&header));
        header_names(&std::fs::read_to_string(&header).unwrap(), &mut names);
        probe.push_str(&format!("#include \"{}\"\n", header.display()));
    }
    assert!(
        names.structs.len() >= 5 && names.unions.len() >= 2,
        "suspiciously few blocks from bitfield_gen.py: {names:?}"
    );

    // Our stand-ins: plain integer types and no assertions, so that setting
    // a field to ~0 writes exactly the field's bits.
    let shim = work.join("bfshim");
    write(
        &shim.join("sel4/simple_types.h"),
        "#pragma once\ntypedef unsigned char seL4_Uint8;\ntypedef unsigned short seL4_Uint16;\n\
         typedef unsigned int seL4_Uint32;\ntypedef unsigned long long seL4_Uint64;\n",
    );
    write(
        &shim.join("sel4/debug_assert.h"),
        "#pragma once\n#define seL4_DebugAssert(e) ((void)0)\n",
    );

    probe.push_str(
        "#define NWORDS(x) (sizeof((x).words) / sizeof((x).words[0]))\n\
         #define WBITS(x) (8 * sizeof((x).words[0]))\n\
         #define DIFF(block, field, a, b) do { \\\n\
             for (unsigned i = 0; i < NWORDS(a); i++) \\\n\
                 if ((a).words[i] != (b).words[i]) \\\n\
                     printf(\"F %s %s %u %llx\\n\", block, field, i, \\\n\
                            (unsigned long long)((a).words[i] ^ (b).words[i])); \\\n\
         } while (0)\n\
         int main(void) {\n",
    );
    let unions: BTreeSet<&String> = names.unions.keys().collect();
    for s in names.structs.iter().filter(|s| !unions.contains(s)) {
        let fields = fields_with_prefix(&names.getters, &format!("{s}_get_"));
        probe.push_str(&format!(
            "    {{\n        {s}_t z = {};\n        printf(\"W {s} %u\\n\", (unsigned)NWORDS(z));\n",
            zero_new(&names, &format!("{s}_new"))
        ));
        for f in fields {
            probe.push_str(&format!(
                "        {{ {s}_t v = {s}_set_{f}(z, ~0ull); DIFF(\"{s}\", \"{f}\", v, z); }}\n"
            ));
        }
        probe.push_str("    }\n");
    }
    for (u, tags) in &names.unions {
        let tag_getters = fields_with_prefix(&names.getters, &format!("{u}_get_"));
        let tag_field = tag_getters
            .iter()
            .find(|g| !tags.iter().any(|t| g.starts_with(&format!("{t}_"))))
            .unwrap_or_else(|| panic!("no tag getter for {u}"));
        for t in tags {
            probe.push_str(&format!(
                "    printf(\"T {u} {t} %lld\\n\", (long long){u}_{t});\n    {{\n        \
                 {u}_t z = {};\n        printf(\"W {t} %u\\n\", (unsigned)NWORDS(z));\n",
                zero_new(&names, &format!("{u}_{t}_new"))
            ));
            for f in fields_with_prefix(&names.getters, &format!("{u}_{t}_get_")) {
                probe.push_str(&format!(
                    "        {{ {u}_t v = {u}_{t}_set_{f}(z, ~0ull); DIFF(\"{t}\", \"{f}\", v, z); }}\n"
                ));
            }
            // The tag field: which single bits does the tag getter see?
            probe.push_str(&format!(
                "        for (unsigned i = 0; i < NWORDS(z); i++) {{\n            \
                 unsigned long long m = 0;\n            \
                 for (unsigned b = 0; b < WBITS(z); b++) {{\n                \
                 {u}_t p; memset(&p, 0, sizeof p); p.words[i] = 1ull << b;\n                \
                 if ({u}_get_{tag_field}(p) != 0) m |= 1ull << b;\n            }}\n            \
                 if (m) printf(\"F {t} {tag_field} %u %llx\\n\", i, m);\n        }}\n    }}\n"
            ));
        }
    }
    probe.push_str("    return 0;\n}\n");
    let probe_c = work.join("bfprobe.c");
    write(&probe_c, &probe);
    let exe = work.join("bfprobe");
    run(Command::new("gcc")
        .args(["-std=gnu11", "-Wall", "-Werror", "-Wno-unused-function", "-o"])
        .arg(&exe)
        .arg(format!("-I{}", shim.display()))
        .arg(format!("-I{}", work.join("cfg").display()))
        .arg(&probe_c));
    let printed = run(&mut Command::new(&exe));

    let mut values = BfValues::default();
    for line in printed.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            ["W", block, n] => {
                values.blocks.entry(block.to_string()).or_default().0 = n.parse().unwrap();
            }
            ["F", block, field, word, mask] => {
                let mask = u64::from_str_radix(mask, 16).unwrap();
                let (shift, width) = mask_to_field(&format!("{block}.{field}"), mask);
                let old = values
                    .blocks
                    .entry(block.to_string())
                    .or_default()
                    .1
                    .insert(field.to_string(), (word.parse().unwrap(), shift, width));
                assert!(old.is_none(), "C: {block}.{field} spans several words");
            }
            ["T", union, tag, v] => {
                values
                    .unions
                    .entry(union.to_string())
                    .or_default()
                    .insert(tag.to_string(), v.parse().unwrap());
            }
            _ => panic!("unexpected probe output `{line}`"),
        }
    }
    values
}

fn bitfield_rust_side(abi: &Abi) -> BfValues {
    let mut values = BfValues::default();
    for b in &abi.bitfields {
        let fields =
            b.fields.iter().map(|f| (f.name.clone(), (f.word, f.shift, f.width))).collect();
        assert!(
            values.blocks.insert(b.name.clone(), (b.words, fields)).is_none(),
            "generate(): block {} twice",
            b.name
        );
    }
    for u in &abi.tagged_unions {
        values.unions.insert(u.name.clone(), u.tags.iter().cloned().collect());
    }
    values
}

fn check_bitfields(label: &str, autoconf: &str) {
    require_tools();
    let source = sel4_source();
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("cfg")).unwrap();
    let (_, abi) = generate_for(&source, &work.path().join("cfg"), autoconf);
    let c = bitfield_c_side(&source, work.path());
    let rust = bitfield_rust_side(&abi);
    assert!(
        c.blocks.contains_key("seL4_MessageInfo") && c.unions.contains_key("seL4_Fault"),
        "{label}: the C side lacks the basic blocks: {c:?}"
    );
    let mut problems = Vec::new();
    let all_blocks: BTreeSet<&String> = c.blocks.keys().chain(rust.blocks.keys()).collect();
    for b in all_blocks {
        match (c.blocks.get(b), rust.blocks.get(b)) {
            (Some(cb), Some(rb)) if cb != rb => {
                problems.push(format!("block {b}: C has {cb:?}, generate() has {rb:?}"))
            }
            (Some(_), None) => problems.push(format!("block {b}: generate() lacks it")),
            (None, Some(_)) => problems.push(format!("block {b}: C lacks it")),
            _ => {}
        }
    }
    if c.unions != rust.unions {
        problems
            .push(format!("tagged unions: C has {:?}, generate() has {:?}", c.unions, rust.unions));
    }
    assert!(
        problems.is_empty(),
        "{label}: {} bitfield difference(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn bitfield_drift_board_config() {
    let source = sel4_source();
    check_bitfields("board config", &board_autoconf(&source));
}

#[test]
fn bitfield_drift_exotic_config() {
    let source = sel4_source();
    check_bitfields("VT-x/SMP/debug-API/benchmark config", &exotic_autoconf(&source));
}

#[test]
fn bitfield_drift_stock_config() {
    let source = sel4_source();
    check_bitfields("stock pc99 config", &stock_with(&source, &[]));
}
