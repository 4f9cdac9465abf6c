//! Grants checked against the board being built for and its architecture:
//! IO ports exist on x86 only, each architecture has its own kind of
//! interrupt and range of interrupt numbers, the kernel keeps some
//! interrupts, and device memory must be a device of the board and within
//! the physical address space. With no board, only the architectures'
//! ranges are checked. What the board cannot give is dropped from the
//! model (as reading drops what it cannot read), so that later checks do
//! not report follow-on problems about it.

use crate::diag::{Collector, Problem};
use crate::limits::{IOAPIC_PINS, MAX_GIC_IRQ, MAX_IRQ_VECTOR, MIN_GIC_IRQ, PHYS_ADDR_BITS};
use crate::model::{Arch, Component, Controller, DeviceMemory, Irq, Model, Sp, F};
use crate::toml_reader::{in_range, out_of_range};
use crate::units::human;
use crate::TargetBoard;

/// Checks every grant of `m` against `board` (or, with no board, against
/// both architectures' rules).
pub(crate) fn check(m: &mut Model, board: Option<&TargetBoard>, c: &mut Collector) {
    for comp in &mut m.components {
        io_ports_on_board(comp, board, c);
        for irq in &mut comp.irqs {
            match irq.controller.v {
                Controller::Gic => gic_irq(irq, board, c),
                Controller::IoApic => ioapic_irq(irq, board, c),
            }
        }
        for window in &mut comp.device_memory {
            device_memory(window, board, c);
        }
    }
}

/// IO ports exist on x86 boards only.
fn io_ports_on_board(comp: &Component, board: Option<&TargetBoard>, c: &mut Collector) {
    let (Some(span), Some(board)) =
        (&comp.io_ports_given, board.filter(|b| b.arch != Arch::X86_64))
    else {
        return;
    };
    c.push(
        Problem::new(
            "io_ports_not_on_board",
            format!(
                "{} is given IO ports, but board `{}` has none (IO ports are x86)",
                comp.what, board.name
            ),
        )
        .label(span, "x86 IO ports")
        .help(format!(
            "reach the device through `device_memory` on this board, and move `io_ports` into \
             `[component.board.<x86 board>]` if the component also runs on x86{}",
            devices_list(board)
        )),
    );
}

/// A GIC interrupt (ARM): on an ARM board, within the board's interrupt
/// controller and not one the kernel keeps.
fn gic_irq(irq: &mut Irq, board: Option<&TargetBoard>, c: &mut Collector) {
    if let Some(board) = board.filter(|b| b.arch != Arch::Aarch64) {
        c.push(
            Problem::new(
                "irq_kind_not_on_board",
                format!(
                    "{} is a GIC interrupt (`irq`), but board `{}` has IOAPICs",
                    irq.what, board.name
                ),
            )
            .label(&irq.controller.span, "an ARM interrupt")
            .help(
                "give the IOAPIC input and the vector instead: `pin = <0..23>, vector = <0..107>`; \
                 put per-board interrupts in `[component.board.<name>]` sections",
            ),
        );
        irq.gic_irq = None;
        return;
    }
    let max = board.and_then(|b| b.max_irq).unwrap_or(MAX_GIC_IRQ);
    let id = number(irq.gic_irq.take(), Irq::GIC_IRQ, MIN_GIC_IRQ, max, c);
    irq.gic_irq = id.filter(|id| !kept_by_kernel(&irq.what, id, board, c));
}

/// Whether the kernel on `board` keeps interrupt `id` (of interrupt
/// `what`) for itself; reported if so.
fn kept_by_kernel(
    what: &str,
    id: &Sp<i128>,
    board: Option<&TargetBoard>,
    c: &mut Collector,
) -> bool {
    let Some(board) = board.filter(|b| b.kernel_irqs.iter().any(|&k| i128::from(k) == id.v)) else {
        return false;
    };
    c.push(
        Problem::new(
            "irq_kept_by_kernel",
            format!(
                "{what} is interrupt {}, which the kernel on board `{}` keeps for itself",
                id.v, board.name
            ),
        )
        .label(&id.span, "the kernel's interrupt")
        .help(format!("give a device's interrupt{}", devices_list(board))),
    );
    true
}

