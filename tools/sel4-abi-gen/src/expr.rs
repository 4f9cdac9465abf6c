//! C tokens, macro expansion and integer constant-expression evaluation.
//!
//! This is the shared core of the `#if` evaluator (used for autoconf
//! conditions and header conditionals) and of the enumerator-value evaluator.
//! It implements only what the seL4 interface headers need, and reports
//! anything else as an error instead of guessing.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};

/// One C token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident(String),
    /// An integer (or character) literal, already converted.
    Int(i128),
    /// A string literal, with its C escapes kept verbatim.
    Str(String),
    Punct(&'static str),
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Ident(s) => f.write_str(s),
            Tok::Int(v) => write!(f, "{v}"),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::Punct(p) => f.write_str(p),
        }
    }
}

/// Renders a token list for error messages.
pub(crate) fn show(toks: &[Tok]) -> String {
    toks.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" ")
}

// Longest first, so that maximal munch works by trying them in order.
const PUNCTS: &[&str] = &[
    "...", "<<=", ">>=", "##", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "++", "--",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "(", ")", "[", "]", "{", "}", ",", ";", ":",
    "?", "+", "-", "*", "/", "%", "<", ">", "!", "~", "&", "|", "^", "=", ".", "#",
];

/// Splits one (comment-free) line of C into tokens.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Tok>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(text[start..i].to_string()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Int(parse_int_literal(&text[start..i])?));
        } else if c == b'"' {
            let start = i + 1;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            if i >= b.len() {
                bail!("unterminated string literal");
            }
            out.push(Tok::Str(text[start..i].to_string()));
            i += 1;
        } else if c == b'\'' {
            // Only plain one-character literals such as 'a'.
            if i + 2 < b.len() && b[i + 1] != b'\\' && b[i + 2] == b'\'' {
                out.push(Tok::Int(i128::from(b[i + 1])));
                i += 3;
            } else {
                bail!("unsupported character literal near `{}`", &text[i..]);
            }
        } else if let Some(p) = PUNCTS.iter().find(|p| text[i..].starts_with(**p)) {
            out.push(Tok::Punct(p));
            i += p.len();
        } else {
            bail!("unexpected character `{}`", &text[i..].chars().next().unwrap_or('?'));
        }
    }
    Ok(out)
}

/// Parses a C integer literal: decimal, hex (`0x`), octal (leading `0`),
/// binary (`0b`), with any of the `u`/`l`/`ll` suffixes.
pub(crate) fn parse_int_literal(lit: &str) -> Result<i128> {
    let lower = lit.to_ascii_lowercase();
    let digits = lower.trim_end_matches(['u', 'l']);
    let suffix = &lower[digits.len()..];
    if !matches!(suffix, "" | "u" | "l" | "ul" | "lu" | "ll" | "ull" | "llu") {
        bail!("unsupported integer literal `{lit}`");
    }
    let (radix, body) = if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if let Some(bin) = digits.strip_prefix("0b") {
        (2, bin)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() {
        bail!("unsupported integer literal `{lit}`");
    }
    i128::from_str_radix(body, radix).map_err(|_| anyhow!("unsupported integer literal `{lit}`"))
}

/// A `#define`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MacroDef {
    /// `Some` for a function-like macro.
    pub params: Option<Vec<String>>,
    pub body: Vec<Tok>,
    /// The replacement text as written (trimmed), for reporting.
    pub text: String,
}

impl MacroDef {
    /// Parses what follows `#define ` on a directive line: `NAME body` or
    /// `NAME(params) body`. Returns the name and the definition.
    pub(crate) fn parse_define(rest: &str) -> Result<(String, MacroDef)> {
        let rest = rest.trim_start();
        let name_len = rest.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b'_').count();
        let name = &rest[..name_len];
        if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
            bail!("`#define` without a valid macro name");
        }
        let mut after = &rest[name_len..];
        let mut params = None;
        if after.starts_with('(') {
            let close = after
                .find(')')
                .ok_or_else(|| anyhow!("unterminated parameter list of macro `{name}`"))?;
            let list = after[1..close].trim();
            let mut ps = Vec::new();
            if !list.is_empty() {
                for p in list.split(',') {
                    let p = p.trim();
                    if p.is_empty() || !p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                        bail!("unsupported parameter `{p}` in macro `{name}`");
                    }
                    ps.push(p.to_string());
                }
            }
            params = Some(ps);
            after = &after[close + 1..];
        } else if !after.is_empty() && !after.starts_with(|c: char| c.is_whitespace()) {
            bail!("malformed `#define {rest}`");
        }
        let text = after.trim().to_string();
        let body = tokenize(&text).map_err(|e| anyhow!("in the body of macro `{name}`: {e}"))?;
        Ok((name.to_string(), MacroDef { params, body, text }))
    }

    /// Same definition in the sense of C's "benign redefinition" rule.
    pub(crate) fn same_as(&self, other: &MacroDef) -> bool {
        self.params == other.params && self.body == other.body
    }
}

