//! The manifest: each component's entry, with its config archived, and the
//! system's regions, channels and console.

use system_manifest::layout::vaddr;
use system_manifest::{ChannelEnd, Component, Console, RestartPolicy, SystemManifest};

use crate::diag::{Collector, Problem};
use crate::model::{self, ok, Lifetime, Restart};

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
    let count = p.m.components.len() as u32;
    let components =
        p.m.components
            .iter()
            .zip(p.builds)
            .map(|(comp, b)| component(comp, b, &programs, &wasm_modules, count, c))
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
    count: u32,
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
        // Interim: `control = true` grants every verb on every component.
        control: ok(&comp.control).then(|| {
            let all: Vec<u32> = (0..count).collect();
            system_manifest::ControlGrant {
                info: all.clone(),
                restart: all.clone(),
                start: all.clone(),
                stop: all,
            }
        }),
    }
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
