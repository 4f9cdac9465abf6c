//! `control`: the control verbs a component may use on the root task's
//! control channel, each granted on every component (`"*"`) or on a list
//! of them: `control = { info = "*", restart = ["kv", "calculator"] }`.
//! Whether the named components exist is checked in `validate::control`.

use toml::de::DeValue;

use crate::diag::{Collector, Problem};
use crate::model::{Control, Sp, Targets, Verb, VerbGrant};
use crate::toml_reader::{self, Table, Value};

use super::values;

/// What to write, shown when `control` is not a table of verbs.
const EXAMPLE: &str =
    "control = { info = \"*\", restart = [\"kv\", \"calculator\"], start = [\"kv\"], stop = [\"kv\"] }";

/// `control` of component `o`, if given.
pub(super) fn control(o: &Table, c: &mut Collector) -> Option<Control> {
    let v = o.get("control")?;
    let what = format!("`control` of {}", o.what);
    match v.get_ref() {
        DeValue::Boolean(b) => {
            c.push(boolean(&what, *b, v));
            return None;
        }
        DeValue::Table(_) => {}
        _ => {
            let expected = "a table of verbs (`info`, `restart`, `start`, `stop`)";
            toml_reader::wrong_type(v, &what, expected, c);
            return None;
        }
    }
    let t = toml_reader::table(v, &what, c)?;
    let keys: Vec<&str> = Verb::ALL.iter().map(|verb| verb.key()).collect();
    t.check_keys(&keys, c);
    let mut verbs = Vec::new();
    for verb in Verb::ALL {
        let Some(targets) = t.get(verb.key()) else { continue };
        let what = format!("`control.{}` of {}", verb.key(), o.what);
        if let Some(targets) = self::targets(targets, &what, c) {
            verbs.push(VerbGrant { verb, targets });
        }
    }
    let grants_something = verbs.iter().any(|g| match &g.targets.v {
        Targets::Every => true,
        Targets::Named(names) => !names.is_empty(),
    });
    // An unreadable verb is reported already; saying the grant is empty
    // would be noise.
    if !grants_something && verbs.len() == t.t.len() {
        c.push(
            Problem::new(
                "control_grants_nothing",
                format!("{what} grants no verb on any component"),
            )
            .label(&v.span(), "grants nothing")
            .help(format!(
                "grant at least one verb on a component, e.g. {EXAMPLE}; or remove `control` \
                 (then the component has no control channel)"
            )),
        );
        return None;
    }
    Some(Control { span: v.span(), verbs })
}

/// The problem of `control = true` or `false`, the form that granted
/// every verb on every component.
fn boolean(what: &str, b: bool, v: &Value) -> Problem {
    let p = Problem::new(
        "control_is_boolean",
        format!("{what} is `{b}`: control is granted per verb and per component"),
    )
    .label(&v.span(), "a table of verbs is expected here");
    if b {
        p.help(format!(
            "write the verbs it may use and on which components (\"*\" for all): {EXAMPLE} \
             (the verbs are `info` for ps and stats, `restart`, `start` and `stop`)"
        ))
    } else {
        p.help("remove `control`: a component has no control channel unless it is given")
    }
}

/// The targets of one verb (named `what`): `"*"` or a list of distinct
/// component names.
fn targets(v: &Value, what: &str, c: &mut Collector) -> Option<Sp<Targets>> {
    let items = match v.get_ref() {
        DeValue::String(s) if s == "*" => return Some(Sp { v: Targets::Every, span: v.span() }),
        DeValue::Array(items) => items,
        DeValue::String(s) => {
            c.push(
                Problem::new(
                    "control_targets_invalid",
                    format!("{what} is `{s}`, not a list of components or \"*\""),
                )
                .label(&v.span(), "a list or \"*\" is expected here")
                .help(format!(
                    "write a list of component names (`[\"{s}\"]`), or \"*\" for every component"
                )),
            );
            return None;
        }
        _ => {
            let expected = "a list of component names such as `[\"kv\"]`, or \"*\"";
            toml_reader::wrong_type(v, what, expected, c);
            return None;
        }
    };
    let mut names: Vec<Sp<String>> = Vec::new();
    let mut readable = true;
    for item in items {
        let Some(name) = values::name(item, &format!("a component of {what}"), c) else {
            readable = false;
            continue;
        };
        if let Some(first) = names.iter().find(|n| n.v == name.v) {
            c.push(
                Problem::new(
                    "control_target_twice",
                    format!("{what} names component `{}` twice", name.v),
                )
                .label(&name.span, "again")
                .label(&first.span, "first here")
                .help("name each component once: remove one"),
            );
            readable = false;
            continue;
        }
        names.push(name);
    }
    readable.then_some(Sp { v: Targets::Named(names), span: v.span() })
}
