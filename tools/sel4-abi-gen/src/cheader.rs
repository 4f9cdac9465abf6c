//! A deliberately small C preprocessor and enum scanner.
//!
//! Supported: comments, line continuations, `#if/#ifdef/#ifndef/#elif/#else/
//! #endif`, `#define` (object- and function-like), `#undef`, `#error`,
//! `#pragma` (ignored) and `#include` (recorded, not followed: callers list
//! the files to read themselves). In the remaining active C text only
//! `enum ... { ... }` bodies are interpreted; other declarations are skipped.
//! Anything outside that subset is an error naming the file and line.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Context, Result};

use crate::config::KernelConfig;
use crate::expr::{self, Idents, MacroDef, MacroScope, Tok};

/// Macros visible to a header: its own `#define`s over the kernel config
/// (the headers `#include <autoconf.h>`).
#[derive(Debug)]
pub(crate) struct Scope<'c> {
    base: Option<&'c KernelConfig>,
    /// `None` records an `#undef`.
    local: HashMap<String, Option<MacroDef>>,
    enumerators: HashMap<String, i128>,
}

impl MacroScope for Scope<'_> {
    fn lookup_macro(&self, name: &str) -> Option<&MacroDef> {
        match self.local.get(name) {
            Some(def) => def.as_ref(),
            None => self.base.and_then(|c| c.macro_def(name)),
        }
    }
}

/// What a preprocessed file contained, in source order.
#[derive(Debug, Default)]
pub(crate) struct Preprocessed {
    /// Active `#define`s: name, line, definition.
    pub defines: Vec<(String, usize, MacroDef)>,
    /// Active `#undef`s: name, line.
    pub undefs: Vec<(String, usize)>,
    /// Active `#include` operands: line, text.
    pub includes: Vec<(usize, String)>,
    /// Active non-directive text: line, text.
    pub code: Vec<(usize, String)>,
}

/// A named integer found in a header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HeaderConstant {
    pub name: String,
    pub value: i128,
    pub line: usize,
}

struct Cond {
    /// Whether the enclosing region is active.
    parent_active: bool,
    /// Whether the current branch is active.
    active: bool,
    /// Whether some branch of this `#if` chain has been taken.
    taken: bool,
    seen_else: bool,
    line: usize,
}

impl<'c> Scope<'c> {
    pub(crate) fn new(base: Option<&'c KernelConfig>) -> Self {
        let mut enumerators = HashMap::new();
        // Sizes of the ABI's word types, for `sizeof(seL4_Word)` in headers
        // (aarch64's constants.h computes seL4_WordBits that way).
        let word_size = base.and_then(|c| {
            c.defines().find(|(name, _)| *name == "CONFIG_WORD_SIZE")?.1.trim().parse::<i128>().ok()
        });
        if let Some(bits) = word_size {
            for ty in ["seL4_Word", "seL4_CPtr", "seL4_Uintptr"] {
                enumerators.insert(format!("sizeof({ty})"), bits / 8);
            }
        }
        Scope { base, local: HashMap::new(), enumerators }
    }

    /// The `#define`s of this scope (not of the base config) that are in effect.
    pub(crate) fn local_macros(&self) -> impl Iterator<Item = (&String, &MacroDef)> {
        self.local.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    }

    /// Evaluates a `#if` expression in this scope.
    pub(crate) fn eval_if(&self, text: &str) -> Result<bool> {
        let toks = expr::tokenize(text)?;
        if toks.is_empty() {
            bail!("empty condition");
        }
        let toks = expr::expand(&toks, self, true)?;
        Ok(expr::evaluate(&toks, &Idents::Zero)? != 0)
    }

    /// Evaluates a C constant expression (enumerator initialiser or macro
    /// body): macros are expanded, remaining identifiers must be enumerators.
    pub(crate) fn eval_c(&self, toks: &[Tok]) -> Result<i128> {
        let toks = expr::expand(toks, self, false)?;
        expr::evaluate(&toks, &Idents::Enumerators(&self.enumerators))
    }

    fn define(&mut self, name: String, def: MacroDef) -> Result<()> {
        if let Some(old) = self.lookup_macro(&name) {
            if !old.same_as(&def) {
                bail!(
                    "macro `{name}` redefined with a different value (was `{}`, now `{}`)",
                    old.text,
                    def.text
                );
            }
        }
        self.local.insert(name, Some(def));
        Ok(())
    }

