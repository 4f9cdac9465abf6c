//! Validated [`Model`] → [`SystemManifest`]: assigns CSpace slots, badges,
//! virtual addresses and shared regions, and archives each component's
//! config. Everything here is deterministic: the same description gives the
//! same manifest, byte for byte.

use std::collections::BTreeMap;

use system_manifest::layout::{self, badge, slot, vaddr, PAGE_SIZE};
use system_manifest::*;

use crate::diag::{Collector, Problem, Span};
use crate::model::{ok, Channel, ChannelKind, Controller, End, Lifetime, Model, Restart};
use crate::units::human;

/// Distinct program names, in first-use order.
pub(crate) fn programs(m: &Model) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for comp in &m.components {
        let p = ok(&comp.program);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Distinct Wasm crates, in first-use order.
pub(crate) fn wasm_modules(m: &Model) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for comp in &m.components {
        if let Some(w) = &comp.wasm {
            if !out.contains(&w.v) {
                out.push(w.v.clone());
            }
        }
    }
    out
}

/// What is being assigned to one component.
struct Build {
    grants: Vec<Grant>,
    /// Whether running out of slots was reported already.
    overflow_reported: bool,
    next_shared: u64,
    next_device: u64,
    mappings: Vec<Mapping>,
    cfg: ComponentConfig,
}

