//! The engine record of a `.cwasm`: the `.wasmtime.engine` ELF section.
//!
//! Wasmtime 48 writes it as a format byte (0), the length and bytes of its
//! version string, then a postcard encoding of the compiling engine's target
//! triple, Cranelift shared flags, ISA flags, tunables and Wasm feature bits.
//! Compatibility is decided by comparing whole records ([`super::verify_compatible`]);
//! this module only reads the leading fields to say *what* differs.

use object::read::elf::ElfFile64;
use object::{Endianness, Object as _, ObjectSection as _};

/// Name of the section.
pub const SECTION: &str = ".wasmtime.engine";

/// The engine record in the ELF file `cwasm`.
pub fn find(cwasm: &[u8]) -> Result<&[u8], String> {
    let file =
        ElfFile64::<Endianness>::parse(cwasm).map_err(|e| format!("not a 64-bit ELF file: {e}"))?;
    let section = file.section_by_name(SECTION).ok_or_else(|| format!("no `{SECTION}` section"))?;
    section.data().map_err(|e| format!("unreadable `{SECTION}` section: {e}"))
}

/// The leading fields of an engine record.
#[derive(Debug, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub version: &'a str,
    pub target: &'a str,
    pub shared_flags: Vec<(&'a str, String)>,
    pub isa_flags: Vec<(&'a str, String)>,
    /// Tunables and Wasm features, not decoded.
    pub rest: &'a [u8],
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    /// Postcard's unsigned varint (LEB128).
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.varint()?).ok()?;
        std::str::from_utf8(self.bytes(len)?).ok()
    }

    /// A list of `(name, FlagValue)`; `FlagValue` is `Enum(&str)`,
    /// `Num(u8)` or `Bool(bool)`.
    fn flags(&mut self) -> Option<Vec<(&'a str, String)>> {
        let n = self.varint()?;
        let mut flags = Vec::new();
        for _ in 0..n {
            let name = self.str()?;
            let value = match self.varint()? {
                0 => self.str()?.to_string(),
                1 => self.byte()?.to_string(),
                2 => (self.byte()? != 0).to_string(),
                _ => return None,
            };
            flags.push((name, value));
        }
        Some(flags)
    }
}

/// Reads the leading fields of `section`.
pub fn parse(section: &[u8]) -> Option<Parsed<'_>> {
    let mut r = Reader(section);
    if r.byte()? != 0 {
        return None;
    }
    let len = usize::from(r.byte()?);
    let version = std::str::from_utf8(r.bytes(len)?).ok()?;
    let target = r.str()?;
    let shared_flags = r.flags()?;
    let isa_flags = r.flags()?;
    Some(Parsed { version, target, shared_flags, isa_flags, rest: r.0 })
}

fn flag_differences(
    kind: &str,
    found: &[(&str, String)],
    expected: &[(&str, String)],
    out: &mut Vec<String>,
) {
    let value = |list: &[(&str, String)], name: &str| {
        list.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    };
    let mut names: Vec<&str> = found.iter().chain(expected).map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let (f, e) = (value(found, name), value(expected, name));
        if f != e {
            let show = |v: Option<String>| v.unwrap_or_else(|| "absent".into());
            out.push(format!(
                "{kind} `{name}` is {} in the artifact but {} here",
                show(f),
                show(e)
            ));
        }
    }
}

/// Says how the record `found` differs from `expected`.
pub fn describe_difference(found: &[u8], expected: &[u8]) -> String {
    let (Some(f), Some(e)) = (parse(found), parse(expected)) else {
        return "its engine record differs and cannot be read (another Wasmtime version?)".into();
    };
    if f.version != e.version {
        return format!(
            "it was made by Wasmtime {} but the runtime is Wasmtime {}",
            f.version, e.version
        );
    }
    let mut out = Vec::new();
    if f.target != e.target {
        out.push(format!("its target is `{}`, not `{}`", f.target, e.target));
    }
    flag_differences("ISA flag", &f.isa_flags, &e.isa_flags, &mut out);
    flag_differences("Cranelift setting", &f.shared_flags, &e.shared_flags, &mut out);
    if f.rest != e.rest {
        out.push(
            "its tunables or Wasm features differ (e.g. fuel, memory reservation or guard sizes, \
             signals-based traps, copy-on-write memory init: the settings of wasm_engine_config::configure)"
                .into(),
        );
    }
    if out.is_empty() {
        out.push("its engine record differs".into());
    }
    out.join("; ")
}
