//! Rings: a shared region mapped into both ends, and a notification each
//! way (each end signals the other on the other's ring channel).

use system_manifest::{layout, ChannelInfo, ChannelKindInfo, RingEnd, RingRole};

use crate::diag::Collector;
use crate::model::{ok, Ring};

use super::build::Plan;

pub(super) fn rings(p: &mut Plan, c: &mut Collector) {
    for r in &p.m.rings {
        ring(p, r, c);
    }
}

fn ring(p: &mut Plan, r: &Ring, c: &mut Collector) {
    let producer = p.end(r.producer.as_ref().unwrap());
    let consumer = p.end(r.consumer.as_ref().unwrap());
    let (slots, slot_size) = (ok(&r.slots), ok(&r.slot_size));
    let bytes = layout::ring_region_bytes(u64::from(slots), u64::from(slot_size));
    let name = ok(&r.name);
    let region = p.region(name.clone(), bytes);
    // A ring larger than the whole area is reported once, not per end.
    let mut reported = false;
    for (me, peer, role) in
        [(producer, consumer, RingRole::Producer), (consumer, producer, RingRole::Consumer)]
    {
        p.notify(me, peer, &r.span, c);
        let end = RingEnd {
            name: name.clone(),
            role,
            vaddr: 0,
            region_bytes: bytes,
            slot_count: slots,
            slot_size,
            channel: me.1,
            producer_output: Default::default(),
        };
        p.builds[me.0].place_ring_end(region, end, &r.span, &mut reported, c);
    }
    p.channels.push(ChannelInfo {
        name,
        kind: ChannelKindInfo::Ring,
        ends: [(producer.0 as u32, producer.1), (consumer.0 as u32, consumer.1)],
    });
}
