//! Names that must be distinct: components, the resources of one
//! component, and channels and rings (which share one namespace).

use std::collections::BTreeMap;

use crate::diag::{Collector, Problem, Span};
use crate::model::{Model, F};

/// Component name → index of the first component with that name.
pub(super) type ComponentIndex<'m> = BTreeMap<&'m str, usize>;

/// Component names are distinct, and so are the names of each component's
/// IO port ranges, interrupts and device memory windows. Returns the
/// components by name.
pub(super) fn components<'m>(m: &'m Model, c: &mut Collector) -> ComponentIndex<'m> {
    let mut by_name = ComponentIndex::new();
    for (i, comp) in m.components.iter().enumerate() {
        let Some(name) = &comp.name else { continue };
        if let Some(&first) = by_name.get(name.v.as_str()) {
            c.push(
                Problem::new(
                    "duplicate_component_name",
                    format!("two components are named `{}`", name.v),
                )
                .label(&name.span, "second component with this name")
                .label(&m.components[first].name.as_ref().unwrap().span, "first defined here")
                .help("give every component a distinct name"),
            );
        } else {
            by_name.insert(&name.v, i);
        }
        resources(comp.io_ports.iter().map(|x| &x.name), "IO port range", c);
        resources(comp.irqs.iter().map(|x| &x.name), "interrupt", c);
        resources(comp.device_memory.iter().map(|x| &x.name), "device memory window", c);
    }
    by_name
}

/// The resources of one kind of one component have distinct names.
fn resources<'a>(names: impl Iterator<Item = &'a F<String>>, kind: &str, c: &mut Collector) {
    let mut seen: BTreeMap<&str, &Span> = BTreeMap::new();
    for name in names.flatten() {
        if let Some(first) = seen.get(name.v.as_str()) {
            c.push(
                Problem::new(
                    "duplicate_resource_name",
                    format!("two {kind}s of one component are named `{}`", name.v),
                )
                .label(&name.span, "second")
                .label(first, "first")
                .help(format!("give each {kind} of a component a distinct name")),
            );
        } else {
            seen.insert(&name.v, &name.span);
        }
    }
}

/// Channels and rings have distinct names: they share one namespace.
pub(super) fn links(m: &Model, c: &mut Collector) {
    let mut seen: BTreeMap<&str, (&Span, &str)> = BTreeMap::new();
    let names = m
        .channels
        .iter()
        .map(|ch| (&ch.name, "channel"))
        .chain(m.rings.iter().map(|r| (&r.name, "ring")));
    for (name, kind) in names {
        let Some(name) = name else { continue };
        if let Some((first, first_kind)) = seen.get(name.v.as_str()) {
            let code =
                if kind == "ring" { "duplicate_ring_name" } else { "duplicate_channel_name" };
            c.push(
                Problem::new(
                    code,
                    format!("the name `{}` is used by two channels or rings", name.v),
                )
                .label(&name.span, format!("this {kind}"))
                .label(first, format!("the {first_kind} named first"))
                .help("channels and rings share one namespace: rename one of them"),
            );
        } else {
            seen.insert(&name.v, (&name.span, kind));
        }
    }
}
