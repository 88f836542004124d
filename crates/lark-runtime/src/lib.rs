//! Runtime of lark-openapi: everything that is the same for every generated endpoint.
//!
//! Generated code (in `lark-openapi`, or from the `lark_macros::endpoint!` macro) contains only what
//! varies per endpoint: shapes, builders, value tables. It relies on this crate for
//! - the [`Endpoint`] trait and [`EndpointMetadata`] through which any endpoint is executed;
//! - request validation ([`validate`]): typed [`ValidationError`]s that name the field and the bound;
//! - documented error codes ([`DocumentedError`]);
//! - batch partial failures ([`partial_failure`]): per-id reasons parsed from `msg`;
//! - wire formats ([`wire`], [`enums`]): ids carried as strings, enums with an `Unknown` catch-all.

pub mod documented_error;
pub mod endpoint;
pub mod enums;
pub mod partial_failure;
pub mod validate;
pub mod wire;

pub use documented_error::DocumentedError;
pub use endpoint::{AccessTokenKind, AppType, Endpoint, EndpointMetadata, Envelope, HttpMethod, RateLimit};
pub use partial_failure::{FailureReasons, PartialFailure, RecordFailure};
pub use validate::{Validate, ValidationError, Violation, ViolationKind};
pub use wire::StringI64;

/// Re-exports for generated code, so that a crate using generated types needs no direct dependency on
/// them. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
