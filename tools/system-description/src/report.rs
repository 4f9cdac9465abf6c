//! A human-readable account of a built system.

use std::fmt::Write;

use system_manifest::*;

use crate::units::human;

fn restart(r: &RestartPolicy) -> String {
    match r {
        RestartPolicy::Restart { max_restarts } => {
            format!("restart (at most {max_restarts} times)")
        }
        RestartPolicy::Stop => "stop".into(),
        RestartPolicy::HaltSystem => "halt the system".into(),
    }
}

fn channel_of(badge: u64) -> String {
    if badge & layout::badge::PROTECTED_CALL != 0 {
        format!("call channel {}", badge & 0xff)
    } else if badge.is_power_of_two() {
        format!("channel {}", badge.trailing_zeros())
    } else {
        format!("badge {badge:#x}")
    }
}

/// The Wasm line of a Wasm component: its module (from its config) and
/// memory limit, and the module's index and size once lowered.
fn wasm_line(image: &BootImage, c: &Component) -> Option<String> {
    let mut aligned = rkyv::util::AlignedVec::<16>::new();
    aligned.extend_from_slice(&c.config);
    let cfg = rkyv::access::<ArchivedComponentConfig, rkyv::rancor::Error>(&aligned).ok();
    let wasm = cfg.and_then(|cfg| cfg.wasm.as_ref());
    if wasm.is_none() && c.wasm_module.is_none() {
        return None;
    }
    let module = wasm.map_or("?", |w| w.module.as_str());
    let limit = wasm.map_or_else(|| "?".to_string(), |w| human(w.memory_limit_bytes.to_native()));
    let stored = c
        .wasm_module
        .and_then(|i| image.wasm_modules.get(i as usize).map(|wm| (i, wm.cwasm.len())));
    Some(match stored {
        Some((i, len)) => {
            format!("module `{module}` (module {i}, {len} bytes), memory limit {limit}")
        }
        None => format!("module `{module}`, memory limit {limit}"),
    })
}

/// Lists what was built: components with program (and Wasm module and
/// memory limit), priority, grants by slot, mappings and rings; then
/// channels, regions, Wasm modules and programs.
pub fn report(image: &BootImage) -> String {
    let mut out = String::new();
    let w = &mut out;
    summary(w, image);
    for (i, c) in image.manifest.components.iter().enumerate() {
        component(w, image, i, c);
    }
    channels(w, &image.manifest);
    regions(w, &image.manifest);
    wasm_modules(w, image);
    programs(w, image);
    out
}

/// The name of component `i` of `m`.
fn name(m: &SystemManifest, i: u32) -> &str {
    m.components.get(i as usize).map_or("?", |c| c.name.as_str())
}

/// What the system has, and where the log goes.
fn summary(w: &mut String, image: &BootImage) {
    let m = &image.manifest;
    let _ = writeln!(
        w,
        "system `{}` (from {}): {} components, {} programs, {} Wasm modules, {} channels, {} shared regions",
        m.name,
        m.source,
        m.components.len(),
        image.programs.len(),
        image.wasm_modules.len(),
        m.channels.len(),
        m.regions.len()
    );
    if let Some(console) = &m.console {
        let _ = writeln!(
            w,
            "console: component `{}` receives the log lines of every component and the root task ({} log rings on channel {})",
            name(m, console.component),
            m.components.len() + 1,
            system_manifest::console::LOG_CHANNEL
        );
    }
}

/// Component `i` (`c`): what it runs, its settings, grants and mappings.
fn component(w: &mut String, image: &BootImage, i: usize, c: &Component) {
    let m = &image.manifest;
    let program = image.programs.get(c.program as usize).map_or("?", |p| p.name.as_str());
    let _ = writeln!(w, "\ncomponent {i} `{}`", c.name);
    let _ = writeln!(w, "  program   `{program}` (program {})", c.program);
    if let Some(line) = wasm_line(image, c) {
        let _ = writeln!(w, "  wasm      {line}");
    }
    let _ = writeln!(w, "  priority  {}", c.priority);
    let _ = writeln!(w, "  stack     {}   heap {}", human(c.stack_bytes), human(c.heap_bytes));
    let _ = writeln!(w, "  on fault  {}", restart(&c.restart));
    let _ = writeln!(w, "  lifetime  {:?}", c.lifetime);
    let _ = writeln!(w, "  config    {} bytes", c.config.len());
    if let Some(g) = &c.control {
        let _ = writeln!(
            w,
            "  control   info {}; restart {}; start {}; stop {}",
            targets(m, &g.info),
            targets(m, &g.restart),
            targets(m, &g.start),
            targets(m, &g.stop)
        );
    }
    if let Some(output) = console_output(c) {
        let _ = writeln!(w, "  output    {output} (unprefixed console output)");
    }
    for g in &c.grants {
        let _ = writeln!(w, "  slot {:>3}  {}", g.slot, grant(m, &g.cap));
    }
    for mp in &c.mappings {
        let src = match mp.source {
            MappingSource::Region(r) => {
                format!(
                    "region {r} `{}`",
                    m.regions.get(r as usize).map_or("?", |r| r.name.as_str())
                )
            }
            MappingSource::Device { paddr } => format!("device {paddr:#x}"),
        };
        let _ = writeln!(
            w,
            "  map {:#010x}..{:#010x} {} {} {src}",
            mp.vaddr,
            mp.vaddr + mp.bytes,
            if mp.writable { "rw" } else { "r-" },
            if mp.cached { "cached  " } else { "uncached" },
        );
    }
}

