//! Channel ids are per component and shared by its channels, rings and
//! interrupts: each id is used once. `[console]` reserves the log channel
//! in every component and `control` the control channel.

use std::collections::BTreeMap;

use system_manifest::layout;

use crate::diag::{Collector, Problem, Span};
use crate::model::{Model, F};

use super::references::Links;
use super::{component_name, name_or_unknown};

/// Checks every component's channel ids, in description order: the
/// reserved ids, then interrupts, channels and rings.
pub(super) fn check(m: &Model, links: &Links, c: &mut Collector) {
    let mut ids = Ids::reserved(m);
    for (i, comp) in m.components.iter().enumerate() {
        for irq in &comp.irqs {
            ids.claim(i, &irq.channel, format!("interrupt `{}`", name_or_unknown(&irq.name)), c);
        }
    }
    for (ch, joined) in m.channels.iter().zip(&links.channels) {
        let (Some([a, b]), Some(ends)) = (joined, &ch.ends) else { continue };
        let what = format!("channel `{}`", name_or_unknown(&ch.name));
        ids.claim(*a, &ends[0].id, what.clone(), c);
        ids.claim(*b, &ends[1].id, what, c);
    }
    for (r, joined) in m.rings.iter().zip(&links.rings) {
        let (Some([p, q]), Some(pe), Some(qe)) = (joined, &r.producer, &r.consumer) else {
            continue;
        };
        let what = format!("ring `{}`", name_or_unknown(&r.name));
        ids.claim(*p, &pe.id, what.clone(), c);
        ids.claim(*q, &qe.id, what, c);
    }
}

/// The channel ids each component uses: where and by what.
struct Ids<'m> {
    m: &'m Model,
    used: Vec<BTreeMap<u8, (Span, String)>>,
}

impl<'m> Ids<'m> {
    /// The ids `[console]` and `control` reserve.
    fn reserved(m: &'m Model) -> Ids<'m> {
        let mut used = vec![BTreeMap::new(); m.components.len()];
        // Every log ring signals the console on one channel.
        if let Some(console) = &m.console {
            let what = "the console's log ring, which `[console]` reserves";
            for ids in used.iter_mut() {
                ids.insert(
                    system_manifest::console::LOG_CHANNEL,
                    (console.span.clone(), what.to_string()),
                );
            }
        }
        for (ids, comp) in used.iter_mut().zip(&m.components) {
            if let Some(control) = &comp.control {
                let what = "the control channel, which `control` reserves";
                ids.insert(
                    system_manifest::control::CHANNEL,
                    (control.span.clone(), what.to_string()),
                );
            }
        }
        Ids { m, used }
    }

    /// Component `comp` uses `id` for `what`; reported if it is used already.
    fn claim(&mut self, comp: usize, id: &F<u8>, what: String, c: &mut Collector) {
        let Some(id) = id else { return };
        let ids = &mut self.used[comp];
        let Some((first, first_what)) = ids.get(&id.v) else {
            ids.insert(id.v, (id.span.clone(), what));
            return;
        };
        let free = (0..layout::MAX_CHANNELS).find(|i| !ids.contains_key(i));
        let comp_name = component_name(self.m, comp);
        c.push(
            Problem::new(
                "channel_id_used_twice",
                format!("component `{comp_name}` uses channel id {} twice ({first_what} and {what})", id.v),
            )
            .label(&id.span, what.clone())
            .label(first, first_what.clone())
            .help(match free {
                Some(f) => format!(
                    "channel ids are per component and shared by its channels, rings and interrupts: use a free id such as {f}"
                ),
                None => "this component has no free channel id left".to_string(),
            }),
        );
    }
}
