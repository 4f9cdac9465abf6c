//! A component's hardware grants: IO port ranges (`io_ports`), interrupts
//! (`irqs`) and device memory windows (`device_memory`).

use system_manifest::layout::PAGE_SIZE;

use crate::diag::{Collector, Problem};
use crate::limits::{MAX_DEVICE_WINDOW, MAX_IOAPIC};
use crate::model::{Component, Controller, DeviceMemory, IoPorts, Irq, Sp, F};
use crate::toml_reader::{self, Reader, Table, Value};

use super::values;

const IO_PORT_KEYS: &[&str] = &["name", "first", "last"];
const IRQ_KEYS: &[&str] =
    &["name", "irq", "ioapic", "pin", "vector", "channel", "level", "active_low"];
/// The keys of an IOAPIC interrupt, which a GIC interrupt (`irq`) has none of.
const IOAPIC_KEYS: &[&str] = &["ioapic", "pin", "vector", "level", "active_low"];
const DEVICE_KEYS: &[&str] = &["name", "paddr", "size", "cached"];

/// Every grant of component `o`.
pub(super) fn all(r: &Reader, o: &Table, comp: &mut Component, c: &mut Collector) {
    comp.io_ports_given = o.get("io_ports").map(|v| v.span());
    comp.io_ports = each(o, "io_ports", "an IO port range", c, |t, c| io_ports(r, t, c));
    comp.irqs = each(o, "irqs", "an interrupt", c, |t, c| irq(r, t, c));
    comp.device_memory =
        each(o, "device_memory", "a device memory window", c, |t, c| device_memory(r, t, c));
}

/// Each table of array `key` of component `o` (each named `item` of
/// it), as `read` reads it; items that are not tables are reported and
/// skipped.
fn each<T>(
    o: &Table,
    key: &str,
    item: &str,
    c: &mut Collector,
    mut read: impl FnMut(Table, &mut Collector) -> T,
) -> Vec<T> {
    let Some(v) = o.get(key) else {
        return Vec::new();
    };
    let what = &o.what;
    let mut out = Vec::new();
    for v in toml_reader::array(v, &format!("`{key}` of {what}"), c) {
        if let Some(t) = toml_reader::table(v, &format!("{item} of {what}"), c) {
            out.push(read(t, c));
        }
    }
    out
}

/// Names grant `o` by its name once that is read: `interrupt `com1`
/// (component `serial`)` instead of `an interrupt of component `serial``
/// (`prefix` is the unnamed form's start).
fn rename(o: &mut Table, kind: &str, name: &F<String>, prefix: &str) {
    if let Some(n) = name {
        o.what = format!("{kind} `{}` ({})", n.v, o.what.trim_start_matches(prefix));
    }
}

/// `{ name, first, last }`: IO ports `first..=last`.
fn io_ports(r: &Reader, mut o: Table, c: &mut Collector) -> IoPorts {
    let name = r
        .req(&o, "name", "name = \"com1\"", c)
        .and_then(|v| values::name(v, "the IO port range name", c));
    rename(&mut o, "IO port range", &name, "an IO port range of ");
    o.check_keys(IO_PORT_KEYS, c);
    let port = |key: &str, example: &str, c: &mut Collector| {
        r.req(&o, key, example, c)
            .and_then(|v| toml_reader::plain_int::<u16>(v, &format!("`{key}`"), 0, 0xffff, c))
    };
    let first = port("first", "first = 0x3f8", c);
    let last = port("last", "last = 0x3ff", c);
    if let (Some(f), Some(l)) = (&first, &last) {
        if f.v > l.v {
            c.push(
                Problem::new(
                    "io_ports_reversed",
                    format!("{}: `first` ({:#x}) is above `last` ({:#x})", o.what, f.v, l.v),
                )
                .label(&f.span, "first")
                .label(&l.span, "last")
                .help("the range is first..=last: swap them"),
            );
            return IoPorts { span: o.span, name, first: None, last: None };
        }
    }
    IoPorts { span: o.span, name, first, last }
}