    /// Runs the preprocessor over `text`, updating the scope's macros.
    pub(crate) fn preprocess(&mut self, text: &str, origin: &str) -> Result<Preprocessed> {
        let text =
            strip_comments(text).with_context(|| format!("{origin}: bad comment or literal"))?;
        let mut out = Preprocessed::default();
        let mut stack: Vec<Cond> = Vec::new();
        for (line, logical) in logical_lines(&text) {
            let at = || format!("{origin}:{line}");
            let active = stack.last().is_none_or(|c| c.active);
            let trimmed = logical.trim();
            let Some(directive) = trimmed.strip_prefix('#') else {
                if active && !trimmed.is_empty() {
                    out.code.push((line, logical));
                }
                continue;
            };
            let directive = directive.trim_start();
            let kw_len = directive.bytes().take_while(|c| c.is_ascii_alphabetic()).count();
            let (kw, rest) = directive.split_at(kw_len);
            let rest = rest.trim();
            match kw {
                "if" | "ifdef" | "ifndef" => {
                    let value = if !active {
                        false
                    } else if kw == "if" {
                        self.eval_if(rest).with_context(|| format!("{}: in `#if {rest}`", at()))?
                    } else {
                        let name =
                            single_name(rest).with_context(|| format!("{}: `#{kw}`", at()))?;
                        self.lookup_macro(name).is_some() == (kw == "ifdef")
                    };
                    stack.push(Cond {
                        parent_active: active,
                        active: value,
                        taken: value,
                        seen_else: false,
                        line,
                    });
                }
                "elif" | "else" => {
                    let Some(top) = stack.last_mut() else {
                        bail!("{}: `#{kw}` without `#if`", at());
                    };
                    if top.seen_else {
                        bail!(
                            "{}: `#{kw}` after `#else` (the `#if` is at line {})",
                            at(),
                            top.line
                        );
                    }
                    let take = if top.taken || !top.parent_active {
                        false
                    } else if kw == "else" {
                        true
                    } else {
                        self.eval_if(rest)
                            .with_context(|| format!("{}: in `#elif {rest}`", at()))?
                    };
                    top.seen_else = kw == "else";
                    top.active = take;
                    top.taken |= take;
                }
                "endif" => {
                    if stack.pop().is_none() {
                        bail!("{}: `#endif` without `#if`", at());
                    }
                }
                _ if !active => {} // Like C, ignore other directives in skipped regions.
                "" => {}           // The null directive.
                "define" => {
                    let (name, def) = MacroDef::parse_define(rest)
                        .with_context(|| format!("{}: `#define {rest}`", at()))?;
                    self.define(name.clone(), def.clone()).with_context(at)?;
                    out.defines.push((name, line, def));
                }
                "undef" => {
                    let name = single_name(rest).with_context(|| format!("{}: `#undef`", at()))?;
                    self.local.insert(name.to_string(), None);
                    out.undefs.push((name.to_string(), line));
                }
                "include" => out.includes.push((line, rest.to_string())),
                "pragma" => {}
                "error" => bail!("{}: `#error {rest}` is active in this configuration", at()),
                _ => bail!("{}: unsupported preprocessor directive `#{kw}`", at()),
            }
        }
        if let Some(open) = stack.last() {
            bail!("{origin}:{}: `#if` without matching `#endif`", open.line);
        }
        Ok(out)
    }

    /// Interprets the `enum { ... }` bodies in preprocessed code, adding
    /// their enumerators to the scope. Returns them in source order.
    pub(crate) fn scan_enums(
        &mut self,
        code: &[(usize, String)],
        origin: &str,
    ) -> Result<Vec<HeaderConstant>> {
        let mut toks: Vec<(Tok, usize)> = Vec::new();
        for (line, text) in code {
            let line_toks = expr::tokenize(text).with_context(|| format!("{origin}:{line}"))?;
            toks.extend(line_toks.into_iter().map(|t| (t, *line)));
        }
        let mut found = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if toks[i].0 != Tok::Ident("enum".into()) {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            if matches!(toks.get(j), Some((Tok::Ident(_), _))) {
                j += 1;
            }
            if !matches!(toks.get(j), Some((Tok::Punct("{"), _))) {
                i = j; // `enum tag x;` - a use, not a definition.
                continue;
            }
            let close = (j + 1..toks.len())
                .find(|&k| matches!(toks[k].0, Tok::Punct("}" | "{")))
                .filter(|&k| toks[k].0 == Tok::Punct("}"))
                .ok_or_else(|| {
                    anyhow!("{origin}:{}: enum body without a closing `}}`", toks[j].1)
                })?;
            self.enum_body(&toks[j + 1..close], toks[j].1, origin, &mut found)?;
            i = close + 1;
        }
        Ok(found)
    }