/// Where macro definitions are looked up during expansion.
pub(crate) trait MacroScope {
    fn lookup_macro(&self, name: &str) -> Option<&MacroDef>;
}

impl MacroScope for HashMap<String, MacroDef> {
    fn lookup_macro(&self, name: &str) -> Option<&MacroDef> {
        self.get(name)
    }
}

const MAX_EXPANSION_DEPTH: usize = 64;

/// Fully macro-expands `toks`. With `in_if`, the `defined X` / `defined(X)`
/// operator is evaluated first (as in a `#if` line).
pub(crate) fn expand(toks: &[Tok], scope: &dyn MacroScope, in_if: bool) -> Result<Vec<Tok>> {
    let mut out = Vec::new();
    let mut disabled = Vec::new();
    expand_into(&mut out, toks, scope, in_if, &mut disabled)?;
    Ok(out)
}

fn expand_into(
    out: &mut Vec<Tok>,
    toks: &[Tok],
    scope: &dyn MacroScope,
    in_if: bool,
    disabled: &mut Vec<String>,
) -> Result<()> {
    if disabled.len() > MAX_EXPANSION_DEPTH {
        bail!("macro expansion nested too deeply ({})", disabled.join(" -> "));
    }
    let mut i = 0;
    while i < toks.len() {
        let name = match &toks[i] {
            Tok::Ident(n) => n,
            other => {
                out.push(other.clone());
                i += 1;
                continue;
            }
        };
        if in_if && name == "defined" {
            let (operand, next) = match (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3)) {
                (Some(Tok::Punct("(")), Some(Tok::Ident(x)), Some(Tok::Punct(")"))) => (x, i + 4),
                (Some(Tok::Ident(x)), _, _) => (x, i + 2),
                _ => bail!("`defined` must be followed by a macro name"),
            };
            out.push(Tok::Int(i128::from(scope.lookup_macro(operand).is_some())));
            i = next;
            continue;
        }
        let def = match scope.lookup_macro(name) {
            Some(def) if !disabled.contains(name) => def,
            _ => {
                out.push(toks[i].clone());
                i += 1;
                continue;
            }
        };
        if def.body.iter().any(|t| matches!(t, Tok::Punct("#") | Tok::Punct("##"))) {
            bail!("macro `{name}` uses `#`/`##`, which this evaluator does not support");
        }
        match &def.params {
            None => {
                disabled.push(name.clone());
                expand_into(out, &def.body, scope, in_if, disabled)?;
                disabled.pop();
                i += 1;
            }
            Some(params) => {
                if toks.get(i + 1) != Some(&Tok::Punct("(")) {
                    // A function-like macro name without arguments is not expanded.
                    out.push(toks[i].clone());
                    i += 1;
                    continue;
                }
                let (args, next) = collect_args(toks, i + 1, name)?;
                let args = if params.is_empty() && args.len() == 1 && args[0].is_empty() {
                    Vec::new()
                } else {
                    args
                };
                if args.len() != params.len() {
                    bail!(
                        "macro `{name}` takes {} argument(s) but {} were given",
                        params.len(),
                        args.len()
                    );
                }
                let mut expanded_args = Vec::new();
                for a in &args {
                    expanded_args.push(expand(a, scope, in_if)?);
                }
                let mut substituted = Vec::new();
                for t in &def.body {
                    match t {
                        Tok::Ident(p) if params.contains(p) => {
                            let k = params.iter().position(|x| x == p).unwrap_or_default();
                            substituted.extend(expanded_args[k].iter().cloned());
                        }
                        other => substituted.push(other.clone()),
                    }
                }
                disabled.push(name.clone());
                expand_into(out, &substituted, scope, in_if, disabled)?;
                disabled.pop();
                i = next;
            }
        }
    }
    Ok(())
}

/// `toks[open]` is `(`; returns the comma-separated arguments and the index
/// after the closing `)`.
fn collect_args(toks: &[Tok], open: usize, name: &str) -> Result<(Vec<Vec<Tok>>, usize)> {
    let mut args = vec![Vec::new()];
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open + 1) {
        match t {
            Tok::Punct("(") => depth += 1,
            Tok::Punct(")") if depth == 0 => return Ok((args, k + 1)),
            Tok::Punct(")") => depth -= 1,
            Tok::Punct(",") if depth == 0 => {
                args.push(Vec::new());
                continue;
            }
            _ => {}
        }
        args.last_mut().expect("non-empty").push(t.clone());
    }
    bail!("unterminated argument list in a use of macro `{name}`")
}