pub(crate) fn plan(m: &Model, source_name: &str, c: &mut Collector) -> SystemManifest {
    let names: BTreeMap<String, usize> =
        m.components.iter().enumerate().map(|(i, comp)| (ok(&comp.name), i)).collect();
    let idx = |e: &End| names[&ok(&e.component)];
    let programs = programs(m);
    let wasm_modules = wasm_modules(m);

    let mut builds: Vec<Build> = m
        .components
        .iter()
        .enumerate()
        .map(|(i, comp)| Build {
            grants: Vec::new(),
            overflow_reported: false,
            next_shared: vaddr::SHARED,
            next_device: vaddr::DEVICE,
            mappings: Vec::new(),
            cfg: ComponentConfig {
                name: ok(&comp.name),
                index: i as u32,
                heap_bytes: ok(&comp.heap),
                stack_bytes: ok(&comp.stack),
                channels: Vec::new(),
                rings: Vec::new(),
                io_ports: Vec::new(),
                irqs: Vec::new(),
                device_memory: Vec::new(),
                wasm: comp.wasm.as_ref().map(|w| WasmConfig {
                    module: w.v.clone(),
                    memory_limit_bytes: ok(&comp.wasm_memory),
                }),
                log_ring: None,
                control_slot: None,
            },
        })
        .collect();

    // Grants a capability to component `comp`, returning its slot.
    let grant = |b: &mut Vec<Build>,
                 comp: usize,
                 cap: GrantedCap,
                 why: &Span,
                 c: &mut Collector|
     -> u32 {
        let b = &mut b[comp];
        let s = slot::FIRST_GRANT + b.grants.len() as u32;
        if s > layout::MAX_SLOT && !b.overflow_reported {
            b.overflow_reported = true;
            let available = layout::MAX_SLOT - slot::FIRST_GRANT + 1;
            c.push(
                Problem::new(
                    "too_many_grants",
                    format!(
                        "component `{}` needs more capability slots than its CNode has: slots {}..={} hold {available} grants",
                        b.cfg.name,
                        slot::FIRST_GRANT,
                        layout::MAX_SLOT
                    ),
                )
                .label(why, format!("this needs slot {s}"))
                .help(format!("give component `{}` at most {available} channels, rings, IO port ranges and interrupts", b.cfg.name)),
            );
        }
        b.grants.push(Grant { slot: s, cap });
        s
    };

    let mut channels = Vec::new();
    let chan_name = |ch: &Channel| ok(&ch.name);

    // 1. Endpoint capabilities of callers.
    for ch in &m.channels {
        if ok(&ch.kind) != ChannelKind::ProtectedCall {
            continue;
        }
        let ends = ch.ends.as_ref().unwrap();
        let (a, b) = (idx(&ends[0]), idx(&ends[1]));
        let (ida, idb) = (ok(&ends[0].id), ok(&ends[1].id));
        let s = grant(
            &mut builds,
            a,
            GrantedCap::Endpoint { server: b as u32, badge: badge::protected_call(idb) },
            &ch.span,
            c,
        );
        let peer_b = builds[b].cfg.name.clone();
        let peer_a = builds[a].cfg.name.clone();
        builds[a].cfg.channels.push(ChannelEnd {
            id: ida,
            peer: peer_b,
            kind: ChannelEndKind::Caller { slot: s },
        });
        builds[b].cfg.channels.push(ChannelEnd {
            id: idb,
            peer: peer_a,
            kind: ChannelEndKind::Callee,
        });
        channels.push(ChannelInfo {
            name: chan_name(ch),
            kind: ChannelKindInfo::ProtectedCall,
            ends: [(a as u32, ida), (b as u32, idb)],
        });
    }

    // 2. Notification capabilities, both directions.
    for ch in &m.channels {
        if ok(&ch.kind) != ChannelKind::Notification {
            continue;
        }
        let ends = ch.ends.as_ref().unwrap();
        let (a, b) = (idx(&ends[0]), idx(&ends[1]));
        let (ida, idb) = (ok(&ends[0].id), ok(&ends[1].id));
        for (me, my_id, peer, peer_id) in [(a, ida, b, idb), (b, idb, a, ida)] {
            let s = grant(
                &mut builds,
                me,
                GrantedCap::Notification {
                    target: peer as u32,
                    badge: badge::notification(peer_id),
                },
                &ch.span,
                c,
            );
            let peer_name = builds[peer].cfg.name.clone();
            builds[me].cfg.channels.push(ChannelEnd {
                id: my_id,
                peer: peer_name,
                kind: ChannelEndKind::Notification { slot: s },
            });
        }
        channels.push(ChannelInfo {
            name: chan_name(ch),
            kind: ChannelKindInfo::Notification,
            ends: [(a as u32, ida), (b as u32, idb)],
        });
    }

    // 3. Rings: a shared region mapped into both ends, and a notification
    //    each way (each end signals the other on the other's ring channel).
    let mut regions = Vec::new();
    for r in &m.rings {
        let (pe, ce) = (r.producer.as_ref().unwrap(), r.consumer.as_ref().unwrap());
        let (p, q) = (idx(pe), idx(ce));
        let (idp, idq) = (ok(&pe.id), ok(&ce.id));
        let (slots, slot_size) = (ok(&r.slots), ok(&r.slot_size));
        let bytes = layout::ring_region_bytes(u64::from(slots), u64::from(slot_size));
        let region = regions.len() as u32;
        let name = ok(&r.name);
        regions.push(SharedRegion { name: name.clone(), bytes });
        // A ring larger than the whole area is reported once, not per end.
        let mut reported = false;
        for (me, my_id, peer, peer_id, role) in
            [(p, idp, q, idq, RingRole::Producer), (q, idq, p, idp, RingRole::Consumer)]
        {
            let s = grant(
                &mut builds,
                me,
                GrantedCap::Notification {
                    target: peer as u32,
                    badge: badge::notification(peer_id),
                },
                &r.span,
                c,
            );
            let peer_name = builds[peer].cfg.name.clone();
            let b = &mut builds[me];
            b.cfg.channels.push(ChannelEnd {
                id: my_id,
                peer: peer_name,
                kind: ChannelEndKind::Notification { slot: s },
            });
            let end = RingEnd {
                name: name.clone(),
                role,
                vaddr: 0,
                region_bytes: bytes,
                slot_count: slots,
                slot_size,
                channel: my_id,
            };
            place_ring_end(b, region, end, &r.span, &mut reported, c);
        }
        channels.push(ChannelInfo {
            name,
            kind: ChannelKindInfo::Ring,
            ends: [(p as u32, idp), (q as u32, idq)],
        });
    }

    // 3b. The console: a log ring from every component (the console itself
    //     included) and the root task to the console component, all
    //     signalling it on one channel.
    let console = m.console.as_ref().map(|name| {
        let console = names[&name.v];
        let (slots, slot_size) = (layout::console::LOG_SLOTS, layout::console::LOG_SLOT_SIZE);
        let bytes = layout::ring_region_bytes(u64::from(slots), u64::from(slot_size));
        let log_channel = layout::console::LOG_CHANNEL;
        let console_name = builds[console].cfg.name.clone();
        let mut root_ring_region = 0;
        // The console logs to itself too: its own lines take the same path.
        let producers: Vec<Option<usize>> = (0..builds.len()).map(Some).chain([None]).collect();
        for producer in producers {
            let ring_name = match producer {
                Some(p) => format!("{}{}", layout::console::LOG_RING_PREFIX, builds[p].cfg.name),
                None => layout::console::ROOT_LOG_RING.to_string(),
            };
            let region = regions.len() as u32;
            regions.push(SharedRegion { name: ring_name.clone(), bytes });
            let end = |role| RingEnd {
                name: ring_name.clone(),
                role,
                vaddr: 0,
                region_bytes: bytes,
                slot_count: slots,
                slot_size,
                channel: log_channel,
            };
            let mut reported = false;
            match producer {
                Some(p) => {
                    let s = grant(
                        &mut builds,
                        p,
                        GrantedCap::Notification {
                            target: console as u32,
                            badge: badge::notification(log_channel),
                        },
                        &name.span,
                        c,
                    );
                    let b = &mut builds[p];
                    b.cfg.channels.push(ChannelEnd {
                        id: log_channel,
                        peer: console_name.clone(),
                        kind: ChannelEndKind::Notification { slot: s },
                    });
                    place_ring_end(
                        b,
                        region,
                        end(RingRole::Producer),
                        &name.span,
                        &mut reported,
                        c,
                    );
                    b.cfg.log_ring = Some(ring_name.clone());
                }
                None => root_ring_region = region,
            }
            // The console never signals a log producer (producers do not
            // wait for space), so it holds no capability per log ring.
            place_ring_end(
                &mut builds[console],
                region,
                end(RingRole::Consumer),
                &name.span,
                &mut reported,
                c,
            );
        }
        Console { component: console as u32, root_ring_region }
    });

    for (i, comp) in m.components.iter().enumerate() {
        // Control channel to the root task.
        if ok(&comp.control) {
            let s = grant(&mut builds, i, GrantedCap::Control, &comp.span, c);
            let b = &mut builds[i];
            b.cfg.control_slot = Some(s);
            b.cfg.channels.push(ChannelEnd {
                id: layout::control::CHANNEL,
                peer: layout::control::PEER.to_string(),
                kind: ChannelEndKind::Caller { slot: s },
            });
        }
        // 4. IO ports.
        for io in &comp.io_ports {
            let (first, last) = (ok(&io.first), ok(&io.last));
            let s = grant(&mut builds, i, GrantedCap::IoPorts { first, last }, &io.span, c);
            builds[i].cfg.io_ports.push(IoPortGrant { name: ok(&io.name), slot: s, first, last });
        }
        // 5. Interrupts.
        for irq in &comp.irqs {
            let channel = ok(&irq.channel);
            let source = match irq.controller.v {
                Controller::Gic => IrqSource::Gic { irq: number(ok(&irq.gic_irq)) },
                Controller::IoApic => IrqSource::IoApic {
                    ioapic: ok(&irq.ioapic),
                    pin: number(ok(&irq.pin)),
                    level_triggered: ok(&irq.level),
                    active_low: ok(&irq.active_low),
                    vector: number(ok(&irq.vector)),
                },
            };
            let s = grant(
                &mut builds,
                i,
                GrantedCap::Irq { irq: source, badge: badge::notification(channel) },
                &irq.span,
                c,
            );
            builds[i].cfg.irqs.push(IrqEnd { name: ok(&irq.name), slot: s, channel });
        }
        // Device memory.
        for d in &comp.device_memory {
            let (paddr, bytes) = (ok(&d.paddr), ok(&d.size));
            let b = &mut builds[i];
            let va = b.next_device;
            if va.checked_add(bytes).is_none_or(|end| end > vaddr::END) {
                c.push(
                    Problem::new(
                        "device_area_full",
                        format!(
                            "the device memory of component `{}` does not fit its device area ({:#x}..{:#x})",
                            b.cfg.name,
                            vaddr::DEVICE,
                            vaddr::END
                        ),
                    )
                    .label(&d.span, format!("this window needs {}", human(bytes)))
                    .help("map fewer or smaller device windows"),
                );
                b.next_device = vaddr::END;
                continue;
            }
            b.next_device = va + bytes + PAGE_SIZE;
            b.mappings.push(Mapping {
                source: MappingSource::Device { paddr },
                vaddr: va,
                bytes,
                writable: true,
                cached: ok(&d.cached),
            });
            b.cfg.device_memory.push(DeviceWindow { name: ok(&d.name), vaddr: va, bytes });
        }
    }

    let mut components = Vec::new();
    for (i, (comp, mut b)) in m.components.iter().zip(builds).enumerate() {
        b.cfg.channels.sort_by_key(|e| e.id);
        let config = rkyv::to_bytes::<rkyv::rancor::Error>(&b.cfg)
            .expect("archiving a config cannot fail")
            .to_vec();
        if config.len() as u64 > vaddr::CONFIG_MAX_BYTES {
            c.push(
                Problem::new(
                    "config_too_large",
                    format!(
                        "the config of component `{}` is {} bytes; at most {} fit at layout::vaddr::CONFIG",
                        b.cfg.name,
                        config.len(),
                        vaddr::CONFIG_MAX_BYTES
                    ),
                )
                .label(&comp.span, "this component")
                .help("give it fewer channels, rings and resources, or shorter names"),
            );
        }
        let program = ok(&comp.program);
        components.push(Component {
            name: b.cfg.name.clone(),
            program: programs.iter().position(|p| *p == program).unwrap() as u32,
            // Provisional (the crate's index in `wasm_modules`): `lower`
            // assigns the final index once the modules' contents are known.
            wasm_module: comp
                .wasm
                .as_ref()
                .map(|w| wasm_modules.iter().position(|x| *x == w.v).unwrap() as u32),
            priority: ok(&comp.priority),
            stack_bytes: ok(&comp.stack),
            heap_bytes: ok(&comp.heap),
            restart: match ok(&comp.restart) {
                Restart::Restart { max } => RestartPolicy::Restart { max_restarts: max },
                Restart::Stop => RestartPolicy::Stop,
                Restart::HaltSystem => RestartPolicy::HaltSystem,
            },
            lifetime: match ok(&comp.lifetime) {
                Lifetime::Service => system_manifest::Lifetime::Service,
                Lifetime::Task => system_manifest::Lifetime::Task,
            },
            grants: b.grants,
            mappings: b.mappings,
            config,
        });
        debug_assert_eq!(components.len(), i + 1);
    }

    SystemManifest {
        name: ok(&m.name),
        source: source_name.to_string(),
        components,
        regions,
        channels,
        console,
    }
}

