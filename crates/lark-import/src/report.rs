//! What the importer could not decide, with the page line that says it.

use std::fmt;

/// A fact of the page the importer could not read or map, left for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    /// The page line (1-based).
    pub line: usize,
    /// What was not decided.
    pub what: String,
}

impl Undecided {
    /// A report for `line`.
    pub fn new(line: usize, what: impl Into<String>) -> Self {
        Self {
            line,
            what: what.into(),
        }
    }
}

impl fmt::Display for Undecided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}
