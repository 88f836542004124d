//! Rate limits per app and endpoint, answered as the platform answers them.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// The platform's code for a call over the rate limit (with HTTP 429).
pub const RATE_LIMITED: i64 = 99991400;

/// Calls allowed per second for each (app, endpoint) pair.
pub(crate) struct Limits {
    per_second: NonZeroU32,
    limiter: RateLimiter<(String, String), DefaultKeyedStateStore<(String, String)>, DefaultClock>,
}

/// A call that went over the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OverLimit {
    /// The limit, per second.
    pub per_second: u32,
    /// How long until a call would be allowed.
    pub retry_after: Duration,
}

impl Limits {
    pub(crate) fn new(per_second: NonZeroU32) -> Self {
        Self {
            per_second,
            limiter: RateLimiter::keyed(Quota::per_second(per_second)),
        }
    }

    /// Counts a call of `app_id` to `endpoint`.
    pub(crate) fn check(&self, app_id: &str, endpoint: &str) -> Result<(), OverLimit> {
        self.limiter
            .check_key(&(app_id.to_owned(), endpoint.to_owned()))
            .map_err(|not_until| OverLimit {
                per_second: self.per_second.get(),
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            })
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits").field("per_second", &self.per_second).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_app_and_endpoint_has_its_own_budget() {
        let limits = Limits::new(NonZeroU32::new(2).unwrap());
        assert!(limits.check("a", "/x").is_ok());
        assert!(limits.check("a", "/x").is_ok());
        let over = limits.check("a", "/x").unwrap_err();
        assert_eq!(over.per_second, 2);
        assert!(over.retry_after <= Duration::from_millis(500));
        assert!(limits.check("a", "/y").is_ok());
        assert!(limits.check("b", "/x").is_ok());
    }
}
