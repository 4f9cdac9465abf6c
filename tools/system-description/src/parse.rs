//! TOML → [`Model`]: reads every table by hand from the spanned document so
//! that each problem is recorded with its span and reading goes on after it.
//! Checks that concern one value alone (ranges, page multiples, formats) are
//! done here; checks across items are in `validate`.

use system_manifest::layout::{self, PAGE_SIZE};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::{Collector, Problem, Span};
use crate::limits::*;
use crate::model::*;
use crate::units::{human, parse_size};
use crate::WASM_RUNTIME_PROGRAM;

type V<'i> = Spanned<DeValue<'i>>;

const SYSTEM_KEYS: &[&str] = &["name"];
const ROOT_KEYS: &[&str] = &["system", "console", "component", "channel", "ring"];
const CONSOLE_KEYS: &[&str] = &["component"];
/// Keys of a component besides `name` and `board`; a
/// `[component.board.<name>]` section may give any of them.
const COMPONENT_SETTINGS: &[&str] = &[
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
];
const IO_PORT_KEYS: &[&str] = &["name", "first", "last"];
const IRQ_KEYS: &[&str] =
    &["name", "irq", "ioapic", "pin", "vector", "channel", "level", "active_low"];
const DEVICE_KEYS: &[&str] = &["name", "paddr", "size", "cached"];
const CALL_KEYS: &[&str] = &["name", "kind", "caller", "callee"];
const NOTIFICATION_KEYS: &[&str] = &["name", "kind", "ends"];
const ANY_CHANNEL_KEYS: &[&str] = &["name", "kind", "caller", "callee", "ends"];
const CHANNEL_END_KEYS: &[&str] = &["component", "id"];
const RING_KEYS: &[&str] = &["name", "producer", "consumer", "slots", "slot_size"];
const RING_END_KEYS: &[&str] = &["component", "channel"];
const RESTART_KEYS: &[&str] = &["policy", "max"];

pub(crate) fn parse(text: &str, board: Option<&TargetBoard>, c: &mut Collector) -> Model {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            c.push(
                Problem::new("toml_syntax", format!("invalid TOML: {}", e.message().trim()))
                    .label(&span, "here")
                    .help("fix the TOML syntax (https://toml.io); the description is checked once it parses"),
            );
        }
        return Model::default();
    }
    let p = Parser { text, board };
    let root =
        Obj { t: doc.get_ref(), span: doc.span(), what: "the description".into(), section: None };
    root.check_keys(ROOT_KEYS, c);
    let mut model = Model::default();

    match root.get("system") {
        None => c.push(
            Problem::new("missing_key", "the description has no `[system]` table")
                .label(&(0..0), "expected `[system]` with the system's name")
                .help("add\n[system]\nname = \"my-system\""),
        ),
        Some(v) => {
            if let Some(sys) = p.table(v, "`system`", c) {
                sys.check_keys(SYSTEM_KEYS, c);
                model.name = p
                    .req(&sys, "name", "name = \"my-system\"", c)
                    .and_then(|v| p.name(v, "system name", c));
            }
        }
    }
    if let Some(v) = root.get("console") {
        if let Some(console) = p.table(v, "`console`", c) {
            console.check_keys(CONSOLE_KEYS, c);
            model.console = p
                .req(&console, "component", "component = \"console\"", c)
                .and_then(|v| p.name(v, "the console component", c));
        }
    }
    for (i, t) in p.tables(&root, "component", c).into_iter().enumerate() {
        model.components.push(p.component(t, i, c));
    }
    for (i, t) in p.tables(&root, "channel", c).into_iter().enumerate() {
        model.channels.push(p.channel(t, i, c));
    }
    for (i, t) in p.tables(&root, "ring", c).into_iter().enumerate() {
        model.rings.push(p.ring(t, i, c));
    }
    model
}

/// A table being read, and how to name it in messages.
struct Obj<'a, 'i> {
    t: &'a DeTable<'i>,
    span: Span,
    what: String,
    /// A component's section for the board being built for: its keys are
    /// read as if written in `t` (validation keeps the two disjoint).
    section: Option<&'a DeTable<'i>>,
}

impl<'a, 'i> Obj<'a, 'i> {
    fn get(&self, key: &str) -> Option<&'a V<'i>> {
        self.section.and_then(|t| t.get(key)).or_else(|| self.t.get(key))
    }

    fn check_keys(&self, known: &[&str], c: &mut Collector) {
        for (key, _) in self.t.iter() {
            let k: &str = key.get_ref();
            if known.contains(&k) {
                continue;
            }
            let list = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
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

    /// The span to point at for the table as a whole: its first line.
    fn head(&self, p: &Parser) -> Span {
        let start = self.span.start.min(p.text.len());
        let end = p.text[start..]
            .find('\n')
            .map_or(p.text.len(), |n| start + n)
            .min(self.span.end.max(start));
        start..end.max(start)
    }
}

struct Parser<'t> {
    text: &'t str,
    /// The board being built for, if any.
    board: Option<&'t TargetBoard>,
}

impl<'t> Parser<'t> {
    // ---- Reading values --------------------------------------------------

