//! Runtime of lark-openapi: everything that is the same for every generated endpoint.
//!
//! Generated code (in `lark-openapi`, or from the `lark_macros::endpoint!` macro) contains only what
//! varies per endpoint: shapes, builders, value tables. This crate executes any of them:
//! - [`Client`]: base URL (Feishu, Lark or a local server), timeouts, your own `reqwest::Client`;
//! - [`auth`]: tenant access tokens fetched with the app's credentials, cached, refreshed before they
//!   expire and once when the platform rejects one; one refresh serves all concurrent calls;
//! - [`Client::execute`]: the `{code, msg, data}` envelope, typed data or the endpoint's typed error,
//!   the log id, capped bodies, [`retry`] with backoff and rate-limit waits, a `tracing` span per call;
//! - [`bulk`]: batch endpoints over any number of ids, every id accounted for.
//!
//! Secrets (the app secret, tokens) never appear in `Debug`, errors or logs.
//!
//! It also holds what the generated types rely on:
//! - the [`Endpoint`] trait and [`EndpointMetadata`] through which any endpoint is executed;
//! - request validation ([`validate`]): typed [`ValidationError`]s that name the field and the bound;
//! - the server's side ([`incoming`]): a request a client sent, decoded and validated the same way;
//! - documented error codes ([`DocumentedError`]);
//! - batch partial failures ([`partial_failure`]): per-id reasons parsed from `msg`;
//! - wire formats ([`wire`], [`enums`]): ids carried as strings, enums with an `Unknown` catch-all.

pub mod auth;
pub mod bulk;
mod client;
mod credentials;
pub mod documented_error;
pub mod endpoint;
pub mod enums;
mod error;
mod http;
pub mod incoming;
pub mod partial_failure;
pub mod retry;
pub mod validate;
pub mod wire;

pub use auth::{AuthError, StaticToken, TenantTokenProvider, TokenProvider};
pub use bulk::{BulkFailure, BulkOptions, BulkProgress, BulkReport};
pub use client::{Client, ClientBuilder, ConfigError, FEISHU, LARK, Response};
pub use credentials::{AccessToken, AppCredentials};
pub use documented_error::DocumentedError;
pub use endpoint::{AccessTokenKind, AppType, Endpoint, EndpointMetadata, Envelope, HttpMethod, RateLimit};
pub use error::{Error, TransportKind};
pub use incoming::{Incoming, IncomingRequest};
pub use partial_failure::{FailureReasons, PartialFailure, RecordFailure};
pub use retry::RetryPolicy;
pub use validate::{Validate, ValidationError, Violation, ViolationKind};
pub use wire::StringI64;

/// Re-exports for generated code, so that a crate using generated types needs no direct dependency on
/// them. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