/// How identifiers that survive macro expansion are treated.
pub(crate) enum Idents<'a> {
    /// `#if` rule: every remaining identifier is 0.
    Zero,
    /// C expression: identifiers must be known enumerators.
    Enumerators(&'a HashMap<String, i128>),
}

/// Evaluates fully expanded tokens as an integer constant expression.
pub(crate) fn evaluate(toks: &[Tok], idents: &Idents) -> Result<i128> {
    if toks.is_empty() {
        bail!("empty expression");
    }
    let mut p = Parser { toks, pos: 0 };
    let ast = p.ternary()?;
    if p.pos != toks.len() {
        bail!("unexpected `{}` in expression `{}`", toks[p.pos], show(toks));
    }
    ast.eval(idents).map_err(|e| anyhow!("{e} in expression `{}`", show(toks)))
}

#[derive(Debug)]
enum Ast {
    Int(i128),
    Ident(String),
    Unary(&'static str, Box<Ast>),
    Binary(&'static str, Box<Ast>, Box<Ast>),
    Cond(Box<Ast>, Box<Ast>, Box<Ast>),
}

impl Ast {
    fn eval(&self, idents: &Idents) -> Result<i128> {
        Ok(match self {
            Ast::Int(v) => *v,
            Ast::Ident(n) => match idents {
                Idents::Zero => 0,
                Idents::Enumerators(map) => *map
                    .get(n)
                    .ok_or_else(|| anyhow!("`{n}` is neither a macro nor a known enumerator"))?,
            },
            Ast::Unary(op, a) => {
                let a = a.eval(idents)?;
                match *op {
                    "-" => a.checked_neg().ok_or_else(|| anyhow!("overflow"))?,
                    "+" => a,
                    "!" => i128::from(a == 0),
                    "~" => !a,
                    _ => unreachable!("unary {op}"),
                }
            }
            Ast::Cond(c, t, e) => {
                if c.eval(idents)? != 0 {
                    t.eval(idents)?
                } else {
                    e.eval(idents)?
                }
            }
            Ast::Binary(op, a, b) => {
                let a = a.eval(idents)?;
                // Short-circuit operators do not evaluate the other side.
                match *op {
                    "&&" if a == 0 => return Ok(0),
                    "||" if a != 0 => return Ok(1),
                    _ => {}
                }
                let b = b.eval(idents)?;
                let overflow = || anyhow!("arithmetic overflow");
                match *op {
                    "*" => a.checked_mul(b).ok_or_else(overflow)?,
                    "/" | "%" if b == 0 => bail!("division by zero"),
                    "/" => a / b,
                    "%" => a % b,
                    "+" => a.checked_add(b).ok_or_else(overflow)?,
                    "-" => a.checked_sub(b).ok_or_else(overflow)?,
                    "<<" | ">>" if !(0..=127).contains(&b) => bail!("shift by {b}"),
                    "<<" => a.checked_shl(b as u32).ok_or_else(overflow)?,
                    ">>" => a >> b,
                    "<" => i128::from(a < b),
                    ">" => i128::from(a > b),
                    "<=" => i128::from(a <= b),
                    ">=" => i128::from(a >= b),
                    "==" => i128::from(a == b),
                    "!=" => i128::from(a != b),
                    "&" => a & b,
                    "^" => a ^ b,
                    "|" => a | b,
                    "&&" | "||" => i128::from(b != 0),
                    _ => unreachable!("binary {op}"),
                }
            }
        })
    }
}

struct Parser<'t> {
    toks: &'t [Tok],
    pos: usize,
}

/// Binary operators by precedence level, loosest first.
const LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["|"],
    &["^"],
    &["&"],
    &["==", "!="],
    &["<", ">", "<=", ">="],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "%"],
];

