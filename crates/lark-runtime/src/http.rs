//! Small HTTP helpers shared by calls and token requests.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::time::Instant;

/// The response header that carries the platform's log id; support asks for it.
pub const LOG_ID_HEADER: &str = "x-tt-logid";

/// How many characters of an unexpected body an error quotes.
const SNIPPET_CHARS: usize = 200;

/// How much of an answer's body is read, and how slowly it may come.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    pub max_bytes: usize,
    /// Once the body has had `GRACE`, it must keep up this average rate.
    pub min_bytes_per_second: u64,
}

/// How long a body may take before the minimum rate applies.
const GRACE: Duration = Duration::from_secs(3);

/// Why a body was not read whole.
#[derive(Debug)]
pub(crate) enum ReadError {
    TooLarge,
    TooSlow,
    Transport(reqwest::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge => f.write_str("the response body is larger than the configured limit"),
            Self::TooSlow => f.write_str("the response body arrives slower than the minimum rate"),
            Self::Transport(error) => write!(f, "reading the response body failed: {error}"),
        }
    }
}

/// Reads the whole body, refusing more than `limits.max_bytes` bytes, or a body whose average rate falls
/// below `limits.min_bytes_per_second` after the grace period (waiting for a chunk stops at the moment
/// the rate would fall below it).
pub(crate) async fn read_capped(mut response: reqwest::Response, limits: BodyLimits) -> Result<Bytes, ReadError> {
    let limit = limits.max_bytes;
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let started = Instant::now();
    let min_rate = limits.min_bytes_per_second.max(1) as f64;
    // An answer in one chunk is kept as it came; only a body in several chunks is copied together.
    let mut first: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    let mut received = 0;
    loop {
        let due = started + GRACE.max(Duration::from_secs_f64((received + 1) as f64 / min_rate));
        // Early in the grace period the attempt timeout is bound enough: no timer per chunk for the
        // answers that come at once.
        let read = if Instant::now() < started + GRACE / 2 {
            Ok(response.chunk().await)
        } else {
            tokio::time::timeout_at(due, response.chunk()).await
        };
        let chunk = match read {
            Err(_) => return Err(ReadError::TooSlow),
            Ok(read) => read.map_err(|error| ReadError::Transport(error.without_url()))?,
        };
        let Some(chunk) = chunk else { break };
        received += chunk.len();
        if received > limit {
            return Err(ReadError::TooLarge);
        }
        // Nothing came before it (or only empty chunks): keep it whole.
        if received == chunk.len() {
            first = Some(chunk);
            continue;
        }
        if let Some(first) = first.take() {
            // The announced length (already checked against the cap) saves regrowing the buffer.
            let announced = response.content_length().map_or(0, |length| length as usize);
            joined.reserve(announced.max(received));
            joined.extend_from_slice(&first);
        }
        joined.extend_from_slice(&chunk);
    }
    Ok(first.unwrap_or_else(|| joined.freeze()))
}

/// The start of a body, as text, for an error message.
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(SNIPPET_CHARS).collect()
}
