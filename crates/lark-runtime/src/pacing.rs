//! Client-side pacing: every call to an endpoint waits for its turn under the endpoint's documented
//! rate limit, so one client never sends more than the platform allows, however many tasks share it.
//!
//! The platform limits each app per endpoint (`rate-limits` reference page); calls beyond the limit get
//! HTTP 429 and code 99991400, and the reset can be long. Pacing spreads calls evenly over the period
//! (no burst beyond one call), so no one-second window ever holds more than the documented number.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rustc_hash::FxHashMap;

use crate::endpoint::{EndpointMetadata, RateLimit};

/// How a [`Client`](crate::Client) paces its calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacing {
    /// Whether endpoints are paced at all.
    enabled: bool,
    /// Limits that replace the documented one, by endpoint id (`attendance.v1.user_flows.batch_del`).
    overrides: HashMap<String, RateLimit>,
}

impl Default for Pacing {
    fn default() -> Self {
        Self::documented()
    }
}

impl Pacing {
    /// Each endpoint under the rate limit its spec documents (the default). Endpoints whose page gives
    /// no limit are not paced.
    pub fn documented() -> Self {
        Self {
            enabled: true,
            overrides: HashMap::new(),
        }
    }

    /// No pacing: calls go out as fast as they are made (the platform may answer 429).
    pub fn off() -> Self {
        Self {
            enabled: false,
            overrides: HashMap::new(),
        }
    }

    /// Another limit for one endpoint, e.g. for a tenant whose quota was raised.
    #[must_use]
    pub fn with_limit(mut self, endpoint_id: impl Into<String>, limit: RateLimit) -> Self {
        self.overrides.insert(endpoint_id.into(), limit);
        self
    }

    /// The limit this pacing applies to an endpoint, if any.
    pub fn limit_for(&self, metadata: &EndpointMetadata) -> Option<RateLimit> {
        if !self.enabled {
            return None;
        }
        self.overrides.get(metadata.id).copied().or(metadata.rate_limit)
    }
}

/// One limiter per endpoint, made on first use and shared by every call through the client.
#[derive(Debug, Default)]
pub(crate) struct Pacers {
    pacing: Pacing,
    /// Keyed by endpoint id. The ids are the specs' own, never a caller's input, so a fast hash without
    /// flood resistance serves: it is looked up on every call.
    limiters: RwLock<FxHashMap<&'static str, Option<Arc<DefaultDirectRateLimiter>>>>,
}

impl Pacers {
    pub(crate) fn new(pacing: Pacing) -> Self {
        Self {
            pacing,
            limiters: RwLock::default(),
        }
    }

    /// Waits until the endpoint may be called again.
    pub(crate) async fn wait_turn(&self, metadata: &'static EndpointMetadata) {
        if let Some(limiter) = self.limiter(metadata) {
            limiter.until_ready().await;
        }
    }

    fn limiter(&self, metadata: &'static EndpointMetadata) -> Option<Arc<DefaultDirectRateLimiter>> {
        // A poisoned lock only means another call panicked mid-insert; the map itself is still sound.
        if let Some(found) = self.limiters.read().unwrap_or_else(|e| e.into_inner()).get(metadata.id) {
            return found.clone();
        }
        let mut limiters = self.limiters.write().unwrap_or_else(|e| e.into_inner());
        limiters
            .entry(metadata.id)
            .or_insert_with(|| {
                self.pacing
                    .limit_for(metadata)
                    .map(|limit| Arc::new(RateLimiter::direct(spread_quota(limit))))
            })
            .clone()
    }
}

/// A quota that spreads `limit` evenly over its period, with no burst beyond one call.
pub(crate) fn spread_quota(limit: RateLimit) -> Quota {
    let requests = NonZeroU32::new(limit.requests).unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs(u64::from(limit.period_seconds.max(1)));
    Quota::with_period(period / requests.get()).unwrap_or_else(|| Quota::per_second(requests))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{Envelope, HttpMethod, RequestBody, ResponseKind};

    static PACED: EndpointMetadata = EndpointMetadata {
        id: "test.v1.things.paced",
        summary: "",
        method: HttpMethod::Post,
        path_template: "/open-apis/test/v1/things/paced",
        access_tokens: &[],
        app_types: &[],
        scopes: &[],
        rate_limit: Some(RateLimit {
            requests: 10,
            period_seconds: 1,
        }),
        envelope: Envelope::Data,
        request_body: RequestBody::Json,
        response_kind: ResponseKind::Json,
        pagination_items: None,
        path_example: &[],
        query_example: &[],
        request_example: None,
        response_example: None,
    };

    #[test]
    fn overrides_replace_the_documented_limit_and_off_disables_it() {
        let raised = RateLimit {
            requests: 100,
            period_seconds: 1,
        };
        assert_eq!(Pacing::documented().limit_for(&PACED), PACED.rate_limit);
        assert_eq!(
            Pacing::documented().with_limit(PACED.id, raised).limit_for(&PACED),
            Some(raised)
        );
        assert_eq!(Pacing::off().limit_for(&PACED), None);
    }

    #[test]
    fn no_one_second_window_holds_more_than_the_limit() {
        // Try every 5 ms for 3 s against a fake clock; record when the quota lets a call through.
        let clock = governor::clock::FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(spread_quota(PACED.rate_limit.unwrap()), clock.clone());
        let mut sent = Vec::new();
        for step in 0..600u64 {
            if limiter.check().is_ok() {
                sent.push(step * 5);
            }
            clock.advance(Duration::from_millis(5));
        }
        assert!(sent.len() >= 29, "only {} calls in 3 s", sent.len());
        for (i, at) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().filter(|t| **t < at + 1000).count();
            assert!(in_window <= 10, "{in_window} calls within one second of call {i}");
        }
    }
}
