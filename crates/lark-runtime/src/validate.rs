//! Request validation: every constraint of a spec is checked before a request can exist, and every
//! violation is reported with the field and the bound.

use std::fmt;

mod pattern;

pub use pattern::Pattern;

/// Where a value is inside a request, e.g. `record_ids[3]`. Built on the stack as validation descends;
/// turned into text only when something is wrong.
#[derive(Clone, Copy)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Field(&'static str),
    Index(usize),
    Key(&'a str),
}

impl<'a> FieldPath<'a> {
    /// The request itself.
    pub const fn root() -> FieldPath<'static> {
        FieldPath {
            parent: None,
            step: Step::Root,
        }
    }

    /// A field of the value at this path.
    pub fn field(&'a self, name: &'static str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            step: Step::Field(name),
        }
    }

    /// An item of the list at this path.
    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    /// The value under `key` of the map at this path.
    pub fn key(&'a self, key: &'a str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            step: Step::Key(key),
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.step {
            Step::Root => Ok(()),
            Step::Field(name) if matches!(self.parent.map(|p| p.step), None | Some(Step::Root)) => f.write_str(name),
            Step::Field(name) => write!(f, ".{name}"),
            Step::Index(index) => write!(f, "[{index}]"),
            Step::Key(key) => write!(f, "[{key:?}]"),
        }
    }
}

impl fmt::Debug for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({self})")
    }
}

/// A type whose values the spec constrains. Generated for requests and the objects inside them.
pub trait Validate {
    /// Records every violation of the value at `at` and below; a type the spec does not constrain keeps
    /// the default, which records nothing.
    fn validate_at(&self, _at: &FieldPath<'_>, _violations: &mut Violations) {}

    /// Checks every constraint; the error lists all violations.
    fn validate(&self) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        self.validate_at(&FieldPath::root(), &mut violations);
        // The type's name is looked up only for an error.
        if violations.is_empty() {
            return Ok(());
        }
        Err(violations.into_error(short_type_name::<Self>()))
    }
}

/// An optional field holds its value's violations when it is set.
impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, at: &FieldPath<'_>, violations: &mut Violations) {
        if let Some(value) = self {
            value.validate_at(at, violations);
        }
    }
}

/// A list holds the violations of its items, each at its index.
impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, at: &FieldPath<'_>, violations: &mut Violations) {
        for (index, item) in self.iter().enumerate() {
            item.validate_at(&at.index(index), violations);
        }
    }
}

/// A map holds the violations of its values, each at its key.
impl<T: Validate> Validate for std::collections::BTreeMap<String, T> {
    fn validate_at(&self, at: &FieldPath<'_>, violations: &mut Violations) {
        for (key, value) in self {
            value.validate_at(&at.key(key), violations);
        }
    }
}

/// The last segment of `T`'s path: what an error names the type by.
pub(crate) fn short_type_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// A bound or a value of a numeric constraint; integers stay exact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
}

impl Number {
    fn less_than(self, other: Number) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a < b,
            (a, b) => a.as_f64() < b.as_f64(),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Number::Int(v) => v as f64,
            Number::Float(v) => v,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(v) => v.fmt(f),
            Number::Float(v) => v.fmt(f),
        }
    }
}

impl From<i32> for Number {
    fn from(v: i32) -> Self {
        Number::Int(v.into())
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::Int(v)
    }
}

impl From<f64> for Number {
    fn from(v: f64) -> Self {
        Number::Float(v)
    }
}

/// A value a length check measures: text, or nothing for an optional field left out.
pub trait Text {
    /// The text, when there is one.
    fn text(&self) -> Option<&str>;
}

