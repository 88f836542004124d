//! Rate limits per app and endpoint, answered as the platform answers them. Each endpoint is limited as
//! its spec documents (batch_del 10 calls a second, the punch-record reads 50, ...), unless the emulator
//! is told to use one rate for all, or none.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use lark_openapi::runtime::{EndpointMetadata, RateLimit};

/// The platform's code for a call over the rate limit (with HTTP 429).
pub const RATE_LIMITED: i64 = 99991400;

/// The rate of an endpoint whose spec documents none: the platform's common tier.
pub const UNDOCUMENTED_RATE: RateLimit = RateLimit {
    requests: 50,
    period_seconds: 1,
};

/// Which rate limits the emulator enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateLimits {
    /// Each endpoint's documented limit (the default); [`UNDOCUMENTED_RATE`] where a spec gives none.
    #[default]
    Documented,
    /// The same number of calls per second for every endpoint.
    PerSecond(NonZeroU32),
    /// No limits.
    Off,
}

/// The limiters of each (app, endpoint) pair, made on first use.
pub(crate) struct Limits {
    mode: RateLimits,
    limiters: Mutex<HashMap<(String, &'static str), Arc<DefaultDirectRateLimiter>>>,
}

/// A call that went over the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OverLimit {
    /// The limit that applies.
    pub limit: RateLimit,
    /// How long until a call would be allowed.
    pub retry_after: Duration,
}

impl Limits {
    pub(crate) fn new(mode: RateLimits) -> Self {
        Self {
            mode,
            limiters: Mutex::default(),
        }
    }

    /// The limit that applies to an endpoint.
    fn limit_of(&self, metadata: &EndpointMetadata) -> Option<RateLimit> {
        match self.mode {
            RateLimits::Documented => Some(metadata.rate_limit.unwrap_or(UNDOCUMENTED_RATE)),
            RateLimits::PerSecond(requests) => Some(RateLimit {
                requests: requests.get(),
                period_seconds: 1,
            }),
            RateLimits::Off => None,
        }
    }

    /// Counts a call of `app_id` to an endpoint.
    pub(crate) fn check(&self, app_id: &str, metadata: &'static EndpointMetadata) -> Result<(), OverLimit> {
        let Some(limit) = self.limit_of(metadata) else {
            return Ok(());
        };
        let limiter = {
            let mut limiters = self.limiters.lock().unwrap_or_else(PoisonError::into_inner);
            let key = (app_id.to_owned(), metadata.id);
            Arc::clone(
                limiters
                    .entry(key)
                    .or_insert_with(|| Arc::new(RateLimiter::direct(window(limit)))),
            )
        };
        limiter.check().map_err(|not_until| OverLimit {
            limit,
            retry_after: not_until.wait_time_from(DefaultClock::default().now()),
        })
    }
}

/// The platform counts calls per window: a full window's worth may come at once.
fn window(limit: RateLimit) -> Quota {
    let requests = NonZeroU32::new(limit.requests).unwrap_or(NonZeroU32::MIN);
    match limit.period_seconds {
        60 => Quota::per_minute(requests),
        _ => Quota::per_second(requests),
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use lark_openapi::attendance::v1::user_flows::batch_del::BatchDelRequest;
    use lark_openapi::attendance::v1::user_flows::query::QueryRequest;
    use lark_openapi::runtime::Endpoint;

    use super::*;

    #[test]
    fn each_app_and_endpoint_has_its_documented_budget() {
        let limits = Limits::new(RateLimits::Documented);
        let batch_del = BatchDelRequest::METADATA;
        for _ in 0..10 {
            assert!(limits.check("a", batch_del).is_ok());
        }
        let over = limits.check("a", batch_del).unwrap_err();
        assert_eq!(over.limit.requests, 10);
        assert!(over.retry_after <= Duration::from_millis(100));
        assert!(limits.check("a", QueryRequest::METADATA).is_ok());
        assert!(limits.check("b", batch_del).is_ok());
        assert!(Limits::new(RateLimits::Off).check("a", batch_del).is_ok());
    }
}
