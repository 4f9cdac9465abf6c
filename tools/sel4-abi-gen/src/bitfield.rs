//! Bitfield layouts from the kernel's `.bf` files.
//!
//! The `.bf` language is the input of the kernel's `bitfield_gen.py`. Files
//! are first run through the C preprocessor (as the kernel build does with
//! `cpp -P`); here that is the crate's own preprocessor, with `#include`s of
//! other `.bf` files followed and `#include <autoconf.h>` satisfied by the
//! kernel config. The remaining text is:
//!
//! ```text
//! base 64                      -- or `base 64(48,1)`; applies to what follows
//! block NAME [(visible order)] { field NAME BITS | padding BITS ... }
//! tagged_union NAME TAGFIELD { tag BLOCK VALUE ... }
//! ```
//!
//! A block lists its fields from its most significant bit downwards; a block
//! of several words is an array of words where word 0 holds the lowest bits
//! (so the last-declared field lands in word 0). `field_high` fields and
//! tagged-union `mask` classes (variable tag widths) are rejected: the
//! user-level files do not use them and a (word, shift, width) triple would
//! misdescribe them.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::cheader::{strip_comments, Scope};
use crate::config::KernelConfig;
use crate::expr::{self, Tok};

/// One block (a struct of one or more words) of a `.bf` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The block name, as spelled in the `.bf` file.
    pub name: String,
    /// Size in words of the block's `base` (the kernel word size here).
    pub words: usize,
    /// Named fields (no padding), in declaration order (most significant first).
    pub fields: Vec<Field>,
}

impl Block {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Where a field of a [`Block`] lives: bits `shift .. shift + width` of
/// `words[word]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// Word index; word 0 holds the block's lowest bits.
    pub word: usize,
    /// Position of the field's least significant bit within its word.
    pub shift: u32,
    /// Width in bits.
    pub width: u32,
}

/// A `tagged_union`: blocks of one size told apart by a tag field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaggedUnion {
    pub name: String,
    /// The name of the tag field (a field of every member block).
    pub tag_field: String,
    /// Member block names and their tag values, in source order.
    pub tags: Vec<(String, u64)>,
}

/// A token of preprocessed `.bf` text with where it came from.
#[derive(Clone, Debug)]
struct Located {
    tok: Tok,
    file: String,
    line: usize,
}

impl Located {
    fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// What one `.bf` unit (a file and what it includes) defines.
#[derive(Debug, Default)]
pub(crate) struct Unit {
    /// Blocks with the file and line of their `block` keyword.
    pub blocks: Vec<(Block, String, usize)>,
    /// Tagged unions with the file and line of their `tagged_union` keyword.
    pub unions: Vec<(TaggedUnion, String, usize)>,
    /// Every file read (absolute), for rerun-if-changed.
    pub files: Vec<PathBuf>,
}

/// Where `#include`s in `.bf` files are looked up.
pub(crate) struct IncludePath<'a> {
    pub root: &'a Path,
    /// Directories relative to `root`, searched in order for `<...>`.
    pub dirs: Vec<String>,
}

const MAX_INCLUDE_DEPTH: usize = 16;

/// Reads, preprocesses and interprets the `.bf` file `rel` (relative to the
/// kernel source root).
pub(crate) fn read_unit(rel: &str, includes: &IncludePath, config: &KernelConfig) -> Result<Unit> {
    let mut scope = Scope::new(Some(config));
    let mut unit = Unit::default();
    let mut toks = Vec::new();
    load(rel, includes, &mut scope, &mut unit.files, &mut toks, 0)?;
    interpret(&toks, &mut unit)?;
    Ok(unit)
}