impl Text for str {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Text for String {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Text for crate::SecretText {
    fn text(&self) -> Option<&str> {
        Some(self.expose_secret())
    }
}

impl<T: Text> Text for Option<T> {
    fn text(&self) -> Option<&str> {
        self.as_ref().and_then(Text::text)
    }
}

/// A value a range check measures: a number, or nothing for an optional field left out.
pub trait Numeric {
    /// The number, when there is one.
    fn number(&self) -> Option<Number>;
}

impl<T: Copy + Into<Number>> Numeric for T {
    fn number(&self) -> Option<Number> {
        Some((*self).into())
    }
}

impl<T: Copy + Into<Number>> Numeric for Option<T> {
    fn number(&self) -> Option<Number> {
        self.map(Into::into)
    }
}

/// A list an item-count check measures, or nothing for an optional field left out.
pub trait Counted {
    /// How many items there are, when there is a list.
    fn count(&self) -> Option<usize>;
}

impl<T> Counted for Vec<T> {
    fn count(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl<T> Counted for Option<Vec<T>> {
    fn count(&self) -> Option<usize> {
        self.as_ref().map(Vec::len)
    }
}

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A required field was not set.
    Missing,
    /// A list has fewer items than `min_items`.
    TooFewItems {
        /// The bound.
        min: u64,
        /// How many there are.
        actual: usize,
    },
    /// A list has more items than `max_items`.
    TooManyItems {
        /// The bound.
        max: u64,
        /// How many there are.
        actual: usize,
    },
    /// A string is shorter than `min_length` characters.
    TooShort {
        /// The bound.
        min: u64,
        /// Its length in characters.
        actual: usize,
    },
    /// A string is longer than `max_length` characters.
    TooLong {
        /// The bound.
        max: u64,
        /// Its length in characters.
        actual: usize,
    },
    /// A number is below `minimum`.
    BelowMinimum {
        /// The bound.
        minimum: Number,
        /// The value.
        actual: Number,
    },
    /// A number is above `maximum`.
    AboveMaximum {
        /// The bound.
        maximum: Number,
        /// The value.
        actual: Number,
    },
    /// A string does not match `pattern`.
    PatternMismatch {
        /// The regular expression.
        pattern: &'static str,
    },
    /// An enum holds a value the spec does not list (its `Unknown` variant).
    UnknownEnumValue {
        /// The value as it would be sent.
        value: String,
    },
    /// A received value could not be read as its type (seen only when decoding an incoming request).
    Malformed {
        /// What the decoder found wrong.
        reason: String,
    },
}

/// One violated constraint and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Path of the value, e.g. `record_ids[3]`.
    pub field: String,
    /// What is wrong.
    pub kind: ViolationKind,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        write!(f, "{}: ", self.field)?;
        match &self.kind {
            ViolationKind::Missing => f.write_str("is required but was not set"),
            ViolationKind::TooFewItems { min, actual } => {
                write!(f, "needs at least {min} item{} (min_items), got {actual}", plural(*min))
            }
            ViolationKind::TooManyItems { max, actual } => {
                write!(f, "takes at most {max} item{} (max_items), got {actual}", plural(*max))
            }
            ViolationKind::TooShort { min, actual } => {
                write!(
                    f,
                    "needs at least {min} character{} (min_length), got {actual}",
                    plural(*min)
                )
            }
            ViolationKind::TooLong { max, actual } => {
                write!(
                    f,
                    "takes at most {max} character{} (max_length), got {actual}",
                    plural(*max)
                )
            }
            ViolationKind::BelowMinimum { minimum, actual } => {
                write!(f, "must be at least {minimum} (minimum), got {actual}")
            }
            ViolationKind::AboveMaximum { maximum, actual } => {
                write!(f, "must be at most {maximum} (maximum), got {actual}")
            }
            ViolationKind::PatternMismatch { pattern } => write!(f, "does not match the pattern `{pattern}`"),
            ViolationKind::UnknownEnumValue { value } => {
                write!(
                    f,
                    "`{value}` is not a value the spec lists, so the server would reject it"
                )
            }
            ViolationKind::Malformed { reason } => write!(f, "is malformed: {reason}"),
        }
    }
}

/// A request that the server would reject for its shape, with every violation found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ValidationError {
    /// The request or object type that was checked.
    pub type_name: &'static str,
    /// Every violation, in field order; never empty.
    pub violations: Vec<Violation>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: ", self.type_name)?;
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            violation.fmt(f)?;
        }
        Ok(())
    }
}

