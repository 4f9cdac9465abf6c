//! The manifest: each component's entry, with its config archived, and the
//! system's regions, channels and console.

use std::collections::BTreeMap;

use system_manifest::layout::vaddr;
use system_manifest::{
    ChannelEnd, Component, Console, ControlGrant, RestartPolicy, SystemManifest,
};

use crate::diag::{Collector, Problem};
use crate::model::{self, ok, Control, Lifetime, Restart, Targets, Verb};

use super::build::{Build, Plan};
use super::{programs, wasm_modules};

/// The manifest of plan `p`, named after `source_name`.
pub(super) fn manifest(
    p: Plan,
    console: Option<Console>,
    source_name: &str,
    c: &mut Collector,
) -> SystemManifest {
    let (programs, wasm_modules) = (programs(p.m), wasm_modules(p.m));
    let names = p.names.clone();
    let components =
        p.m.components
            .iter()
            .zip(p.builds)
            .map(|(comp, b)| component(comp, b, &programs, &wasm_modules, &names, c))
            .collect();
    SystemManifest {
        name: ok(&p.m.name),
        source: source_name.to_string(),
        components,
        regions: p.regions,
        channels: p.channels,
        console,
    }
}

/// The manifest entry of `comp`, with what `b` assigned it.
fn component(
    comp: &model::Component,
    mut b: Build,
    programs: &[String],
    wasm_modules: &[String],
    names: &BTreeMap<String, usize>,
    c: &mut Collector,
) -> Component {
    b.cfg.channels.sort_by_key(|e: &ChannelEnd| e.id);
    let config = config(comp, &b, c);
    let program = ok(&comp.program);
    Component {
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
        control: comp.control.as_ref().map(|control| control_grant(control, names)),
    }
}

/// The verbs of `control`, each with the indices of its components
/// (`names`: component name → index), sorted and distinct.
fn control_grant(control: &Control, names: &BTreeMap<String, usize>) -> ControlGrant {
    let mut grant = ControlGrant::default();
    for verb in &control.verbs {
        let mut targets: Vec<u32> = match &verb.targets.v {
            Targets::Every => (0..names.len() as u32).collect(),
            Targets::Named(named) => named.iter().map(|n| names[&n.v] as u32).collect(),
        };
        targets.sort_unstable();
        targets.dedup();
        *match verb.verb {
            Verb::Info => &mut grant.info,
            Verb::Restart => &mut grant.restart,
            Verb::Start => &mut grant.start,
            Verb::Stop => &mut grant.stop,
        } = targets;
    }
    grant
}

/// The archived config of `comp`; reported if it does not fit its page
/// range.
fn config(comp: &model::Component, b: &Build, c: &mut Collector) -> Vec<u8> {
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
    config
}
