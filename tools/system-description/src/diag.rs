//! Diagnostics: every problem names its file, points at the offending text
//! and says how to fix it. Problems are collected, never thrown one at a
//! time, and reported together as one [`miette::Report`].
//!
//! A description may hold huge values (a 1 MiB name): what a problem echoes
//! of it is cut here, in one place, as it is collected ([`cut_values`]), and
//! so are the source lines its snippet shows ([`Shown`]).

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

/// A byte range in the description's text.
pub(crate) type Span = Range<usize>;

/// The text of a description and the name it is reported under.
pub(crate) type Source = Arc<NamedSource<String>>;

/// One problem found in a description (or in a program it names).
#[derive(Debug, Clone)]
pub struct Problem {
    /// Stable name of the kind of problem (e.g. `duplicate_component_name`).
    pub code: &'static str,
    pub message: String,
    labels: Vec<(Span, String)>,
    help: Option<String>,
    source: Option<Source>,
}

impl Problem {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Problem {
        Problem { code, message: message.into(), labels: Vec::new(), help: None, source: None }
    }

    /// Points at `span` with `text` (the first label is the primary one).
    pub(crate) fn label(mut self, span: &Span, text: impl Into<String>) -> Problem {
        self.labels.push((span.clone(), text.into()));
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    /// Where the primary label starts (for ordering).
    fn offset(&self) -> usize {
        self.labels.first().map_or(0, |(span, _)| span.start)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_deref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().enumerate().map(|(i, (span, text))| {
            let span = (span.start, span.end.saturating_sub(span.start));
            if i == 0 {
                LabeledSpan::new_primary_with_span(Some(text.clone()), span)
            } else {
                LabeledSpan::new_with_span(Some(text.clone()), span)
            }
        })))
    }
}

/// All the problems of one run, reported together.
#[derive(Debug)]
pub struct Problems {
    file: String,
    /// The problems, in the order they appear in the file.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.len() {
            1 => write!(f, "{}: 1 error in the system description", self.file),
            n => write!(f, "{}: {n} errors in the system description", self.file),
        }
    }
}

impl std::error::Error for Problems {}

impl Diagnostic for Problems {
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.problems.iter().map(|p| p as &dyn Diagnostic)))
    }
}

/// Collects problems against one source.
pub(crate) struct Collector {
    /// The source as problems show it.
    shown: Shown,
    problems: Vec<Problem>,
}

impl Collector {
    pub(crate) fn new(source: Source) -> Collector {
        Collector { shown: Shown::new(source), problems: Vec::new() }
    }

