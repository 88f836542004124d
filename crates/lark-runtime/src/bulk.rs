//! Bulk calls of batch endpoints: any number of ids, sent in chunks of the spec's `max_items`, with
//! bounded concurrency under a rate limit, and a report in which every distinct id is in exactly one
//! bucket. Generated client methods (`batch_del_all`) call [`run`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use governor::RateLimiter;
use tokio::time::Instant;

use crate::call::Response;
use crate::client::Client;
use crate::endpoint::{Endpoint, RateLimit};
use crate::error::Error;
use crate::pacing::spread_quota;
use crate::partial_failure::{FailureReasons, PartialFailure};
use crate::validate::ValidationError;

/// Progress of a bulk call, after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkProgress {
    /// Ids with an outcome so far.
    pub done: usize,
    /// Distinct ids in all.
    pub total: usize,
}

/// How a bulk call runs.
#[derive(Clone)]
pub struct BulkOptions {
    /// Chunks in flight at once (default 4).
    pub concurrency: usize,
    /// A further cap on this run's calls per period. `None` (the default) relies on the client's
    /// [`Pacing`](crate::Pacing), which already holds every call to the endpoint under its documented
    /// limit, bulk or not.
    pub rate_limit: Option<RateLimit>,
    /// Called after each chunk, e.g. to move a progress bar.
    pub on_progress: Option<Arc<dyn Fn(BulkProgress) + Send + Sync>>,
    /// A deadline for the whole run (each call still has the client's own). Chunks not sent by then
    /// fail as not sent; calls in flight then leave their ids unknown.
    pub deadline: Option<Duration>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            rate_limit: None,
            on_progress: None,
            deadline: None,
        }
    }
}

impl std::fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkOptions")
            .field("concurrency", &self.concurrency)
            .field("rate_limit", &self.rate_limit)
            .field("on_progress", &self.on_progress.is_some())
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// An id the platform did not process, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkFailure {
    /// The id.
    pub id: String,
    /// The platform's reason, or why the id was never sent.
    pub reason: String,
}

/// Where every distinct input id ended up: each is in exactly one of the three lists, in input order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkReport {
    /// Processed by the platform (for a delete: deleted).
    pub succeeded: Vec<String>,
    /// Certainly not processed: refused by the platform or by validation, with the reason.
    pub failed: Vec<BulkFailure>,
    /// Outcome not known (the call failed after retries, or an earlier attempt may have applied it),
    /// with the last error. Check these ids before acting on them again.
    pub unknown: Vec<BulkFailure>,
    /// Ids given more than once, counted once in the lists above.
    pub duplicates: usize,
}

impl BulkReport {
    /// How many distinct ids the report accounts for.
    pub fn total(&self) -> usize {
        self.succeeded.len() + self.failed.len() + self.unknown.len()
    }
}

/// What became of one chunk's call.
enum Sent<E: Endpoint> {
    /// The platform answered, or the call failed.
    Answered(Result<Response<E::Data>, Error<E::Error>>),
    /// The chunk does not fit the spec although each of its ids does: never sent.
    Unfit,
    /// The run's deadline passed before the chunk was sent.
    TooLate,
    /// The run's deadline passed while the call was in flight.
    CutOff,
}

/// Where each id of a chunk ended up.
fn chunk_outcomes<E>(chunk: Vec<String>, sent: Sent<E>) -> Vec<(String, Outcome)>
where
    E: Endpoint,
    E::Data: PartialFailure,
{
    let every_id = |outcome: &dyn Fn() -> Outcome| chunk.iter().map(|id| (id.clone(), outcome())).collect();
    let response = match sent {
        Sent::Answered(Ok(response)) => response,
        Sent::Answered(Err(error)) => {
            return match error.certainly_not_applied() {
                true => every_id(&|| Outcome::Failed(error.to_string())),
                false => every_id(&|| Outcome::Unknown(error.to_string())),
            };
        }
        // Every id of the chunk passed alone, so the chunk can only fail on its size: the spec's own
        // bound is smaller than the chunk size given.
        Sent::Unfit => return every_id(&|| Outcome::Failed("not sent: the chunk does not fit the spec".to_owned())),
        Sent::TooLate => return every_id(&|| Outcome::Failed("not sent: the run's deadline had passed".to_owned())),
        Sent::CutOff => {
            return every_id(&|| Outcome::Unknown("the run's deadline passed while the call was in flight".to_owned()));
        }
    };
    let reasons = FailureReasons::parse(&response.msg);
    let succeeded: HashSet<&str> = response.data.succeeded_ids().iter().map(String::as_str).collect();
    let failed: HashSet<&str> = response.data.failed_ids().iter().map(String::as_str).collect();
    let outcome = |id: &str| {
        if succeeded.contains(id) {
            Outcome::Succeeded
        } else if failed.contains(id) {
            let reason = reasons.reason(id).unwrap_or("the platform gave no reason").to_owned();
            if response.earlier_attempt_may_have_applied {
                Outcome::Unknown(format!(
                    "an earlier attempt may already have processed it; the retry reports: {reason}"
                ))
            } else {
                Outcome::Failed(reason)
            }
        } else {
            Outcome::Unknown("the platform's answer does not mention this id".to_owned())
        }
    };
    chunk.iter().map(|id| (id.clone(), outcome(id))).collect()
}