impl Parser<'_> {
    fn peek_punct(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some(Tok::Punct(p)) => Some(p),
            _ => None,
        }
    }

    fn ternary(&mut self) -> Result<Ast> {
        let cond = self.binary(0)?;
        if self.peek_punct() != Some("?") {
            return Ok(cond);
        }
        self.pos += 1;
        let then = self.ternary()?;
        if self.peek_punct() != Some(":") {
            bail!("expected `:` in conditional expression");
        }
        self.pos += 1;
        let otherwise = self.ternary()?;
        Ok(Ast::Cond(Box::new(cond), Box::new(then), Box::new(otherwise)))
    }

    fn binary(&mut self, level: usize) -> Result<Ast> {
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        while let Some(op) = self.peek_punct().filter(|p| LEVELS[level].contains(p)) {
            self.pos += 1;
            let rhs = self.binary(level + 1)?;
            lhs = Ast::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Ast> {
        if let Some(op @ ("-" | "+" | "!" | "~")) = self.peek_punct() {
            self.pos += 1;
            return Ok(Ast::Unary(op, Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Ast> {
        let tok = self
            .toks
            .get(self.pos)
            .ok_or_else(|| anyhow!("expression ends unexpectedly: `{}`", show(self.toks)))?;
        self.pos += 1;
        match tok {
            Tok::Int(v) => Ok(Ast::Int(*v)),
            Tok::Ident(n) if n == "sizeof" => {
                // `sizeof(type)`: looked up like an enumerator named
                // `sizeof(type)` (the scope knows the sizes of the ABI's types).
                match (
                    self.toks.get(self.pos),
                    self.toks.get(self.pos + 1),
                    self.toks.get(self.pos + 2),
                ) {
                    (Some(Tok::Punct("(")), Some(Tok::Ident(ty)), Some(Tok::Punct(")"))) => {
                        self.pos += 3;
                        Ok(Ast::Ident(format!("sizeof({ty})")))
                    }
                    _ => bail!(
                        "`sizeof` of something other than a type name in `{}`",
                        show(self.toks)
                    ),
                }
            }
            Tok::Ident(n) => {
                if self.peek_punct() == Some("(") {
                    bail!("call of unknown function-like macro `{n}`");
                }
                Ok(Ast::Ident(n.clone()))
            }
            Tok::Punct("(") => {
                let inner = self.ternary()?;
                if self.peek_punct() != Some(")") {
                    bail!("missing `)` in expression `{}`", show(self.toks));
                }
                self.pos += 1;
                Ok(inner)
            }
            Tok::Str(_) => bail!("string literal in an integer expression"),
            Tok::Punct(p) => bail!("unexpected `{p}` in expression `{}`", show(self.toks)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_if(text: &str, macros: &HashMap<String, MacroDef>) -> Result<i128> {
        let toks = expand(&tokenize(text)?, macros, true)?;
        evaluate(&toks, &Idents::Zero)
    }

    fn defs(list: &[&str]) -> HashMap<String, MacroDef> {
        list.iter().map(|d| MacroDef::parse_define(d).unwrap()).collect()
    }

    #[test]
    fn literals() {
        assert_eq!(parse_int_literal("0x1F").unwrap(), 31);
        assert_eq!(parse_int_literal("010").unwrap(), 8);
        assert_eq!(parse_int_literal("1ul").unwrap(), 1);
        assert_eq!(parse_int_literal("1ULL").unwrap(), 1);
        assert_eq!(parse_int_literal("0").unwrap(), 0);
        assert!(parse_int_literal("1.5").is_err());
        assert!(parse_int_literal("12abc").is_err());
    }

    #[test]
    fn arithmetic_and_precedence() {
        let m = defs(&[]);
        assert_eq!(eval_if("1 + 2 * 3", &m).unwrap(), 7);
        assert_eq!(eval_if("(1 + 2) * 3", &m).unwrap(), 9);
        assert_eq!(eval_if("1 << 4 >> 2", &m).unwrap(), 4);
        assert_eq!(eval_if("(7 << 3) | 3", &m).unwrap(), 59);
        assert_eq!(eval_if("-1 < 0 && !0", &m).unwrap(), 1);
        assert_eq!(eval_if("2 > 1 ? 10 : 20", &m).unwrap(), 10);
        assert_eq!(eval_if("0 && 1 / 0", &m).unwrap(), 0);
        assert!(eval_if("1 / 0", &m).is_err());
    }

    #[test]
    fn macro_expansion_is_textual() {
        let m = defs(&["A 1 + 2", "B (A) * 3", "BIT(n) (1ul << (n))", "SELF SELF"]);
        // C semantics: `A * 3` is `1 + 2 * 3`.
        assert_eq!(eval_if("A * 3", &m).unwrap(), 7);
        assert_eq!(eval_if("B", &m).unwrap(), 9);
        assert_eq!(eval_if("BIT(B) - 1", &m).unwrap(), 511);
        // A self-referential macro is not re-expanded, leaving an identifier (0).
        assert_eq!(eval_if("SELF", &m).unwrap(), 0);
        assert!(eval_if("BIT(1, 2)", &m).unwrap_err().to_string().contains("argument"));
    }

    #[test]
    fn enumerator_mode_rejects_unknown_identifiers() {
        let mut known = HashMap::new();
        known.insert("seL4_A".to_string(), 5);
        let toks = tokenize("seL4_A + 1").unwrap();
        assert_eq!(evaluate(&toks, &Idents::Enumerators(&known)).unwrap(), 6);
        let toks = tokenize("seL4_B + 1").unwrap();
        let err = evaluate(&toks, &Idents::Enumerators(&known)).unwrap_err();
        assert!(err.to_string().contains("seL4_B"), "{err}");
    }
}