/// The components a control verb is granted on.
fn targets(m: &SystemManifest, components: &[u32]) -> String {
    if components.is_empty() {
        return "none".to_string();
    }
    if components.len() == m.components.len() {
        return "every component".to_string();
    }
    let names: Vec<String> = components.iter().map(|&i| format!("`{}`", name(m, i))).collect();
    names.join(", ")
}

/// `raw`, `text` or both: the unprefixed output `c`'s config grants, if any.
fn console_output(c: &Component) -> Option<&'static str> {
    let mut aligned = rkyv::util::AlignedVec::<16>::new();
    aligned.extend_from_slice(&c.config);
    let out = &crate::read_component_config(&aligned).ok()?.console_output;
    match (out.raw, out.text) {
        (true, true) => Some("raw, text"),
        (true, false) => Some("raw"),
        (false, true) => Some("text"),
        (false, false) => None,
    }
}

/// What capability `cap` is and leads to.
fn grant(m: &SystemManifest, cap: &GrantedCap) -> String {
    match cap {
        GrantedCap::Control => {
            "control      → root task (list, inspect, restart components)".to_string()
        }
        GrantedCap::Endpoint { server, badge } => {
            format!(
                "endpoint     → `{}` ({}, badge {badge:#x})",
                name(m, *server),
                channel_of(*badge)
            )
        }
        GrantedCap::Notification { target, badge } => {
            format!(
                "notification → `{}` ({}, badge {badge:#x})",
                name(m, *target),
                channel_of(*badge)
            )
        }
        GrantedCap::IoPorts { first, last } => format!("IO ports     {first:#x}..={last:#x}"),
        GrantedCap::Irq { irq: IrqSource::Gic { irq }, badge } => {
            format!("interrupt    GIC {irq} (level) → {}", channel_of(*badge))
        }
        GrantedCap::Irq {
            irq: IrqSource::IoApic { ioapic, pin, level_triggered, active_low, vector },
            badge,
        } => {
            format!(
                "interrupt    IOAPIC {ioapic} pin {pin} vector {vector} ({}, {}) → {}",
                if *level_triggered { "level" } else { "edge" },
                if *active_low { "active low" } else { "active high" },
                channel_of(*badge)
            )
        }
    }
}

fn channels(w: &mut String, m: &SystemManifest) {
    if m.channels.is_empty() {
        return;
    }
    let _ = writeln!(w, "\nchannels");
    for ch in &m.channels {
        let [(a, ia), (b, ib)] = ch.ends;
        let (kind, arrow) = match ch.kind {
            ChannelKindInfo::ProtectedCall => ("protected call", "→"),
            ChannelKindInfo::Notification => ("notification  ", "↔"),
            ChannelKindInfo::Ring => ("ring          ", "⇒"),
        };
        let _ = writeln!(
            w,
            "  {kind} `{}`: `{}`#{ia} {arrow} `{}`#{ib}",
            ch.name,
            name(m, a),
            name(m, b)
        );
    }
}

fn regions(w: &mut String, m: &SystemManifest) {
    if m.regions.is_empty() {
        return;
    }
    let _ = writeln!(w, "\nshared regions");
    for (i, r) in m.regions.iter().enumerate() {
        let _ = writeln!(w, "  region {i} `{}`: {}", r.name, human(r.bytes));
    }
}

/// Each stored Wasm module and the components that run it.
fn wasm_modules(w: &mut String, image: &BootImage) {
    if image.wasm_modules.is_empty() {
        return;
    }
    let _ = writeln!(w, "\nWasm modules");
    for (i, wm) in image.wasm_modules.iter().enumerate() {
        let users: Vec<String> = image
            .manifest
            .components
            .iter()
            .filter(|c| c.wasm_module == Some(i as u32))
            .map(|c| format!("`{}`", c.name))
            .collect();
        let _ = writeln!(
            w,
            "  module {i} `{}`: {} bytes, run by {}",
            wm.name,
            wm.cwasm.len(),
            users.join(", ")
        );
    }
}

/// Each program and its segments.
fn programs(w: &mut String, image: &BootImage) {
    if image.programs.is_empty() {
        return;
    }
    let _ = writeln!(w, "\nprograms");
    for (i, p) in image.programs.iter().enumerate() {
        let _ = writeln!(w, "  program {i} `{}`: entry {:#x}", p.name, p.entry);
        for s in &p.segments {
            let access = match s.access {
                SegmentAccess::ReadExecute => "r-x",
                SegmentAccess::ReadOnly => "r--",
                SegmentAccess::ReadWrite => "rw-",
            };
            let _ = writeln!(
                w,
                "    {:#010x}..{:#010x} {access} {} file bytes",
                s.vaddr,
                s.vaddr + s.mem_bytes,
                s.data.len()
            );
        }
    }
}