    fn enum_body(
        &mut self,
        body: &[(Tok, usize)],
        open_line: usize,
        origin: &str,
        found: &mut Vec<HeaderConstant>,
    ) -> Result<()> {
        // Split at top-level commas.
        let mut entries: Vec<&[(Tok, usize)]> = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        for (k, (t, line)) in body.iter().enumerate() {
            match t {
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| anyhow!("{origin}:{line}: unbalanced `)` in enum"))?
                }
                Tok::Punct(",") if depth == 0 => {
                    entries.push(&body[start..k]);
                    start = k + 1;
                }
                _ => {}
            }
        }
        entries.push(&body[start..]);
        let last = entries.len() - 1;
        let mut next: i128 = 0;
        for (n, entry) in entries.into_iter().enumerate() {
            let Some((first, line)) = entry.first() else {
                if n == last {
                    continue; // Trailing comma.
                }
                bail!("{origin}:{open_line}: empty entry in enum");
            };
            let at = || format!("{origin}:{line}");
            let toks: Vec<Tok> = entry.iter().map(|(t, _)| t.clone()).collect();
            let name = match first {
                Tok::Ident(name) if name == "SEL4_FORCE_LONG_ENUM" => continue,
                Tok::Ident(name) if self.lookup_macro(name).is_none() => name.clone(),
                _ => bail!("{}: unsupported enum entry `{}`", at(), expr::show(&toks)),
            };
            let value = match toks.get(1) {
                None => next,
                Some(Tok::Punct("=")) => self
                    .eval_c(&toks[2..])
                    .with_context(|| format!("{}: value of enumerator `{name}`", at()))?,
                Some(_) => bail!("{}: unsupported enum entry `{}`", at(), expr::show(&toks)),
            };
            if self.enumerators.insert(name.clone(), value).is_some() {
                bail!("{}: enumerator `{name}` defined twice", at());
            }
            next = value + 1;
            found.push(HeaderConstant { name, value, line: *line });
        }
        Ok(())
    }

    /// Evaluates an object-like macro as an integer constant.
    pub(crate) fn eval_macro(&self, def: &MacroDef) -> Result<i128> {
        self.eval_c(&def.body)
    }
}

fn single_name(rest: &str) -> Result<&str> {
    let ok = !rest.is_empty()
        && !rest.as_bytes()[0].is_ascii_digit()
        && rest.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
    if !ok {
        bail!("expected a single macro name, found `{rest}`");
    }
    Ok(rest)
}

