//! How many components a system may have.

use crate::diag::{Collector, Problem};
use crate::limits::MAX_COMPONENTS;
use crate::model::Model;

/// At most `MAX_COMPONENTS` components.
pub(super) fn components(m: &Model, c: &mut Collector) {
    let Some(extra) = m.components.get(MAX_COMPONENTS) else {
        return;
    };
    c.push(
        Problem::new(
            "too_many_components",
            format!(
                "the system has {} components; at most {MAX_COMPONENTS} are supported",
                m.components.len()
            ),
        )
        .label(&extra.span, format!("component #{MAX_COMPONENTS}, one past the limit"))
        .help(format!("merge or remove components to have at most {MAX_COMPONENTS}")),
    );
}
