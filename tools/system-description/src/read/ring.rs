//! `[[ring]]`: a shared-memory ring of fixed-size slots from a producer
//! to a consumer.

use crate::diag::{Collector, Problem};
use crate::limits::{MIN_RING_SLOT_SIZE, RING_SLOT_ALIGN};
use crate::model::{Ring, F};
use crate::toml_reader::{self, Reader, Value};

use super::end::{end, IdKey};
use super::values;

const RING_KEYS: &[&str] = &["name", "producer", "consumer", "slots", "slot_size"];

/// Ring `index` (`v`).
pub(super) fn ring(r: &Reader, v: &Value, index: usize, c: &mut Collector) -> Ring {
    let mut ring = Ring { span: v.span(), ..Ring::default() };
    let Some(mut o) = toml_reader::table(v, &format!("ring #{index}"), c) else {
        return ring;
    };
    ring.span = r.head(&o);
    ring.name = r
        .req(&o, "name", "name = \"packets\"", c)
        .and_then(|v| values::name(v, "the ring name", c));
    if let Some(n) = &ring.name {
        o.what = format!("ring `{}`", n.v);
    }
    let what = &o.what;
    o.check_keys(RING_KEYS, c);
    ring.producer = r
        .req(&o, "producer", "producer = { component = \"a\", channel = 1 }", c)
        .and_then(|v| end(r, v, &format!("the producer of {what}"), IdKey::Channel, c));
    ring.consumer = r
        .req(&o, "consumer", "consumer = { component = \"b\", channel = 1 }", c)
        .and_then(|v| end(r, v, &format!("the consumer of {what}"), IdKey::Channel, c));
    ring.slots = r.req(&o, "slots", "slots = 256", c).and_then(|v| slots(v, what, c));
    ring.slot_size =
        r.req(&o, "slot_size", "slot_size = 64", c).and_then(|v| slot_size(v, what, c));
    ring
}

/// `slots` of ring `what`: a power of two.
fn slots(v: &Value, what: &str, c: &mut Collector) -> F<u32> {
    let n = toml_reader::plain_int::<u32>(v, "`slots`", 1, u32::MAX.into(), c)?;
    if !n.v.is_power_of_two() {
        let down = 1u32 << (31 - n.v.leading_zeros());
        c.push(
            Problem::new(
                "ring_slots_not_power_of_two",
                format!("{what} has {} slots, not a power of two", n.v),
            )
            .label(&n.span, "not a power of two")
            .help(match down.checked_mul(2) {
                Some(up) => format!("use {down} or {up}"),
                None => format!("use {down}"),
            }),
        );
        return None;
    }
    Some(n)
}

/// `slot_size` of ring `what`: a multiple of `RING_SLOT_ALIGN` bytes, at
/// least `MIN_RING_SLOT_SIZE`.
fn slot_size(v: &Value, what: &str, c: &mut Collector) -> F<u32> {
    let n = toml_reader::plain_int::<u32>(v, "`slot_size`", 1, u32::MAX.into(), c)?;
    if n.v < MIN_RING_SLOT_SIZE || !n.v.is_multiple_of(RING_SLOT_ALIGN) {
        c.push(
            Problem::new(
                "ring_slot_size_invalid",
                format!("{what} has slot_size {}: a slot is a multiple of {RING_SLOT_ALIGN} bytes and at least {MIN_RING_SLOT_SIZE}", n.v),
            )
            .label(&n.span, "invalid slot size")
            .help(format!("use {}", fixed_slot_size(n.v))),
        );
        return None;
    }
    Some(n)
}

/// The slot size closest above `n` that is valid, or below it near
/// `u32::MAX` (computed in u64: rounding up there would overflow).
fn fixed_slot_size(n: u32) -> u64 {
    let align = u64::from(RING_SLOT_ALIGN);
    let up = u64::from(n.max(MIN_RING_SLOT_SIZE)).div_ceil(align) * align;
    if up > u64::from(u32::MAX) {
        up - align
    } else {
        up
    }
}
