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

/// One documented window and the limiter that counts it.
type Window = (RateLimit, DefaultDirectRateLimiter);

/// An app id and an endpoint id.
type AppEndpoint = (String, &'static str);

/// The limiters of each (app, endpoint) pair, made on first use.
pub(crate) struct Limits {
    mode: RateLimits,
    limiters: Mutex<HashMap<AppEndpoint, Arc<[Window]>>>,
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

    /// The windows that apply to an endpoint.
    fn limits_of(&self, metadata: &EndpointMetadata) -> Vec<RateLimit> {
        match self.mode {
            RateLimits::Documented if metadata.rate_limits.is_empty() => vec![UNDOCUMENTED_RATE],
            RateLimits::Documented => metadata.rate_limits.to_vec(),
            RateLimits::PerSecond(requests) => vec![RateLimit {
                requests: requests.get(),
                period_seconds: 1,
            }],
            RateLimits::Off => Vec::new(),
        }
    }

    /// Counts a call of `app_id` to an endpoint.
    pub(crate) fn check(&self, app_id: &str, metadata: &'static EndpointMetadata) -> Result<(), OverLimit> {
        let limiters = {
            let mut limiters = self.limiters.lock().unwrap_or_else(PoisonError::into_inner);
            let key = (app_id.to_owned(), metadata.id);
            Arc::clone(limiters.entry(key).or_insert_with(|| {
                let limits = self.limits_of(metadata);
                limits
                    .into_iter()
                    .map(|limit| (limit, RateLimiter::direct(window(limit))))
                    .collect()
            }))
        };
        // Every window counts the call; the first that is full refuses it.
        for (limit, limiter) in limiters.iter() {
            limiter.check().map_err(|not_until| OverLimit {
                limit: *limit,
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            })?;
        }
        Ok(())
    }
}

/// The platform counts calls per window: a full window's worth may come at once.
fn window(limit: RateLimit) -> Quota {
    let requests = NonZeroU32::new(limit.requests).unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs(u64::from(limit.period_seconds.max(1)));
    Quota::with_period(period / requests.get())
        .map_or_else(|| Quota::per_second(requests), |quota| quota.allow_burst(requests))
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
    use lark_openapi::attendance::v1::user_flow::batch_del::BatchDelRequest;
    use lark_openapi::attendance::v1::user_flow::query::QueryRequest;
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
