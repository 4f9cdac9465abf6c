//! Control grants name components of the system.

use crate::diag::{Collector, Problem};
use crate::model::{Model, Targets};
use crate::toml_reader::closest;

use super::names::ComponentIndex;

/// Reports every component a `control` verb names that is not defined.
pub(super) fn check(m: &Model, by_name: &ComponentIndex, c: &mut Collector) {
    let known: Vec<&str> = by_name.keys().copied().collect();
    for comp in &m.components {
        let Some(control) = &comp.control else { continue };
        for grant in &control.verbs {
            let Targets::Named(names) = &grant.targets.v else { continue };
            for name in names.iter().filter(|n| !by_name.contains_key(n.v.as_str())) {
                let list = crate::toml_reader::backticked(&known);
                c.push(
                    Problem::new(
                        "control_unknown_component",
                        format!(
                            "`control.{}` of {} names component `{}`, which is not defined",
                            grant.verb.key(),
                            comp.what,
                            name.v
                        ),
                    )
                    .label(&name.span, "no such component")
                    .help(match closest(&name.v, &known) {
                        Some(best) => format!("did you mean `{best}`? The components are {list}"),
                        None => format!(
                            "name components of this system ({list}), or \"*\" for every one"
                        ),
                    }),
                );
            }
        }
    }
}
