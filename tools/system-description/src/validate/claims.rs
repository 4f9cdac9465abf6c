//! Resources claimed twice: device memory, interrupts and IO ports are each
//! given to one component once.

use std::collections::BTreeMap;

use crate::diag::{Collector, Problem, Span};
use crate::model::{Component, Model};

use super::name_or_unknown;

/// Reports overlapping device memory and IO ports and interrupts claimed
/// twice, across all components (and within one).
pub(super) fn check(m: &Model, c: &mut Collector) {
    device_memory(m, c);
    interrupts(m, c);
    io_ports(m, c);
}

/// A resource and who has it.
struct Claim<'a> {
    comp: &'a str,
    name: &'a str,
    span: &'a Span,
}

impl Claim<'_> {
    /// `` `uart` of component `serial` ``.
    fn who(&self) -> String {
        format!("`{}` of component `{}`", self.name, self.comp)
    }
}

/// Each component's name with its claims of one kind, in description
/// order.
fn each<'m, T: 'm, I: Iterator<Item = &'m T>>(
    m: &'m Model,
    items: impl Fn(&'m Component) -> I,
) -> impl Iterator<Item = (&'m str, &'m T)> {
    m.components
        .iter()
        .flat_map(move |comp| items(comp).map(move |item| (name_or_unknown(&comp.name), item)))
}

fn device_memory(m: &Model, c: &mut Collector) {
    let mut windows: Vec<(u64, u64, Claim)> = Vec::new();
    for (comp, d) in each(m, |comp| comp.device_memory.iter()) {
        let (Some(p), Some(s)) = (&d.paddr, &d.size) else { continue };
        let claim = Claim { comp, name: name_or_unknown(&d.name), span: &d.span };
        for (q, t, other) in &windows {
            if p.v < q + t && *q < p.v + s.v {
                c.push(
                    Problem::new(
                        "device_memory_overlaps",
                        format!(
                            "device memory {} ({:#x}..{:#x}) overlaps {} ({:#x}..{:#x})",
                            claim.who(),
                            p.v,
                            p.v + s.v,
                            other.who(),
                            q,
                            q + t
                        ),
                    )
                    .label(&d.span, "this window")
                    .label(other.span, "overlaps this one")
                    .help("each physical page of device memory is given to one component once: fix `paddr`/`size` or remove one"),
                );
            }
        }
        windows.push((p.v, s.v, claim));
    }
}

/// IOAPIC pins, GIC interrupts and interrupt vectors.
fn interrupts(m: &Model, c: &mut Collector) {
    let mut pins: BTreeMap<(u32, i128), Claim> = BTreeMap::new();
    let mut gic: BTreeMap<i128, Claim> = BTreeMap::new();
    let mut vectors: BTreeMap<i128, Claim> = BTreeMap::new();
    for (comp, irq) in each(m, |comp| comp.irqs.iter()) {
        let claim = || Claim { comp, name: name_or_unknown(&irq.name), span: &irq.span };
        if let (Some(a), Some(p)) = (&irq.ioapic, &irq.pin) {
            once(&mut pins, (a.v, p.v), claim(), &p.span, c, |first, again| {
                (
                    format!("IOAPIC {} pin {} is claimed by {} and by {}", a.v, p.v, first, again),
                    "an interrupt line has one handler: give it to one component",
                )
            });
        }
        if let Some(g) = &irq.gic_irq {
            once(&mut gic, g.v, claim(), &g.span, c, |first, again| {
                (
                    format!("GIC interrupt {} is claimed by {} and by {}", g.v, first, again),
                    "an interrupt has one handler: give it to one component",
                )
            });
        }
        if let Some(v) = &irq.vector {
            once(&mut vectors, v.v, claim(), &v.span, c, |first, again| {
                (
                    format!("interrupt vector {} is claimed by {} and by {}", v.v, first, again),
                    "each interrupt needs its own vector: pick an unused one",
                )
            });
        }
    }
}

/// Records `claim` of `key` (written at `at`); if `key` is claimed
/// already, reports it with the message and help `say` gives for the
/// first and the second claimant.
fn once<'a, K: Ord>(
    claimed: &mut BTreeMap<K, Claim<'a>>,
    key: K,
    claim: Claim<'a>,
    at: &Span,
    c: &mut Collector,
    say: impl FnOnce(String, String) -> (String, &'static str),
) {
    let Some(first) = claimed.get(&key) else {
        claimed.insert(key, claim);
        return;
    };
    let (message, help) = say(first.who(), claim.who());
    c.push(
        Problem::new("irq_claimed_twice", message)
            .label(at, "claimed again here")
            .label(first.span, "first claimed here")
            .help(help),
    );
}

fn io_ports(m: &Model, c: &mut Collector) {
    let mut ranges: Vec<(u16, u16, Claim)> = Vec::new();
    for (comp, io) in each(m, |comp| comp.io_ports.iter()) {
        let (Some(f), Some(l)) = (&io.first, &io.last) else { continue };
        let claim = Claim { comp, name: name_or_unknown(&io.name), span: &io.span };
        for (g, h, other) in &ranges {
            if f.v <= *h && *g <= l.v {
                c.push(
                    Problem::new(
                        "io_ports_overlap",
                        format!(
                            "IO ports {} ({:#x}..={:#x}) overlap {} ({:#x}..={:#x})",
                            claim.who(),
                            f.v,
                            l.v,
                            other.who(),
                            g,
                            h
                        ),
                    )
                    .label(&io.span, "this range")
                    .label(other.span, "overlaps this one")
                    .help("an IO port is given to one component once: split or remove a range"),
                );
            }
        }
        ranges.push((f.v, l.v, claim));
    }
}
