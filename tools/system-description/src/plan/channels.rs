//! Channels: a protected call gives the caller an endpoint capability to
//! the callee; a notification channel gives each end a notification
//! capability to the other.

use system_manifest::layout::badge;
use system_manifest::{ChannelEnd, ChannelEndKind, ChannelInfo, ChannelKindInfo, GrantedCap};

use crate::diag::Collector;
use crate::model::{ok, Channel, ChannelKind};

use super::build::Plan;

/// The endpoint capability of each protected call's caller.
pub(super) fn protected_calls(p: &mut Plan, c: &mut Collector) {
    for ch in of_kind(p, ChannelKind::ProtectedCall) {
        let ends = ch.ends.as_ref().unwrap();
        let ((a, ida), (b, idb)) = (p.end(&ends[0]), p.end(&ends[1]));
        let cap = GrantedCap::Endpoint { server: b as u32, badge: badge::protected_call(idb) };
        let s = p.builds[a].grant(cap, &ch.span, c);
        let (name_a, name_b) = (p.name(a), p.name(b));
        let caller = ChannelEndKind::Caller { slot: s };
        p.builds[a].cfg.channels.push(ChannelEnd { id: ida, peer: name_b, kind: caller });
        let callee = ChannelEndKind::Callee;
        p.builds[b].cfg.channels.push(ChannelEnd { id: idb, peer: name_a, kind: callee });
        p.channels.push(ChannelInfo {
            name: ok(&ch.name),
            kind: ChannelKindInfo::ProtectedCall,
            ends: [(a as u32, ida), (b as u32, idb)],
        });
    }
}

/// The notification capabilities of each notification channel, both ways.
pub(super) fn notifications(p: &mut Plan, c: &mut Collector) {
    for ch in of_kind(p, ChannelKind::Notification) {
        let ends = ch.ends.as_ref().unwrap();
        let (a, b) = (p.end(&ends[0]), p.end(&ends[1]));
        p.notify(a, b, &ch.span, c);
        p.notify(b, a, &ch.span, c);
        p.channels.push(ChannelInfo {
            name: ok(&ch.name),
            kind: ChannelKindInfo::Notification,
            ends: [(a.0 as u32, a.1), (b.0 as u32, b.1)],
        });
    }
}

/// The channels of `kind`, in description order.
fn of_kind<'m>(p: &Plan<'m>, kind: ChannelKind) -> impl Iterator<Item = &'m Channel> + use<'m> {
    p.m.channels.iter().filter(move |ch| ok(&ch.kind) == kind)
}
