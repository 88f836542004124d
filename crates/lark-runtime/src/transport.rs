//! The connection to the platform without credentials: the HTTP client, the base URL, retries, the
//! body limit, pacing and time limits. Token providers call the token endpoints through it; a
//! [`Client`](crate::Client) sends every call through it with a token from its provider.

use std::fmt;
use std::sync::Arc;

use crate::call::{Caller, Response};
use crate::endpoint::Endpoint;
use crate::error::{Error, IdentityProblem};
use crate::http::BodyLimits;
use crate::pacing::{Pacers, Pacing};
use crate::retry::RetryPolicy;
use crate::timeouts::Timeouts;

/// Sends requests to the platform: what a [`Client`](crate::Client) and its token providers share (one
/// connection pool, one pacer per endpoint). On its own it calls only endpoints that take no access
/// token, such as the token endpoints; reach it with [`Client::transport`](crate::Client::transport).
/// Cheap to clone.
#[derive(Clone)]
pub struct Transport {
    shared: Arc<Shared>,
    /// This handle's time limits: [`Transport::with_timeouts`] gives a handle with others.
    timeouts: Timeouts,
}

struct Shared {
    http: reqwest::Client,
    base_url: reqwest::Url,
    retry: RetryPolicy,
    max_body_bytes: usize,
    pacers: Pacers,
}

/// What a [`Transport`] is built from: the client builder's checked settings.
pub(crate) struct TransportSettings {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: reqwest::Url,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body_bytes: usize,
    pub(crate) pacing: Pacing,
    pub(crate) timeouts: Timeouts,
}

impl Transport {
    pub(crate) fn new(settings: TransportSettings) -> Self {
        Self {
            shared: Arc::new(Shared {
                http: settings.http,
                base_url: settings.base_url,
                retry: settings.retry,
                max_body_bytes: settings.max_body_bytes,
                pacers: Pacers::new(settings.pacing),
            }),
            timeouts: settings.timeouts,
        }
    }

    /// Sends `request` to an endpoint that takes no access token, retrying as the policy allows. An
    /// endpoint that takes one fails before anything is sent: call it through a
    /// [`Client`](crate::Client).
    pub async fn execute<E: Endpoint>(&self, request: &E) -> Result<Response<E::Data>, Error<E::Error>> {
        let metadata = E::METADATA;
        if !metadata.access_tokens.is_empty() {
            return Err(Error::Identity {
                endpoint: metadata.id,
                problem: IdentityProblem::TokenRequired {
                    accepted: metadata.access_tokens,
                },
            });
        }
        self.execute_as(request, Caller::ANONYMOUS).await
    }

    /// The base URL every request goes to.
    pub fn base_url(&self) -> &reqwest::Url {
        &self.shared.base_url
    }

    /// This handle's time limits.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The same transport (pool and pacing shared) with other time limits.
    pub fn with_timeouts(&self, timeouts: Timeouts) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            timeouts,
        }
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.shared.http
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.shared.retry
    }

    pub(crate) fn body_limits(&self) -> BodyLimits {
        BodyLimits {
            max_bytes: self.shared.max_body_bytes,
            min_bytes_per_second: self.timeouts.min_body_bytes_per_second,
        }
    }

    pub(crate) fn pacers(&self) -> &Pacers {
        &self.shared.pacers
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.shared.base_url.as_str())
            .field("retry", &self.shared.retry)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}
