//! Reading a spanned TOML document by hand: every value keeps the span it
//! came from, and a value of the wrong type or out of range is recorded as
//! a problem (and read as `None`) so that reading goes on after it. Knows
//! nothing of what the tables mean: the description's tables are read in
//! `read`.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::{Collector, Problem, Span};
use crate::model::{Sp, F};

/// A value of the document and where it is written.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// A table being read, and how to name it in messages.
pub(crate) struct Table<'a, 'i> {
    pub(crate) t: &'a DeTable<'i>,
    pub(crate) span: Span,
    /// The table as messages name it (`component `shell``).
    pub(crate) what: String,
    /// A second table whose keys are read as if written in `t` (a
    /// component's section for the board being built for); where both give
    /// a key, the overlay's value is read (reporting that is the caller's
    /// business).
    pub(crate) overlay: Option<&'a DeTable<'i>>,
}

impl<'a, 'i> Table<'a, 'i> {
    /// The value of `key`, from the overlay or the table itself.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.overlay.and_then(|t| t.get(key)).or_else(|| self.t.get(key))
    }

    /// The value of optional `key` as `read` reads it, or `default`
    /// (pointing at `span`) when it is absent.
    pub(crate) fn optional<T>(
        &self,
        key: &str,
        default: T,
        span: &Span,
        read: impl FnOnce(&'a Value<'i>) -> F<T>,
    ) -> F<T> {
        match self.get(key) {
            None => Some(Sp { v: default, span: span.clone() }),
            Some(v) => read(v),
        }
    }

    /// Reports every key of the table that is not in `known`, suggesting
    /// the closest known key.
    pub(crate) fn check_keys(&self, known: &[&str], c: &mut Collector) {
        for (key, _) in self.t.iter() {
            let k: &str = key.get_ref();
            if known.contains(&k) {
                continue;
            }
            let list = backticked(known);
            let help = match closest(k, known) {
                Some(best) => {
                    format!("did you mean `{best}`? The keys of {} are {list}", self.what)
                }
                None => format!("remove it; the keys of {} are {list}", self.what),
            };
            c.push(
                Problem::new("unknown_key", format!("unknown key `{k}` in {}", self.what))
                    .label(&key.span(), "not a known key here")
                    .help(help),
            );
        }
    }
}

/// The document being read.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'t> {
    text: &'t str,
}

impl<'t> Reader<'t> {
    pub(crate) fn new(text: &'t str) -> Reader<'t> {
        Reader { text }
    }

    /// The document itself, named `what`.
    pub(crate) fn root<'a, 'i>(&self, doc: &'a Spanned<DeTable<'i>>, what: &str) -> Table<'a, 'i> {
        Table { t: doc.get_ref(), span: doc.span(), what: what.to_string(), overlay: None }
    }

    /// The span to point at for table `o` as a whole: its first line.
    pub(crate) fn head(&self, o: &Table) -> Span {
        let text = self.text;
        let start = o.span.start.min(text.len());
        let end =
            text[start..].find('\n').map_or(text.len(), |n| start + n).min(o.span.end.max(start));
        start..end.max(start)
    }

    /// The value of `key` of `o`, reporting it missing (with `example` as
    /// the fix) when it is not there.
    pub(crate) fn req<'a, 'i>(
        &self,
        o: &Table<'a, 'i>,
        key: &str,
        example: &str,
        c: &mut Collector,
    ) -> Option<&'a Value<'i>> {
        let v = o.get(key);
        if v.is_none() {
            c.push(
                Problem::new("missing_key", format!("{} has no `{key}`", o.what))
                    .label(&self.head(o), format!("`{key}` is required here"))
                    .help(format!("add `{example}`")),
            );
        }
        v
    }
}

/// Reports that `v` (named `what`) is not `expected`.
pub(crate) fn wrong_type(v: &Value, what: &str, expected: &str, c: &mut Collector) {
    c.push(
        Problem::new(
            "wrong_type",
            format!("{what} must be {expected}, not a {}", v.get_ref().type_str()),
        )
        .label(&v.span(), format!("expected {expected}"))
        .help(format!("write {what} as {expected}")),
    );
}

/// `v` as a table named `what`.
pub(crate) fn table<'a, 'i>(
    v: &'a Value<'i>,
    what: &str,
    c: &mut Collector,
) -> Option<Table<'a, 'i>> {
    match v.get_ref() {
        DeValue::Table(t) => {
            Some(Table { t, span: v.span(), what: what.to_string(), overlay: None })
        }
        _ => {
            wrong_type(v, what, "a table", c);
            None
        }
    }
}

/// `v` as an array (empty if it is not one).
pub(crate) fn array<'a, 'i>(v: &'a Value<'i>, what: &str, c: &mut Collector) -> &'a [Value<'i>] {
    match v.get_ref() {
        DeValue::Array(a) => a,
        _ => {
            wrong_type(v, what, "an array", c);
            &[]
        }
    }
}