    /// Records `problem`, with what it echoes of the description cut to
    /// a readable length and its labels moved onto the shown source.
    pub(crate) fn push(&mut self, mut problem: Problem) {
        problem.message = cut_values(&problem.message);
        problem.help = problem.help.as_deref().map(cut_values);
        for (span, text) in &mut problem.labels {
            *span = self.shown.span(span);
            *text = cut_values(text);
        }
        problem.source = Some(self.shown.source.clone());
        self.problems.push(problem);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Ok(())` if nothing was found, else every problem in file order.
    pub(crate) fn finish(self) -> Result<(), miette::Report> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let mut problems = self.problems;
        problems.sort_by_key(Problem::offset);
        let file = self.shown.source.name().to_string();
        Err(miette::Report::new(Problems { file, problems }))
    }
}

/// Most characters of one value a message echoes.
pub(crate) const MAX_SHOWN: usize = 64;
/// Most characters of a word outside backticks.
const MAX_WORD: usize = 256;
/// Most characters of a whole message, help or label text: the last
/// resort when a value is not written between backticks.
const MAX_TEXT: usize = 4096;
/// Most characters of a source line a snippet shows.
const MAX_LINE: usize = 200;

/// `text` with every value between backticks longer than [`MAX_SHOWN`]
/// characters (and every other word longer than [`MAX_WORD`]) cut to that
/// many followed by `…` and its full length; the whole cut to [`MAX_TEXT`]
/// characters.
pub(crate) fn cut_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT));
    // Odd pieces of a split at backticks are quoted values.
    for (i, piece) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(&cut(piece, MAX_SHOWN));
        } else {
            // Outside backticks only words are cut: a long word is a value
            // (the limit leaves room for the paths of files).
            let words: Vec<String> =
                piece.split(' ').map(|word| cut(word, MAX_WORD).into_owned()).collect();
            out.push_str(&words.join(" "));
        }
    }
    cut(&out, MAX_TEXT).into_owned()
}

/// `s` if it has at most `max` characters, else its first `max`, `…` and
/// how long it is.
fn cut(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => s.into(),
        Some((end, _)) => format!("{}… ({} characters)", &s[..end], s.chars().count()).into(),
    }
}

/// The source as snippets show it: lines longer than [`MAX_LINE`]
/// characters are cut (the line count stays, so line numbers hold), and
/// spans of the original text are moved onto it.
struct Shown {
    source: Source,
    /// The lines that were cut, in order.
    cuts: Vec<Cut>,
}

/// One cut line, as offsets into the original text.
struct Cut {
    /// Where the cut starts (the shown line keeps what is before).
    at: usize,
    /// Where the line ends (its newline, or the end of the text).
    end: usize,
    /// Bytes removed by the cuts before this one.
    before: usize,
    /// Bytes removed by this cut and every one before it.
    removed: usize,
}

impl Shown {
    fn new(source: Source) -> Shown {
        let text = source.inner();
        let mut cuts = Vec::new();
        let mut shown = String::new();
        let (mut removed, mut copied) = (0, 0);
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            if let Some((keep, _)) = body.char_indices().nth(MAX_LINE) {
                let (at, end) = (start + keep, start + body.len());
                let marker = format!(" … ({} characters cut)", body[keep..].chars().count());
                if marker.len() < end - at {
                    shown.push_str(&text[copied..at]);
                    shown.push_str(&marker);
                    copied = end;
                    let before = removed;
                    removed += end - at - marker.len();
                    cuts.push(Cut { at, end, before, removed });
                }
            }
            start += line.len();
        }
        if cuts.is_empty() {
            return Shown { source, cuts };
        }
        shown.push_str(&text[copied..]);
        let name = source.name().to_string();
        let source = Arc::new(NamedSource::new(name, shown).with_language("TOML"));
        Shown { source, cuts }
    }

    /// `span` of the original text on the shown text: what falls in a cut
    /// part points at the cut's start.
    fn span(&self, span: &Span) -> Span {
        let start = self.offset(span.start);
        start..self.offset(span.end).max(start)
    }

    fn offset(&self, o: usize) -> usize {
        // The last cut starting at or before `o`.
        let i = self.cuts.partition_point(|cut| cut.at <= o);
        let Some(cut) = i.checked_sub(1).map(|i| &self.cuts[i]) else {
            return o;
        };
        if o < cut.end {
            cut.at - cut.before
        } else {
            o - cut.removed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_short_ones_kept() {
        let name = "x".repeat(1 << 20);
        let text = cut_values(&format!("the name `{name}` is not valid; use `a-b`"));
        let shown = format!("`{}… (1048576 characters)`", "x".repeat(MAX_SHOWN));
        assert_eq!(text, format!("the name {shown} is not valid; use `a-b`"));
        // A value written without backticks is a long word.
        let text = cut_values(&format!("invalid TOML: {name} here"));
        assert!(text.len() < 400 && text.ends_with("(1048576 characters) here"), "{text}");
        let path = format!("/{}/boot-image.rkyv", "deep/".repeat(40));
        assert_eq!(cut_values(&format!("cannot read {path}")), format!("cannot read {path}"));
        // Multi-byte characters are cut on a character boundary.
        assert!(cut_values(&format!("`{}`", "é".repeat(100))).contains("(100 characters)"));
        // Many short words still make a bounded text.
        assert!(cut_values(&"ab ".repeat(1 << 20)).chars().count() < MAX_TEXT + 64);
    }

    #[test]
    fn long_lines_are_cut_keeping_line_numbers_and_spans() {
        let long = "y".repeat(10_000);
        let text = format!("a = 1\nname = \"{long}\"\nb = 2\n");
        let shown = Shown::new(Arc::new(NamedSource::new("t.toml", text.clone())));
        let out = shown.source.inner();
        assert!(out.len() < 400, "{out}");
        assert_eq!(out.lines().count(), 3);
        assert!(out.lines().nth(1).unwrap().ends_with(" … (9809 characters cut)"), "{out}");
        // `b = 2` on the third line stays where the shown text has it.
        let b = text.find("b = 2").unwrap();
        let moved = shown.span(&(b..b + 5));
        assert_eq!(&out[moved], "b = 2");
        // A span over the cut part ends where the cut starts.
        let name = text.find('"').unwrap();
        let value = shown.span(&(name..name + long.len() + 2));
        assert_eq!(value.start, name);
        assert!(out[value].starts_with("\"yyy"));
        // Nothing is copied when no line is long.
        let short = Shown::new(Arc::new(NamedSource::new("t.toml", "a = 1\n".to_string())));
        assert!(short.cuts.is_empty());
    }
}
