//! Client-side pacing: every call to an endpoint waits for its turn under the endpoint's documented
//! rate limit, so one client never sends more than the platform allows, however many tasks share it.
//!
//! The platform limits each app per endpoint (`rate-limits` reference page); calls beyond the limit get
//! HTTP 429 and code 99991400, and the reset can be long. Pacing spreads calls evenly over the period
//! (no burst beyond one call), so no one-second window ever holds more than the documented number.
//! A page may give several windows (`1000 次/分钟、50 次/秒`): each gets its limiter and a call waits
//! for all of them, so a long run keeps under the minute's cap as well as the second's.

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
    /// Limits that replace the documented one, by endpoint id (`attendance.v1.user_flow.batch_del`).
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

    /// The windows this pacing applies to an endpoint: an override replaces every documented window.
    pub fn limits_for(&self, metadata: &EndpointMetadata) -> Vec<RateLimit> {
        if !self.enabled {
            return Vec::new();
        }
        match self.overrides.get(metadata.id) {
            Some(limit) => vec![*limit],
            None => metadata.rate_limits.to_vec(),
        }
    }
}

/// One limiter per endpoint, made on first use and shared by every call through the client.
#[derive(Debug, Default)]
pub(crate) struct Pacers {
    pacing: Pacing,
    /// Keyed by endpoint id. The ids are the specs' own, never a caller's input, so a fast hash without
    /// flood resistance serves: it is looked up on every call.
    limiters: RwLock<FxHashMap<&'static str, Arc<[DefaultDirectRateLimiter]>>>,
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
        for limiter in self.limiters(metadata).iter() {
            limiter.until_ready().await;
        }
    }

    fn limiters(&self, metadata: &'static EndpointMetadata) -> Arc<[DefaultDirectRateLimiter]> {
        // A poisoned lock only means another call panicked mid-insert; the map itself is still sound.
        if let Some(found) = self.limiters.read().unwrap_or_else(|e| e.into_inner()).get(metadata.id) {
            return found.clone();
        }
        let mut limiters = self.limiters.write().unwrap_or_else(|e| e.into_inner());
        limiters
            .entry(metadata.id)
            .or_insert_with(|| {
                // The window with the longest interval between calls goes last: the call follows its
                // turn at once, so sends are spaced at least that far apart and every window holds.
                let mut limits = self.pacing.limits_for(metadata);
                limits.sort_by_key(|limit| interval(*limit));
                limits
                    .into_iter()
                    .map(|limit| RateLimiter::direct(spread_quota(limit)))
                    .collect()
            })
            .clone()
    }
}

/// A quota that spreads `limit` evenly over its period, with no burst beyond one call.
pub(crate) fn spread_quota(limit: RateLimit) -> Quota {
    let requests = NonZeroU32::new(limit.requests).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(interval(limit)).unwrap_or_else(|| Quota::per_second(requests))
}

/// The time between two calls when `limit` is spread evenly.
fn interval(limit: RateLimit) -> Duration {
    let requests = limit.requests.max(1);
    Duration::from_secs(u64::from(limit.period_seconds.max(1))) / requests
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
        rate_limits: &[RateLimit {
            requests: 10,
            period_seconds: 1,
        }],
        special_rate_limit: false,
        envelope: Envelope::Data,
        request_body: RequestBody::Json,
        response_kind: ResponseKind::Json,
        pagination_items: None,
        path_example: &[],
        query_example: &[],
        request_example: None,
        file_parts: &[],
        response_example: None,
    };

    #[test]
    fn overrides_replace_the_documented_limit_and_off_disables_it() {
        let raised = RateLimit {
            requests: 100,
            period_seconds: 1,
        };
        assert_eq!(Pacing::documented().limits_for(&PACED), PACED.rate_limits);
        assert_eq!(
            Pacing::documented().with_limit(PACED.id, raised).limits_for(&PACED),
            [raised]
        );
        assert_eq!(Pacing::off().limits_for(&PACED), []);
    }

    #[test]
    fn no_one_second_window_holds_more_than_the_limit() {
        // Try every 5 ms for 3 s against a fake clock; record when the quota lets a call through.
        let clock = governor::clock::FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(spread_quota(PACED.rate_limits[0]), clock.clone());
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

    #[test]
    fn two_windows_hold_at_once_over_a_long_run() {
        // 1000 a minute and 50 a second, tried every 5 ms for 3 minutes: a call goes out only when
        // every window's limiter lets it through, as `wait_turn` does.
        let clock = governor::clock::FakeRelativeClock::default();
        let windows = [
            RateLimit {
                requests: 1000,
                period_seconds: 60,
            },
            RateLimit {
                requests: 50,
                period_seconds: 1,
            },
        ];
        let limiters: Vec<_> = windows
            .iter()
            .map(|limit| RateLimiter::direct_with_clock(spread_quota(*limit), clock.clone()))
            .collect();
        let mut sent = Vec::new();
        let mut passed = 0;
        for step in 0..36_000u64 {
            while passed < limiters.len() && limiters[passed].check().is_ok() {
                passed += 1;
            }
            if passed == limiters.len() {
                sent.push(step * 5);
                passed = 0;
            }
            clock.advance(Duration::from_millis(5));
        }
        assert!(sent.len() >= 2_900, "only {} calls in 3 minutes", sent.len());
        for (i, at) in sent.iter().enumerate() {
            let in_minute = sent[i..].iter().take_while(|t| **t < at + 60_000).count();
            let in_second = sent[i..].iter().take_while(|t| **t < at + 1_000).count();
            assert!(in_minute <= 1000, "{in_minute} calls within a minute of call {i}");
            assert!(in_second <= 50, "{in_second} calls within a second of call {i}");
        }
    }
}
