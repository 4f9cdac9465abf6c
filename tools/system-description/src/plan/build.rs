//! What is being assigned: per component, its grants (capability slots),
//! mappings and config; for the system, its shared regions and channels.

use std::collections::BTreeMap;

use system_manifest::layout::{self, badge, slot, vaddr, PAGE_SIZE};
use system_manifest::{
    ChannelEnd, ChannelEndKind, ChannelInfo, ComponentConfig, ConsoleOutput, Grant, GrantedCap,
    Mapping, MappingSource, RingEnd, SharedRegion, WasmConfig,
};

use crate::diag::{Collector, Problem, Span};
use crate::model::{ok, Component, End, Model};
use crate::units::human;

/// The plan so far.
pub(super) struct Plan<'m> {
    pub(super) m: &'m Model,
    /// Component name → index.
    pub(super) names: BTreeMap<String, usize>,
    /// Per component, in description order.
    pub(super) builds: Vec<Build>,
    pub(super) regions: Vec<SharedRegion>,
    pub(super) channels: Vec<ChannelInfo>,
}

impl<'m> Plan<'m> {
    pub(super) fn new(m: &'m Model) -> Plan<'m> {
        Plan {
            m,
            names: m.components.iter().enumerate().map(|(i, comp)| (ok(&comp.name), i)).collect(),
            builds: m.components.iter().enumerate().map(|(i, comp)| Build::new(i, comp)).collect(),
            regions: Vec::new(),
            channels: Vec::new(),
        }
    }

    /// The index of component `name`.
    pub(super) fn index_of(&self, name: &str) -> usize {
        self.names[name]
    }

    /// The index of the component of `end`, and its channel id.
    pub(super) fn end(&self, end: &End) -> (usize, u8) {
        (self.index_of(&ok(&end.component)), ok(&end.id))
    }

    /// The name of component `comp`.
    pub(super) fn name(&self, comp: usize) -> String {
        self.builds[comp].cfg.name.clone()
    }

    /// A new shared region; returns its index.
    pub(super) fn region(&mut self, name: String, bytes: u64) -> u32 {
        self.regions.push(SharedRegion { name, bytes });
        self.regions.len() as u32 - 1
    }

    /// Lets `me` signal `peer` on the peer's channel `peer_id`, as its own
    /// channel `my_id` (a notification capability); `why` is what needs it.
    pub(super) fn notify(
        &mut self,
        (me, my_id): (usize, u8),
        (peer, peer_id): (usize, u8),
        why: &Span,
        c: &mut Collector,
    ) {
        let cap =
            GrantedCap::Notification { target: peer as u32, badge: badge::notification(peer_id) };
        let peer_name = self.name(peer);
        let b = &mut self.builds[me];
        let s = b.grant(cap, why, c);
        b.cfg.channels.push(ChannelEnd {
            id: my_id,
            peer: peer_name,
            kind: ChannelEndKind::Notification { slot: s },
        });
    }
}

/// What is being assigned to one component.
pub(super) struct Build {
    pub(super) grants: Vec<Grant>,
    /// Whether running out of slots was reported already.
    overflow_reported: bool,
    /// The next free address of the shared-memory area (rings).
    next_shared: u64,
    /// The next free address of the device area.
    next_device: u64,
    pub(super) mappings: Vec<Mapping>,
    pub(super) cfg: ComponentConfig,
}

impl Build {
    /// Component `index`, with nothing granted or mapped yet.
    fn new(index: usize, comp: &Component) -> Build {
        Build {
            grants: Vec::new(),
            overflow_reported: false,
            next_shared: vaddr::SHARED,
            next_device: vaddr::DEVICE,
            mappings: Vec::new(),
            cfg: ComponentConfig {
                name: ok(&comp.name),
                index: index as u32,
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
                console_output: console_output(ok(&comp.console_output)),
            },
        }
    }

