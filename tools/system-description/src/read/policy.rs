//! A component's lifetime and its restart policy.

use toml::de::DeValue;

use crate::diag::{Collector, Problem, Span};
use crate::limits::DEFAULT_MAX_RESTARTS;
use crate::model::{Lifetime, Restart, Sp, F};
use crate::toml_reader::{self, Reader, Value};

const RESTART_KEYS: &[&str] = &["policy", "max"];

/// `lifetime = "service" | "task"` of component `what`.
pub(super) fn lifetime(v: &Value, what: &str, c: &mut Collector) -> F<Lifetime> {
    let s = toml_reader::string(v, &format!("the lifetime of {what}"), c)?;
    let lifetime = match s.v.as_str() {
        "service" => Lifetime::Service,
        "task" => Lifetime::Task,
        other => {
            c.push(
                Problem::new("invalid_lifetime", format!("the lifetime of {what} is \"{other}\""))
                    .label(&s.span, "unknown lifetime")
                    .help("use lifetime = \"task\" (runs to completion and exits) or \"service\" (runs for ever, the default)"),
            );
            return None;
        }
    };
    Some(Sp { v: lifetime, span: s.span })
}

/// `restart` of component `what`: a policy's name, or a table
/// `{ policy = "restart", max = N }`.
pub(super) fn restart(r: &Reader, v: &Value, what: &str, c: &mut Collector) -> F<Restart> {
    match v.get_ref() {
        DeValue::String(s) => {
            let Some(policy) = policy(s) else {
                unknown_policy(what, &v.span(), &format!("`{s}`"), c);
                return None;
            };
            Some(Sp { v: policy, span: v.span() })
        }
        DeValue::Table(_) => restart_table(r, v, what, c),
        _ => {
            toml_reader::wrong_type(
                v,
                &format!("the restart policy of {what}"),
                "a string or a table",
                c,
            );
            None
        }
    }
}

/// `restart = { policy = "...", max = N }`: `max` only with "restart".
fn restart_table(r: &Reader, v: &Value, what: &str, c: &mut Collector) -> F<Restart> {
    let o = toml_reader::table(v, &format!("the restart policy of {what}"), c)?;
    o.check_keys(RESTART_KEYS, c);
    let p = r.req(&o, "policy", "policy = \"restart\"", c)?;
    let s = toml_reader::string(p, "`policy`", c)?;
    let Some(mut policy) = policy(&s.v) else {
        unknown_policy(what, &s.span, &format!("`{}`", s.v), c);
        return None;
    };
    if let Some(m) = o.get("max") {
        let Restart::Restart { max } = &mut policy else {
            c.push(
                Problem::new(
                    "unknown_key",
                    format!("`max` only applies to policy \"restart\" ({what})"),
                )
                .label(&m.span(), "not used by this policy")
                .help("remove `max`, or use policy = \"restart\""),
            );
            return None;
        };
        *max = toml_reader::plain_int::<u32>(m, "`max`", 0, u32::MAX.into(), c)?.v;
    }
    Some(Sp { v: policy, span: v.span() })
}

/// The policy named `name`, restarting at most `DEFAULT_MAX_RESTARTS`
/// times for "restart".
fn policy(name: &str) -> Option<Restart> {
    match name {
        "restart" => Some(Restart::Restart { max: DEFAULT_MAX_RESTARTS }),
        "stop" => Some(Restart::Stop),
        "halt-system" => Some(Restart::HaltSystem),
        _ => None,
    }
}

fn unknown_policy(what: &str, span: &Span, got: &str, c: &mut Collector) {
    c.push(
        Problem::new("invalid_restart_policy", format!("the restart policy of {what} is {got}"))
            .label(span, "unknown policy")
            .help(
                "use \"restart\", \"stop\", \"halt-system\" or { policy = \"restart\", max = 3 }",
            ),
    );
}
