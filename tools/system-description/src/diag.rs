//! Diagnostics: every problem names its file, points at the offending text
//! and says how to fix it. Problems are collected, never thrown one at a
//! time, and reported together as one [`miette::Report`].

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
    pub(crate) source: Source,
    problems: Vec<Problem>,
}

impl Collector {
    pub(crate) fn new(source: Source) -> Collector {
        Collector { source, problems: Vec::new() }
    }

    pub(crate) fn push(&mut self, mut problem: Problem) {
        problem.source = Some(self.source.clone());
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
        Err(miette::Report::new(Problems { file: self.source.name().to_string(), problems }))
    }
}
