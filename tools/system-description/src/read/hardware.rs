//! Checks of grants against the board being built for and its
//! architecture, done while reading.

use crate::diag::{Collector, Problem};
use crate::limits::{IOAPIC_PINS, MAX_GIC_IRQ, MAX_IRQ_VECTOR, MIN_GIC_IRQ};
use crate::model::{Arch, Sp, F};
use crate::toml_reader::{self, Table, Value};
use crate::units::human;
use crate::TargetBoard;

/// IO ports (`v`) of component `what` exist on x86 boards only.
pub(super) fn io_ports_on_board(
    board: Option<&TargetBoard>,
    what: &str,
    v: &Value,
    c: &mut Collector,
) {
    let Some(board) = board.filter(|b| b.arch != Arch::X86_64) else {
        return;
    };
    c.push(
        Problem::new(
            "io_ports_not_on_board",
            format!(
                "{what} is given IO ports, but board `{}` has none (IO ports are x86)",
                board.name
            ),
        )
        .label(&v.span(), "x86 IO ports")
        .help(format!(
            "reach the device through `device_memory` on this board, and move `io_ports` into \
             `[component.board.<x86 board>]` if the component also runs on x86{}",
            devices_list(board)
        )),
    );
}

/// `irq = <id>` of interrupt `what`: a GIC interrupt ID (ARM). Checked
/// against the board's interrupt controller and the kernel's own
/// interrupts.
pub(super) fn gic_irq(
    board: Option<&TargetBoard>,
    what: &str,
    v: &Value,
    c: &mut Collector,
) -> F<u32> {
    if let Some(board) = board.filter(|b| b.arch != Arch::Aarch64) {
        c.push(
            Problem::new(
                "irq_kind_not_on_board",
                format!("{what} is a GIC interrupt (`irq`), but board `{}` has IOAPICs", board.name),
            )
            .label(&v.span(), "an ARM interrupt")
            .help("give the IOAPIC input and the vector instead: `pin = <0..23>, vector = <0..107>`; \
                   put per-board interrupts in `[component.board.<name>]` sections"),
        );
        return None;
    }
    let max = board.and_then(|b| b.max_irq).unwrap_or(MAX_GIC_IRQ);
    let irq = toml_reader::plain_int::<u32>(
        v,
        "`irq` (GIC interrupt ID)",
        MIN_GIC_IRQ.into(),
        max.into(),
        c,
    )?;
    if let Some(board) = board.filter(|b| b.kernel_irqs.contains(&irq.v)) {
        c.push(
            Problem::new(
                "irq_kept_by_kernel",
                format!(
                    "{what} is interrupt {}, which the kernel on board `{}` keeps for itself",
                    irq.v, board.name
                ),
            )
            .label(&irq.span, "the kernel's interrupt")
            .help(format!("give a device's interrupt{}", devices_list(board))),
        );
        return None;
    }
    Some(irq)
}

/// An IOAPIC interrupt (`o`) exists on x86 boards only.
pub(super) fn ioapic_on_board(board: Option<&TargetBoard>, o: &Table, c: &mut Collector) {
    let Some(board) = board.filter(|b| b.arch != Arch::X86_64) else {
        return;
    };
    c.push(
        Problem::new(
            "irq_kind_not_on_board",
            format!(
                "{} is an IOAPIC interrupt (`pin`, `vector`), but board `{}` has a GIC",
                o.what, board.name
            ),
        )
        .label(&o.span, "an x86 interrupt")
        .help(format!("give the GIC interrupt ID instead: `irq = <id>`{}", devices_list(board))),
    );
}

/// `pin`: an input of an IOAPIC.
pub(super) fn ioapic_pin(v: &Value, c: &mut Collector) -> F<u32> {
    toml_reader::plain_int::<u32>(v, "`pin` (IOAPIC input)", 0, i128::from(IOAPIC_PINS) - 1, c)
}

/// `vector`: the seL4 IRQ number an IOAPIC interrupt is routed to.
pub(super) fn irq_vector(v: &Value, c: &mut Collector) -> F<u32> {
    toml_reader::plain_int::<u32>(v, "`vector` (seL4 IRQ number)", 0, MAX_IRQ_VECTOR.into(), c)
}

/// Device memory `what` must be (part of) one of the board's devices,
/// when the board lists its devices.
pub(super) fn on_board(
    board: Option<&TargetBoard>,
    what: &str,
    paddr: &Sp<u64>,
    size: &Sp<u64>,
    c: &mut Collector,
) -> bool {
    let Some(board) = board.filter(|b| !b.devices.is_empty()) else {
        return true;
    };
    let end = paddr.v + size.v;
    if board.devices.iter().any(|d| d.paddr <= paddr.v && end <= d.paddr + d.size) {
        return true;
    }
    c.push(
        Problem::new(
            "device_memory_not_on_board",
            format!(
                "{what} ({:#x}..{:#x}) is not a device board `{}` offers to user level",
                paddr.v, end, board.name
            ),
        )
        .label(&paddr.span, "no such device here")
        .help(format!("map (part of) one of the board's devices{}", devices_list(board))),
    );
    false
}

/// `; board ... has ...` (its devices) for a help text, or nothing when
/// the board does not list them.
fn devices_list(board: &TargetBoard) -> String {
    if board.devices.is_empty() {
        return String::new();
    }
    let list: Vec<String> = board
        .devices
        .iter()
        .map(|d| match d.irq {
            Some(irq) => format!("`{}` at {:#x} ({}, irq {irq})", d.name, d.paddr, human(d.size)),
            None => format!("`{}` at {:#x} ({})", d.name, d.paddr, human(d.size)),
        })
        .collect();
    format!("; board `{}` has {}", board.name, list.join(", "))
}
