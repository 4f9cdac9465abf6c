//! What a component runs: a native program, or a Wasm module run by the
//! Wasm runtime, with its linear memory.

use crate::diag::{Collector, Problem};
use crate::limits::{DEFAULT_WASM_MEMORY, MAX_HEAP, WASM_PAGE, WASM_RUNTIME_HEAP};
use crate::model::{Sp, F};
use crate::toml_reader::{Reader, Table, Value};
use crate::units::human;
use crate::{TargetBoard, WASM_RUNTIME_PROGRAM};

use super::{board_section, values};

/// `program` or `wasm`, exactly one: the program the component runs (for
/// a Wasm component the Wasm runtime, spanning its `wasm`) and its Wasm
/// crate, if any.
pub(super) fn program_or_wasm(
    r: &Reader,
    board: Option<&TargetBoard>,
    o: &Table,
    c: &mut Collector,
) -> (F<String>, F<String>) {
    let what = &o.what;
    match (o.get("program"), o.get("wasm")) {
        (Some(p), Some(w)) => {
            c.push(
                Problem::new(
                    "program_and_wasm",
                    format!("{what} has both `program` and `wasm`"),
                )
                .label(&w.span(), "a Wasm module")
                .label(&p.span(), "and a native program")
                .help(format!(
                    "a component runs either a native program (`program = \"...\"`) or a Wasm module \
                     (`wasm = \"<crate>\"`, run by the Wasm runtime `{WASM_RUNTIME_PROGRAM}`): remove one of them"
                )),
            );
            (None, None)
        }
        (None, None) => {
            missing(r, board, o, c);
            (None, None)
        }
        (Some(p), None) => (native_program(p, what, c), None),
        (None, Some(w)) => {
            let wasm = values::name(w, &format!("the Wasm crate of {what}"), c);
            let runtime = wasm
                .as_ref()
                .map(|w| Sp { v: WASM_RUNTIME_PROGRAM.to_string(), span: w.span.clone() });
            (runtime, wasm)
        }
    }
}

/// Reports a component with neither `program` nor `wasm`.
fn missing(r: &Reader, board: Option<&TargetBoard>, o: &Table, c: &mut Collector) {
    let help = "add `program = \"my-program\"` (a native program built by xtask) or \
                `wasm = \"my-crate\"` (a Wasm component crate, run by the Wasm runtime)";
    c.push(
        Problem::new(
            "missing_program_or_wasm",
            format!("{} has no `program` and no `wasm`: it must have exactly one", o.what),
        )
        .label(&r.head(o), "`program` or `wasm` is required here")
        .help(board_section::when_none_applies(board, o, help)),
    );
}

/// `program`: a native program's name (not the Wasm runtime's).
fn native_program(v: &Value, what: &str, c: &mut Collector) -> F<String> {
    let program = values::name(v, &format!("the program of {what}"), c)?;
    if program.v == WASM_RUNTIME_PROGRAM {
        c.push(
            Problem::new(
                "program_is_wasm_runtime",
                format!("{what} names the Wasm runtime `{WASM_RUNTIME_PROGRAM}` as its program"),
            )
            .label(&program.span, "the Wasm runtime")
            .help("the Wasm runtime runs Wasm components: write `wasm = \"<crate>\"` instead of `program`"),
        );
        return None;
    }
    Some(program)
}

/// `wasm_memory` (only with `wasm`): a multiple of the Wasm page that
/// leaves the runtime `WASM_RUNTIME_HEAP` of the heap. `None` for a
/// native component.
pub(super) fn wasm_memory(
    r: &Reader,
    o: &Table,
    is_wasm: bool,
    heap: Option<&Sp<u64>>,
    c: &mut Collector,
) -> F<u64> {
    let what = &o.what;
    let given = o.get("wasm_memory");
    if !is_wasm {
        if let Some(v) = given {
            c.push(
                Problem::new(
                    "wasm_memory_without_wasm",
                    format!("{what} has `wasm_memory` but is not a Wasm component"),
                )
                .label(&v.span(), "only for Wasm components")
                .help("remove `wasm_memory`, or make the component a Wasm component with `wasm = \"<crate>\"` instead of `program`"),
            );
        }
        return None;
    }
    let mem = match given {
        None => Sp { v: DEFAULT_WASM_MEMORY, span: r.head(o) },
        Some(v) => values::size(v, &format!("the Wasm memory of {what}"), MAX_HEAP, c)?,
    };
    if !mem.v.is_multiple_of(WASM_PAGE) {
        let up = mem.v.div_ceil(WASM_PAGE) * WASM_PAGE;
        c.push(
            Problem::new(
                "wasm_memory_not_wasm_page_multiple",
                format!(
                    "the Wasm memory of {what} ({}) is not a multiple of the Wasm page ({})",
                    human(mem.v),
                    human(WASM_PAGE)
                ),
            )
            .label(&mem.span, "not a multiple of 64 KiB")
            .help(format!("round it up to {} ({up} bytes)", human(up))),
        );
        return None;
    }
    let heap = heap?;
    if mem.v + WASM_RUNTIME_HEAP > heap.v {
        c.push(larger_than_heap(what, &mem, given.is_some(), heap));
        return None;
    }
    Some(mem)
}

/// The problem of Wasm memory `mem` (given, or the default) leaving the
/// runtime less than `WASM_RUNTIME_HEAP` of `heap`.
fn larger_than_heap(what: &str, mem: &Sp<u64>, given: bool, heap: &Sp<u64>) -> Problem {
    let need = mem.v + WASM_RUNTIME_HEAP;
    let p = Problem::new(
        "wasm_memory_larger_than_heap",
        format!(
            "the Wasm memory of {what} ({}) leaves the Wasm runtime less than {} of its heap ({})",
            human(mem.v),
            human(WASM_RUNTIME_HEAP),
            human(heap.v)
        ),
    );
    let p = if given {
        p.label(&mem.span, "Wasm memory").label(&heap.span, "heap")
    } else {
        p.label(&heap.span, "heap (the Wasm memory is 1 MiB by default)")
    };
    let fits = heap.v.saturating_sub(WASM_RUNTIME_HEAP) / WASM_PAGE * WASM_PAGE;
    let help = if fits > 0 {
        format!(
            "the linear memory is allocated from the heap, and the runtime needs {} besides: raise `heap` to at least {} or lower `wasm_memory` to at most {}",
            human(WASM_RUNTIME_HEAP),
            human(need),
            human(fits)
        )
    } else {
        format!(
            "the linear memory is allocated from the heap, and the runtime needs {} besides: raise `heap` to at least {}",
            human(WASM_RUNTIME_HEAP),
            human(need)
        )
    };
    p.help(help)
}