/// Where one id ended up.
enum Outcome {
    Succeeded,
    Failed(String),
    Unknown(String),
}

/// Runs a batch endpoint over all `ids`: `build` makes a request from at most `chunk_size` ids.
pub async fn run<E, B>(
    client: &Client,
    ids: Vec<String>,
    chunk_size: usize,
    build: B,
    options: &BulkOptions,
) -> BulkReport
where
    E: Endpoint,
    E::Data: PartialFailure,
    B: Fn(Vec<String>) -> Result<E, ValidationError>,
{
    let mut seen = HashSet::new();
    let distinct: Vec<String> = ids.iter().filter(|id| seen.insert(id.as_str())).cloned().collect();
    let duplicates = ids.len() - distinct.len();
    let total = distinct.len();
    let mut outcomes: HashMap<String, Outcome> = HashMap::with_capacity(total);

    // An id the spec rejects on its own is never sent; the rest are chunked.
    let mut sendable = Vec::with_capacity(total);
    for id in &distinct {
        match build(vec![id.clone()]) {
            Ok(_) => sendable.push(id.clone()),
            Err(error) => {
                outcomes.insert(id.clone(), Outcome::Failed(format!("not sent: {error}")));
            }
        }
    }
    let mut done = outcomes.len();
    let report_progress = |done| {
        if let Some(on_progress) = &options.on_progress {
            on_progress(BulkProgress { done, total });
        }
    };
    report_progress(done);

    let limiter = options.rate_limit.map(|limit| RateLimiter::direct(spread_quota(limit)));
    let chunks: Vec<Vec<String>> = sendable.chunks(chunk_size.max(1)).map(<[String]>::to_vec).collect();
    // A deadline too far off for the clock to add (`Duration::MAX`) is none.
    let deadline = options.deadline.and_then(|limit| Instant::now().checked_add(limit));
    let calls = futures::stream::iter(chunks.into_iter().map(|chunk| {
        let request = build(chunk.clone());
        let limiter = limiter.as_ref();
        async move {
            let Ok(request) = request else {
                return (chunk, Sent::Unfit);
            };
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return (chunk, Sent::TooLate);
            }
            let call = async {
                if let Some(limiter) = limiter {
                    limiter.until_ready().await;
                }
                client.execute(&request).await
            };
            let sent = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, call).await {
                    Ok(answer) => Sent::Answered(answer),
                    Err(_) => Sent::CutOff,
                },
                None => Sent::Answered(call.await),
            };
            (chunk, sent)
        }
    }))
    .buffer_unordered(options.concurrency.max(1));
    futures::pin_mut!(calls);
    while let Some((chunk, sent)) = calls.next().await {
        done += chunk.len();
        outcomes.extend(chunk_outcomes::<E>(chunk, sent));
        report_progress(done);
    }

    let mut report = BulkReport {
        duplicates,
        ..BulkReport::default()
    };
    for id in distinct {
        match outcomes.remove(&id) {
            Some(Outcome::Succeeded) => report.succeeded.push(id),
            Some(Outcome::Failed(reason)) => report.failed.push(BulkFailure { id, reason }),
            Some(Outcome::Unknown(reason)) => report.unknown.push(BulkFailure { id, reason }),
            None => report.unknown.push(BulkFailure {
                id,
                reason: "no outcome recorded".to_owned(),
            }),
        }
    }
    report
}
