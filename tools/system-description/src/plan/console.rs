//! The console: a log ring from every component (the console itself
//! included) and from the root task to the console component, all
//! signalling it on one channel.

use system_manifest::console::LOG_CHANNEL;
use system_manifest::layout;
use system_manifest::{Console, ConsoleOutput, RingEnd, RingRole};

use crate::diag::{Collector, Span};
use crate::model::ok;

use super::build::{console_output, Plan};

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
    // The console enforces the producer's grant; the root task is trusted.
    let producer_output = match producer {
        Some(p_i) => console_output(ok(&p.m.components[p_i].console_output)),
        None => ConsoleOutput { raw: true, text: true },
    };
    let end = |role, producer_output| RingEnd {
        name: ring_name.clone(),
        role,
        vaddr: 0,
        region_bytes: bytes,
        slot_count: slots,
        slot_size,
        channel: LOG_CHANNEL,
        producer_output,
    };
    let mut reported = false;
    if let Some(producer) = producer {
        p.notify((producer, LOG_CHANNEL), (console, LOG_CHANNEL), why, c);
        let b = &mut p.builds[producer];
        let own_end = end(RingRole::Producer, ConsoleOutput::default());
        b.place_ring_end(region, own_end, why, &mut reported, c);
        b.cfg.log_ring = Some(ring_name.clone());
    }
    // The console never signals a log producer (producers do not wait for
    // space), so it holds no capability per log ring.
    let console_end = end(RingRole::Consumer, producer_output);
    p.builds[console].place_ring_end(region, console_end, why, &mut reported, c);
    region
}
