//! Patterns from specs, matched the cheapest way each allows: one run of ASCII characters from a class
//! by a byte check, most others by a fully built DFA, the rest by the regex crate.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
use regex_automata::Input;
use regex_automata::dfa::{Automaton, dense};
use regex_syntax::hir::{Class, HirKind, Look};

/// A regular expression from a spec, compiled on first use.
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<Matcher>>,
}

/// The source only: a compiled DFA's tables would fill a screen.
impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

/// A compiled pattern: a byte check for one run of ASCII characters from a class, a fully built DFA when
/// the pattern allows one of modest size (a match is then one pass over the bytes, with no scratch space
/// to fetch), else the regex crate's engine.
enum Matcher {
    AsciiRun(AsciiRun),
    Dfa(Box<dense::DFA<Vec<u32>>>),
    Regex(Regex),
}

/// A pattern that is the whole value as one run of ASCII characters from a class, the usual shape of an
/// id's pattern (`^[0-9]+$`, `^[a-z0-9_]{1,64}$`): the value's bytes are then its characters, so its
/// length and a lookup per byte decide it.
struct AsciiRun {
    allowed: [bool; 128],
    min: u32,
    max: Option<u32>,
}

impl AsciiRun {
    /// The run a pattern is, if it is one: start of text, a repeated class of ASCII characters only,
    /// end of text.
    fn from_pattern(source: &str) -> Option<Self> {
        let hir = regex_syntax::parse(source).ok()?;
        let HirKind::Concat(parts) = hir.kind() else {
            return None;
        };
        let [start, run, end] = parts.as_slice() else {
            return None;
        };
        let (HirKind::Look(Look::Start), HirKind::Look(Look::End)) = (start.kind(), end.kind()) else {
            return None;
        };
        let HirKind::Repetition(repetition) = run.kind() else {
            return None;
        };
        let HirKind::Class(class) = repetition.sub.kind() else {
            return None;
        };
        let ranges: Vec<(u32, u32)> = match class {
            Class::Unicode(class) => class
                .ranges()
                .iter()
                .map(|r| (r.start().into(), r.end().into()))
                .collect(),
            Class::Bytes(class) => class
                .ranges()
                .iter()
                .map(|r| (r.start().into(), r.end().into()))
                .collect(),
        };
        let mut allowed = [false; 128];
        for (first, last) in ranges {
            // A range reaching past ASCII does not fit the table: not a run this check can decide.
            let range = allowed.get_mut(usize::try_from(first).ok()?..=usize::try_from(last).ok()?)?;
            range.fill(true);
        }
        Some(Self {
            allowed,
            min: repetition.min,
            max: repetition.max,
        })
    }

    fn is_match(&self, value: &str) -> bool {
        let length = value.len() as u64;
        length >= u64::from(self.min)
            && self.max.is_none_or(|max| length <= u64::from(max))
            && value
                .bytes()
                .all(|byte| self.allowed.get(usize::from(byte)) == Some(&true))
    }
}

/// The largest DFA a pattern may build before the regex engine is used instead.
const DFA_SIZE_LIMIT: usize = 1 << 20;

impl Matcher {
    fn new(source: &str) -> Option<Self> {
        if let Some(run) = AsciiRun::from_pattern(source) {
            return Some(Self::AsciiRun(run));
        }
        let config = dense::Config::new()
            .dfa_size_limit(Some(DFA_SIZE_LIMIT))
            .determinize_size_limit(Some(DFA_SIZE_LIMIT));
        match dense::Builder::new().configure(config).build(source) {
            Ok(dfa) => Some(Self::Dfa(Box::new(dfa))),
            Err(_) => Regex::new(source).ok().map(Self::Regex),
        }
    }

    /// Whether the pattern matches anywhere in `value`; `None` if the DFA cannot decide.
    fn is_match(&self, value: &str) -> Option<bool> {
        match self {
            Self::AsciiRun(run) => Some(run.is_match(value)),
            Self::Dfa(dfa) => dfa_is_match(dfa, value),
            Self::Regex(regex) => Some(regex.is_match(value)),
        }
    }
}

