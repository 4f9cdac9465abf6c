//! `[[component]]`: a component's name, what it runs, its priority, memory,
//! policies and grants.

use crate::diag::{Collector, Problem};
use crate::limits::{
    DEFAULT_HEAP, DEFAULT_MAX_RESTARTS, DEFAULT_STACK, DEFAULT_WASM_HEAP, DEFAULT_WASM_STACK,
    MAX_HEAP, MAX_PRIORITY, MAX_STACK, MIN_PRIORITY, MIN_WASM_STACK, WASM_RUNTIME_STACK_MARGIN,
};
use crate::model::{Component, Lifetime, Restart, Sp, F};
use crate::toml_reader::{self, Reader, Table, Value};
use crate::units::human;
use crate::TargetBoard;

use super::{board_section, console_output, control, grants, policy, program, values};

/// Keys of a component besides `name` and `board`; a
/// `[component.board.<name>]` section may give any of them.
pub(super) const COMPONENT_SETTINGS: &[&str] = &[
    "program",
    "wasm",
    "wasm_memory",
    "priority",
    "stack",
    "heap",
    "restart",
    "lifetime",
    "io_ports",
    "irqs",
    "device_memory",
    "control",
    "console_output",
];

/// Component `index` (`v`), with its section for `board` applied.
pub(super) fn component(
    r: &Reader,
    board: Option<&TargetBoard>,
    v: &Value,
    index: usize,
    c: &mut Collector,
) -> Component {
    let unnamed = format!("component #{index}");
    let mut comp = Component { span: v.span(), what: unnamed.clone(), ..Component::default() };
    let Some(mut o) = toml_reader::table(v, &unnamed, c) else {
        return comp;
    };
    comp.span = r.head(&o);
    comp.name = r
        .req(&o, "name", "name = \"my-component\"", c)
        .and_then(|v| values::name(v, "the component name", c));
    if let Some(n) = &comp.name {
        o.what = format!("component `{}`", n.v);
    }
    comp.what = o.what.clone();
    let keys: Vec<&str> =
        ["name", "board"].into_iter().chain(COMPONENT_SETTINGS.iter().copied()).collect();
    o.check_keys(&keys, c);
    o.overlay = board_section::section(board, &o, c);
    (comp.program, comp.wasm) = program::program_or_wasm(r, board, &o, c);
    settings(r, &o, &mut comp, c);
    grants::all(r, &o, &mut comp, c);
    comp
}

/// Priority, stack, heap, Wasm memory, restart policy, lifetime, `control`
/// and `console_output`: each given or its default, which points at the
/// component.
fn settings(r: &Reader, o: &Table, comp: &mut Component, c: &mut Collector) {
    let what = &o.what;
    let here = &comp.span;
    let is_wasm = o.get("wasm").is_some();
    comp.priority = priority(r, o, c);
    let (default_stack, default_heap) = if is_wasm {
        (DEFAULT_WASM_STACK, DEFAULT_WASM_HEAP)
    } else {
        (DEFAULT_STACK, DEFAULT_HEAP)
    };
    comp.stack = o
        .optional("stack", default_stack, here, |v| {
            values::size(v, &format!("the stack of {what}"), MAX_STACK, c)
        })
        .filter(|stack| !is_wasm || enough_for_wasm(what, stack, c));
    comp.heap = o.optional("heap", default_heap, here, |v| {
        values::size(v, &format!("the heap of {what}"), MAX_HEAP, c)
    });
    comp.wasm_memory = program::wasm_memory(r, o, is_wasm, comp.heap.as_ref(), c);
    let default_restart = Restart::Restart { max: DEFAULT_MAX_RESTARTS };
    comp.restart = o.optional("restart", default_restart, here, |v| policy::restart(r, v, what, c));
    comp.lifetime =
        o.optional("lifetime", Lifetime::Service, here, |v| policy::lifetime(v, what, c));
    comp.control = control::control(o, c);
    comp.console_output = console_output::console_output(o, here, c);
}

/// Whether `stack` of Wasm component `what` holds the Wasm stack limit and
/// the runtime's own frames; reported if not.
fn enough_for_wasm(what: &str, stack: &Sp<u64>, c: &mut Collector) -> bool {
    if stack.v >= MIN_WASM_STACK {
        return true;
    }
    c.push(
        Problem::new(
            "wasm_stack_too_small",
            format!(
                "the stack of Wasm {what} is {}: Wasm code may use {} of it, and the \
                 Wasm runtime needs {} more for its own frames",
                human(stack.v),
                human(wasm_engine_config::MAX_WASM_STACK as u64),
                human(WASM_RUNTIME_STACK_MARGIN)
            ),
        )
        .label(&stack.span, "too small for a Wasm component")
        .help(format!(
            "write `stack = \"{}\"` or more, or leave `stack` out (a Wasm component's default is {})",
            human(MIN_WASM_STACK),
            human(DEFAULT_WASM_STACK)
        )),
    );
    false
}

/// `priority`: required, in `MIN_PRIORITY..=MAX_PRIORITY`.
fn priority(r: &Reader, o: &Table, c: &mut Collector) -> F<u8> {
    let what = &o.what;
    let out = |n| {
        Problem::new(
            "priority_out_of_range",
            format!("the priority of {what} is {n}, outside {MIN_PRIORITY}..={MAX_PRIORITY}"),
        )
        .help(format!(
            "use {MIN_PRIORITY}..={MAX_PRIORITY} (higher runs first; 255 is the root task's, 0 is reserved)"
        ))
    };
    let (lo, hi) = (MIN_PRIORITY.into(), MAX_PRIORITY.into());
    r.req(o, "priority", "priority = 100", c)
        .and_then(|v| toml_reader::int_in(v, "priority", lo, hi, out, c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toml_reader::closest;

    #[test]
    fn typos() {
        assert_eq!(closest("priorty", COMPONENT_SETTINGS), Some("priority"));
        assert_eq!(closest("zzzzzz", COMPONENT_SETTINGS), None);
    }
}