/// Collects violations; generated `validate_at` and `build` methods call its checks.
#[derive(Debug, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    fn push(&mut self, at: &FieldPath<'_>, kind: ViolationKind) {
        self.0.push(Violation {
            field: at.to_string(),
            kind,
        });
    }

    /// Takes a required value out of a builder, recording it as missing when unset.
    pub fn required<T>(&mut self, at: &FieldPath<'_>, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.push(at, ViolationKind::Missing);
        }
        value
    }

    /// Checks the number of items of a list (nothing for an optional list left out).
    pub fn items(&mut self, at: &FieldPath<'_>, value: &impl Counted, min: Option<u64>, max: Option<u64>) {
        let Some(actual) = value.count() else { return };
        if let Some(min) = min.filter(|min| (actual as u64) < *min) {
            self.push(at, ViolationKind::TooFewItems { min, actual });
        }
        if let Some(max) = max.filter(|max| (actual as u64) > *max) {
            self.push(at, ViolationKind::TooManyItems { max, actual });
        }
    }

    /// Checks the length of a string, in characters (nothing for an optional string left out).
    pub fn length(&mut self, at: &FieldPath<'_>, value: &(impl Text + ?Sized), min: Option<u64>, max: Option<u64>) {
        let Some(value) = value.text() else { return };
        // A character takes one to four bytes: the byte length settles most checks without counting.
        let bytes = value.len() as u64;
        let long_enough = min.is_none_or(|min| bytes.div_ceil(4) >= min);
        let short_enough = max.is_none_or(|max| bytes <= max);
        if long_enough && short_enough {
            return;
        }
        let actual = value.chars().count();
        if let Some(min) = min.filter(|min| (actual as u64) < *min) {
            self.push(at, ViolationKind::TooShort { min, actual });
        }
        if let Some(max) = max.filter(|max| (actual as u64) > *max) {
            self.push(at, ViolationKind::TooLong { max, actual });
        }
    }

    /// Checks an integer against its bounds (nothing for an optional number left out).
    pub fn range(&mut self, at: &FieldPath<'_>, value: &impl Numeric, minimum: Option<i64>, maximum: Option<i64>) {
        self.bounds(at, value, minimum.map(Number::Int), maximum.map(Number::Int));
    }

    /// Checks a number with a fraction against its bounds (nothing for an optional number left out).
    pub fn range_float(
        &mut self,
        at: &FieldPath<'_>,
        value: &impl Numeric,
        minimum: Option<f64>,
        maximum: Option<f64>,
    ) {
        self.bounds(at, value, minimum.map(Number::Float), maximum.map(Number::Float));
    }

    fn bounds(&mut self, at: &FieldPath<'_>, value: &impl Numeric, minimum: Option<Number>, maximum: Option<Number>) {
        let Some(actual) = value.number() else { return };
        if let Some(minimum) = minimum.filter(|min| actual.less_than(*min)) {
            self.push(at, ViolationKind::BelowMinimum { minimum, actual });
        }
        if let Some(maximum) = maximum.filter(|max| max.less_than(actual)) {
            self.push(at, ViolationKind::AboveMaximum { maximum, actual });
        }
    }

    /// Checks a string against a pattern.
    pub fn pattern(&mut self, at: &FieldPath<'_>, value: &(impl Text + ?Sized), pattern: &Pattern) {
        let Some(value) = value.text() else { return };
        if !pattern.is_match(value) {
            self.push(
                at,
                ViolationKind::PatternMismatch {
                    pattern: pattern.source(),
                },
            );
        }
    }

    /// Records an enum value that the spec does not list.
    pub fn known_enum_value(&mut self, at: &FieldPath<'_>, known: bool, value: impl fmt::Display) {
        if !known {
            self.push(
                at,
                ViolationKind::UnknownEnumValue {
                    value: value.to_string(),
                },
            );
        }
    }

    /// Records a value that could not be decoded, at a path already rendered as text.
    pub fn malformed(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(Violation {
            field: field.into(),
            kind: ViolationKind::Malformed { reason: reason.into() },
        });
    }

    /// Records the violations of `value`, a field whose own type holds its constraints, at `at`.
    pub fn check(&mut self, at: &FieldPath<'_>, value: &impl Validate) {
        value.validate_at(at, self);
    }

    /// Whether nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error for what was recorded; for a builder that found a required field missing.
    pub fn into_error(self, type_name: &'static str) -> ValidationError {
        ValidationError {
            type_name,
            violations: self.0,
        }
    }

    /// `Ok` when nothing was recorded.
    pub fn into_result(self, type_name: &'static str) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.into_error(type_name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_fields_and_indices() {
        let root = FieldPath::root();
        let ids = root.field("record_ids");
        let third = ids.index(3);
        let nested = third.field("user_id");
        assert_eq!(ids.to_string(), "record_ids");
        assert_eq!(third.to_string(), "record_ids[3]");
        assert_eq!(nested.to_string(), "record_ids[3].user_id");
    }

    #[test]
    fn integer_bounds_stay_exact() {
        let mut violations = Violations::default();
        let at = FieldPath::root();
        let at = at.field("n");
        violations.range(&at, &i64::MAX, None, Some(i64::MAX - 1));
        violations.range(&at, &(i64::MAX - 1), None, Some(i64::MAX - 1));
        violations.range(&at, &None::<i64>, Some(0), None);
        let error = violations.into_result("T").unwrap_err();
        assert_eq!(error.violations.len(), 1);
        assert_eq!(
            error.to_string(),
            format!(
                "invalid T: n: must be at most {} (maximum), got {}",
                i64::MAX - 1,
                i64::MAX
            )
        );
    }

    #[test]
    fn optional_values_left_out_are_not_measured() {
        let mut violations = Violations::default();
        let at = FieldPath::root();
        violations.length(&at.field("name"), &None::<String>, Some(1), None);
        violations.items(&at.field("ids"), &None::<Vec<i32>>, Some(1), None);
        violations.range_float(&at.field("ratio"), &None::<f64>, Some(0.0), None);
        assert!(violations.into_result("T").is_ok());
        let mut violations = Violations::default();
        violations.length(&at.field("name"), &Some(String::new()), Some(1), None);
        violations.items(&at.field("ids"), &Some(Vec::<i32>::new()), Some(1), None);
        violations.range_float(&at.field("ratio"), &Some(-0.5), Some(0.0), None);
        assert_eq!(violations.into_result("T").unwrap_err().violations.len(), 3);
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut violations = Violations::default();
        let at = FieldPath::root();
        violations.length(&at.field("name"), "打卡", None, Some(2));
        assert!(violations.into_result("T").is_ok());
    }

    #[test]
    fn lengths_are_counted_when_bytes_cannot_tell() {
        let mut violations = Violations::default();
        let at = FieldPath::root();
        // One four-byte character is one character: too short for two.
        violations.length(&at.field("clef"), "\u{1D11E}", Some(2), None);
        violations.length(&at.field("word"), "abc", None, Some(2));
        violations.length(&at.field("ok"), "ab", Some(2), Some(2));
        let error = violations.into_result("T").unwrap_err();
        let kinds: Vec<_> = error
            .violations
            .iter()
            .map(|v| (v.field.as_str(), v.kind.clone()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("clef", ViolationKind::TooShort { min: 2, actual: 1 }),
                ("word", ViolationKind::TooLong { max: 2, actual: 3 }),
            ]
        );
    }
}