/// Walks the DFA byte by byte: a match state (entered one byte after a match ends) answers yes, the dead
/// state answers no, and the end of input settles the rest. A quit state (none is configured) gives up.
fn dfa_is_match(dfa: &dense::DFA<Vec<u32>>, value: &str) -> Option<bool> {
    let mut state = dfa.start_state_forward(&Input::new(value)).ok()?;
    for &byte in value.as_bytes() {
        state = dfa.next_state(state, byte);
        if dfa.is_special_state(state) {
            if dfa.is_match_state(state) {
                return Some(true);
            }
            if dfa.is_dead_state(state) {
                return Some(false);
            }
            if dfa.is_quit_state(state) {
                return None;
            }
        }
    }
    Some(dfa.is_match_state(dfa.next_eoi_state(state)))
}

impl Pattern {
    /// A pattern from its source; generated code keeps one in a `static`.
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The regular expression as written in the spec.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `value` matches. Specs are checked to compile with the same engine, so a pattern that does
    /// not compile cannot come from a valid spec; it rejects every value rather than letting one through.
    pub fn is_match(&self, value: &str) -> bool {
        let Some(matcher) = self.compiled.get_or_init(|| Matcher::new(self.source)) else {
            return false;
        };
        matcher
            .is_match(value)
            .unwrap_or_else(|| Regex::new(self.source).is_ok_and(|regex| regex.is_match(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_that_does_not_compile_rejects() {
        assert!(!Pattern::new("(").is_match("anything"));
        assert!(Pattern::new("^[0-9]+$").is_match("6709359313699356941"));
    }

    #[test]
    fn debug_shows_the_source_only() {
        let pattern = Pattern::new("^[0-9]+$");
        assert!(pattern.is_match("1"));
        assert_eq!(format!("{pattern:?}"), "Pattern(\"^[0-9]+$\")");
    }

    #[test]
    fn patterns_match_as_the_regex_crate_does() {
        let patterns = [
            "^[0-9]+$",
            "^[a-z0-9_]{2,4}$",
            "^[^a-z]*$",
            "^\\d+$",
            "(?i)^[k]+$",
            "(?-u)^[0-9]{19}$",
            "[0-9]+",
            "^[0-9]+",
            "[a-z]{2}",
            "^\\d{4}-\\d{2}$",
            "^\\w+$",
            "\\bid\\b",
            "^$",
            "",
            "x*",
            "卡$",
            "^a|b$",
            "(?i)ID",
        ];
        let values = [
            "6709359313699356941",
            "12a",
            "123\n",
            "a_1",
            "a_1b2",
            "A",
            "K",
            "k\u{212A}",
            "\u{0663}\u{0664}",
            "",
            "ab",
            "2026-11",
            "２０２６-11",
            "打卡",
            "an id",
            "idle",
            "1b",
            "a1",
            "Id",
        ];
        for source in patterns {
            let regex = Regex::new(source).unwrap();
            let pattern = Pattern::new(source);
            for value in values {
                assert_eq!(pattern.is_match(value), regex.is_match(value), "{source} on {value:?}");
            }
        }
        // Each engine is in play: a run of ASCII characters, a DFA, and for a Unicode word boundary (which
        // builds no DFA) the regex crate's engine.
        for run in ["^[0-9]+$", "^[a-z0-9_]{2,4}$", "(?-u)^[0-9]{19}$"] {
            assert!(matches!(Matcher::new(run), Some(Matcher::AsciiRun(_))), "{run}");
        }
        for not_ascii in ["^\\d+$", "(?i)^[k]+$", "^[^a-z]*$"] {
            assert!(matches!(Matcher::new(not_ascii), Some(Matcher::Dfa(_))), "{not_ascii}");
        }
        assert!(matches!(Matcher::new("^\\d{4}-\\d{2}$"), Some(Matcher::Dfa(_))));
        assert!(matches!(Matcher::new("\\bid\\b"), Some(Matcher::Regex(_))));
    }
}