/// An interrupt number, which validation keeps within its controller's range.
fn number(n: i128) -> u32 {
    u32::try_from(n).expect("validation keeps interrupt numbers in range")
}

/// Maps ring end `end` (its `vaddr` still to be chosen) of shared region
/// `region` into the next free place of `b`'s shared area, or reports that
/// it does not fit (once per ring: `reported`).
fn place_ring_end(
    b: &mut Build,
    region: u32,
    mut end: RingEnd,
    why: &Span,
    reported: &mut bool,
    c: &mut Collector,
) {
    let bytes = end.region_bytes;
    let va = b.next_shared;
    if va.checked_add(bytes).is_none_or(|limit| limit > vaddr::DEVICE) {
        let alone_too_big = bytes > vaddr::DEVICE - vaddr::SHARED;
        if !(alone_too_big && *reported) {
            *reported = true;
            c.push(
                Problem::new(
                    "shared_area_full",
                    format!(
                        "the rings of component `{}` do not fit its shared-memory area ({:#x}..{:#x})",
                        b.cfg.name,
                        vaddr::SHARED,
                        vaddr::DEVICE
                    ),
                )
                .label(why, format!("this ring needs {}", human(bytes)))
                .help("use fewer or smaller rings (slots × slot_size)"),
            );
        }
        b.next_shared = vaddr::DEVICE;
        return;
    }
    b.next_shared = va + bytes + PAGE_SIZE;
    b.mappings.push(Mapping {
        source: MappingSource::Region(region),
        vaddr: va,
        bytes,
        writable: true,
        cached: true,
    });
    end.vaddr = va;
    b.cfg.rings.push(end);
}
