//! Lowering `[console]` (a log ring from every component and the root task
//! to the console component, all on one reserved channel) and `control`.

mod common;

use std::path::Path;

use common::*;
use system_description::*;
use system_manifest::*;
use system_manifest::{console, control, layout};

fn manifest() -> SystemManifest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valid/console.toml");
    let desc = SystemDescription::load(&path).unwrap_or_else(|r| panic!("{}", render(&r)));
    desc.manifest().clone()
}

#[test]
fn every_component_and_the_root_task_log_to_the_console() {
    let m = manifest();
    let console_index = m.console.as_ref().expect("a console").component as usize;
    assert_eq!(m.components[console_index].name, "console");
    let console_cfg = config(&m.components[console_index]);
    for c in &m.components {
        let cfg = config(c);
        let ring = format!("{}{}", console::LOG_RING_PREFIX, c.name);
        assert_eq!(cfg.log_ring.as_deref(), Some(ring.as_str()), "{} logs to its ring", c.name);
        let producer =
            cfg.rings.iter().find(|r| r.name == ring && r.role == RingRole::Producer).unwrap();
        assert_eq!(producer.channel, console::LOG_CHANNEL);
        let signal = cfg.channels.iter().find(|ch| ch.id == console::LOG_CHANNEL).unwrap();
        assert_eq!(signal.peer, "console");
        let consumer =
            console_cfg.rings.iter().find(|r| r.name == ring && r.role == RingRole::Consumer);
        assert!(consumer.is_some(), "the console consumes {ring}");
    }
    // The root task's ring: a region the console consumes, no producer component.
    let root = &m.regions[m.console.as_ref().unwrap().root_ring_region as usize];
    assert_eq!(root.name, console::ROOT_LOG_RING);
    assert!(console_cfg
        .rings
        .iter()
        .any(|r| r.name == console::ROOT_LOG_RING && r.role == RingRole::Consumer));
    // One signal capability per producer; the console holds none per log ring.
    let console_grants = &m.components[console_index].grants;
    assert_eq!(console_grants.len(), 1, "only its own log signal: {console_grants:?}");
}

#[test]
fn control_grants_a_call_to_the_root_task_on_the_reserved_channel() {
    let m = manifest();
    let shell = m.components.iter().find(|c| c.name == "shell").unwrap();
    let cfg = config(shell);
    let slot = cfg.control_slot.expect("a control slot");
    assert!(shell.grants.iter().any(|g| g.slot == slot && g.cap == GrantedCap::Control));
    let end = cfg.channels.iter().find(|ch| ch.id == control::CHANNEL).unwrap();
    assert_eq!(end.peer, control::PEER);
    assert_eq!(end.kind, ChannelEndKind::Caller { slot });
    let worker = m.components.iter().find(|c| c.name == "worker").unwrap();
    assert_eq!(config(worker).control_slot, None);
    assert!(!worker.grants.iter().any(|g| g.cap == GrantedCap::Control));
    assert_eq!(worker.control, None);
}

#[test]
fn control_grants_each_verb_on_the_components_named_sorted() {
    let m = manifest();
    let shell = m.components.iter().find(|c| c.name == "shell").unwrap();
    // console = 0, shell = 1, worker = 2; `restart = ["worker", "console"]`.
    let grant = shell.control.as_ref().expect("a control grant");
    assert_eq!(grant.info, [0, 1, 2], "info = \"*\" is every component");
    assert_eq!(grant.restart, [0, 2]);
    assert_eq!(grant.start, [] as [u32; 0], "start is not granted");
    assert_eq!(grant.stop, [2]);
}

#[test]
fn console_output_is_granted_to_the_shell_and_enforced_on_the_consoles_end() {
    let m = manifest();
    let console_cfg = config(&m.components[m.console.as_ref().unwrap().component as usize]);
    let producer_output = |ring: &str| {
        console_cfg
            .rings
            .iter()
            .find(|r| r.name == ring && r.role == RingRole::Consumer)
            .unwrap()
            .producer_output
    };
    let both = ConsoleOutput { raw: true, text: true };
    for c in &m.components {
        let granted = if c.name == "shell" { both } else { ConsoleOutput::default() };
        assert_eq!(config(c).console_output, granted, "{}", c.name);
        let ring = format!("{}{}", console::LOG_RING_PREFIX, c.name);
        assert_eq!(producer_output(&ring), granted, "the console's end of {ring}");
        // The producer's own end carries no grant: the console enforces it.
        let own = config(c).rings.into_iter().find(|r| r.name == ring).unwrap();
        assert_eq!(own.producer_output, ConsoleOutput::default());
    }
    assert_eq!(producer_output(console::ROOT_LOG_RING), both, "the root task is trusted");
}

#[test]
fn reserved_ids_are_at_the_top_of_the_range() {
    assert_eq!(console::LOG_CHANNEL, layout::MAX_CHANNELS - 1);
    assert_eq!(control::CHANNEL, layout::MAX_CHANNELS - 2);
}

#[test]
fn the_report_shows_control_and_console_output_grants() {
    let image = BootImage {
        format_version: FORMAT_VERSION,
        manifest: manifest(),
        programs: Vec::new(),
        wasm_modules: Vec::new(),
        keep_running: false,
    };
    let text = report(&image);
    let shell = text.split("component 1 `shell`").nth(1).unwrap();
    let shell = shell.split("\ncomponent 2").next().unwrap();
    assert!(
        shell.contains(
            "control   info every component; restart `console`, `worker`; start none; stop `worker`"
        ),
        "{shell}"
    );
    assert!(shell.contains("output    raw, text"), "{shell}");
    let worker = text.split("component 2 `worker`").nth(1).unwrap();
    assert!(!worker.contains("control  ") && !worker.contains("output  "), "{worker}");
}