/// An IOAPIC interrupt (x86): on an x86 board, with a pin the IOAPIC has
/// and a vector seL4 accepts.
fn ioapic_irq(irq: &mut Irq, board: Option<&TargetBoard>, c: &mut Collector) {
    if let Some(board) = board.filter(|b| b.arch != Arch::X86_64) {
        c.push(
            Problem::new(
                "irq_kind_not_on_board",
                format!(
                    "{} is an IOAPIC interrupt (`pin`, `vector`), but board `{}` has a GIC",
                    irq.what, board.name
                ),
            )
            .label(&irq.controller.span, "an x86 interrupt")
            .help(format!(
                "give the GIC interrupt ID instead: `irq = <id>`{}",
                devices_list(board)
            )),
        );
    }
    irq.pin = number(irq.pin.take(), Irq::PIN, 0, IOAPIC_PINS - 1, c);
    irq.vector = number(irq.vector.take(), Irq::VECTOR, 0, MAX_IRQ_VECTOR, c);
}

/// Interrupt number `n` (named `what`) if it is in `lo..=hi`.
fn number(n: F<i128>, what: &str, lo: u32, hi: u32, c: &mut Collector) -> F<i128> {
    let (lo, hi) = (lo.into(), hi.into());
    in_range(n?, lo, hi, |n| out_of_range(what, n, lo, hi), c)
}

/// Device memory lies within the physical address space and, when the
/// board lists its devices, within one of them.
fn device_memory(window: &mut DeviceMemory, board: Option<&TargetBoard>, c: &mut Collector) {
    let (Some(paddr), Some(size)) = (&window.paddr, &window.size) else {
        return;
    };
    if !in_address_space(&window.what, paddr, size, c)
        || !on_board(&window.what, paddr, size, board, c)
    {
        window.paddr = None;
    }
}

/// Whether `paddr..paddr + size` lies within the physical address space;
/// reported if not.
fn in_address_space(what: &str, paddr: &Sp<u64>, size: &Sp<u64>, c: &mut Collector) -> bool {
    if paddr.v.checked_add(size.v).is_some_and(|end| end <= 1 << PHYS_ADDR_BITS) {
        return true;
    }
    c.push(
        Problem::new(
            "device_memory_out_of_range",
            format!("{what} ends beyond the {PHYS_ADDR_BITS}-bit physical address space"),
        )
        .label(&paddr.span, "start")
        .label(&size.span, "size")
        .help("check `paddr` and `size`"),
    );
    false
}

