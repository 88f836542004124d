//! What can go wrong when calling an endpoint. Every variant names the endpoint; none holds a secret.

use std::time::Duration;

use crate::documented_error::DocumentedError;
use crate::endpoint::AccessTokenKind;
use crate::timeouts::TimeLimit;

/// How a transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// No connection could be made: the request was not sent.
    Connect,
    /// No complete answer in time: the request may have been processed.
    Timeout,
    /// The connection broke after the request was sent: it may have been processed.
    Other,
}

/// Why a call cannot be made with a handle's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityProblem {
    /// The endpoint takes only a user access token and the handle acts for no user.
    #[error("the endpoint takes only a user_access_token: call it through client.as_user(token)")]
    UserTokenRequired,
    /// The handle acts for a user and the endpoint takes no user access token.
    #[error(
        "the endpoint takes no user_access_token (it takes {}): call it on a client that does not act as a user",
        token_names(accepted)
    )]
    UserTokenNotAccepted {
        /// The kinds the endpoint takes.
        accepted: &'static [AccessTokenKind],
    },
    /// The endpoint takes an access token and was called through a bare
    /// [`Transport`](crate::Transport), which has none.
    #[error(
        "the endpoint takes an access token ({}): call it through a Client, not its Transport",
        token_names(accepted)
    )]
    TokenRequired {
        /// The kinds the endpoint takes.
        accepted: &'static [AccessTokenKind],
    },
}

fn token_names(kinds: &[AccessTokenKind]) -> String {
    kinds.iter().map(|kind| kind.wire_name()).collect::<Vec<_>>().join(", ")
}

