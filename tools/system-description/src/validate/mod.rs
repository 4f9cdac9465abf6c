//! Checks across items and against the board: names, references, channel
//! ids, priorities, the call graph, grants the board cannot give
//! (`hardware`), and resources claimed twice.

mod hardware;

use std::collections::BTreeMap;

use system_manifest::layout;

use crate::diag::{Collector, Problem, Span};
use crate::limits::MAX_COMPONENTS;
use crate::model::*;
use crate::TargetBoard;

pub(crate) fn validate(m: &mut Model, board: Option<&TargetBoard>, c: &mut Collector) {
    hardware::check(m, board, c);
    let m = &*m;
    if m.components.len() > MAX_COMPONENTS {
        let extra = &m.components[MAX_COMPONENTS];
        c.push(
            Problem::new(
                "too_many_components",
                format!(
                    "the system has {} components; at most {MAX_COMPONENTS} are supported",
                    m.components.len()
                ),
            )
            .label(&extra.span, format!("component #{MAX_COMPONENTS}, one past the limit"))
            .help(format!("merge or remove components to have at most {MAX_COMPONENTS}")),
        );
    }

    // Component names.
    let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
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
        resource_names(comp.io_ports.iter().map(|x| &x.name), "IO port range", c);
        resource_names(comp.irqs.iter().map(|x| &x.name), "interrupt", c);
        resource_names(comp.device_memory.iter().map(|x| &x.name), "device memory window", c);
    }

    // Channel and ring names share one namespace.
    let mut link_names: BTreeMap<&str, (&Span, &str)> = BTreeMap::new();
    let names = m
        .channels
        .iter()
        .map(|ch| (&ch.name, "channel"))
        .chain(m.rings.iter().map(|r| (&r.name, "ring")));
    for (name, kind) in names {
        let Some(name) = name else { continue };
        if let Some((first, first_kind)) = link_names.get(name.v.as_str()) {
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
            link_names.insert(&name.v, (&name.span, kind));
        }
    }

    // Resolve ends; record channel ids per component.
    let lookup = |end: &End, c: &mut Collector| -> Option<usize> {
        let name = end.component.as_ref()?;
        match by_name.get(name.v.as_str()) {
            Some(&i) => Some(i),
            None => {
                let known = by_name.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                c.push(
                    Problem::new(
                        "unknown_component",
                        format!("no component is named `{}`", name.v),
                    )
                    .label(&name.span, "unknown component")
                    .help(if known.is_empty() {
                        "define it with a [[component]] table".to_string()
                    } else {
                        format!("use one of {known}, or define it with a [[component]] table")
                    }),
                );
                None
            }
        }
    };
    let mut ids: Vec<BTreeMap<u8, (Span, String)>> = vec![BTreeMap::new(); m.components.len()];
    // The console: it must exist, and its log channel id is reserved in
    // every component (all log rings signal on it).
    if let Some(console) = &m.console {
        if !by_name.contains_key(console.v.as_str()) {
            let known = by_name.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            c.push(
                Problem::new("unknown_component", format!("the console component `{}` is not defined", console.v))
                    .label(&console.span, "unknown component")
                    .help(format!("name the component that multiplexes the console (one of {known}), or define it with a [[component]] table")),
            );
        }
        for reserved in ids.iter_mut() {
            reserved.insert(
                layout::console::LOG_CHANNEL,
                (
                    console.span.clone(),
                    "the console's log ring, which `[console]` reserves".to_string(),
                ),
            );
        }
    }

    for (i, comp) in m.components.iter().enumerate() {
        if let Some(control) = comp.control.as_ref().filter(|c| c.v) {
            ids[i].insert(
                layout::control::CHANNEL,
                (
                    control.span.clone(),
                    "the control channel, which `control = true` reserves".to_string(),
                ),
            );
        }
    }
    let mut use_id = |comp: usize, id: &F<u8>, what: String, c: &mut Collector| {
        let Some(id) = id else { return };
        if let Some((first, first_what)) = ids[comp].get(&id.v) {
            let free = (0..layout::MAX_CHANNELS).find(|i| !ids[comp].contains_key(i));
            let comp_name = m.components[comp].name.as_ref().map_or("?", |n| n.v.as_str());
            c.push(
                Problem::new(
                    "channel_id_used_twice",
                    format!("component `{comp_name}` uses channel id {} twice ({first_what} and {what})", id.v),
                )
                .label(&id.span, what.clone())
                .label(first, first_what.clone())
                .help(match free {
                    Some(f) => format!(
                        "channel ids are per component and shared by its channels, rings and interrupts: use a free id such as {f}"
                    ),
                    None => "this component has no free channel id left".to_string(),
                }),
            );
        } else {
            ids[comp].insert(id.v, (id.span.clone(), what));
        }
    };

    for (i, comp) in m.components.iter().enumerate() {
        for irq in &comp.irqs {
            let n = irq.name.as_ref().map_or("?", |n| n.v.as_str());
            use_id(i, &irq.channel, format!("interrupt `{n}`"), c);
        }
    }

    let mut calls: Vec<(usize, usize, usize)> = Vec::new(); // (caller, callee, channel)
    for (ci, ch) in m.channels.iter().enumerate() {
        let Some(ends) = &ch.ends else { continue };
        let a = lookup(&ends[0], c);
        let b = lookup(&ends[1], c);
        let chname = ch.name.as_ref().map_or("?", |n| n.v.as_str());
        if let (Some(a), Some(b)) = (a, b) {
            if a == b {
                c.push(
                    Problem::new(
                        "channel_to_self",
                        format!("channel `{chname}` connects component `{}` to itself", by_name_of(m, a)),
                    )
                    .label(&ends[1].span, "the same component as the other end")
                    .label(&ends[0].span, "this end")
                    .help("a channel joins two different components; a component needs no channel to reach itself"),
                );
                continue;
            }
            use_id(a, &ends[0].id, format!("channel `{chname}`"), c);
            use_id(b, &ends[1].id, format!("channel `{chname}`"), c);
            if ch.kind.as_ref().map(|k| k.v) == Some(ChannelKind::ProtectedCall) {
                calls.push((a, b, ci));
                let (pa, pb) = (&m.components[a].priority, &m.components[b].priority);
                if let (Some(pa), Some(pb)) = (pa, pb) {
                    if pb.v < pa.v {
                        c.push(
                            Problem::new(
                                "callee_priority_below_caller",
                                format!(
                                    "in channel `{chname}` the callee `{}` (priority {}) runs below its caller `{}` (priority {})",
                                    by_name_of(m, b),
                                    pb.v,
                                    by_name_of(m, a),
                                    pa.v
                                ),
                            )
                            .label(&ends[1].span, "callee")
                            .label(&pb.span, "callee's priority")
                            .label(&pa.span, "caller's priority")
                            .help(format!(
                                "a server never runs below its clients, so a call never waits on a lower-priority thread: raise `{}` to at least {} or lower `{}`",
                                by_name_of(m, b),
                                pa.v,
                                by_name_of(m, a)
                            )),
                        );
                    }
                }
            }
        }
    }

    for r in &m.rings {
        let rname = r.name.as_ref().map_or("?", |n| n.v.as_str());
        let p = r.producer.as_ref().and_then(|e| lookup(e, c));
        let q = r.consumer.as_ref().and_then(|e| lookup(e, c));
        if let (Some(p), Some(q)) = (p, q) {
            let (pe, qe) = (r.producer.as_ref().unwrap(), r.consumer.as_ref().unwrap());
            if p == q {
                c.push(
                    Problem::new(
                        "ring_producer_is_consumer",
                        format!("ring `{rname}` has component `{}` as both producer and consumer", by_name_of(m, p)),
                    )
                    .label(&qe.span, "consumer")
                    .label(&pe.span, "producer")
                    .help("a ring joins two different components: change the producer or the consumer"),
                );
                continue;
            }
            use_id(p, &pe.id, format!("ring `{rname}`"), c);
            use_id(q, &qe.id, format!("ring `{rname}`"), c);
        }
    }

    call_cycles(m, &calls, c);
    claims(m, c);
}

