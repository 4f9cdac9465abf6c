//! References to components: the console, and the ends of every channel
//! and ring, which must name two different components.

use crate::diag::{Collector, Problem};
use crate::model::{End, Model};

use super::names::ComponentIndex;
use super::{component_name, name_or_unknown};

/// The components each channel and ring joins, by index; `None` for one
/// whose ends do not name two different, existing components (already
/// reported).
pub(super) struct Links {
    pub(super) channels: Vec<Option<[usize; 2]>>,
    pub(super) rings: Vec<Option<[usize; 2]>>,
}

/// Resolves every reference to a component, reporting unknown components
/// and channels and rings that join a component to itself.
pub(super) fn resolve(m: &Model, by_name: &ComponentIndex, c: &mut Collector) -> Links {
    console(m, by_name, c);
    let channels = m
        .channels
        .iter()
        .map(|ch| {
            let [a, b] = ch.ends.as_ref()?;
            let (a_comp, b_comp) = (lookup(a, by_name, c), lookup(b, by_name, c));
            distinct(m, a_comp?, b_comp?, c, |comp| {
                Problem::new(
                    "channel_to_self",
                    format!("channel `{}` connects component `{comp}` to itself", name_or_unknown(&ch.name)),
                )
                .label(&b.span, "the same component as the other end")
                .label(&a.span, "this end")
                .help("a channel joins two different components; a component needs no channel to reach itself")
            })
        })
        .collect();
    let rings = m
        .rings
        .iter()
        .map(|r| {
            let p = r.producer.as_ref().and_then(|e| Some((lookup(e, by_name, c)?, e)));
            let q = r.consumer.as_ref().and_then(|e| Some((lookup(e, by_name, c)?, e)));
            let ((p, p_end), (q, q_end)) = (p?, q?);
            distinct(m, p, q, c, |comp| {
                Problem::new(
                    "ring_producer_is_consumer",
                    format!(
                        "ring `{}` has component `{comp}` as both producer and consumer",
                        name_or_unknown(&r.name)
                    ),
                )
                .label(&q_end.span, "consumer")
                .label(&p_end.span, "producer")
                .help("a ring joins two different components: change the producer or the consumer")
            })
        })
        .collect();
    Links { channels, rings }
}

/// `[console] component` names a component.
fn console(m: &Model, by_name: &ComponentIndex, c: &mut Collector) {
    let Some(console) = m.console.as_ref().filter(|n| !by_name.contains_key(n.v.as_str())) else {
        return;
    };
    let known = known(by_name);
    c.push(
        Problem::new("unknown_component", format!("the console component `{}` is not defined", console.v))
            .label(&console.span, "unknown component")
            .help(format!("name the component that multiplexes the console (one of {known}), or define it with a [[component]] table")),
    );
}

/// The component `end` names.
fn lookup(end: &End, by_name: &ComponentIndex, c: &mut Collector) -> Option<usize> {
    let name = end.component.as_ref()?;
    if let Some(&i) = by_name.get(name.v.as_str()) {
        return Some(i);
    }
    let known = known(by_name);
    c.push(
        Problem::new("unknown_component", format!("no component is named `{}`", name.v))
            .label(&name.span, "unknown component")
            .help(if known.is_empty() {
                "define it with a [[component]] table".to_string()
            } else {
                format!("use one of {known}, or define it with a [[component]] table")
            }),
    );
    None
}

/// `` `a`, `b` ``: the components' names.
fn known(by_name: &ComponentIndex) -> String {
    by_name.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// `[a, b]` if `a` and `b` are different components; reported (by
/// `to_self`, given the component's name) otherwise.
fn distinct(
    m: &Model,
    a: usize,
    b: usize,
    c: &mut Collector,
    to_self: impl FnOnce(&str) -> Problem,
) -> Option<[usize; 2]> {
    if a == b {
        c.push(to_self(component_name(m, a)));
        return None;
    }
    Some([a, b])
}