/// A failed call to endpoint `E`, after any retries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E: DocumentedError> {
    /// The platform answered with a non-zero code: `error` is the endpoint's typed variant.
    #[error("{}", describe_api(endpoint, error, *http_status, message, log_id))]
    Api {
        /// Dotted endpoint id, e.g. `attendance.v1.user_flow.batch_del`.
        endpoint: &'static str,
        /// The documented code (or `Undocumented`).
        error: E,
        /// The HTTP status of the answer.
        http_status: u16,
        /// The server's `msg`.
        message: String,
        /// The `X-Tt-Logid` of the answer.
        log_id: Option<String>,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// Still rate limited (HTTP 429 or code 99991400) when the retry budget ran out.
    #[error("{endpoint}: rate limited (HTTP {http_status}) after {attempts} attempts{}{}", retry_after.map(|d| format!("; the platform asks to wait {d:?}")).unwrap_or_default(), log_suffix(log_id))]
    RateLimited {
        /// Dotted endpoint id.
        endpoint: &'static str,
        /// HTTP status of the last answer.
        http_status: u16,
        /// How long the platform asked to wait (`x-ogw-ratelimit-reset`).
        retry_after: Option<Duration>,
        /// The `X-Tt-Logid` of the last answer.
        log_id: Option<String>,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// The answer was not the platform's JSON envelope (an HTML page from a gateway, truncated JSON, ...).
    #[error("{endpoint}: HTTP {http_status} answer is not the platform's JSON ({reason}); content type {}; body starts {snippet:?}{}", content_type.as_deref().unwrap_or("none"), log_suffix(log_id))]
    Decode {
        /// Dotted endpoint id.
        endpoint: &'static str,
        /// HTTP status.
        http_status: u16,
        /// The `Content-Type` header.
        content_type: Option<String>,
        /// The start of the body.
        snippet: String,
        /// What did not parse.
        reason: String,
        /// The `X-Tt-Logid`, when present.
        log_id: Option<String>,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// The answer was larger than the configured limit.
    #[error("{endpoint}: the answer is larger than {limit} bytes{}", log_suffix(log_id))]
    BodyTooLarge {
        /// Dotted endpoint id.
        endpoint: &'static str,
        /// The limit in bytes.
        limit: usize,
        /// The `X-Tt-Logid`, when present.
        log_id: Option<String>,
    },
    /// The platform could not be reached, or did not answer in time.
    #[error("{endpoint}: {kind:?} error after {attempts} attempts: {message}")]
    Transport {
        /// Dotted endpoint id.
        endpoint: &'static str,
        /// What kind of failure.
        kind: TransportKind,
        /// What the HTTP client said.
        message: String,
        /// How many times the request was tried.
        attempts: u32,
    },
    /// A time limit ran out.
    #[error("{endpoint}: {limit} ran out after {attempts} attempt(s); {}", if *may_have_applied { "the platform may have applied the request" } else { "the request was certainly not applied" })]
    Timeout {
        /// Dotted endpoint id.
        endpoint: &'static str,
        /// Which limit.
        limit: TimeLimit,
        /// How many times the request was sent.
        attempts: u32,
        /// Whether an attempt that may have reached the platform was cut off or lost its answer.
        may_have_applied: bool,
    },
    /// No access token could be had.
    #[error("{endpoint}: {source}")]
    Auth {
        /// Dotted endpoint id.
        endpoint: &'static str,
        /// Why.
        source: AuthError,
    },
    /// The call cannot be made with this handle's identity (see [`Client::as_user`](crate::Client::as_user));
    /// nothing was sent.
    #[error("{endpoint}: {problem}; nothing was sent")]
    Identity {
        /// Dotted endpoint id.
        endpoint: &'static str,
        /// What does not fit.
        problem: IdentityProblem,
    },
    /// The request could not be written as JSON.
    #[error("{endpoint}: cannot encode the request: {message}")]
    Encode {
        /// Dotted endpoint id.
        endpoint: &'static str,
        /// What serde said.
        message: String,
    },
}

impl<E: DocumentedError> Error<E> {
    /// The same failure with another endpoint error type: the attempt loop works with erased errors,
    /// and the call gives its endpoint's type back.
    pub(crate) fn map_api<F: DocumentedError>(self, convert: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Self::Api {
                endpoint,
                error,
                http_status,
                message,
                log_id,
                attempts,
            } => Error::Api {
                endpoint,
                error: convert(error),
                http_status,
                message,
                log_id,
                attempts,
            },
            Self::RateLimited {
                endpoint,
                http_status,
                retry_after,
                log_id,
                attempts,
            } => Error::RateLimited {
                endpoint,
                http_status,
                retry_after,
                log_id,
                attempts,
            },
            Self::Decode {
                endpoint,
                http_status,
                content_type,
                snippet,
                reason,
                log_id,
                attempts,
            } => Error::Decode {
                endpoint,
                http_status,
                content_type,
                snippet,
                reason,
                log_id,
                attempts,
            },
            Self::BodyTooLarge {
                endpoint,
                limit,
                log_id,
            } => Error::BodyTooLarge {
                endpoint,
                limit,
                log_id,
            },
            Self::Transport {
                endpoint,
                kind,
                message,
                attempts,
            } => Error::Transport {
                endpoint,
                kind,
                message,
                attempts,
            },
            Self::Timeout {
                endpoint,
                limit,
                attempts,
                may_have_applied,
            } => Error::Timeout {
                endpoint,
                limit,
                attempts,
                may_have_applied,
            },
            Self::Auth { endpoint, source } => Error::Auth { endpoint, source },
            Self::Identity { endpoint, problem } => Error::Identity { endpoint, problem },
            Self::Encode { endpoint, message } => Error::Encode { endpoint, message },
        }
    }

    /// The endpoint's typed error, when the platform answered with a code.
    pub fn api_error(&self) -> Option<&E> {
        match self {
            Self::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The platform's log id of the last answer, for support.
    pub fn log_id(&self) -> Option<&str> {
        match self {
            Self::Api { log_id, .. }
            | Self::RateLimited { log_id, .. }
            | Self::Decode { log_id, .. }
            | Self::BodyTooLarge { log_id, .. } => log_id.as_deref(),
            Self::Auth {
                source: AuthError::Rejected { log_id, .. } | AuthError::Decode { log_id, .. },
                ..
            } => log_id.as_deref(),
            _ => None,
        }
    }

    /// How many times the request was sent; more than one means an earlier attempt may have been
    /// processed by the platform even though its answer was lost.
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Api { attempts, .. }
            | Self::RateLimited { attempts, .. }
            | Self::Decode { attempts, .. }
            | Self::Transport { attempts, .. }
            | Self::Timeout { attempts, .. } => *attempts,
            Self::BodyTooLarge { .. } => 1,
            Self::Auth { .. } | Self::Identity { .. } | Self::Encode { .. } => 0,
        }
    }

    /// Whether the platform certainly did not apply the request: it refused it with a code that is
    /// not a server fault, on the first and only attempt, or it was never sent.
    pub fn certainly_not_applied(&self) -> bool {
        match self {
            Self::Api { error, attempts, .. } => *attempts == 1 && !error.is_retryable(),
            Self::Auth { .. } | Self::Identity { .. } | Self::Encode { .. } => true,
            Self::Timeout { may_have_applied, .. } => !may_have_applied,
            Self::Transport {
                kind: TransportKind::Connect,
                attempts,
                ..
            } => *attempts == 1,
            _ => false,
        }
    }
}

/// `endpoint: what happened (code, status): server message. Advice: … [log id …]`.
fn describe_api<E: DocumentedError>(
    endpoint: &str,
    error: &E,
    http_status: u16,
    message: &str,
    log_id: &Option<String>,
) -> String {
    let mut text = format!("{endpoint}: {error}");
    if error.http_status() != Some(http_status) {
        text.push_str(&format!(" [answered with HTTP {http_status}]"));
    }
    if !message.is_empty() && error.message() != Some(message) {
        text.push_str(&format!(": {message}"));
    }
    if let Some(advice) = error.advice() {
        text.push_str(&format!(". Advice: {advice}"));
    }
    text.push_str(&log_suffix(log_id));
    text
}

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint answered with a non-zero code (wrong app id or secret, app disabled, ...).
    #[error("the token endpoint refused app {app_id}: {msg} (code {code}){}", log_suffix(log_id))]
    Rejected {
        /// The app whose credentials were refused.
        app_id: String,
        /// The platform's code.
        code: i64,
        /// The platform's message.
        msg: String,
        /// The `X-Tt-Logid` of the response.
        log_id: Option<String>,
    },
    /// The token endpoint could not be reached or did not answer in time.
    #[error("cannot reach the token endpoint: {0}")]
    Transport(String),
    /// A store app's call did not say which tenant it is for.
    #[error("a store app's call needs a tenant: make it through client.for_tenant(tenant_key)")]
    NoTenant,
    /// A store app has no `app_ticket`, and none arrived within the wait after asking for a resend.
    #[error(
        "store app {app_id} has no app_ticket: none arrived within {waited:?} of asking the platform to resend it (is the app_ticket event reaching your dispatcher?)"
    )]
    NoAppTicket {
        /// The app.
        app_id: String,
        /// How long the provider waited.
        waited: Duration,
    },
    /// A user's tokens cannot be refreshed (no refresh token, or the platform refused it as expired,
    /// revoked, spent or invalid): the user must sign in again.
    #[error("the user must sign in again: {reason}")]
    SignInRequired {
        /// What ended the session.
        reason: String,
    },
    /// A refresh's new tokens could not be saved to the user's token store, so they were not used.
    #[error("cannot save the refreshed user tokens: {reason}")]
    Store {
        /// The store's reason.
        reason: String,
    },
    /// The token endpoint's answer was not the expected JSON. The body is not quoted: it may hold a token.
    #[error(
        "the token endpoint answered HTTP {http_status} with a body that is not a token response: {reason}{}",
        log_suffix(log_id)
    )]
    Decode {
        /// HTTP status.
        http_status: u16,
        /// What did not fit.
        reason: String,
        /// The `X-Tt-Logid` of the response.
        log_id: Option<String>,
    },
}

pub(crate) fn log_suffix(log_id: &Option<String>) -> String {
    log_id.as_ref().map(|id| format!(" [log id {id}]")).unwrap_or_default()
}