fn by_name_of(m: &Model, i: usize) -> &str {
    m.components[i].name.as_ref().map_or("?", |n| n.v.as_str())
}

fn resource_names<'a>(names: impl Iterator<Item = &'a F<String>>, kind: &str, c: &mut Collector) {
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

/// Cycles in the protected-call graph: a call chain that comes back to its
/// start could deadlock (every member waits for the next).
fn call_cycles(m: &Model, calls: &[(usize, usize, usize)], c: &mut Collector) {
    let n = m.components.len();
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for &(a, b, ch) in calls {
        adj[a].push((b, ch));
    }
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut reported: Vec<Vec<usize>> = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        // Iterative DFS; `path` holds (node, channel used to reach it, next edge index).
        let mut path: Vec<(usize, Option<usize>, usize)> = vec![(start, None, 0)];
        state[start] = 1;
        while let Some(top) = path.last_mut() {
            let (node, _, next) = *top;
            if next == adj[node].len() {
                state[node] = 2;
                path.pop();
                continue;
            }
            top.2 += 1;
            let (to, ch) = adj[node][next];
            match state[to] {
                0 => {
                    state[to] = 1;
                    path.push((to, Some(ch), 0));
                }
                1 => {
                    let pos = path.iter().position(|(n, _, _)| *n == to).unwrap();
                    let mut chans: Vec<usize> =
                        path[pos + 1..].iter().map(|(_, ch, _)| ch.unwrap()).collect();
                    chans.push(ch);
                    let mut key = chans.clone();
                    key.sort_unstable();
                    if reported.contains(&key) {
                        continue;
                    }
                    reported.push(key);
                    let mut names: Vec<&str> =
                        path[pos..].iter().map(|(n, _, _)| by_name_of(m, *n)).collect();
                    names.push(by_name_of(m, to));
                    let cycle = names.join(" → ");
                    let mut p = Problem::new(
                        "call_graph_cycle",
                        format!("the protected calls form a cycle: {cycle}"),
                    );
                    for &ch in &chans {
                        let chan = &m.channels[ch];
                        let name = chan.name.as_ref().map_or("?", |n| n.v.as_str());
                        p = p.label(&chan.span, format!("channel `{name}`"));
                    }
                    c.push(p.help(
                        "a call waits for the callee; a chain of calls that returns to its start can deadlock. \
                         Replace one of these protected calls with a notification channel or a ring",
                    ));
                }
                _ => {}
            }
        }
    }
}

