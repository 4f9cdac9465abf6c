//! Each component's own grants: the control channel to the root task, IO
//! ports, interrupts and device memory.

use system_manifest::layout::badge;
use system_manifest::{
    ChannelEnd, ChannelEndKind, DeviceWindow, GrantedCap, IoPortGrant, IrqEnd, IrqSource,
};

use crate::diag::Collector;
use crate::model::{ok, Controller, Irq};

use super::build::Plan;

/// The control channel of each component given `control`.
pub(super) fn control(p: &mut Plan, c: &mut Collector) {
    for (comp, b) in p.m.components.iter().zip(&mut p.builds) {
        let Some(control) = &comp.control else { continue };
        let s = b.grant(GrantedCap::Control, &control.span, c);
        b.cfg.control_slot = Some(s);
        b.cfg.channels.push(ChannelEnd {
            id: system_manifest::control::CHANNEL,
            peer: system_manifest::control::PEER.to_string(),
            kind: ChannelEndKind::Caller { slot: s },
        });
    }
}

pub(super) fn io_ports(p: &mut Plan, c: &mut Collector) {
    for (comp, b) in p.m.components.iter().zip(&mut p.builds) {
        for io in &comp.io_ports {
            let (first, last) = (ok(&io.first), ok(&io.last));
            let s = b.grant(GrantedCap::IoPorts { first, last }, &io.span, c);
            b.cfg.io_ports.push(IoPortGrant { name: ok(&io.name), slot: s, first, last });
        }
    }
}

/// Each interrupt, signalled on its channel.
pub(super) fn irqs(p: &mut Plan, c: &mut Collector) {
    for (comp, b) in p.m.components.iter().zip(&mut p.builds) {
        for irq in &comp.irqs {
            let channel = ok(&irq.channel);
            let cap = GrantedCap::Irq { irq: source(irq), badge: badge::notification(channel) };
            let s = b.grant(cap, &irq.span, c);
            b.cfg.irqs.push(IrqEnd { name: ok(&irq.name), slot: s, channel });
        }
    }
}

/// Where interrupt `irq` comes from.
fn source(irq: &Irq) -> IrqSource {
    match irq.controller.v {
        Controller::Gic => IrqSource::Gic { irq: number(ok(&irq.gic_irq)) },
        Controller::IoApic => IrqSource::IoApic {
            ioapic: ok(&irq.ioapic),
            pin: number(ok(&irq.pin)),
            level_triggered: ok(&irq.level),
            active_low: ok(&irq.active_low),
            vector: number(ok(&irq.vector)),
        },
    }
}

/// An interrupt number, which validation keeps within its controller's
/// range.
fn number(n: i128) -> u32 {
    u32::try_from(n).expect("validation keeps interrupt numbers in range")
}

/// Each device memory window, mapped into the component's device area.
pub(super) fn device_memory(p: &mut Plan, c: &mut Collector) {
    for (comp, b) in p.m.components.iter().zip(&mut p.builds) {
        for d in &comp.device_memory {
            let bytes = ok(&d.size);
            let Some(vaddr) = b.map_device(ok(&d.paddr), bytes, ok(&d.cached), &d.span, c) else {
                continue;
            };
            b.cfg.device_memory.push(DeviceWindow { name: ok(&d.name), vaddr, bytes });
        }
    }
}