    fn req<'a, 'i>(
        &self,
        o: &Obj<'a, 'i>,
        key: &str,
        example: &str,
        c: &mut Collector,
    ) -> Option<&'a V<'i>> {
        let v = o.get(key);
        if v.is_none() {
            c.push(
                Problem::new("missing_key", format!("{} has no `{key}`", o.what))
                    .label(&o.head(self), format!("`{key}` is required here"))
                    .help(format!("add `{example}`")),
            );
        }
        v
    }

    fn wrong_type(&self, v: &V, what: &str, expected: &str, c: &mut Collector) {
        c.push(
            Problem::new(
                "wrong_type",
                format!("{what} must be {expected}, not a {}", v.get_ref().type_str()),
            )
            .label(&v.span(), format!("expected {expected}"))
            .help(format!("write {what} as {expected}")),
        );
    }

    fn table<'a, 'i>(&self, v: &'a V<'i>, what: &str, c: &mut Collector) -> Option<Obj<'a, 'i>> {
        match v.get_ref() {
            DeValue::Table(t) => {
                Some(Obj { t, span: v.span(), what: what.to_string(), section: None })
            }
            _ => {
                self.wrong_type(v, what, "a table", c);
                None
            }
        }
    }

    fn array<'a, 'i>(&self, v: &'a V<'i>, what: &str, c: &mut Collector) -> &'a [V<'i>] {
        match v.get_ref() {
            DeValue::Array(a) => a,
            _ => {
                self.wrong_type(v, what, "an array", c);
                &[]
            }
        }
    }

    /// The tables of `[[key]]` at the top level.
    fn tables<'a, 'i>(
        &self,
        root: &Obj<'a, 'i>,
        key: &str,
        c: &mut Collector,
    ) -> Vec<(&'a V<'i>, Span)> {
        let Some(v) = root.get(key) else {
            return Vec::new();
        };
        match v.get_ref() {
            DeValue::Array(a) => a.iter().map(|t| (t, t.span())).collect(),
            _ => {
                c.push(
                    Problem::new("wrong_type", format!("`{key}` must be an array of tables"))
                        .label(&v.span(), "not an array of tables")
                        .help(format!("write each one under its own `[[{key}]]` header")),
                );
                Vec::new()
            }
        }
    }

