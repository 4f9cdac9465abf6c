//! The XML interface files: invocation labels and syscall numbers.
//!
//! Numbering follows the kernel's own generators
//! (`libsel4/tools/invocation_header_gen.py`, `syscall_header_gen.py`).

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::config::KernelConfig;

/// A `<method id=... condition=...>` (or `<syscall>`), with its line.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub name: String,
    pub condition: String,
    pub line: u32,
}

/// A named number and the line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Numbered<T> {
    pub name: String,
    pub value: T,
    /// `None` for the terminators the generator adds.
    pub line: Option<u32>,
}

fn parse_doc<'a>(text: &'a str, path: &Path) -> Result<roxmltree::Document<'a>> {
    let opts = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    roxmltree::Document::parse_with_options(text, opts)
        .with_context(|| format!("parsing {}", path.display()))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn line_of(doc: &roxmltree::Document, node: roxmltree::Node) -> u32 {
    doc.text_pos_at(node.range().start).row
}

/// All `<method>` elements of an interface file, in document order.
pub(crate) fn read_methods(path: &Path) -> Result<Vec<Entry>> {
    let text = read(path)?;
    let doc = parse_doc(&text, path)?;
    let mut out = Vec::new();
    for node in doc.descendants().filter(|n| n.has_tag_name("method")) {
        let Some(id) = node.attribute("id") else {
            bail!("{}:{}: <method> without an `id`", path.display(), line_of(&doc, node));
        };
        out.push(Entry {
            name: id.to_string(),
            condition: node.attribute("condition").unwrap_or("").to_string(),
            line: line_of(&doc, node),
        });
    }
    Ok(out)
}

fn holds(config: &KernelConfig, e: &Entry, path: &Path) -> Result<bool> {
    if e.condition.trim().is_empty() {
        return Ok(true);
    }
    config
        .eval_condition(&e.condition)
        .with_context(|| format!("{}:{}: condition of `{}`", path.display(), e.line, e.name))
}

/// The three invocation-label layers, numbered as the generated C enums
/// `invocation_label`, `sel4_arch_invocation_label`, `arch_invocation_label`
/// would be for `config`, including the `n...InvocationLabels` terminators.
/// Each entry carries the index of the layer's file in `paths`.
pub(crate) fn invocation_labels(
    paths: [&Path; 3],
    config: &KernelConfig,
) -> Result<Vec<(Numbered<u64>, usize)>> {
    let mut out = Vec::new();
    let mut next: u64 = 0;
    out.push((Numbered { name: "InvalidInvocation".into(), value: 0, line: None }, 0));
    next += 1;
    const TERMINATORS: [&str; 3] =
        ["nInvocationLabels", "nSeL4ArchInvocationLabels", "nArchInvocationLabels"];
    for (layer, path) in paths.iter().enumerate() {
        let methods = read_methods(path)?;
        if layer > 0 {
            if let Some(first) = methods.first().filter(|m| !m.condition.trim().is_empty()) {
                // The generator emits `#error` for this case.
                bail!(
                    "{}:{}: the first invocation label of a layer (`{}`) cannot be conditional",
                    path.display(),
                    first.line,
                    first.name
                );
            }
        }
        for m in &methods {
            if holds(config, m, path)? {
                out.push((
                    Numbered { name: m.name.clone(), value: next, line: Some(m.line) },
                    layer,
                ));
                next += 1;
            }
        }
        // The terminator takes the next value; the following layer starts
        // at the terminator's value (`First = nInvocationLabels`).
        out.push((Numbered { name: TERMINATORS[layer].into(), value: next, line: None }, layer));
    }
    Ok(out)
}

/// Syscall numbers: -1, -2, ... in file order over the `<api>` then the
/// `<debug>` lists. Numbers are assigned whether or not a group's condition
/// holds (the generator counts while expanding its template); a syscall
/// exists only if its group's condition holds.
pub(crate) fn syscalls(path: &Path, config: &KernelConfig) -> Result<Vec<Numbered<i64>>> {
    let text = read(path)?;
    let doc = parse_doc(&text, path)?;
    let root = doc.root_element();
    let apis: Vec<_> = root.descendants().filter(|n| n.has_tag_name("api")).collect();
    let [api] = apis.as_slice() else {
        bail!("{}: expected exactly one <api> element, found {}", path.display(), apis.len());
    };
    let api_configs: Vec<_> = api.descendants().filter(|n| n.has_tag_name("config")).collect();
    match api_configs.as_slice() {
        [c] if c.attribute("name").unwrap_or("").is_empty() => {}
        _ => bail!("{}: <api> must contain exactly one unnamed <config>", path.display()),
    }
    let debugs: Vec<_> = root.descendants().filter(|n| n.has_tag_name("debug")).collect();
    // Like the generator, a file with several <debug> elements uses none.
    let debug = if debugs.len() == 1 { Some(debugs[0]) } else { None };

    let mut out = Vec::new();
    let mut number: i64 = -1;
    for list in std::iter::once(*api).chain(debug) {
        for group in list.descendants().filter(|n| n.has_tag_name("config")) {
            let condition = group.attribute("condition").unwrap_or("");
            let present = condition.trim().is_empty()
                || config.eval_condition(condition).with_context(|| {
                    format!("{}:{}: syscall group condition", path.display(), line_of(&doc, group))
                })?;
            for sc in group.descendants().filter(|n| n.has_tag_name("syscall")) {
                let Some(name) = sc.attribute("name") else {
                    bail!("{}:{}: <syscall> without a `name`", path.display(), line_of(&doc, sc));
                };
                if present {
                    out.push(Numbered {
                        name: format!("seL4_Sys{name}"),
                        value: number,
                        line: Some(line_of(&doc, sc)),
                    });
                }
                number -= 1;
            }
        }
    }
    Ok(out)
}
