//! Lowering a valid description: grants, slots, badges, mappings, configs,
//! programs; the rkyv round trip; determinism; and the ELF checks.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use system_description::*;
use system_manifest::layout::{badge, ring_region_bytes, slot, vaddr, PAGE_SIZE};
use system_manifest::*;

fn example() -> SystemDescription {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valid/example.toml");
    SystemDescription::load(&path).unwrap_or_else(|r| panic!("{}", render(&r)))
}

fn lowered() -> BootImage {
    let desc = example();
    let elves = build_programs("ok", &desc.programs(), |i| good_elf(i as u8));
    desc.lower(&elves, &BTreeMap::new()).unwrap_or_else(|r| panic!("{}", render(&r)))
}

#[test]
fn names_and_programs() {
    let desc = example();
    assert_eq!(desc.name(), "example");
    assert_eq!(desc.component_names(), ["server", "client", "serial", "consumer"]);
    assert_eq!(desc.programs(), ["example-server", "example-client", "serial-driver"]);
}

#[test]
fn grants_slots_and_badges() {
    let image = lowered();
    assert_eq!(image.format_version, FORMAT_VERSION);
    let m = &image.manifest;
    let c: Vec<&Component> = m.components.iter().collect();
    assert_eq!(c.iter().map(|c| c.program).collect::<Vec<_>>(), [0, 1, 2, 1]);
    assert_eq!(c.iter().map(|c| c.priority).collect::<Vec<_>>(), [150, 100, 200, 100]);
    assert_eq!(c[0].restart, RestartPolicy::Restart { max_restarts: 5 });
    assert_eq!(c[1].restart, RestartPolicy::Restart { max_restarts: 3 });
    assert_eq!(c[2].restart, RestartPolicy::HaltSystem);
    assert_eq!(c[3].restart, RestartPolicy::Stop);
    assert_eq!((c[1].stack_bytes, c[1].heap_bytes), (128 * 1024, 1024 * 1024));
    assert_eq!((c[0].stack_bytes, c[0].heap_bytes), (64 * 1024, 256 * 1024));

    let s = slot::FIRST_GRANT;
    // server: signals the client on the client's id (1).
    assert_eq!(
        c[0].grants,
        [Grant {
            slot: s,
            cap: GrantedCap::Notification { target: 1, badge: badge::notification(1) }
        }]
    );
    // client: calls the server (server's id 3), then signals it (server's id 5).
    assert_eq!(
        c[1].grants,
        [
            Grant {
                slot: s,
                cap: GrantedCap::Endpoint { server: 0, badge: badge::protected_call(3) }
            },
            Grant {
                slot: s + 1,
                cap: GrantedCap::Notification { target: 0, badge: badge::notification(5) }
            },
        ]
    );
    // serial: ring signal to the consumer (consumer's ring channel 2), IO ports, IRQ.
    assert_eq!(
        c[2].grants,
        [
            Grant {
                slot: s,
                cap: GrantedCap::Notification { target: 3, badge: badge::notification(2) }
            },
            Grant { slot: s + 1, cap: GrantedCap::IoPorts { first: 0x3f8, last: 0x3ff } },
            Grant {
                slot: s + 2,
                cap: GrantedCap::Irq {
                    irq: IrqSource::IoApic {
                        ioapic: 0,
                        pin: 4,
                        level_triggered: false,
                        active_low: false,
                        vector: 4
                    },
                    badge: badge::notification(10),
                },
            },
        ]
    );
    // consumer: ring signal to the producer (producer's ring channel 1).
    assert_eq!(
        c[3].grants,
        [Grant {
            slot: s,
            cap: GrantedCap::Notification { target: 2, badge: badge::notification(1) }
        }]
    );
}

#[test]
fn mappings_regions_and_channels() {
    let image = lowered();
    let m = &image.manifest;
    let bytes = ring_region_bytes(256, 64);
    assert_eq!(m.regions, [SharedRegion { name: "packets".into(), bytes }]);
    let ring_map = Mapping {
        source: MappingSource::Region(0),
        vaddr: vaddr::SHARED,
        bytes,
        writable: true,
        cached: true,
    };
    assert_eq!(
        m.components[2].mappings,
        [
            ring_map.clone(),
            Mapping {
                source: MappingSource::Device { paddr: 0xfed0_0000 },
                vaddr: vaddr::DEVICE,
                bytes: PAGE_SIZE,
                writable: true,
                cached: false
            },
        ]
    );
    assert_eq!(m.components[3].mappings, [ring_map]);
    assert!(m.components[0].mappings.is_empty());
    assert_eq!(
        m.channels,
        [
            ChannelInfo {
                name: "client-to-server".into(),
                kind: ChannelKindInfo::ProtectedCall,
                ends: [(1, 0), (0, 3)]
            },
            ChannelInfo {
                name: "server-events".into(),
                kind: ChannelKindInfo::Notification,
                ends: [(0, 5), (1, 1)]
            },
            ChannelInfo {
                name: "packets".into(),
                kind: ChannelKindInfo::Ring,
                ends: [(2, 1), (3, 2)]
            },
        ]
    );
}