/// An interrupt: `{ name, channel, irq }` (a GIC interrupt ID) or
/// `{ name, channel, pin, vector, ioapic?, level?, active_low? }` (an
/// IOAPIC input routed to a vector).
fn irq(r: &Reader, mut o: Table, c: &mut Collector) -> Irq {
    let name = r
        .req(&o, "name", "name = \"com1\"", c)
        .and_then(|v| values::name(v, "the interrupt name", c));
    rename(&mut o, "interrupt", &name, "an interrupt of ");
    o.check_keys(IRQ_KEYS, c);
    let channel = r
        .req(&o, "channel", "channel = 10", c)
        .and_then(|v| values::channel_id(v, "the interrupt's `channel`", c));
    let named = Irq {
        span: o.span.clone(),
        what: o.what.clone(),
        name,
        channel,
        controller: Sp { v: Controller::IoApic, span: o.span.clone() },
        gic_irq: None,
        ioapic: None,
        pin: None,
        vector: None,
        level: None,
        active_low: None,
    };
    match o.get("irq") {
        Some(v) => gic(&o, v, named, c),
        None => ioapic(r, &o, named, c),
    }
}

/// Interrupt `o` (`named`: its name and channel so far) as a GIC
/// interrupt: `irq` (`v`), alone.
fn gic(o: &Table, v: &Value, named: Irq, c: &mut Collector) -> Irq {
    for key in IOAPIC_KEYS {
        if let Some(x) = o.get(key) {
            c.push(
                Problem::new("irq_mixed_kinds", format!("{} has both `irq` (a GIC interrupt ID) and `{key}` (IOAPIC)", o.what))
                    .label(&x.span(), "an x86 IOAPIC key")
                    .label(&v.span(), "an ARM GIC interrupt")
                    .help(format!(
                        "an ARM interrupt is `irq` alone (this kernel makes every GIC interrupt level-triggered); \
                         an x86 one is `pin` and `vector`: remove `{key}` or `irq`"
                    )),
            );
        }
    }
    Irq {
        controller: Sp { v: Controller::Gic, span: v.span() },
        gic_irq: toml_reader::integer(v, Irq::GIC_IRQ, c),
        ..named
    }
}

/// Interrupt `o` (`named`: its name and channel so far) as an IOAPIC
/// interrupt: `pin`, `vector` and optionally `ioapic`, `level`,
/// `active_low`.
fn ioapic(r: &Reader, o: &Table, named: Irq, c: &mut Collector) -> Irq {
    let here = &o.span;
    let ioapic = o.optional("ioapic", 0, here, |v| {
        toml_reader::plain_int::<u32>(v, "`ioapic`", 0, MAX_IOAPIC.into(), c)
    });
    let pin = r.req(o, "pin", "pin = 4", c).and_then(|v| toml_reader::integer(v, Irq::PIN, c));
    let vector =
        r.req(o, "vector", "vector = 4", c).and_then(|v| toml_reader::integer(v, Irq::VECTOR, c));
    let level = o.optional("level", false, here, |v| toml_reader::boolean(v, "`level`", c));
    let active_low =
        o.optional("active_low", false, here, |v| toml_reader::boolean(v, "`active_low`", c));
    Irq { ioapic, pin, vector, level, active_low, ..named }
}

/// `{ name, paddr, size, cached? }`: physical memory `paddr..paddr + size`,
/// page aligned.
fn device_memory(r: &Reader, mut o: Table, c: &mut Collector) -> DeviceMemory {
    let name = r
        .req(&o, "name", "name = \"hpet\"", c)
        .and_then(|v| values::name(v, "the device memory name", c));
    rename(&mut o, "device memory", &name, "a device memory window of ");
    o.check_keys(DEVICE_KEYS, c);
    let what = o.what.clone();
    let mut paddr = r
        .req(&o, "paddr", "paddr = 0xfed00000", c)
        .and_then(|v| toml_reader::plain_int::<u64>(v, "`paddr`", 0, u64::MAX.into(), c));
    if let Some(p) = paddr.as_ref().filter(|p| !p.v.is_multiple_of(PAGE_SIZE)) {
        c.push(
            Problem::new(
                "device_memory_not_aligned",
                format!("the physical address of {what} ({:#x}) is not page aligned", p.v),
            )
            .label(&p.span, "not a multiple of 4096")
            .help(format!(
                "use {:#x} and map the page that holds the registers",
                p.v & !(PAGE_SIZE - 1)
            )),
        );
        paddr = None;
    }
    let size = r
        .req(&o, "size", "size = \"4 KiB\"", c)
        .and_then(|v| values::size(v, &format!("the size of {what}"), MAX_DEVICE_WINDOW, c));
    let cached = o.optional("cached", false, &o.span, |v| toml_reader::boolean(v, "`cached`", c));
    DeviceMemory { span: o.span, what, name, paddr, size, cached }
}
