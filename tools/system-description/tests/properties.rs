//! Over random valid descriptions: lowering never gives two grants of one
//! component the same slot, never maps two things over each other, keeps
//! channel ids unique per component, and is deterministic.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use proptest::prelude::*;
use system_description::{read_component_config, SystemDescription, WASM_RUNTIME_PROGRAM};
use system_manifest::layout::{self, vaddr, PAGE_SIZE};
use system_manifest::*;

#[derive(Debug, Clone)]
struct Spec {
    priorities: Vec<u8>,
    /// (is a protected call, a, b)
    channels: Vec<(bool, usize, usize)>,
    /// (producer, consumer, log2 slots, slot size / 8)
    rings: Vec<(usize, usize, u32, u32)>,
    /// per component: (IO port ranges, interrupts, device windows)
    resources: Vec<(usize, usize, usize)>,
    /// per component: the Wasm crate it runs (`wasm = "m{k}"`), if any
    wasm: Vec<Option<u8>>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (2usize..=8).prop_flat_map(|n| {
        let pair = (0..n, 0..n - 1).prop_map(move |(a, b)| (a, if b >= a { b + 1 } else { b }));
        (
            proptest::collection::vec(1u8..=254, n),
            proptest::collection::vec((any::<bool>(), pair.clone()), 0..16),
            proptest::collection::vec((pair, 0u32..9, 2u32..17), 0..8),
            proptest::collection::vec((0usize..3, 0usize..4, 0usize..3), n),
            proptest::collection::vec(proptest::option::of(0u8..3), n),
        )
            .prop_map(|(mut priorities, channels, rings, resources, wasm)| {
                priorities.sort_unstable();
                Spec {
                    priorities,
                    channels: channels.into_iter().map(|(call, (a, b))| (call, a, b)).collect(),
                    rings: rings.into_iter().map(|((a, b), s, z)| (a, b, s, z)).collect(),
                    resources,
                    wasm,
                }
            })
    })
}

fn toml(s: &Spec) -> String {
    let n = s.priorities.len();
    let mut next_id = vec![0u8; n];
    let mut id = |c: usize| {
        next_id[c] += 1;
        next_id[c] - 1
    };
    let mut t = String::from("[system]\nname = \"random\"\n");
    let (mut port, mut pin, mut page) = (0u32, 0u32, 0u64);
    for (i, p) in s.priorities.iter().enumerate() {
        let (io, irq, dev) = s.resources[i];
        match s.wasm[i] {
            None => {
                let _ = write!(
                    t,
                    "\n[[component]]\nname = \"c{i}\"\nprogram = \"prog{}\"\npriority = {p}\n",
                    i % 3
                );
            }
            Some(k) => {
                let _ = write!(
                    t,
                    "\n[[component]]\nname = \"c{i}\"\nwasm = \"m{k}\"\npriority = {p}\n"
                );
                if i % 2 == 1 {
                    let _ = writeln!(
                        t,
                        "heap = \"{} MiB\"\nwasm_memory = \"{} KiB\"",
                        2 + k,
                        64 * (i + 1)
                    );
                }
            }
        }
        let mut ports = Vec::new();
        for k in 0..io {
            ports.push(format!("{{ name = \"io{k}\", first = {port}, last = {} }}", port + 3));
            port += 4;
        }
        let mut irqs = Vec::new();
        for k in 0..irq {
            irqs.push(format!(
                "{{ name = \"irq{k}\", pin = {pin}, vector = {}, channel = {} }}",
                pin + 20,
                id(i)
            ));
            pin += 1;
        }
        let mut devs = Vec::new();
        for k in 0..dev {
            devs.push(format!(
                "{{ name = \"dev{k}\", paddr = {:#x}, size = \"{} KiB\" }}",
                0xf000_0000 + page * PAGE_SIZE,
                4 * (k + 1)
            ));
            page += k as u64 + 1;
        }
        let _ = writeln!(
            t,
            "io_ports = [ {} ]\nirqs = [ {} ]\ndevice_memory = [ {} ]",
            ports.join(", "),
            irqs.join(", "),
            devs.join(", ")
        );
    }
    for (k, &(call, a, b)) in s.channels.iter().enumerate() {
        if call {
            // Calls go up the (sorted) priorities: no cycle, callee never below caller.
            let (lo, hi) = (a.min(b), a.max(b));
            let _ = write!(
                t,
                "\n[[channel]]\nname = \"ch{k}\"\nkind = \"protected-call\"\ncaller = {{ component = \"c{lo}\", id = {} }}\ncallee = {{ component = \"c{hi}\", id = {} }}\n",
                id(lo),
                id(hi)
            );
        } else {
            let _ = write!(
                t,
                "\n[[channel]]\nname = \"ch{k}\"\nkind = \"notification\"\nends = [ {{ component = \"c{a}\", id = {} }}, {{ component = \"c{b}\", id = {} }} ]\n",
                id(a),
                id(b)
            );
        }
    }
    for (k, &(a, b, slots, size)) in s.rings.iter().enumerate() {
        let _ = write!(
            t,
            "\n[[ring]]\nname = \"ring{k}\"\nproducer = {{ component = \"c{a}\", channel = {} }}\nconsumer = {{ component = \"c{b}\", channel = {} }}\nslots = {}\nslot_size = {}\n",
            id(a),
            id(b),
            1u32 << slots,
            size * 8
        );
    }
    t
}