#[test]
fn component_configs() {
    let image = lowered();
    let m = &image.manifest;
    let s = slot::FIRST_GRANT;
    let client = config(&m.components[1]);
    assert_eq!(client.name, "client");
    assert_eq!(client.index, 1);
    assert_eq!((client.stack_bytes, client.heap_bytes), (128 * 1024, 1024 * 1024));
    assert_eq!(
        client.channels,
        [
            ChannelEnd { id: 0, peer: "server".into(), kind: ChannelEndKind::Caller { slot: s } },
            ChannelEnd {
                id: 1,
                peer: "server".into(),
                kind: ChannelEndKind::Notification { slot: s + 1 }
            },
        ]
    );
    let server = config(&m.components[0]);
    assert_eq!(
        server.channels,
        [
            ChannelEnd { id: 3, peer: "client".into(), kind: ChannelEndKind::Callee },
            ChannelEnd {
                id: 5,
                peer: "client".into(),
                kind: ChannelEndKind::Notification { slot: s }
            },
        ]
    );
    let serial = config(&m.components[2]);
    assert_eq!(
        serial.channels,
        [ChannelEnd {
            id: 1,
            peer: "consumer".into(),
            kind: ChannelEndKind::Notification { slot: s }
        }]
    );
    assert_eq!(
        serial.rings,
        [RingEnd {
            name: "packets".into(),
            role: RingRole::Producer,
            vaddr: vaddr::SHARED,
            region_bytes: ring_region_bytes(256, 64),
            slot_count: 256,
            slot_size: 64,
            channel: 1,
            producer_output: Default::default(),
        }]
    );
    assert_eq!(
        serial.io_ports,
        [IoPortGrant { name: "com1".into(), slot: s + 1, first: 0x3f8, last: 0x3ff }]
    );
    assert_eq!(serial.irqs, [IrqEnd { name: "com1".into(), slot: s + 2, channel: 10 }]);
    assert_eq!(
        serial.device_memory,
        [DeviceWindow { name: "hpet".into(), vaddr: vaddr::DEVICE, bytes: PAGE_SIZE }]
    );
    let consumer = config(&m.components[3]);
    assert_eq!(consumer.rings[0].role, RingRole::Consumer);
    assert_eq!(consumer.rings[0].channel, 2);
}

#[test]
fn programs_are_extracted() {
    let image = lowered();
    assert_eq!(image.programs.len(), 3);
    let p = &image.programs[1];
    assert_eq!(p.name, "example-client");
    assert_eq!(p.entry, 0x40_0010);
    assert_eq!(
        p.segments,
        [
            Segment {
                vaddr: 0x40_0000,
                mem_bytes: 0x20,
                access: SegmentAccess::ReadExecute,
                data: vec![0x90, 1, 0xcc, 0xc3]
            },
            Segment {
                vaddr: 0x40_1000,
                mem_bytes: 6,
                access: SegmentAccess::ReadOnly,
                data: b"rodata".to_vec()
            },
            Segment {
                vaddr: 0x40_2000,
                mem_bytes: 0x3000,
                access: SegmentAccess::ReadWrite,
                data: vec![1; 8]
            },
        ]
    );
}

