//! How long a call may take. Three limits, each configurable on the client and per call
//! ([`Client::with_timeouts`](crate::Client::with_timeouts)):
//! - the **operation deadline** (default 30 s) bounds everything a call does: the token, waiting for
//!   its turn under the rate limit, connecting, sending, reading the answer, backoff waits and every
//!   retry; no retry starts that cannot finish before it;
//! - the **attempt timeout** (default 10 s) bounds one attempt, answer included, so that one stuck
//!   attempt leaves time for another;
//! - the **minimum body rate** (default 1 KiB/s after the first three seconds) fails an answer that trickles
//!   in, rather than letting it hold the call until a deadline.

use std::time::Duration;

/// The time limits of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Everything a call does, retries included.
    pub operation: Duration,
    /// One attempt, from connecting to the last byte of the answer.
    pub attempt: Duration,
    /// The slowest an answer's body may arrive, in bytes per second, once it has had three seconds.
    pub min_body_bytes_per_second: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            operation: Duration::from_secs(30),
            attempt: Duration::from_secs(10),
            min_body_bytes_per_second: 1024,
        }
    }
}

/// Which limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLimit {
    /// The operation deadline: the call as a whole.
    Operation(Duration),
    /// The attempt timeout, on the last attempt.
    Attempt(Duration),
    /// The answer's body arrived slower than the minimum rate.
    SlowBody {
        /// The minimum, in bytes per second.
        min_bytes_per_second: u64,
    },
}

impl std::fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Operation(limit) => write!(f, "the operation deadline ({limit:?})"),
            Self::Attempt(limit) => write!(f, "the attempt timeout ({limit:?})"),
            Self::SlowBody { min_bytes_per_second } => {
                write!(f, "the minimum body rate ({min_bytes_per_second} bytes/s)")
            }
        }
    }
}
