//! A human-readable account of a built system.

use std::fmt::Write;

use system_manifest::*;

use crate::parse::human;

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

/// Lists what was built: components with priority, program, grants by slot,
/// mappings and rings; then channels, regions and programs.
pub fn report(image: &BootImage) -> String {
    let m = &image.manifest;
    let name = |i: u32| {
        m.components
            .get(i as usize)
            .map_or("?", |c| c.name.as_str())
    };
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "system `{}` (from {}): {} components, {} programs, {} channels, {} shared regions",
        m.name,
        m.source,
        m.components.len(),
        image.programs.len(),
        m.channels.len(),
        m.regions.len()
    );
    for (i, c) in m.components.iter().enumerate() {
        let program = image
            .programs
            .get(c.program as usize)
            .map_or("?", |p| p.name.as_str());
        let _ = writeln!(w, "\ncomponent {i} `{}`", c.name);
        let _ = writeln!(w, "  program   `{program}` (program {})", c.program);
        let _ = writeln!(w, "  priority  {}", c.priority);
        let _ = writeln!(
            w,
            "  stack     {}   heap {}",
            human(c.stack_bytes),
            human(c.heap_bytes)
        );
        let _ = writeln!(w, "  on fault  {}", restart(&c.restart));
        let _ = writeln!(w, "  lifetime  {:?}", c.lifetime);
        let _ = writeln!(w, "  config    {} bytes", c.config.len());
        for g in &c.grants {
            let what = match &g.cap {
                GrantedCap::Endpoint { server, badge } => {
                    format!(
                        "endpoint     → `{}` ({}, badge {badge:#x})",
                        name(*server),
                        channel_of(*badge)
                    )
                }
                GrantedCap::Notification { target, badge } => {
                    format!(
                        "notification → `{}` ({}, badge {badge:#x})",
                        name(*target),
                        channel_of(*badge)
                    )
                }
                GrantedCap::IoPorts { first, last } => {
                    format!("IO ports     {first:#x}..={last:#x}")
                }
                GrantedCap::Irq {
                    irq:
                        IrqSource::IoApic {
                            ioapic,
                            pin,
                            level_triggered,
                            active_low,
                            vector,
                        },
                    badge,
                } => {
                    format!(
                        "interrupt    IOAPIC {ioapic} pin {pin} vector {vector} ({}, {}) → {}",
                        if *level_triggered { "level" } else { "edge" },
                        if *active_low {
                            "active low"
                        } else {
                            "active high"
                        },
                        channel_of(*badge)
                    )
                }
            };
            let _ = writeln!(w, "  slot {:>3}  {what}", g.slot);
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
    if !m.channels.is_empty() {
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
                name(a),
                name(b)
            );
        }
    }
    if !m.regions.is_empty() {
        let _ = writeln!(w, "\nshared regions");
        for (i, r) in m.regions.iter().enumerate() {
            let _ = writeln!(w, "  region {i} `{}`: {}", r.name, human(r.bytes));
        }
    }
    if !image.programs.is_empty() {
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
    out
}