/// Replaces comments by a space (keeping newlines, so line numbers stay
/// right); string and character literals are left untouched.
pub(crate) fn strip_comments(text: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let start = line;
                let mut prev = ' ';
                loop {
                    let Some(c) = chars.next() else {
                        bail!("comment opened at line {start} is not closed");
                    };
                    if c == '\n' {
                        out.push('\n');
                        line += 1;
                    }
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
                out.push(' ');
            }
            '/' if chars.peek() == Some(&'/') => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            '"' | '\'' => {
                out.push(c);
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '\\' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if d == c {
                        break;
                    } else if d == '\n' {
                        bail!("line {line}: unterminated literal");
                    }
                }
            }
            '\n' => {
                line += 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// Joins backslash-continued lines; yields (first line number, text).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (idx, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (start, mut acc) = pending.take().unwrap_or((idx + 1, String::new()));
        if let Some(cont) = raw.strip_suffix('\\') {
            acc.push_str(cont);
            acc.push(' ');
            pending = Some((start, acc));
        } else {
            acc.push_str(raw);
            out.push((start, acc));
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, config: &str) -> Result<(Scope<'static>, Vec<HeaderConstant>)> {
        let config =
            Box::leak(Box::new(KernelConfig::from_autoconf_str(config, "test-autoconf.h")?));
        let mut scope = Scope::new(Some(config));
        let pre = scope.preprocess(text, "test.h")?;
        let found = scope.scan_enums(&pre.code, "test.h")?;
        Ok((scope, found))
    }

    fn names(found: &[HeaderConstant]) -> Vec<(&str, i128)> {
        found.iter().map(|c| (c.name.as_str(), c.value)).collect()
    }

    const HEADER: &str = r#"
#ifndef GUARD_H
#define GUARD_H
/* a comment with enum { x } in it */
#define BIT(n) (1ul<<(n))
typedef enum api {
    A_Zero,          // 0
    A_One,
#ifdef CONFIG_EXTRA
    A_Extra,
#endif
#if CONFIG_NODES > 1 && !defined(CONFIG_NOPE)
    A_Smp,
#elif defined CONFIG_EXTRA
    A_NotSmpButExtra,
#else
    A_Neither,
#endif
    A_Count,
    A_Bit = BIT(A_Count) - 1,
    A_Prio = CONFIG_PRIOS - \
             1,
    SEL4_FORCE_LONG_ENUM(api),
} api_t;
static const int not_an_enum = 3;
#ifndef CONFIG_EXTRA
#define A_Extra 0xffffff
#endif
#endif
"#;

    #[test]
    fn conditions_and_values() {
        let (_, found) = run(HEADER, "#define CONFIG_PRIOS 256\n#define CONFIG_NODES 1\n").unwrap();
        assert_eq!(
            names(&found),
            [
                ("A_Zero", 0),
                ("A_One", 1),
                ("A_Neither", 2),
                ("A_Count", 3),
                ("A_Bit", 7),
                ("A_Prio", 255)
            ]
        );
        let cfg = "#define CONFIG_PRIOS 16\n#define CONFIG_NODES 4\n#define CONFIG_EXTRA 1\n";
        let (_, found) = run(HEADER, cfg).unwrap();
        assert_eq!(
            names(&found),
            [
                ("A_Zero", 0),
                ("A_One", 1),
                ("A_Extra", 2),
                ("A_Smp", 3),
                ("A_Count", 4),
                ("A_Bit", 15),
                ("A_Prio", 15)
            ]
        );
        let (_, found) = run(HEADER, "#define CONFIG_PRIOS 1\n#define CONFIG_EXTRA\n").unwrap();
        assert!(names(&found).contains(&("A_NotSmpButExtra", 3)));
    }

    #[test]
    fn fallback_macros() {
        let (scope, _) = run(HEADER, "#define CONFIG_PRIOS 256\n").unwrap();
        let def = scope.lookup_macro("A_Extra").unwrap().clone();
        assert_eq!(scope.eval_macro(&def).unwrap(), 0xffffff);
        let (scope, _) = run(HEADER, "#define CONFIG_PRIOS 256\n#define CONFIG_EXTRA 1\n").unwrap();
        assert!(scope.lookup_macro("A_Extra").is_none());
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = run("enum {\n  A,\n  B = A +,\n};\n", "").unwrap_err();
        assert!(format!("{err:#}").starts_with("test.h:3: value of enumerator `B`"), "{err:#}");

        let err = run("enum {\n  A,\n  int B,\n};\n", "").unwrap_err();
        assert!(format!("{err:#}").contains("test.h:3: unsupported enum entry `int B`"), "{err:#}");

        let err = run("enum { A = UNKNOWN_THING };\n", "").unwrap_err();
        assert!(
            format!("{err:#}")
                .contains("`UNKNOWN_THING` is neither a macro nor a known enumerator"),
            "{err:#}"
        );

        let err = run("#if 1\n#warning x\n#endif\n", "").unwrap_err();
        assert!(
            format!("{err:#}").contains("test.h:2: unsupported preprocessor directive `#warning`"),
            "{err:#}"
        );

        let err = run("\n#ifdef X\n", "").unwrap_err();
        assert!(
            format!("{err:#}").contains("test.h:2: `#if` without matching `#endif`"),
            "{err:#}"
        );

        let err = run("#define X 1\n#define X 2\n", "").unwrap_err();
        assert!(format!("{err:#}").contains("test.h:2: macro `X` redefined"), "{err:#}");

        let err = run("#if CONFIG_A\n#error no\n#endif\n", "#define CONFIG_A 1\n").unwrap_err();
        assert!(format!("{err:#}").contains("test.h:2: `#error no`"), "{err:#}");
        // ...but an #error in a skipped region is fine.
        run("#if CONFIG_A\n#error no\n#endif\n", "").unwrap();
    }

    #[test]
    fn benign_redefinition_and_undef() {
        let (scope, _) = run("#define X (1)\n#define X (1)\n#define Y 2\n#undef Y\n", "").unwrap();
        assert!(scope.lookup_macro("X").is_some());
        assert!(scope.lookup_macro("Y").is_none());
    }
}

#[cfg(test)]
mod sizeof_tests {
    use super::*;

    #[test]
    fn sizeof_the_word_follows_the_configured_word_size() {
        // aarch64's constants.h: `#define seL4_WordBits (sizeof(seL4_Word) * 8)`.
        for (word_size, bits) in [(64, 64), (32, 32)] {
            let config = KernelConfig::from_autoconf_str(
                &format!("#define CONFIG_WORD_SIZE {word_size}\n"),
                "autoconf.h",
            )
            .unwrap();
            let mut scope = Scope::new(Some(&config));
            scope
                .preprocess("#define seL4_WordBits (sizeof(seL4_Word) * 8)\n", "constants.h")
                .unwrap();
            let def = scope.lookup_macro("seL4_WordBits").unwrap().clone();
            assert_eq!(scope.eval_macro(&def).unwrap(), bits);
        }
    }
}