/// The tables of `[[key]]` in `root`.
pub(crate) fn tables<'a, 'i>(
    root: &Table<'a, 'i>,
    key: &str,
    c: &mut Collector,
) -> &'a [Value<'i>] {
    let Some(v) = root.get(key) else {
        return &[];
    };
    match v.get_ref() {
        DeValue::Array(a) => a,
        _ => {
            c.push(
                Problem::new("wrong_type", format!("`{key}` must be an array of tables"))
                    .label(&v.span(), "not an array of tables")
                    .help(format!("write each one under its own `[[{key}]]` header")),
            );
            &[]
        }
    }
}

pub(crate) fn string(v: &Value, what: &str, c: &mut Collector) -> F<String> {
    match v.get_ref() {
        DeValue::String(s) => Some(Sp { v: s.to_string(), span: v.span() }),
        _ => {
            wrong_type(v, what, "a string", c);
            None
        }
    }
}

pub(crate) fn boolean(v: &Value, what: &str, c: &mut Collector) -> F<bool> {
    match v.get_ref() {
        DeValue::Boolean(b) => Some(Sp { v: *b, span: v.span() }),
        _ => {
            wrong_type(v, what, "`true` or `false`", c);
            None
        }
    }
}

/// An integer; one beyond `i128` (no field takes one) is reported as out
/// of range.
pub(crate) fn integer(v: &Value, what: &str, c: &mut Collector) -> F<i128> {
    let DeValue::Integer(i) = v.get_ref() else {
        wrong_type(v, what, "an integer", c);
        return None;
    };
    let digits: String = i.as_str().chars().filter(|&ch| ch != '_').collect();
    let n = i128::from_str_radix(&digits, i.radix()).ok();
    if n.is_none() {
        c.push(
            Problem::new(
                "integer_too_large",
                format!("{what} is `{}`, far beyond any value it may have", i.as_str()),
            )
            .label(&v.span(), "too large")
            .help(format!("write {what} as a value in its range")),
        );
    }
    Some(Sp { v: n?, span: v.span() })
}

/// `n` if it is in `lo..=hi`; `out` describes the problem otherwise.
pub(crate) fn in_range<T: TryFrom<i128>>(
    n: Sp<i128>,
    lo: i128,
    hi: i128,
    out: impl FnOnce(i128) -> Problem,
    c: &mut Collector,
) -> F<T> {
    if n.v < lo || n.v > hi {
        c.push(out(n.v).label(&n.span, format!("outside {lo}..={hi}")));
        return None;
    }
    Some(Sp { v: T::try_from(n.v).ok()?, span: n.span })
}

/// The problem of integer `what` being `n`, outside `lo..=hi`.
pub(crate) fn out_of_range(what: &str, n: i128, lo: i128, hi: i128) -> Problem {
    Problem::new("value_out_of_range", format!("{what} is {n}, outside {lo}..={hi}"))
        .help(format!("use a value in {lo}..={hi}"))
}

/// An integer in `lo..=hi`; `out` describes the problem otherwise.
pub(crate) fn int_in<T: TryFrom<i128>>(
    v: &Value,
    what: &str,
    lo: i128,
    hi: i128,
    out: impl FnOnce(i128) -> Problem,
    c: &mut Collector,
) -> F<T> {
    in_range(integer(v, what, c)?, lo, hi, out, c)
}

/// An integer in `lo..=hi`, reported as `value_out_of_range` otherwise.
pub(crate) fn plain_int<T: TryFrom<i128>>(
    v: &Value,
    what: &str,
    lo: i128,
    hi: i128,
    c: &mut Collector,
) -> F<T> {
    int_in(v, what, lo, hi, |n| out_of_range(what, n, lo, hi), c)
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn backticked<S: AsRef<str>>(items: &[S]) -> String {
    items.iter().map(|k| format!("`{}`", k.as_ref())).collect::<Vec<_>>().join(", ")
}

/// The known key closest to `key`, if close enough to be a typo.
pub(crate) fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = cur;
        }
    }
    row[b.len()]
}
