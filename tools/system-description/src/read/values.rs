//! The kinds of value the description uses in many tables: names, channel
//! ids and sizes.

use system_manifest::layout::{self, PAGE_SIZE};
use toml::de::DeValue;

use crate::diag::{Collector, Problem};
use crate::limits::MAX_NAME_LEN;
use crate::model::{Sp, F};
use crate::toml_reader::{self, Value};
use crate::units::{human, parse_size, Size};

/// A name: 1 to 64 ASCII letters, digits, `-`, `_` or `.`, starting with
/// a letter or digit.
pub(super) fn name(v: &Value, what: &str, c: &mut Collector) -> F<String> {
    let s = toml_reader::string(v, what, c)?;
    let valid = !s.v.is_empty()
        && s.v.len() <= MAX_NAME_LEN
        && s.v.starts_with(|ch: char| ch.is_ascii_alphanumeric())
        && s.v.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
    if !valid {
        c.push(
            Problem::new("invalid_name", format!("{what} `{}` is not a valid name", s.v))
                .label(&s.span, "invalid name")
                .help(format!("use 1 to {MAX_NAME_LEN} ASCII letters, digits, `-`, `_` or `.`, starting with a letter or digit")),
        );
        return None;
    }
    Some(s)
}

/// A channel id: `0..layout::MAX_CHANNELS`.
pub(super) fn channel_id(v: &Value, what: &str, c: &mut Collector) -> F<u8> {
    let max = i128::from(layout::MAX_CHANNELS) - 1;
    let out = |n| {
        Problem::new(
            "channel_id_too_large",
            format!(
                "{what} is {n}: channel ids are 0..={max} (layout::MAX_CHANNELS is {})",
                layout::MAX_CHANNELS
            ),
        )
        .help(format!("pick an id in 0..={max} that this component does not use yet"))
    };
    toml_reader::int_in(v, what, 0, max, out, c)
}

/// A size in bytes: an integer or a string `"N"`, `"N B"`, `"N KiB"`,
/// `"N MiB"`, `"N GiB"`; must be a nonzero page multiple no larger than `max`.
pub(super) fn size(v: &Value, what: &str, max: u64, c: &mut Collector) -> F<u64> {
    let bytes = bytes(v, what, c)?;
    let span = &bytes.span;
    let too_large = |shown: String| {
        Problem::new(
            "size_too_large",
            format!("{what} ({shown}) is larger than the layout allows ({})", human(max)),
        )
        .label(span, "too large")
        .help(format!("use at most {} ({max} bytes)", human(max)))
    };
    // Too large before unaligned: rounding up a huge value would overflow.
    let problem = match bytes.v {
        Size::Huge => too_large(format!("`{}`, more than 2^64 bytes", written(v))),
        Size::Bytes(0) => Problem::new("size_zero", format!("{what} is zero"))
            .label(span, "zero bytes")
            .help(format!("give a nonzero multiple of the page size ({PAGE_SIZE} bytes)")),
        Size::Bytes(n) if n > max => too_large(human(n)),
        Size::Bytes(n) if !n.is_multiple_of(PAGE_SIZE) => {
            let up = n.div_ceil(PAGE_SIZE) * PAGE_SIZE;
            Problem::new(
                "size_not_page_multiple",
                format!(
                    "{what} ({n} bytes) is not a multiple of the page size ({PAGE_SIZE} bytes)"
                ),
            )
            .label(span, "not a page multiple")
            .help(format!("round it up to {} ({up} bytes)", human(up)))
        }
        Size::Bytes(n) => return Some(Sp { v: n, span: bytes.span }),
    };
    c.push(problem);
    None
}

/// `v` as written, for a message (a string without its quotes).
fn written(v: &Value) -> String {
    match v.get_ref() {
        DeValue::String(s) => s.to_string(),
        DeValue::Integer(i) => i.as_str().to_string(),
        other => other.type_str().to_string(),
    }
}

/// A number of bytes, written as an integer or a string with a unit.
fn bytes(v: &Value, what: &str, c: &mut Collector) -> F<Size> {
    let size = match v.get_ref() {
        DeValue::Integer(_) => {
            let n = toml_reader::integer(v, what, c)?;
            if n.v < 0 {
                c.push(
                    Problem::new("invalid_size", format!("{what} is {}, not a size in bytes", n.v))
                        .label(&n.span, "not a size")
                        .help("write a positive size such as `4096` or `\"64 KiB\"`"),
                );
                return None;
            }
            u64::try_from(n.v).map_or(Size::Huge, Size::Bytes)
        }
        DeValue::String(s) => match parse_size(s) {
            Some(size) => size,
            None => {
                c.push(
                    Problem::new("invalid_size", format!("{what} `{s}` is not a size"))
                        .label(&v.span(), "not a size")
                        .help("write an integer number of bytes or a string such as \"64 KiB\", \"2 MiB\" or \"1 GiB\""),
                );
                return None;
            }
        },
        _ => {
            toml_reader::wrong_type(v, what, "a size (bytes, or a string like \"64 KiB\")", c);
            return None;
        }
    };
    Some(Sp { v: size, span: v.span() })
}
