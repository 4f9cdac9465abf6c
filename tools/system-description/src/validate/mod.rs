//! Checks across items and against the board: the number of components,
//! names, references, channel ids, priorities, the call graph, grants the
//! board cannot give (`hardware`) and resources claimed twice. Reading has
//! checked each value on its own.

mod call_graph;
mod channel_ids;
mod claims;
mod control;
mod count;
mod hardware;
mod names;
mod priorities;
mod references;

use crate::diag::Collector;
use crate::model::{Model, F};
use crate::TargetBoard;

/// Checks `m` for `board` (or for no board in particular). Drops from `m`
/// what the board cannot give (see `hardware`).
pub(crate) fn validate(m: &mut Model, board: Option<&TargetBoard>, c: &mut Collector) {
    hardware::check(m, board, c);
    let m = &*m;
    count::components(m, c);
    let by_name = names::components(m, c);
    names::links(m, c);
    let links = references::resolve(m, &by_name, c);
    control::check(m, &by_name, c);
    channel_ids::check(m, &links, c);
    priorities::check(m, &links, c);
    call_graph::check(m, &links, c);
    claims::check(m, c);
}

/// The name of component `i`, or `?` if it could not be read.
fn component_name(m: &Model, i: usize) -> &str {
    name_or_unknown(&m.components[i].name)
}

/// `name`, or `?` if it could not be read.
fn name_or_unknown(name: &F<String>) -> &str {
    name.as_ref().map_or("?", |n| n.v.as_str())
}
