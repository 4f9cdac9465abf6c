//! `console_output`: the unprefixed console output a component may write,
//! `console_output = ["raw", "text"]`. Without it every line it logs is
//! printed with its level and name, so it cannot pass for another's.

use crate::diag::{Collector, Problem};
use crate::model::{ConsoleOutput, Sp, F};
use crate::toml_reader::{self, backticked, closest, Table};

/// The words of `console_output`.
const WORDS: &[&str] = &["raw", "text"];

/// `console_output` of component `o`: nothing granted when absent.
pub(super) fn console_output(
    o: &Table,
    here: &crate::diag::Span,
    c: &mut Collector,
) -> F<ConsoleOutput> {
    let Some(v) = o.get("console_output") else {
        return Some(Sp { v: ConsoleOutput::default(), span: here.clone() });
    };
    let what = format!("`console_output` of {}", o.what);
    let mut out = ConsoleOutput::default();
    let mut readable = true;
    let mut seen: Vec<Sp<String>> = Vec::new();
    for item in toml_reader::array(v, &what, c) {
        let Some(word) = toml_reader::string(item, &format!("an item of {what}"), c) else {
            readable = false;
            continue;
        };
        let flag = match word.v.as_str() {
            "raw" => &mut out.raw,
            "text" => &mut out.text,
            other => {
                let list = backticked(WORDS);
                c.push(
                    Problem::new(
                        "console_output_unknown",
                        format!("{what} names `{other}`, which is not a kind of console output"),
                    )
                    .label(&word.span, "unknown kind")
                    .help(match closest(other, WORDS) {
                        Some(best) => format!("did you mean `{best}`? The kinds are {list}"),
                        None => format!(
                            "use {list}: \"raw\" prints whole lines as written, \"text\" prints text without a line end"
                        ),
                    }),
                );
                readable = false;
                continue;
            }
        };
        if let Some(first) = seen.iter().find(|s| s.v == word.v) {
            c.push(
                Problem::new("console_output_twice", format!("{what} names `{}` twice", word.v))
                    .label(&word.span, "again")
                    .label(&first.span, "first here")
                    .help("name each kind once: remove one"),
            );
            readable = false;
        }
        *flag = true;
        seen.push(word);
    }
    let is_array = matches!(v.get_ref(), toml::de::DeValue::Array(_));
    (readable && is_array).then_some(Sp { v: out, span: v.span() })
}
