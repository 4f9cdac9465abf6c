//! The console: a log ring from every component (the console itself
//! included) and from the root task to the console component, all
//! signalling it on one channel.

use system_manifest::console::LOG_CHANNEL;
use system_manifest::layout;
use system_manifest::{Console, RingEnd, RingRole};

use crate::diag::{Collector, Span};

use super::build::Plan;

/// The log rings, if the system has a console.
pub(super) fn log_rings(p: &mut Plan, c: &mut Collector) -> Option<Console> {
    let console_name = p.m.console.as_ref()?;
    let console = p.index_of(&console_name.v);
    let why = &console_name.span;
    // The console logs to itself too: its own lines take the same path.
    for producer in 0..p.builds.len() {
        log_ring(p, console, Some(producer), why, c);
    }
    let root_ring_region = log_ring(p, console, None, why, c);
    Some(Console { component: console as u32, root_ring_region })
}

/// The log ring of `producer` (`None`: the root task) to `console`;
/// returns its region.
fn log_ring(
    p: &mut Plan,
    console: usize,
    producer: Option<usize>,
    why: &Span,
    c: &mut Collector,
) -> u32 {
    let (slots, slot_size) =
        (system_manifest::console::LOG_SLOTS, system_manifest::console::LOG_SLOT_SIZE);
    let bytes = layout::ring_region_bytes(u64::from(slots), u64::from(slot_size));
    let ring_name = match producer {
        Some(p_i) => format!("{}{}", system_manifest::console::LOG_RING_PREFIX, p.name(p_i)),
        None => system_manifest::console::ROOT_LOG_RING.to_string(),
    };
    let region = p.region(ring_name.clone(), bytes);
    let end = |role| RingEnd {
        name: ring_name.clone(),
        role,
        vaddr: 0,
        region_bytes: bytes,
        slot_count: slots,
        slot_size,
        channel: LOG_CHANNEL,
        producer_output: Default::default(),
    };
    let mut reported = false;
    if let Some(producer) = producer {
        p.notify((producer, LOG_CHANNEL), (console, LOG_CHANNEL), why, c);
        let b = &mut p.builds[producer];
        b.place_ring_end(region, end(RingRole::Producer), why, &mut reported, c);
        b.cfg.log_ring = Some(ring_name.clone());
    }
    // The console never signals a log producer (producers do not wait for
    // space), so it holds no capability per log ring.
    p.builds[console].place_ring_end(region, end(RingRole::Consumer), why, &mut reported, c);
    region
}