/// Removes `--` comments (the `.bf` comment syntax; `cpp` would keep them
/// and `bitfield_gen.py` ignores them), keeping line structure.
fn strip_dash_comments(text: &str) -> String {
    text.split('\n')
        .map(|l| match l.find("--") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn load(
    rel: &str,
    includes: &IncludePath,
    scope: &mut Scope,
    files: &mut Vec<PathBuf>,
    out: &mut Vec<Located>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_INCLUDE_DEPTH {
        bail!("{rel}: `#include`s nested too deeply");
    }
    let path = includes.root.join(rel);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    if !files.contains(&path) {
        files.push(path);
    }
    let text = strip_dash_comments(&text);
    // C comments, as `cpp` would remove them.
    let text = strip_comments(&text).with_context(|| format!("{rel}: bad comment"))?;
    let pre = scope.preprocess(&text, rel)?;
    // Splice code and followed includes in line order.
    enum Item<'p> {
        Code(&'p str),
        Include(&'p str),
    }
    let mut items: Vec<(usize, Item)> = pre
        .code
        .iter()
        .map(|(l, t)| (*l, Item::Code(t)))
        .chain(pre.includes.iter().map(|(l, t)| (*l, Item::Include(t))))
        .collect();
    items.sort_by_key(|(l, _)| *l);
    for (line, item) in items {
        match item {
            Item::Code(text) => {
                let toks = expr::tokenize(text).with_context(|| format!("{rel}:{line}"))?;
                let toks = expr::expand(&toks, &*scope, false)
                    .with_context(|| format!("{rel}:{line}: expanding macros"))?;
                out.extend(toks.into_iter().map(|tok| Located {
                    tok,
                    file: rel.to_string(),
                    line,
                }));
            }
            Item::Include(operand) => {
                let target = resolve_include(rel, operand, includes)
                    .with_context(|| format!("{rel}:{line}: `#include {operand}`"))?;
                if let Some(target) = target {
                    load(&target, includes, scope, files, out, depth + 1)?;
                }
            }
        }
    }
    Ok(())
}

/// The file an `#include` operand names, relative to the source root;
/// `None` for `<autoconf.h>` (the kernel config, already in scope).
fn resolve_include(from: &str, operand: &str, includes: &IncludePath) -> Result<Option<String>> {
    let operand = operand.trim();
    let (name, quoted) =
        if let Some(n) = operand.strip_prefix('<').and_then(|o| o.strip_suffix('>')) {
            (n, false)
        } else if let Some(n) = operand.strip_prefix('"').and_then(|o| o.strip_suffix('"')) {
            (n, true)
        } else {
            bail!("unsupported include operand");
        };
    if name == "autoconf.h" {
        return Ok(None);
    }
    if !name.ends_with(".bf") {
        bail!("only `.bf` files and `<autoconf.h>` can be included in a `.bf` file");
    }
    let mut dirs = Vec::new();
    if quoted {
        dirs.push(
            Path::new(from).parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default(),
        );
    }
    dirs.extend(includes.dirs.iter().cloned());
    for d in &dirs {
        let rel = if d.is_empty() { name.to_string() } else { format!("{d}/{name}") };
        if includes.root.join(&rel).is_file() {
            return Ok(Some(rel));
        }
    }
    bail!("not found in {}", dirs.join(", "))
}

struct Parser<'t> {
    toks: &'t [Located],
    pos: usize,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t Located> {
        self.toks.get(self.pos)
    }

    fn where_(&self) -> String {
        match self.peek().or_else(|| self.toks.last()) {
            Some(t) => t.at(),
            None => "<empty>".into(),
        }
    }

    fn next(&mut self, what: &str) -> Result<&'t Located> {
        let t = self.toks.get(self.pos).ok_or_else(|| {
            anyhow!("{}: expected {what}, found the end of the input", self.where_())
        })?;
        self.pos += 1;
        Ok(t)
    }

    fn ident(&mut self, what: &str) -> Result<(String, &'t Located)> {
        let t = self.next(what)?;
        match &t.tok {
            Tok::Ident(s) => Ok((s.clone(), t)),
            other => bail!("{}: expected {what}, found `{other}`", t.at()),
        }
    }

    fn int(&mut self, what: &str) -> Result<u64> {
        let t = self.next(what)?;
        match &t.tok {
            Tok::Int(v) if *v >= 0 => {
                u64::try_from(*v).map_err(|_| anyhow!("{}: {what} {v} is too large", t.at()))
            }
            other => bail!("{}: expected {what}, found `{other}`", t.at()),
        }
    }

    fn punct(&mut self, p: &'static str) -> Result<()> {
        let t = self.next(&format!("`{p}`"))?;
        if t.tok != Tok::Punct(p) {
            bail!("{}: expected `{p}`, found `{}`", t.at(), t.tok);
        }
        Ok(())
    }

    fn at_punct(&self, p: &'static str) -> bool {
        self.peek().is_some_and(|t| t.tok == Tok::Punct(p))
    }

    fn at_ident(&self, s: &str) -> bool {
        self.peek().is_some_and(|t| matches!(&t.tok, Tok::Ident(x) if x == s))
    }
}

/// A block before layout: (name or None for padding, size) in declaration order.
struct RawBlock {
    name: String,
    base: u32,
    fields: Vec<(Option<String>, u64, String)>,
    file: String,
    line: usize,
}

fn interpret(toks: &[Located], unit: &mut Unit) -> Result<()> {
    let mut p = Parser { toks, pos: 0 };
    let mut base: Option<u32> = None;
    let mut raw_blocks: Vec<RawBlock> = Vec::new();
    // (union, file, line)
    let mut raw_unions: Vec<(TaggedUnion, String, usize)> = Vec::new();
    while p.peek().is_some() {
        let (kw, kw_tok) = p.ident("`base`, `block` or `tagged_union`")?;
        match kw.as_str() {
            "base" => {
                let b = p.int("a base size")?;
                if p.at_punct("(") {
                    // `base 64(48,1)`: only affects `field_high`, which is rejected.
                    p.punct("(")?;
                    p.int("the base's significant bits")?;
                    p.punct(",")?;
                    p.int("the base's sign extension flag")?;
                    p.punct(")")?;
                }
                if ![8, 16, 32, 64].contains(&b) {
                    bail!("{}: invalid base size {b}", kw_tok.at());
                }
                base = Some(b as u32);
            }
            "block" => {
                let (name, _) = p.ident("a block name")?;
                let base = base
                    .ok_or_else(|| anyhow!("{}: block `{name}` before any `base`", kw_tok.at()))?;
                let mut visible_order = None;
                if p.at_punct("(") {
                    p.punct("(")?;
                    let mut names = Vec::new();
                    while !p.at_punct(")") {
                        if !names.is_empty() {
                            p.punct(",")?;
                        }
                        names.push(p.ident("a field name")?.0);
                    }
                    p.punct(")")?;
                    visible_order = Some(names);
                }
                p.punct("{")?;
                let mut fields = Vec::new();
                while !p.at_punct("}") {
                    let (what, t) = p.ident("`field`, `padding` or `}`")?;
                    match what.as_str() {
                        "field" => {
                            let (f, _) = p.ident("a field name")?;
                            let bits = p.int("a field width")?;
                            fields.push((Some(f), bits, t.at()));
                        }
                        "padding" => {
                            let bits = p.int("a padding width")?;
                            fields.push((None, bits, t.at()));
                        }
                        "field_high" => bail!(
                            "{}: `field_high` (in block `{name}`) is not supported",
                            t.at()
                        ),
                        other => bail!(
                            "{}: expected `field`, `padding` or `}}` in block `{name}`, found `{other}`",
                            t.at()
                        ),
                    }
                }
                p.punct("}")?;
                if let Some(order) = visible_order {
                    let named: Vec<&String> = fields.iter().filter_map(|f| f.0.as_ref()).collect();
                    let mut sorted_order = order.clone();
                    sorted_order.sort();
                    let mut sorted_named: Vec<String> =
                        named.iter().map(|s| s.to_string()).collect();
                    sorted_named.sort();
                    if sorted_order != sorted_named {
                        bail!(
                            "{}: the visible order of block `{name}` does not list exactly its fields",
                            kw_tok.at()
                        );
                    }
                }
                raw_blocks.push(RawBlock {
                    name,
                    base,
                    fields,
                    file: kw_tok.file.clone(),
                    line: kw_tok.line,
                });
            }
            "tagged_union" => {
                let (name, _) = p.ident("a tagged union name")?;
                let (tag_field, _) = p.ident("the tag field name")?;
                if base.is_none() {
                    bail!("{}: tagged union `{name}` before any `base`", kw_tok.at());
                }
                p.punct("{")?;
                if p.at_ident("mask") {
                    bail!(
                        "{}: tagged union `{name}`: `mask` (variable-width tags) is not supported",
                        p.where_()
                    );
                }
                let mut tags: Vec<(String, u64)> = Vec::new();
                while !p.at_punct("}") {
                    let (what, t) = p.ident("`tag` or `}`")?;
                    if what != "tag" {
                        bail!(
                            "{}: expected `tag` or `}}` in tagged union `{name}`, found `{what}`",
                            t.at()
                        );
                    }
                    let (tag, _) = p.ident("a tag (block) name")?;
                    let value = p.int("a tag value")?;
                    if tags.iter().any(|(n, _)| *n == tag) {
                        bail!("{}: duplicate tag name `{tag}` in `{name}`", t.at());
                    }
                    if tags.iter().any(|(_, v)| *v == value) {
                        bail!("{}: duplicate tag value {value} in `{name}`", t.at());
                    }
                    tags.push((tag, value));
                }
                p.punct("}")?;
                raw_unions.push((
                    TaggedUnion { name, tag_field, tags },
                    kw_tok.file.clone(),
                    kw_tok.line,
                ));
            }
            other => bail!(
                "{}: expected `base`, `block` or `tagged_union`, found `{other}`",
                kw_tok.at()
            ),
        }
    }

    for raw in &raw_blocks {
        let at = format!("{}:{}", raw.file, raw.line);
        if raw_blocks.iter().filter(|b| b.name == raw.name).count() > 1 {
            bail!("{at}: block `{}` is defined more than once", raw.name);
        }
        unit.blocks.push((layout(raw).with_context(|| at.clone())?, raw.file.clone(), raw.line));
    }
    for (u, file, line) in raw_unions {
        let at = format!("{file}:{line}");
        check_union(&u, &raw_blocks, &unit.blocks)
            .with_context(|| format!("{at}: tagged union `{}`", u.name))?;
        unit.unions.push((u, file, line));
    }
    Ok(())
}

/// Lays out a block as `bitfield_gen.py` does: offsets from the top.
fn layout(raw: &RawBlock) -> Result<Block> {
    let base = u64::from(raw.base);
    let size: u64 = raw
        .fields
        .iter()
        .try_fold(0u64, |acc, (_, bits, _)| acc.checked_add(*bits))
        .ok_or_else(|| anyhow!("block `{}` is too large", raw.name))?;
    if !size.is_multiple_of(base) {
        bail!("block `{}` is {size} bits, not a multiple of the base {base}", raw.name);
    }
    let mut offset = size;
    let mut fields: Vec<Field> = Vec::new();
    for (name, bits, at) in &raw.fields {
        offset -= bits;
        let Some(name) = name else { continue };
        if *bits == 0 {
            bail!("{at}: field `{name}` of block `{}` has width 0", raw.name);
        }
        if offset / base != (offset + bits - 1) / base {
            bail!("{at}: field `{name}` of block `{}` crosses a word boundary", raw.name);
        }
        if fields.iter().any(|f| f.name == *name) {
            bail!("{at}: field `{name}` appears twice in block `{}`", raw.name);
        }
        fields.push(Field {
            name: name.clone(),
            word: usize::try_from(offset / base)?,
            shift: (offset % base) as u32,
            width: *bits as u32,
        });
    }
    Ok(Block { name: raw.name.clone(), words: usize::try_from(size / base)?, fields })
}

/// The checks of `TaggedUnion.resolve` in `bitfield_gen.py`.
fn check_union(
    u: &TaggedUnion,
    raw_blocks: &[RawBlock],
    blocks: &[(Block, String, usize)],
) -> Result<()> {
    if u.tags.is_empty() {
        bail!("no tags");
    }
    let mut first: Option<(u32, usize, usize, u32, u32)> = None;
    for (tag, value) in &u.tags {
        let idx = raw_blocks
            .iter()
            .position(|b| b.name == *tag)
            .ok_or_else(|| anyhow!("tag `{tag}` names no block"))?;
        let (block, _, _) = &blocks[idx];
        let block_base = raw_blocks[idx].base;
        let f = block
            .field(&u.tag_field)
            .ok_or_else(|| anyhow!("block `{tag}` has no tag field `{}`", u.tag_field))?;
        let this = (block_base, block.words, f.word, f.shift, f.width);
        match first {
            None => first = Some(this),
            Some(first) => {
                if first.0 != this.0 {
                    bail!("base mismatch for `{tag}`");
                }
                if first.1 != this.1 {
                    bail!("size mismatch for `{tag}`");
                }
                if (first.2, first.3) != (this.2, this.3) {
                    bail!("tag offset mismatch for `{tag}`");
                }
                if first.4 != this.4 {
                    bail!("tag width mismatch for `{tag}` (variable widths need `mask`, which is not supported)");
                }
            }
        }
        if f.width < 64 && *value >> f.width != 0 {
            bail!("tag value {value} of `{tag}` does not fit the {}-bit tag field", f.width);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Located> {
        let text = strip_dash_comments(text);
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            for tok in expr::tokenize(line).unwrap() {
                out.push(Located { tok, file: "t.bf".into(), line: i + 1 });
            }
        }
        out
    }

    fn run(text: &str) -> Result<Unit> {
        let mut unit = Unit::default();
        interpret(&toks(text), &mut unit)?;
        Ok(unit)
    }

    fn f(name: &str, word: usize, shift: u32, width: u32) -> Field {
        Field { name: name.into(), word, shift, width }
    }

    #[test]
    fn single_and_multi_word_layouts() {
        let u =
            run("-- comment\nbase 32\nblock A {\n field hi 20 -- x\n padding 3\n field lo 9\n}\n\
                     base 64\nblock B {\n field top 64\n padding 61\n field t 3\n}\n\
                     block C (t, top) {\n field top 64\n padding 61\n field t 3\n}\n\
                     tagged_union U t {\n tag B 2\n tag C 7\n}\n")
            .unwrap();
        let (a, file, line) = &u.blocks[0];
        assert_eq!((file.as_str(), *line), ("t.bf", 3));
        assert_eq!(a.words, 1);
        assert_eq!(a.fields, [f("hi", 0, 12, 20), f("lo", 0, 0, 9)]);
        let b = &u.blocks[1].0;
        assert_eq!(b.words, 2);
        assert_eq!(b.fields, [f("top", 1, 0, 64), f("t", 0, 0, 3)]);
        assert_eq!(
            u.unions[0].0,
            TaggedUnion {
                name: "U".into(),
                tag_field: "t".into(),
                tags: vec![("B".into(), 2), ("C".into(), 7)]
            }
        );
    }

    #[test]
    fn errors() {
        for (text, msg) in [
            ("block A { field a 8 }", "t.bf:1: block `A` before any `base`"),
            ("base 64\nblock A {\n field a 8\n}", "not a multiple of the base 64"),
            ("base 32\nblock A {\n padding 20\n field a 24\n padding 20\n}", "t.bf:4: field `a` of block `A` crosses a word boundary"),
            ("base 32\nblock A {\n field_high a 32\n}", "t.bf:3: `field_high`"),
            ("base 32\nblock A {\n field a 16\n field a 16\n}", "appears twice"),
            ("base 32\nblock A {\n field a 32\n}\nblock A {\n field b 32\n}", "defined more than once"),
            ("base 12", "invalid base size 12"),
            ("base 32\ntagged_union U t {\n tag A 0\n}", "tag `A` names no block"),
            ("base 32\nblock A {\n padding 30\n field t 2\n}\ntagged_union U t {\n tag A 4\n}", "does not fit"),
            ("base 32\nblock A {\n padding 30\n field t 2\n}\nblock B {\n padding 29\n field t 3\n}\ntagged_union U t {\n tag A 1\n tag B 2\n}", "tag width mismatch"),
            ("base 32\nblock A {\n padding 30\n field t 2\n}\ntagged_union U t {\n tag A 1\n tag A 2\n}", "duplicate tag name"),
            ("base 32\ntagged_union U t {\n mask 4 0xc\n}", "`mask`"),
            ("base 32\nblock A {\n field a 32\n", "expected `field`, `padding` or `}`, found the end"),
            ("base 32\nstruct A {}", "t.bf:2: expected `base`, `block` or `tagged_union`, found `struct`"),
        ] {
            let err = format!("{:#}", run(text).unwrap_err());
            assert!(err.contains(msg), "{text:?}: {err}");
        }
    }
}