    fn string(&self, v: &V, what: &str, c: &mut Collector) -> F<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(Sp { v: s.to_string(), span: v.span() }),
            _ => {
                self.wrong_type(v, what, "a string", c);
                None
            }
        }
    }

    /// A name: 1 to 64 ASCII letters, digits, `-`, `_` or `.`, starting with
    /// a letter or digit.
    fn name(&self, v: &V, what: &str, c: &mut Collector) -> F<String> {
        let s = self.string(v, what, c)?;
        let valid = !s.v.is_empty()
            && s.v.len() <= 64
            && s.v.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            && s.v.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
        if !valid {
            c.push(
                Problem::new("invalid_name", format!("{what} `{}` is not a valid name", s.v))
                    .label(&s.span, "invalid name")
                    .help("use 1 to 64 ASCII letters, digits, `-`, `_` or `.`, starting with a letter or digit"),
            );
            return None;
        }
        Some(s)
    }

    fn boolean(&self, v: &V, what: &str, c: &mut Collector) -> F<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(Sp { v: *b, span: v.span() }),
            _ => {
                self.wrong_type(v, what, "`true` or `false`", c);
                None
            }
        }
    }

    fn integer(&self, v: &V, what: &str, c: &mut Collector) -> F<i128> {
        match v.get_ref() {
            DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(Sp { v: n, span: v.span() }),
                Err(_) => {
                    self.wrong_type(v, what, "an integer", c);
                    None
                }
            },
            _ => {
                self.wrong_type(v, what, "an integer", c);
                None
            }
        }
    }

    /// An integer in `lo..=hi`; `out` describes the problem otherwise.
    fn int_in<T: TryFrom<i128>>(
        &self,
        v: &V,
        what: &str,
        lo: i128,
        hi: i128,
        out: impl FnOnce(i128) -> Problem,
        c: &mut Collector,
    ) -> F<T> {
        let n = self.integer(v, what, c)?;
        if n.v < lo || n.v > hi {
            c.push(out(n.v).label(&n.span, format!("outside {lo}..={hi}")));
            return None;
        }
        Some(Sp { v: T::try_from(n.v).ok()?, span: n.span })
    }

    fn plain_int<T: TryFrom<i128>>(
        &self,
        v: &V,
        what: &str,
        lo: i128,
        hi: i128,
        c: &mut Collector,
    ) -> F<T> {
        let w = what.to_string();
        self.int_in(
            v,
            what,
            lo,
            hi,
            |n| {
                Problem::new("value_out_of_range", format!("{w} is {n}, outside {lo}..={hi}"))
                    .help(format!("use a value in {lo}..={hi}"))
            },
            c,
        )
    }

    /// A channel id: `0..layout::MAX_CHANNELS`.
    fn channel_id(&self, v: &V, what: &str, c: &mut Collector) -> F<u8> {
        let max = i128::from(layout::MAX_CHANNELS) - 1;
        let w = what.to_string();
        self.int_in(
            v,
            what,
            0,
            max,
            |n| {
                Problem::new(
                    "channel_id_too_large",
                    format!(
                        "{w} is {n}: channel ids are 0..={max} (layout::MAX_CHANNELS is {})",
                        layout::MAX_CHANNELS
                    ),
                )
                .help(format!("pick an id in 0..={max} that this component does not use yet"))
            },
            c,
        )
    }

    /// A size in bytes: an integer or a string `"N"`, `"N B"`, `"N KiB"`,
    /// `"N MiB"`, `"N GiB"`; must be a nonzero page multiple no larger than `max`.
    fn size(&self, v: &V, what: &str, max: u64, c: &mut Collector) -> F<u64> {
        let (bytes, span) = match v.get_ref() {
            DeValue::Integer(_) => {
                let n = self.integer(v, what, c)?;
                if n.v < 0 || n.v > i128::from(u64::MAX) {
                    c.push(
                        Problem::new(
                            "invalid_size",
                            format!("{what} is {}, not a size in bytes", n.v),
                        )
                        .label(&n.span, "not a size")
                        .help("write a positive size such as `4096` or `\"64 KiB\"`"),
                    );
                    return None;
                }
                (n.v as u64, n.span)
            }
            DeValue::String(s) => match parse_size(s) {
                Some(n) => (n, v.span()),
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
                self.wrong_type(v, what, "a size (bytes, or a string like \"64 KiB\")", c);
                return None;
            }
        };
        if bytes == 0 {
            c.push(
                Problem::new("size_zero", format!("{what} is zero"))
                    .label(&span, "zero bytes")
                    .help(format!("give a nonzero multiple of the page size ({PAGE_SIZE} bytes)")),
            );
            return None;
        }
        if !bytes.is_multiple_of(PAGE_SIZE) {
            let up = bytes.div_ceil(PAGE_SIZE) * PAGE_SIZE;
            c.push(
                Problem::new("size_not_page_multiple", format!("{what} ({bytes} bytes) is not a multiple of the page size ({PAGE_SIZE} bytes)"))
                    .label(&span, "not a page multiple")
                    .help(format!("round it up to {} ({up} bytes)", human(up))),
            );
            return None;
        }
        if bytes > max {
            c.push(
                Problem::new(
                    "size_too_large",
                    format!(
                        "{what} ({}) is larger than the layout allows ({})",
                        human(bytes),
                        human(max)
                    ),
                )
                .label(&span, "too large")
                .help(format!("use at most {} ({max} bytes)", human(max))),
            );
            return None;
        }
        Some(Sp { v: bytes, span })
    }

    // ---- Items -------------------------------------------------------------

    fn component(&self, (v, span): (&V, Span), index: usize, c: &mut Collector) -> Component {
        let mut comp = Component {
            span: span.clone(),
            name: None,
            program: None,
            wasm: None,
            wasm_memory: None,
            priority: None,
            stack: None,
            heap: None,
            restart: None,
            lifetime: None,
            io_ports: Vec::new(),
            irqs: Vec::new(),
            device_memory: Vec::new(),
            control: None,
        };
        let Some(mut o) = self.table(v, &format!("component #{index}"), c) else {
            return comp;
        };
        comp.span = o.head(self);
        comp.name = self
            .req(&o, "name", "name = \"my-component\"", c)
            .and_then(|v| self.name(v, "the component name", c));
        if let Some(n) = &comp.name {
            o.what = format!("component `{}`", n.v);
        }
        let keys: Vec<&str> =
            ["name", "board"].into_iter().chain(COMPONENT_SETTINGS.iter().copied()).collect();
        o.check_keys(&keys, c);
        let what = o.what.clone();
        o.section = self.board_section(&o, c);
        let is_wasm = o.get("wasm").is_some();
        match (o.get("program"), o.get("wasm")) {
            (Some(p), Some(w)) => c.push(
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
            ),
            (None, None) => {
                let mut help = "add `program = \"my-program\"` (a native program built by xtask) or \
                                `wasm = \"my-crate\"` (a Wasm component crate, run by the Wasm runtime)"
                    .to_string();
                // Per-board sections, but none for this board (or no board).
                let sections: Vec<String> = match o.t.get("board").map(|v| v.get_ref()) {
                    Some(DeValue::Table(t)) => t.iter().map(|(k, _)| format!("`{}`", k.get_ref())).collect(),
                    _ => Vec::new(),
                };
                if !sections.is_empty() {
                    help = match self.board {
                        Some(b) => format!(
                            "it has sections for {} but none for board `{}`: add `[component.board.{}]` \
                             with what it runs there, or {help}",
                            sections.join(", "),
                            b.name,
                            b.name
                        ),
                        None => format!(
                            "it has sections for {}, which apply only when building for a board \
                             (`cargo xtask build --board <board>`); or {help}",
                            sections.join(", ")
                        ),
                    };
                }
                c.push(
                    Problem::new(
                        "missing_program_or_wasm",
                        format!("{what} has no `program` and no `wasm`: it must have exactly one"),
                    )
                    .label(&o.head(self), "`program` or `wasm` is required here")
                    .help(help),
                )
            }
            (Some(p), None) => {
                comp.program = self.name(p, &format!("the program of {what}"), c);
                if let Some(prog) = &comp.program {
                    if prog.v == WASM_RUNTIME_PROGRAM {
                        c.push(
                            Problem::new(
                                "program_is_wasm_runtime",
                                format!("{what} names the Wasm runtime `{WASM_RUNTIME_PROGRAM}` as its program"),
                            )
                            .label(&prog.span, "the Wasm runtime")
                            .help("the Wasm runtime runs Wasm components: write `wasm = \"<crate>\"` instead of `program`"),
                        );
                        comp.program = None;
                    }
                }
            }
            (None, Some(w)) => {
                comp.wasm = self.name(w, &format!("the Wasm crate of {what}"), c);
                comp.program = comp.wasm.as_ref().map(|w| Sp {
                    v: WASM_RUNTIME_PROGRAM.to_string(),
                    span: w.span.clone(),
                });
            }
        }
        comp.priority = self.req(&o, "priority", "priority = 100", c).and_then(|v| {
            self.int_in(
                v,
                "priority",
                1,
                254,
                |n| {
                    Problem::new(
                        "priority_out_of_range",
                        format!("the priority of {what} is {n}, outside 1..=254"),
                    )
                    .help("use 1..=254 (higher runs first; 255 is the root task's, 0 is reserved)")
                },
                c,
            )
        });
        let (default_stack, default_heap) = if is_wasm {
            (DEFAULT_WASM_STACK, DEFAULT_WASM_HEAP)
        } else {
            (DEFAULT_STACK, DEFAULT_HEAP)
        };
        comp.stack = match o.get("stack") {
            None => Some(Sp { v: default_stack, span: comp.span.clone() }),
            Some(v) => self.size(v, &format!("the stack of {what}"), MAX_STACK, c),
        };
        comp.heap = match o.get("heap") {
            None => Some(Sp { v: default_heap, span: comp.span.clone() }),
            Some(v) => self.size(v, &format!("the heap of {what}"), MAX_HEAP, c),
        };
        comp.wasm_memory = self.wasm_memory(&o, is_wasm, comp.heap.as_ref(), &what, c);
        comp.restart = match o.get("restart") {
            None => Some(Sp {
                v: Restart::Restart { max: DEFAULT_MAX_RESTARTS },
                span: comp.span.clone(),
            }),
            Some(v) => self.restart(v, &what, c),
        };
        comp.lifetime = match o.get("lifetime") {
            None => Some(Sp { v: Lifetime::Service, span: comp.span.clone() }),
            Some(v) => self.lifetime(v, &what, c),
        };
        comp.control = match o.get("control") {
            None => Some(Sp { v: false, span: comp.span.clone() }),
            Some(v) => self.boolean(v, &format!("`control` of {what}"), c),
        };
        if let Some(v) = o.get("io_ports") {
            if let Some(board) = self.board.filter(|b| b.arch != Arch::X86_64) {
                c.push(
                    Problem::new(
                        "io_ports_not_on_board",
                        format!("{what} is given IO ports, but board `{}` has none (IO ports are x86)", board.name),
                    )
                    .label(&v.span(), "x86 IO ports")
                    .help(format!(
                        "reach the device through `device_memory` on this board, and move `io_ports` into \
                         `[component.board.<x86 board>]` if the component also runs on x86{}",
                        devices_list(board)
                    )),
                );
            }
            for item in self.array(v, &format!("`io_ports` of {what}"), c) {
                if let Some(t) = self.table(item, &format!("an IO port range of {what}"), c) {
                    comp.io_ports.push(self.io_ports(t, c));
                }
            }
        }
        if let Some(v) = o.get("irqs") {
            for item in self.array(v, &format!("`irqs` of {what}"), c) {
                if let Some(t) = self.table(item, &format!("an interrupt of {what}"), c) {
                    comp.irqs.push(self.irq(t, c));
                }
            }
        }
        if let Some(v) = o.get("device_memory") {
            for item in self.array(v, &format!("`device_memory` of {what}"), c) {
                if let Some(t) = self.table(item, &format!("a device memory window of {what}"), c) {
                    comp.device_memory.push(self.device_memory(t, c));
                }
            }
        }
        comp
    }

    /// `wasm_memory` (only with `wasm`): a multiple of the Wasm page that
    /// leaves the runtime `WASM_RUNTIME_HEAP` of the heap. `None` for a
    /// native component.
    fn wasm_memory(
        &self,
        o: &Obj,
        is_wasm: bool,
        heap: Option<&Sp<u64>>,
        what: &str,
        c: &mut Collector,
    ) -> F<u64> {
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
            None => Sp { v: DEFAULT_WASM_MEMORY, span: o.head(self) },
            Some(v) => self.size(v, &format!("the Wasm memory of {what}"), MAX_HEAP, c)?,
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
            let need = mem.v + WASM_RUNTIME_HEAP;
            let mut p = Problem::new(
                "wasm_memory_larger_than_heap",
                format!(
                    "the Wasm memory of {what} ({}) leaves the Wasm runtime less than {} of its heap ({})",
                    human(mem.v),
                    human(WASM_RUNTIME_HEAP),
                    human(heap.v)
                ),
            );
            p = if given.is_some() {
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
            c.push(p.help(help));
            return None;
        }
        Some(mem)
    }

    fn lifetime(&self, v: &V, what: &str, c: &mut Collector) -> F<Lifetime> {
        let s = self.string(v, &format!("the lifetime of {what}"), c)?;
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

    fn restart(&self, v: &V, what: &str, c: &mut Collector) -> F<Restart> {
        let bad = |c: &mut Collector, span: &Span, got: &str| {
            c.push(
                Problem::new("invalid_restart_policy", format!("the restart policy of {what} is {got}"))
                    .label(span, "unknown policy")
                    .help("use \"restart\", \"stop\", \"halt-system\" or { policy = \"restart\", max = 3 }"),
            );
        };
        let policy = |s: &str| match s {
            "restart" => Some(Restart::Restart { max: DEFAULT_MAX_RESTARTS }),
            "stop" => Some(Restart::Stop),
            "halt-system" => Some(Restart::HaltSystem),
            _ => None,
        };
        match v.get_ref() {
            DeValue::String(s) => match policy(s) {
                Some(r) => Some(Sp { v: r, span: v.span() }),
                None => {
                    bad(c, &v.span(), &format!("`{s}`"));
                    None
                }
            },
            DeValue::Table(_) => {
                let o = self.table(v, &format!("the restart policy of {what}"), c)?;
                o.check_keys(RESTART_KEYS, c);
                let p = self.req(&o, "policy", "policy = \"restart\"", c)?;
                let s = self.string(p, "`policy`", c)?;
                let mut r = match policy(&s.v) {
                    Some(r) => r,
                    None => {
                        bad(c, &s.span, &format!("`{}`", s.v));
                        return None;
                    }
                };
                if let Some(m) = o.get("max") {
                    match &mut r {
                        Restart::Restart { max } => {
                            *max = self.plain_int::<u32>(m, "`max`", 0, u32::MAX.into(), c)?.v
                        }
                        _ => {
                            c.push(
                                Problem::new(
                                    "unknown_key",
                                    format!("`max` only applies to policy \"restart\" ({what})"),
                                )
                                .label(&m.span(), "not used by this policy")
                                .help("remove `max`, or use policy = \"restart\""),
                            );
                            return None;
                        }
                    }
                }
                Some(Sp { v: r, span: v.span() })
            }
            _ => {
                self.wrong_type(
                    v,
                    &format!("the restart policy of {what}"),
                    "a string or a table",
                    c,
                );
                None
            }
        }
    }

    /// A component's `board` table: one section per board, each giving keys
    /// that apply only when building for that board. Returns the section of
    /// the board being built for, if the component has one.
    fn board_section<'a, 'i>(&self, o: &Obj<'a, 'i>, c: &mut Collector) -> Option<&'a DeTable<'i>> {
        let v = o.t.get("board")?;
        let boards = self.table(v, &format!("`board` of {}", o.what), c)?;
        let mut chosen = None;
        for (key, section) in boards.t.iter() {
            let board: &str = key.get_ref();
            let what = format!("the `{board}` section of {}", o.what);
            if let Some(target) = self.board {
                if !target.known_boards.is_empty()
                    && !target.known_boards.iter().any(|b| b == board)
                {
                    let known: Vec<&str> = target.known_boards.iter().map(String::as_str).collect();
                    let list =
                        known.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ");
                    c.push(
                        Problem::new("unknown_board", format!("{} has a section for board `{board}`, which does not exist", o.what))
                            .label(&key.span(), "no such board")
                            .help(match closest(board, &known) {
                                Some(best) => format!("did you mean `{best}`? The boards (folders under `board/`) are {list}"),
                                None => format!("use one of the boards (folders under `board/`): {list}"),
                            }),
                    );
                    continue;
                }
            }
            let Some(section_obj) = self.table(section, &what, c) else {
                continue;
            };
            section_obj.check_keys(COMPONENT_SETTINGS, c);
            for (k, val) in section_obj.t.iter() {
                let k: &str = k.get_ref();
                if let Some(also) = o.t.get(k) {
                    c.push(
                        Problem::new("board_key_twice", format!("`{k}` of {} is given both for every board and in its `{board}` section", o.what))
                            .label(&also.span(), "for every board")
                            .label(&val.span(), format!("for `{board}`"))
                            .help(format!("give `{k}` in one place: in the component for every board, or in each board's section")),
                    );
                }
            }
            if self.board.is_some_and(|t| t.name == board) {
                chosen = Some(section_obj.t);
            }
        }
        chosen
    }

    /// `irq = <id>`: a GIC interrupt ID (ARM). Checked against the board's
    /// interrupt controller and the kernel's own interrupts.
    fn gic_irq(&self, o: &Obj, v: &V, c: &mut Collector) -> F<u32> {
        for key in ["ioapic", "pin", "vector", "level", "active_low"] {
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
        if let Some(board) = self.board.filter(|b| b.arch != Arch::Aarch64) {
            c.push(
                Problem::new(
                    "irq_kind_not_on_board",
                    format!("{} is a GIC interrupt (`irq`), but board `{}` has IOAPICs", o.what, board.name),
                )
                .label(&v.span(), "an ARM interrupt")
                .help("give the IOAPIC input and the vector instead: `pin = <0..23>, vector = <0..107>`; \
                       put per-board interrupts in `[component.board.<name>]` sections"),
            );
            return None;
        }
        let max = self.board.and_then(|b| b.max_irq).unwrap_or(MAX_GIC_IRQ);
        let irq = self.plain_int::<u32>(
            v,
            "`irq` (GIC interrupt ID)",
            MIN_GIC_IRQ.into(),
            max.into(),
            c,
        )?;
        if let Some(board) = self.board.filter(|b| b.kernel_irqs.contains(&irq.v)) {
            c.push(
                Problem::new(
                    "irq_kept_by_kernel",
                    format!(
                        "{} is interrupt {}, which the kernel on board `{}` keeps for itself",
                        o.what, irq.v, board.name
                    ),
                )
                .label(&irq.span, "the kernel's interrupt")
                .help(format!("give a device's interrupt{}", devices_list(board))),
            );
            return None;
        }
        Some(irq)
    }

    /// Device memory must be (part of) one of the board's devices, when the
    /// board lists its devices.
    fn check_board_device(
        &self,
        what: &str,
        paddr: &Sp<u64>,
        size: &Sp<u64>,
        c: &mut Collector,
    ) -> bool {
        let Some(board) = self.board.filter(|b| !b.devices.is_empty()) else {
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

    fn io_ports(&self, mut o: Obj, c: &mut Collector) -> IoPorts {
        let name = self
            .req(&o, "name", "name = \"com1\"", c)
            .and_then(|v| self.name(v, "the IO port range name", c));
        if let Some(n) = &name {
            o.what = format!(
                "IO port range `{}` ({})",
                n.v,
                o.what.trim_start_matches("an IO port range of ")
            );
        }
        o.check_keys(IO_PORT_KEYS, c);
        let first = self
            .req(&o, "first", "first = 0x3f8", c)
            .and_then(|v| self.plain_int::<u16>(v, "`first`", 0, 0xffff, c));
        let last = self
            .req(&o, "last", "last = 0x3ff", c)
            .and_then(|v| self.plain_int::<u16>(v, "`last`", 0, 0xffff, c));
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

    fn irq(&self, mut o: Obj, c: &mut Collector) -> Irq {
        let name = self
            .req(&o, "name", "name = \"com1\"", c)
            .and_then(|v| self.name(v, "the interrupt name", c));
        if let Some(n) = &name {
            o.what =
                format!("interrupt `{}` ({})", n.v, o.what.trim_start_matches("an interrupt of "));
        }
        o.check_keys(IRQ_KEYS, c);
        let channel = self
            .req(&o, "channel", "channel = 10", c)
            .and_then(|v| self.channel_id(v, "the interrupt's `channel`", c));
        if let Some(v) = o.get("irq") {
            return Irq {
                gic_irq: self.gic_irq(&o, v, c),
                span: o.span,
                name,
                ioapic: None,
                pin: None,
                vector: None,
                channel,
                level: None,
                active_low: None,
            };
        }
        if let Some(board) = self.board.filter(|b| b.arch != Arch::X86_64) {
            c.push(
                Problem::new(
                    "irq_kind_not_on_board",
                    format!(
                        "{} is an IOAPIC interrupt (`pin`, `vector`), but board `{}` has a GIC",
                        o.what, board.name
                    ),
                )
                .label(&o.span, "an x86 interrupt")
                .help(format!(
                    "give the GIC interrupt ID instead: `irq = <id>`{}",
                    devices_list(board)
                )),
            );
        }
        let ioapic = match o.get("ioapic") {
            None => Some(Sp { v: 0, span: o.span.clone() }),
            Some(v) => self.plain_int::<u32>(v, "`ioapic`", 0, 255, c),
        };
        let pin = self.req(&o, "pin", "pin = 4", c).and_then(|v| {
            self.plain_int::<u32>(v, "`pin` (IOAPIC input)", 0, i128::from(IOAPIC_PINS) - 1, c)
        });
        let vector = self.req(&o, "vector", "vector = 4", c).and_then(|v| {
            self.plain_int::<u32>(v, "`vector` (seL4 IRQ number)", 0, MAX_IRQ_VECTOR.into(), c)
        });
        let level = match o.get("level") {
            None => Some(Sp { v: false, span: o.span.clone() }),
            Some(v) => self.boolean(v, "`level`", c),
        };
        let active_low = match o.get("active_low") {
            None => Some(Sp { v: false, span: o.span.clone() }),
            Some(v) => self.boolean(v, "`active_low`", c),
        };
        Irq { span: o.span, name, gic_irq: None, ioapic, pin, vector, channel, level, active_low }
    }

    fn device_memory(&self, mut o: Obj, c: &mut Collector) -> DeviceMemory {
        let name = self
            .req(&o, "name", "name = \"hpet\"", c)
            .and_then(|v| self.name(v, "the device memory name", c));
        if let Some(n) = &name {
            o.what = format!(
                "device memory `{}` ({})",
                n.v,
                o.what.trim_start_matches("a device memory window of ")
            );
        }
        o.check_keys(DEVICE_KEYS, c);
        let what = o.what.clone();
        let mut paddr = self
            .req(&o, "paddr", "paddr = 0xfed00000", c)
            .and_then(|v| self.plain_int::<u64>(v, "`paddr`", 0, u64::MAX.into(), c));
        if let Some(p) = &paddr {
            if !p.v.is_multiple_of(PAGE_SIZE) {
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
        }
        let size = self.req(&o, "size", "size = \"4 KiB\"", c).and_then(|v| {
            self.size(
                v,
                &format!("the size of {what}"),
                layout::vaddr::END - layout::vaddr::DEVICE,
                c,
            )
        });
        if let (Some(p), Some(s)) = (&paddr, &size) {
            if p.v.checked_add(s.v).is_none_or(|end| end > 1 << 52) {
                c.push(
                    Problem::new(
                        "device_memory_out_of_range",
                        format!("{what} ends beyond the 52-bit physical address space"),
                    )
                    .label(&p.span, "start")
                    .label(&s.span, "size")
                    .help("check `paddr` and `size`"),
                );
                paddr = None;
            }
        }
        if let (Some(p), Some(s)) = (&paddr, &size) {
            if !self.check_board_device(&what, p, s, c) {
                paddr = None;
            }
        }
        let cached = match o.get("cached") {
            None => Some(Sp { v: false, span: o.span.clone() }),
            Some(v) => self.boolean(v, "`cached`", c),
        };
        DeviceMemory { span: o.span, name, paddr, size, cached }
    }

    fn end(&self, v: &V, what: &str, id_key: &str, c: &mut Collector) -> Option<End> {
        let o = self.table(v, what, c)?;
        let keys = if id_key == "id" { CHANNEL_END_KEYS } else { RING_END_KEYS };
        o.check_keys(keys, c);
        let component = self
            .req(&o, "component", "component = \"name\"", c)
            .and_then(|v| self.name(v, "the component name", c));
        let id = self
            .req(&o, id_key, &format!("{id_key} = 0"), c)
            .and_then(|v| self.channel_id(v, &format!("the channel id of {what}"), c));
        Some(End { span: o.span, component, id })
    }

    fn channel(&self, (v, span): (&V, Span), index: usize, c: &mut Collector) -> Channel {
        let mut ch = Channel { span, name: None, kind: None, ends: None };
        let Some(mut o) = self.table(v, &format!("channel #{index}"), c) else {
            return ch;
        };
        ch.span = o.head(self);
        ch.name = self
            .req(&o, "name", "name = \"client-to-server\"", c)
            .and_then(|v| self.name(v, "the channel name", c));
        if let Some(n) = &ch.name {
            o.what = format!("channel `{}`", n.v);
        }
        let what = o.what.clone();
        ch.kind = self.req(&o, "kind", "kind = \"protected-call\" (or \"notification\")", c).and_then(|v| {
            let s = self.string(v, "`kind`", c)?;
            match s.v.as_str() {
                "protected-call" => Some(Sp { v: ChannelKind::ProtectedCall, span: s.span }),
                "notification" => Some(Sp { v: ChannelKind::Notification, span: s.span }),
                other => {
                    c.push(
                        Problem::new("invalid_channel_kind", format!("{what} has unknown kind `{other}`"))
                            .label(&s.span, "unknown kind")
                            .help("use \"protected-call\" (with `caller` and `callee`) or \"notification\" (with `ends`)"),
                    );
                    None
                }
            }
        });
        match ch.kind.as_ref().map(|k| k.v) {
            None => o.check_keys(ANY_CHANNEL_KEYS, c),
            Some(ChannelKind::ProtectedCall) => {
                o.check_keys(CALL_KEYS, c);
                let caller = self
                    .req(&o, "caller", "caller = { component = \"client\", id = 0 }", c)
                    .and_then(|v| self.end(v, &format!("the caller of {what}"), "id", c));
                let callee = self
                    .req(&o, "callee", "callee = { component = \"server\", id = 0 }", c)
                    .and_then(|v| self.end(v, &format!("the callee of {what}"), "id", c));
                if let (Some(a), Some(b)) = (caller, callee) {
                    ch.ends = Some([a, b]);
                }
            }
            Some(ChannelKind::Notification) => {
                o.check_keys(NOTIFICATION_KEYS, c);
                if let Some(v) = self.req(
                    &o,
                    "ends",
                    "ends = [ { component = \"a\", id = 0 }, { component = \"b\", id = 0 } ]",
                    c,
                ) {
                    let items = self.array(v, &format!("the `ends` of {what}"), c);
                    if items.len() != 2 {
                        c.push(
                            Problem::new("wrong_end_count", format!("{what} has {} ends; a notification channel has two", items.len()))
                                .label(&v.span(), "expected exactly two ends")
                                .help("ends = [ { component = \"a\", id = 0 }, { component = \"b\", id = 0 } ]"),
                        );
                    } else {
                        let a = self.end(&items[0], &format!("the first end of {what}"), "id", c);
                        let b = self.end(&items[1], &format!("the second end of {what}"), "id", c);
                        if let (Some(a), Some(b)) = (a, b) {
                            ch.ends = Some([a, b]);
                        }
                    }
                }
            }
        }
        ch
    }

    fn ring(&self, (v, span): (&V, Span), index: usize, c: &mut Collector) -> Ring {
        let mut r =
            Ring { span, name: None, producer: None, consumer: None, slots: None, slot_size: None };
        let Some(mut o) = self.table(v, &format!("ring #{index}"), c) else {
            return r;
        };
        r.span = o.head(self);
        r.name = self
            .req(&o, "name", "name = \"packets\"", c)
            .and_then(|v| self.name(v, "the ring name", c));
        if let Some(n) = &r.name {
            o.what = format!("ring `{}`", n.v);
        }
        let what = o.what.clone();
        o.check_keys(RING_KEYS, c);
        r.producer = self
            .req(&o, "producer", "producer = { component = \"a\", channel = 1 }", c)
            .and_then(|v| self.end(v, &format!("the producer of {what}"), "channel", c));
        r.consumer = self
            .req(&o, "consumer", "consumer = { component = \"b\", channel = 1 }", c)
            .and_then(|v| self.end(v, &format!("the consumer of {what}"), "channel", c));
        r.slots = self.req(&o, "slots", "slots = 256", c).and_then(|v| {
            let n = self.plain_int::<u32>(v, "`slots`", 1, u32::MAX.into(), c)?;
            if !n.v.is_power_of_two() {
                let down = 1u32 << (31 - n.v.leading_zeros());
                c.push(
                    Problem::new(
                        "ring_slots_not_power_of_two",
                        format!("{what} has {} slots, not a power of two", n.v),
                    )
                    .label(&n.span, "not a power of two")
                    .help(format!("use {down} or {}", u64::from(down) * 2)),
                );
                return None;
            }
            Some(n)
        });
        r.slot_size = self.req(&o, "slot_size", "slot_size = 64", c).and_then(|v| {
            let n = self.plain_int::<u32>(v, "`slot_size`", 1, u32::MAX.into(), c)?;
            if n.v < 16 || !n.v.is_multiple_of(8) {
                c.push(
                    Problem::new(
                        "ring_slot_size_invalid",
                        format!("{what} has slot_size {}: a slot is a multiple of 8 bytes and at least 16", n.v),
                    )
                    .label(&n.span, "invalid slot size")
                    .help(format!("use {}", n.v.max(16).div_ceil(8) * 8)),
                );
                return None;
            }
            Some(n)
        });
        r
    }
}

/// The known key closest to `key`, if close enough to be a typo.
/// `: the board's devices are ...` for a help text, or nothing when the
/// board does not list them.
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

fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos() {
        assert_eq!(closest("priorty", COMPONENT_SETTINGS), Some("priority"));
        assert_eq!(closest("zzzzzz", COMPONENT_SETTINGS), None);
    }
}