/// Device memory, interrupts and IO ports claimed twice.
fn claims(m: &Model, c: &mut Collector) {
    struct Claim<'a> {
        comp: &'a str,
        name: &'a str,
        span: &'a Span,
    }
    let who = |x: &Claim| format!("`{}` of component `{}`", x.name, x.comp);

    let mut dev: Vec<(u64, u64, Claim)> = Vec::new();
    let mut irqs_pin: BTreeMap<(u32, i128), Claim> = BTreeMap::new();
    let mut irqs_vec: BTreeMap<i128, Claim> = BTreeMap::new();
    let mut irqs_gic: BTreeMap<i128, Claim> = BTreeMap::new();
    let mut ports: Vec<(u16, u16, Claim)> = Vec::new();
    for comp in &m.components {
        let cname = comp.name.as_ref().map_or("?", |n| n.v.as_str());
        for d in &comp.device_memory {
            if let (Some(p), Some(s)) = (&d.paddr, &d.size) {
                let claim = Claim {
                    comp: cname,
                    name: d.name.as_ref().map_or("?", |n| n.v.as_str()),
                    span: &d.span,
                };
                for (q, t, other) in &dev {
                    if p.v < q + t && *q < p.v + s.v {
                        c.push(
                            Problem::new(
                                "device_memory_overlaps",
                                format!(
                                    "device memory {} ({:#x}..{:#x}) overlaps {} ({:#x}..{:#x})",
                                    who(&claim),
                                    p.v,
                                    p.v + s.v,
                                    who(other),
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
                dev.push((p.v, s.v, claim));
            }
        }
        for irq in &comp.irqs {
            let name = irq.name.as_ref().map_or("?", |n| n.v.as_str());
            if let (Some(a), Some(p)) = (&irq.ioapic, &irq.pin) {
                let claim = Claim { comp: cname, name, span: &irq.span };
                if let Some(other) = irqs_pin.get(&(a.v, p.v)) {
                    c.push(
                        Problem::new(
                            "irq_claimed_twice",
                            format!(
                                "IOAPIC {} pin {} is claimed by {} and by {}",
                                a.v,
                                p.v,
                                who(other),
                                who(&claim)
                            ),
                        )
                        .label(&p.span, "claimed again here")
                        .label(other.span, "first claimed here")
                        .help("an interrupt line has one handler: give it to one component"),
                    );
                } else {
                    irqs_pin.insert((a.v, p.v), claim);
                }
            }
            if let Some(g) = &irq.gic_irq {
                let claim = Claim { comp: cname, name, span: &irq.span };
                if let Some(other) = irqs_gic.get(&g.v) {
                    c.push(
                        Problem::new(
                            "irq_claimed_twice",
                            format!(
                                "GIC interrupt {} is claimed by {} and by {}",
                                g.v,
                                who(other),
                                who(&claim)
                            ),
                        )
                        .label(&g.span, "claimed again here")
                        .label(other.span, "first claimed here")
                        .help("an interrupt has one handler: give it to one component"),
                    );
                } else {
                    irqs_gic.insert(g.v, claim);
                }
            }
            if let Some(v) = &irq.vector {
                let claim = Claim { comp: cname, name, span: &irq.span };
                if let Some(other) = irqs_vec.get(&v.v) {
                    c.push(
                        Problem::new(
                            "irq_claimed_twice",
                            format!(
                                "interrupt vector {} is claimed by {} and by {}",
                                v.v,
                                who(other),
                                who(&claim)
                            ),
                        )
                        .label(&v.span, "claimed again here")
                        .label(other.span, "first claimed here")
                        .help("each interrupt needs its own vector: pick an unused one"),
                    );
                } else {
                    irqs_vec.insert(v.v, claim);
                }
            }
        }
        for io in &comp.io_ports {
            if let (Some(f), Some(l)) = (&io.first, &io.last) {
                let claim = Claim {
                    comp: cname,
                    name: io.name.as_ref().map_or("?", |n| n.v.as_str()),
                    span: &io.span,
                };
                for (g, h, other) in &ports {
                    if f.v <= *h && *g <= l.v {
                        c.push(
                            Problem::new(
                                "io_ports_overlap",
                                format!(
                                    "IO ports {} ({:#x}..={:#x}) overlap {} ({:#x}..={:#x})",
                                    who(&claim),
                                    f.v,
                                    l.v,
                                    who(other),
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
                ports.push((f.v, l.v, claim));
            }
        }
    }
}
