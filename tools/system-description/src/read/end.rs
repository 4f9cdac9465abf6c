//! One end of a channel or ring: `{ component, id }` (a channel) or
//! `{ component, channel }` (a ring).

use crate::diag::Collector;
use crate::model::End;
use crate::toml_reader::{self, Reader, Value};

use super::values;

/// The key that holds an end's channel id.
#[derive(Clone, Copy)]
pub(super) enum IdKey {
    /// A channel's end: `id`.
    Id,
    /// A ring's end: `channel`.
    Channel,
}

impl IdKey {
    fn key(self) -> &'static str {
        match self {
            IdKey::Id => "id",
            IdKey::Channel => "channel",
        }
    }
}

/// End `v`, named `what`.
pub(super) fn end(
    r: &Reader,
    v: &Value,
    what: &str,
    id_key: IdKey,
    c: &mut Collector,
) -> Option<End> {
    let o = toml_reader::table(v, what, c)?;
    let key = id_key.key();
    o.check_keys(&["component", key], c);
    let component = r
        .req(&o, "component", "component = \"name\"", c)
        .and_then(|v| values::name(v, "the component name", c));
    let id = r
        .req(&o, key, &format!("{key} = 0"), c)
        .and_then(|v| values::channel_id(v, &format!("the channel id of {what}"), c));
    Some(End { span: o.span, component, id })
}
