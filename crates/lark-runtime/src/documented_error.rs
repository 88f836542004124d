//! The documented error codes of an endpoint, as a typed enum per endpoint.

use std::fmt;

/// An endpoint's error enum: one variant per documented code and one for any other code. Generated for
/// every spec.
pub trait DocumentedError: Copy + fmt::Debug + fmt::Display + std::error::Error + Send + Sync + 'static {
    /// The variant for a code the server sent.
    fn from_code(code: i64) -> Self;
    /// The platform's error code.
    fn code(&self) -> i64;
    /// The HTTP status the reference page gives for this code; `None` when the code is undocumented.
    fn http_status(&self) -> Option<u16>;
    /// The message the reference page gives; `None` when the code is undocumented.
    fn message(&self) -> Option<&'static str>;
    /// What the reference page advises; `None` when it says nothing or the code is undocumented.
    fn advice(&self) -> Option<&'static str>;
    /// Whether sending the same request again can succeed, as the spec says.
    fn is_retryable(&self) -> bool;
}

/// The `Display` of every generated error enum: what happened, with the code and documented status.
pub fn describe(error: &impl DocumentedError, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match (error.message(), error.http_status()) {
        (Some(message), Some(status)) => write!(f, "{message} (code {}, HTTP {status})", error.code()),
        (Some(message), None) => write!(f, "{message} (code {})", error.code()),
        (None, _) => write!(f, "error code {} is not documented for this endpoint", error.code()),
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
    fn from_code(code: i64) -> Self {
        Self::Undocumented(code)
    }
    fn code(&self) -> i64 {
        let Self::Undocumented(code) = self;
        *code
    }
    fn http_status(&self) -> Option<u16> {
        None
    }
    fn message(&self) -> Option<&'static str> {
        None
    }
    fn advice(&self) -> Option<&'static str> {
        None
    }
    fn is_retryable(&self) -> bool {
        false
    }
}

impl fmt::Display for UndocumentedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(self, f)
    }
}

impl std::error::Error for UndocumentedError {}