fn config(c: &Component) -> ComponentConfig {
    let mut aligned = rkyv::util::AlignedVec::<16>::new();
    aligned.extend_from_slice(&c.config);
    rkyv::deserialize::<ComponentConfig, rkyv::rancor::Error>(
        read_component_config(&aligned).unwrap(),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn lowering_keeps_slots_and_mappings_apart(s in spec()) {
        let text = toml(&s);
        let desc = SystemDescription::parse_str("random.toml", &text)
            .unwrap_or_else(|r| panic!("{}\n{text}", common::render(&r)));
        let m = desc.manifest();
        for (i, c) in m.components.iter().enumerate() {
            let slots: BTreeSet<u32> = c.grants.iter().map(|g| g.slot).collect();
            prop_assert_eq!(slots.len(), c.grants.len(), "two grants share a slot in component {}", i);
            prop_assert!(slots.iter().all(|&s| (layout::slot::FIRST_GRANT..=layout::MAX_SLOT).contains(&s)));

            let mut maps: Vec<&Mapping> = c.mappings.iter().collect();
            maps.sort_by_key(|m| m.vaddr);
            for mp in &maps {
                prop_assert!(mp.vaddr % PAGE_SIZE == 0 && mp.bytes % PAGE_SIZE == 0 && mp.bytes > 0);
                prop_assert!(mp.vaddr >= vaddr::SHARED && mp.vaddr + mp.bytes <= vaddr::END);
                let area_end = if matches!(mp.source, MappingSource::Region(_)) { vaddr::DEVICE } else { vaddr::END };
                prop_assert!(mp.vaddr + mp.bytes <= area_end);
            }
            for w in maps.windows(2) {
                // Not overlapping, and an unmapped page between neighbours.
                prop_assert!(w[0].vaddr + w[0].bytes + PAGE_SIZE <= w[1].vaddr, "mappings too close: {:?}", w);
            }

            let cfg = config(c);
            prop_assert_eq!(cfg.index as usize, i);
            let ids: BTreeSet<u8> = cfg.channels.iter().map(|e| e.id).chain(cfg.irqs.iter().map(|q| q.channel)).collect();
            prop_assert_eq!(ids.len(), cfg.channels.len() + cfg.irqs.len(), "channel id used twice");
            prop_assert!(ids.iter().all(|&id| id < layout::MAX_CHANNELS));
            // Every notification capability signals a channel its target knows as a notification end.
            for g in &c.grants {
                if let GrantedCap::Notification { target, badge } = g.cap {
                    let peer = config(&m.components[target as usize]);
                    let id = badge.trailing_zeros() as u8;
                    let known = peer.channels.iter().any(|e| {
                        e.id == id && e.peer == c.name && matches!(e.kind, ChannelEndKind::Notification { .. })
                    });
                    prop_assert!(known, "component {} signals an id its target does not know", i);
                }
            }
        }
        // Wasm components run the Wasm runtime with their crate's module.
        let programs = desc.programs();
        let crates = desc.wasm_modules();
        for (i, c) in m.components.iter().enumerate() {
            let cfg = config(c);
            let program = programs[c.program as usize].as_str();
            match s.wasm[i] {
                None => {
                    prop_assert!(cfg.wasm.is_none() && c.wasm_module.is_none());
                    prop_assert_ne!(program, WASM_RUNTIME_PROGRAM);
                }
                Some(k) => {
                    let w = cfg.wasm.unwrap();
                    prop_assert_eq!(&w.module, &format!("m{k}"));
                    prop_assert!(w.memory_limit_bytes.is_multiple_of(64 << 10));
                    prop_assert!(w.memory_limit_bytes + (1 << 20) <= c.heap_bytes);
                    prop_assert_eq!(program, WASM_RUNTIME_PROGRAM);
                    prop_assert_eq!(&crates[c.wasm_module.unwrap() as usize], &w.module);
                }
            }
        }
        prop_assert_eq!(programs.iter().filter(|p| *p == WASM_RUNTIME_PROGRAM).count(), usize::from(s.wasm.iter().any(Option::is_some)));

        // Lowering with one module per crate stores each crate once.
        let elves = common::build_programs("prop", &programs, |i| common::good_elf(i as u8));
        let cwasm: BTreeMap<String, Vec<u8>> = desc
            .wasm_components()
            .into_iter()
            .map(|w| (w.component, format!("cwasm of {}", w.module).into_bytes()))
            .collect();
        let image = desc.lower(&elves, &cwasm).unwrap_or_else(|r| panic!("{}", common::render(&r)));
        prop_assert_eq!(image.wasm_modules.iter().map(|w| w.name.clone()).collect::<Vec<_>>(), crates);
        for c in &image.manifest.components {
            if let Some(w) = config(c).wasm {
                prop_assert_eq!(&image.wasm_modules[c.wasm_module.unwrap() as usize].name, &w.module);
            }
        }

        // Deterministic.
        let again = SystemDescription::parse_str("random.toml", &text).unwrap();
        prop_assert_eq!(again.manifest(), m);
    }
}