    /// Grants `cap` in the next free slot and returns the slot; reports
    /// (once) running out of slots, pointing at `why`.
    pub(super) fn grant(&mut self, cap: GrantedCap, why: &Span, c: &mut Collector) -> u32 {
        let s = slot::FIRST_GRANT + self.grants.len() as u32;
        if s > layout::MAX_SLOT && !self.overflow_reported {
            self.overflow_reported = true;
            let available = layout::MAX_SLOT - slot::FIRST_GRANT + 1;
            c.push(
                Problem::new(
                    "too_many_grants",
                    format!(
                        "component `{}` needs more capability slots than its CNode has: slots {}..={} hold {available} grants",
                        self.cfg.name,
                        slot::FIRST_GRANT,
                        layout::MAX_SLOT
                    ),
                )
                .label(why, format!("this needs slot {s}"))
                .help(format!("give component `{}` at most {available} channels, rings, IO port ranges and interrupts", self.cfg.name)),
            );
        }
        self.grants.push(Grant { slot: s, cap });
        s
    }

    /// Maps ring end `end` (its `vaddr` still to be chosen) of shared
    /// region `region` into the next free place of the shared area, or
    /// reports that it does not fit (once per ring: `reported`).
    pub(super) fn place_ring_end(
        &mut self,
        region: u32,
        mut end: RingEnd,
        why: &Span,
        reported: &mut bool,
        c: &mut Collector,
    ) {
        let bytes = end.region_bytes;
        let va = self.next_shared;
        if va.checked_add(bytes).is_none_or(|limit| limit > vaddr::DEVICE) {
            let alone_too_big = bytes > vaddr::DEVICE - vaddr::SHARED;
            if !(alone_too_big && *reported) {
                *reported = true;
                c.push(
                    Problem::new(
                        "shared_area_full",
                        format!(
                            "the rings of component `{}` do not fit its shared-memory area ({:#x}..{:#x})",
                            self.cfg.name,
                            vaddr::SHARED,
                            vaddr::DEVICE
                        ),
                    )
                    .label(why, format!("this ring needs {}", human(bytes)))
                    .help("use fewer or smaller rings (slots × slot_size)"),
                );
            }
            self.next_shared = vaddr::DEVICE;
            return;
        }
        self.next_shared = va + bytes + PAGE_SIZE;
        self.mappings.push(Mapping {
            source: MappingSource::Region(region),
            vaddr: va,
            bytes,
            writable: true,
            cached: true,
        });
        end.vaddr = va;
        self.cfg.rings.push(end);
    }

    /// Maps `bytes` of device memory at `paddr` into the next free place of
    /// the device area and returns its address, or reports that it does
    /// not fit (pointing at `why`).
    pub(super) fn map_device(
        &mut self,
        paddr: u64,
        bytes: u64,
        cached: bool,
        why: &Span,
        c: &mut Collector,
    ) -> Option<u64> {
        let va = self.next_device;
        if va.checked_add(bytes).is_none_or(|end| end > vaddr::END) {
            c.push(
                Problem::new(
                    "device_area_full",
                    format!(
                        "the device memory of component `{}` does not fit its device area ({:#x}..{:#x})",
                        self.cfg.name,
                        vaddr::DEVICE,
                        vaddr::END
                    ),
                )
                .label(why, format!("this window needs {}", human(bytes)))
                .help("map fewer or smaller device windows"),
            );
            self.next_device = vaddr::END;
            return None;
        }
        self.next_device = va + bytes + PAGE_SIZE;
        self.mappings.push(Mapping {
            source: MappingSource::Device { paddr },
            vaddr: va,
            bytes,
            writable: true,
            cached,
        });
        Some(va)
    }
}

/// The manifest's form of console output grant `out`.
pub(super) fn console_output(out: crate::model::ConsoleOutput) -> ConsoleOutput {
    ConsoleOutput { raw: out.raw, text: out.text }
}