#[test]
fn archive_round_trip_and_determinism() {
    let image = lowered();
    let bytes = boot_image_bytes(&image).unwrap();
    let archived = read_boot_image(&bytes).unwrap();
    assert_eq!(archived.manifest.components.len(), 4);
    assert_eq!(archived.manifest.name.as_str(), "example");
    let back: BootImage = rkyv::deserialize::<BootImage, rkyv::rancor::Error>(archived).unwrap();
    assert_eq!(back, image);

    // Same input, same bytes (fresh parse, fresh ELF files).
    let again = boot_image_bytes(&lowered()).unwrap();
    assert_eq!(&bytes[..], &again[..]);

    // Through a file.
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("system-description-{}-image.rkyv", std::process::id()));
    write_boot_image(&image, &path).unwrap();
    let mut read = rkyv::util::AlignedVec::<16>::new();
    read.extend_from_slice(&std::fs::read(&path).unwrap());
    assert_eq!(&read[..], &bytes[..]);
    assert!(read_boot_image(&read).is_ok());
    std::fs::remove_file(&path).unwrap();

    // A damaged archive is refused.
    let mut bad = bytes.clone();
    let n = bad.len();
    bad[n - 4..].copy_from_slice(&[0xff; 4]);
    assert!(read_boot_image(&bad).is_err());
}

#[test]
fn report_lists_what_was_built() {
    let text = report(&lowered());
    for needle in [
        "system `example`",
        "component 2 `serial`",
        "priority  200",
        "slot  16  notification → `consumer` (channel 2, badge 0x4)",
        "slot  17  IO ports     0x3f8..=0x3ff",
        "slot  16  endpoint     → `server` (call channel 3",
        "map 0x40000000..0x40005000 rw cached   region 0 `packets`",
        "device 0xfed00000",
        "ring           `packets`: `serial`#1 ⇒ `consumer`#2",
        "program 2 `serial-driver`: entry 0x400010",
    ] {
        assert!(text.contains(needle), "report lacks {needle:?}:\n{text}");
    }
}

/// Lowers the example with `bad` as the ELF of `example-client`.
fn lower_with_bad_client(tag: &str, bad: Vec<u8>) -> String {
    let desc = example();
    let elves =
        build_programs(
            tag,
            &desc.programs(),
            |i| {
                if i == 1 {
                    bad.clone()
                } else {
                    good_elf(i as u8)
                }
            },
        );
    render(&desc.lower(&elves, &BTreeMap::new()).unwrap_err())
}

#[test]
fn program_errors() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "wx",
            elf(0x40_0000, &[seg(0x40_0000, PF_R | PF_W | PF_X, &[0xc3], 1)]),
            "is both writable and executable",
        ),
        (
            "unaligned",
            elf(0x40_0010, &[seg(0x40_0010, PF_R | PF_X, &[0xc3], 1)]),
            "does not start on a page boundary",
        ),
        (
            "low",
            elf(0x1000, &[seg(0x1000, PF_R | PF_X, &[0xc3], 1)]),
            "lies outside the program area",
        ),
        (
            "high",
            elf(
                0x40_0000,
                &[
                    seg(0x40_0000, PF_R | PF_X, &[0xc3], 1),
                    seg(0x7ff_f000, PF_R | PF_W, &[], 0x2000),
                ],
            ),
            "lies outside the program area",
        ),
        (
            "overlap",
            elf(
                0x40_0000,
                &[
                    seg(0x40_0000, PF_R | PF_X, &[0xc3], 0x1800),
                    seg(0x40_1000, PF_R | PF_W, &[], 0x10),
                ],
            ),
            "share a page",
        ),
        (
            "entry",
            elf(
                0x40_1000,
                &[seg(0x40_0000, PF_R | PF_X, &[0xc3], 1), seg(0x40_1000, PF_R, &[1], 1)],
            ),
            "is not in an executable segment",
        ),
        ("garbage", b"not an elf at all, just text".to_vec(), "not a 64-bit ELF file"),
    ];
    for (tag, bytes, expect) in cases {
        let rendered = lower_with_bad_client(tag, bytes);
        assert!(rendered.contains(expect), "{tag}: lacks {expect:?}:\n{rendered}");
        assert!(rendered.contains("program `example-client`"), "{tag}: {rendered}");
        assert!(
            rendered.contains("example.toml:14:"),
            "{tag}: does not point at the component's program:\n{rendered}"
        );
    }
}

#[test]
fn missing_and_unreadable_programs() {
    let desc = example();
    let mut elves = build_programs("missing", &desc.programs(), |i| good_elf(i as u8));
    elves.remove("serial-driver");
    elves.insert("example-server".into(), PathBuf::from("/nonexistent/example-server"));
    let rendered = render(&desc.lower(&elves, &BTreeMap::new()).unwrap_err());
    assert!(rendered.contains("2 errors"), "{rendered}");
    assert!(rendered.contains("no ELF file was given for program `serial-driver`"), "{rendered}");
    assert!(
        rendered.contains("cannot read program `example-server` at /nonexistent/example-server"),
        "{rendered}"
    );
}
