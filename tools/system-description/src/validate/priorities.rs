//! Priorities along protected calls: a callee never runs below its caller,
//! so a call never waits on a lower-priority thread.

use crate::diag::{Collector, Problem};
use crate::model::{ChannelKind, Model};

use super::references::Links;
use super::{component_name, name_or_unknown};

/// Every protected call's callee has at least its caller's priority.
pub(super) fn check(m: &Model, links: &Links, c: &mut Collector) {
    for (ch, joined) in m.channels.iter().zip(&links.channels) {
        let (Some([a, b]), Some(ends)) = (joined, &ch.ends) else { continue };
        if ch.kind.as_ref().map(|k| k.v) != Some(ChannelKind::ProtectedCall) {
            continue;
        }
        let (Some(pa), Some(pb)) = (&m.components[*a].priority, &m.components[*b].priority) else {
            continue;
        };
        if pb.v >= pa.v {
            continue;
        }
        let (caller, callee) = (component_name(m, *a), component_name(m, *b));
        c.push(
            Problem::new(
                "callee_priority_below_caller",
                format!(
                    "in channel `{}` the callee `{callee}` (priority {}) runs below its caller `{caller}` (priority {})",
                    name_or_unknown(&ch.name),
                    pb.v,
                    pa.v
                ),
            )
            .label(&ends[1].span, "callee")
            .label(&pb.span, "callee's priority")
            .label(&pa.span, "caller's priority")
            .help(format!(
                "a server never runs below its clients, so a call never waits on a lower-priority thread: raise `{callee}` to at least {} or lower `{caller}`",
                pa.v
            )),
        );
    }
}
