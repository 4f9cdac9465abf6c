//! `[[channel]]`: a protected call (`caller` → `callee`) or a notification
//! channel (two `ends`) between two components.

use crate::diag::{Collector, Problem};
use crate::model::{Channel, ChannelKind, End, Sp, F};
use crate::toml_reader::{self, Reader, Table, Value};

use super::end::{end, IdKey};
use super::values;

const CALL_KEYS: &[&str] = &["name", "kind", "caller", "callee"];
const NOTIFICATION_KEYS: &[&str] = &["name", "kind", "ends"];
const ANY_CHANNEL_KEYS: &[&str] = &["name", "kind", "caller", "callee", "ends"];
const NOTIFICATION_ENDS: &str =
    "ends = [ { component = \"a\", id = 0 }, { component = \"b\", id = 0 } ]";

/// Channel `index` (`v`).
pub(super) fn channel(r: &Reader, v: &Value, index: usize, c: &mut Collector) -> Channel {
    let mut ch = Channel { span: v.span(), ..Channel::default() };
    let Some(mut o) = toml_reader::table(v, &format!("channel #{index}"), c) else {
        return ch;
    };
    ch.span = r.head(&o);
    ch.name = r
        .req(&o, "name", "name = \"client-to-server\"", c)
        .and_then(|v| values::name(v, "the channel name", c));
    if let Some(n) = &ch.name {
        o.what = format!("channel `{}`", n.v);
    }
    ch.kind = r
        .req(&o, "kind", "kind = \"protected-call\" (or \"notification\")", c)
        .and_then(|v| kind(v, &o.what, c));
    ch.ends = match ch.kind.as_ref().map(|k| k.v) {
        None => {
            o.check_keys(ANY_CHANNEL_KEYS, c);
            None
        }
        Some(ChannelKind::ProtectedCall) => call_ends(r, &o, c),
        Some(ChannelKind::Notification) => notification_ends(r, &o, c),
    };
    ch
}

/// `kind = "protected-call" | "notification"` of channel `what`.
fn kind(v: &Value, what: &str, c: &mut Collector) -> F<ChannelKind> {
    let s = toml_reader::string(v, "`kind`", c)?;
    let kind = match s.v.as_str() {
        "protected-call" => ChannelKind::ProtectedCall,
        "notification" => ChannelKind::Notification,
        other => {
            c.push(
                Problem::new("invalid_channel_kind", format!("{what} has unknown kind `{other}`"))
                    .label(&s.span, "unknown kind")
                    .help("use \"protected-call\" (with `caller` and `callee`) or \"notification\" (with `ends`)"),
            );
            return None;
        }
    };
    Some(Sp { v: kind, span: s.span })
}

/// A protected call's `[caller, callee]`.
fn call_ends(r: &Reader, o: &Table, c: &mut Collector) -> Option<[End; 2]> {
    let what = &o.what;
    o.check_keys(CALL_KEYS, c);
    let caller = r
        .req(o, "caller", "caller = { component = \"client\", id = 0 }", c)
        .and_then(|v| end(r, v, &format!("the caller of {what}"), IdKey::Id, c));
    let callee = r
        .req(o, "callee", "callee = { component = \"server\", id = 0 }", c)
        .and_then(|v| end(r, v, &format!("the callee of {what}"), IdKey::Id, c));
    Some([caller?, callee?])
}

/// A notification channel's two `ends`.
fn notification_ends(r: &Reader, o: &Table, c: &mut Collector) -> Option<[End; 2]> {
    let what = &o.what;
    o.check_keys(NOTIFICATION_KEYS, c);
    let v = r.req(o, "ends", NOTIFICATION_ENDS, c)?;
    let items = toml_reader::array(v, &format!("the `ends` of {what}"), c);
    let [a, b] = items else {
        c.push(
            Problem::new(
                "wrong_end_count",
                format!("{what} has {} ends; a notification channel has two", items.len()),
            )
            .label(&v.span(), "expected exactly two ends")
            .help(NOTIFICATION_ENDS),
        );
        return None;
    };
    let a = end(r, a, &format!("the first end of {what}"), IdKey::Id, c);
    let b = end(r, b, &format!("the second end of {what}"), IdKey::Id, c);
    Some([a?, b?])
}