/// Whether device memory `what` is (part of) one of the board's devices,
/// when the board lists its devices; reported if not.
fn on_board(
    what: &str,
    paddr: &Sp<u64>,
    size: &Sp<u64>,
    board: Option<&TargetBoard>,
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

#[cfg(test)]
mod tests {
    use crate::{Arch, BoardDevice, Problems, SystemDescription, TargetBoard};

    fn board(arch: Arch) -> TargetBoard {
        TargetBoard {
            name: "test-board".into(),
            arch,
            known_boards: Vec::new(),
            devices: vec![BoardDevice {
                name: "uart".into(),
                paddr: 0x1000_0000,
                size: 0x1000,
                irq: Some(40),
            }],
            max_irq: Some(100),
            kernel_irqs: vec![27],
        }
    }

    /// The codes of the problems of `grants` (a component's grant lines)
    /// for `board`, in report order.
    fn codes(grants: &str, board: Option<&TargetBoard>) -> Vec<&'static str> {
        let text = format!(
            "[system]\nname = \"s\"\n[[component]]\nname = \"a\"\nprogram = \"p\"\npriority = 1\n{grants}"
        );
        match SystemDescription::parse_str_for("test.toml", &text, board) {
            Ok(_) => Vec::new(),
            Err(r) => {
                r.downcast_ref::<Problems>().unwrap().problems.iter().map(|p| p.code).collect()
            }
        }
    }

    #[test]
    fn what_the_board_cannot_give_is_not_claimed_twice() {
        let arm = board(Arch::Aarch64);
        let kernel_twice = "irqs = [ { name = \"i\", irq = 27, channel = 1 }, { name = \"j\", irq = 27, channel = 2 } ]";
        assert_eq!(codes(kernel_twice, Some(&arm)), ["irq_kept_by_kernel", "irq_kept_by_kernel"]);
        let beyond_twice = "irqs = [ { name = \"i\", irq = 101, channel = 1 }, { name = \"j\", irq = 101, channel = 2 } ]";
        assert_eq!(codes(beyond_twice, Some(&arm)), ["value_out_of_range", "value_out_of_range"]);
        let device_twice = "device_memory = [ { name = \"x\", paddr = 0x2000_0000, size = 4096 }, { name = \"y\", paddr = 0x2000_0000, size = 4096 } ]";
        assert_eq!(
            codes(device_twice, Some(&arm)),
            ["device_memory_not_on_board", "device_memory_not_on_board"]
        );
        let pins_twice = "irqs = [ { name = \"i\", pin = 24, vector = 1, channel = 1 }, { name = \"j\", pin = 24, vector = 2, channel = 2 } ]";
        assert_eq!(codes(pins_twice, None), ["value_out_of_range", "value_out_of_range"]);
        // What the board can give is still claimed once.
        let uart_twice = "irqs = [ { name = \"i\", irq = 40, channel = 1 }, { name = \"j\", irq = 40, channel = 2 } ]";
        assert_eq!(codes(uart_twice, Some(&arm)), ["irq_claimed_twice"]);
    }

    #[test]
    fn each_architecture_has_its_own_interrupts_and_ranges() {
        let (arm, x86) = (board(Arch::Aarch64), board(Arch::X86_64));
        let gic = "irqs = [ { name = \"i\", irq = 50, channel = 1 } ]";
        let ioapic = "irqs = [ { name = \"i\", pin = 4, vector = 4, channel = 1 } ]";
        assert_eq!(codes(gic, Some(&arm)), [] as [&str; 0]);
        assert_eq!(codes(gic, Some(&x86)), ["irq_kind_not_on_board"]);
        assert_eq!(codes(ioapic, Some(&x86)), [] as [&str; 0]);
        assert_eq!(codes(ioapic, Some(&arm)), ["irq_kind_not_on_board"]);
        // With no board, both kinds are checked against their own ranges.
        assert_eq!(
            codes("irqs = [ { name = \"i\", irq = 1019, channel = 1 } ]", None),
            [] as [&str; 0]
        );
        assert_eq!(
            codes("irqs = [ { name = \"i\", irq = 1020, channel = 1 } ]", None),
            ["value_out_of_range"]
        );
        assert_eq!(
            codes("irqs = [ { name = \"i\", pin = 1, vector = 108, channel = 1 } ]", None),
            ["value_out_of_range"]
        );
        // The kind is known even when the number cannot be read.
        let unreadable = "irqs = [ { name = \"i\", irq = \"x\", channel = 1 } ]";
        assert_eq!(codes(unreadable, Some(&x86)), ["wrong_type", "irq_kind_not_on_board"]);
        let io_ports = "io_ports = [ { name = \"com1\", first = 0x3f8, last = 0x3ff } ]";
        assert_eq!(codes(io_ports, Some(&arm)), ["io_ports_not_on_board"]);
        assert_eq!(codes(io_ports, Some(&x86)), [] as [&str; 0]);
    }
}
