//! The documented error codes of an endpoint, as a typed enum per endpoint.

use std::fmt;

/// What a reference page says about one of its error codes: a row of a generated `DOCUMENTED` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorFacts {
    /// The platform's code.
    pub code: i64,
    /// The HTTP status the page gives.
    pub http_status: u16,
    /// The message the server sends.
    pub message: &'static str,
    /// What the page advises (empty when it says nothing).
    pub advice: &'static str,
    /// Whether sending the same request again can succeed.
    pub retryable: bool,
}

impl ErrorFacts {
    /// A row of facts; generated tables call it once per documented code.
    pub const fn new(
        code: i64,
        http_status: u16,
        message: &'static str,
        advice: &'static str,
        retryable: bool,
    ) -> Self {
        Self {
            code,
            http_status,
            message,
            advice,
            retryable,
        }
    }
}

/// The catch-all of an error enum, for the codes its reference page does not document. A generated enum
/// gets it from [`documented_error_traits!`](crate::documented_error_traits), from its `Undocumented`
/// variant.
pub trait UndocumentedCode: Sized {
    /// The variant of a code the page does not document.
    fn undocumented(code: i64) -> Self;

    /// The code of the undocumented variant; `None` for a documented one.
    fn undocumented_code(&self) -> Option<i64>;
}

/// An endpoint's error enum: one variant per documented code and one for any other code. Generated for
/// every spec as a table of its variants with their facts; every method below works from it.
pub trait DocumentedError:
    UndocumentedCode + Copy + PartialEq + fmt::Debug + fmt::Display + std::error::Error + Send + Sync + 'static
{
    /// Each documented variant with what the reference page says about it, in the page's order.
    const DOCUMENTED: &'static [(Self, ErrorFacts)];

    /// The variant for a code the server sent.
    fn from_code(code: i64) -> Self {
        Self::DOCUMENTED
            .iter()
            .find(|(_, facts)| facts.code == code)
            .map_or_else(|| Self::undocumented(code), |(variant, _)| *variant)
    }

    /// What the reference page says about this code; `None` when the code is undocumented.
    fn facts(&self) -> Option<&'static ErrorFacts> {
        Self::DOCUMENTED
            .iter()
            .find(|(variant, _)| variant == self)
            .map(|(_, facts)| facts)
    }

    /// The platform's error code.
    fn code(&self) -> i64 {
        match (self.undocumented_code(), self.facts()) {
            (Some(code), _) => code,
            (None, Some(facts)) => facts.code,
            // A documented variant missing from the table: no code to give.
            (None, None) => 0,
        }
    }

    /// The HTTP status the reference page gives for this code; `None` when the code is undocumented.
    fn http_status(&self) -> Option<u16> {
        self.facts().map(|facts| facts.http_status)
    }

    /// The message the reference page gives; `None` when the code is undocumented.
    fn message(&self) -> Option<&'static str> {
        self.facts().map(|facts| facts.message)
    }

    /// What the reference page advises; `None` when it says nothing or the code is undocumented.
    fn advice(&self) -> Option<&'static str> {
        self.facts()
            .map(|facts| facts.advice)
            .filter(|advice| !advice.is_empty())
    }

    /// Whether sending the same request again can succeed, as the spec says.
    fn is_retryable(&self) -> bool {
        self.facts().is_some_and(|facts| facts.retryable)
    }
}

/// The `Display` of every generated error enum: what happened, with the code and documented status.
/// It takes the code and facts rather than the enum, so it is compiled once, not once per endpoint.
pub fn describe(code: i64, facts: Option<&ErrorFacts>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match facts {
        Some(facts) => write!(f, "{} (code {code}, HTTP {})", facts.message, facts.http_status),
        None => write!(f, "error code {code} is not documented for this endpoint"),
    }
}

/// The error type of every endpoint whose reference page documents no codes of its own (the token
/// endpoints point to the platform's generic codes): the generator names it instead of writing the same
/// one-variant enum per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UndocumentedError {
    /// A code the reference page does not document for this endpoint.
    Undocumented(i64),
}

impl DocumentedError for UndocumentedError {
    const DOCUMENTED: &'static [(Self, ErrorFacts)] = &[];
}

impl UndocumentedCode for UndocumentedError {
    fn undocumented(code: i64) -> Self {
        Self::Undocumented(code)
    }

    fn undocumented_code(&self) -> Option<i64> {
        let Self::Undocumented(code) = self;
        Some(*code)
    }
}

crate::documented_error_traits!(@display UndocumentedError);

/// An endpoint's error reduced to its code and its page's facts: what the attempt loop, compiled once
/// for every endpoint, carries until the call gives the endpoint's own type back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ErasedError {
    code: i64,
    facts: Option<&'static ErrorFacts>,
}

impl ErasedError {
    /// `error`'s code and facts.
    pub(crate) fn of(error: &impl DocumentedError) -> Self {
        Self {
            code: error.code(),
            facts: error.facts(),
        }
    }
}

impl DocumentedError for ErasedError {
    const DOCUMENTED: &'static [(Self, ErrorFacts)] = &[];

    fn facts(&self) -> Option<&'static ErrorFacts> {
        self.facts
    }

    fn code(&self) -> i64 {
        self.code
    }
}

impl UndocumentedCode for ErasedError {
    fn undocumented(code: i64) -> Self {
        Self { code, facts: None }
    }

    fn undocumented_code(&self) -> Option<i64> {
        self.facts.is_none().then_some(self.code)
    }
}

crate::documented_error_traits!(@display ErasedError);

/// [`UndocumentedCode`] (from the `Undocumented` variant), `Display` and `Error` for a generated error
/// enum, written once here instead of in every file.
#[doc(hidden)]
#[macro_export]
macro_rules! documented_error_traits {
    ($name:ident) => {
        impl $crate::UndocumentedCode for $name {
            fn undocumented(code: i64) -> Self {
                Self::Undocumented(code)
            }
            fn undocumented_code(&self) -> ::std::option::Option<i64> {
                match self {
                    Self::Undocumented(code) => ::std::option::Option::Some(*code),
                    _ => ::std::option::Option::None,
                }
            }
        }
        $crate::documented_error_traits!(@display $name);
    };
    (@display $name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::documented_error::describe($crate::DocumentedError::code(self), $crate::DocumentedError::facts(self), f)
            }
        }
        impl ::std::error::Error for $name {}
    };
}
