//! When and how long to wait before sending a call again.
//!
//! Retried: connection failures and timeouts, HTTP 5xx answers that are not the platform's JSON, codes
//! the spec marks retryable, and rate limiting (HTTP 429 or code 99991400), which waits for
//! `x-ogw-ratelimit-reset` when the platform sends it. Never retried: codes not marked retryable.
//!
//! A retried *write* can come back differently from the first attempt: when the first attempt's answer
//! was lost (a timeout, a reset connection, a 5xx) the platform may already have applied it, so a
//! retried `batch_del` can report an id as failed ("not found") that the first attempt deleted.
//! [`Response::earlier_attempt_may_have_applied`](crate::Response::earlier_attempt_may_have_applied)
//! says when that can be the case; the bulk helper then files such ids as unknown, not failed.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// The platform's code for "too many requests".
pub const RATE_LIMIT_CODE: i64 = 99991400;

/// The response header with the seconds until the rate limit window resets.
pub const RATE_LIMIT_RESET_HEADER: &str = "x-ogw-ratelimit-reset";

/// Retry settings of a client.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// How many times a call may be sent in all (1 means never retry).
    pub max_attempts: u32,
    /// The first backoff; it doubles with each retry, with jitter.
    pub initial_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The most a call may spend waiting between attempts, in all.
    pub total_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            total_budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Exponential delays with jitter.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_jitter()
            .without_max_times()
            .build()
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Retry {
    /// Give up.
    Never,
    /// Wait the next backoff.
    Backoff,
    /// Wait what the platform asked for (or the next backoff when it did not say).
    After(Option<Duration>),
}
