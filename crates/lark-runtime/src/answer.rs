//! Judging an answer's bytes: the platform's envelope, its code, the typed data or the endpoint's typed
//! error, and what the call should do next. Pure, so that it can be fuzzed and reused.

use std::time::Duration;

use serde::Deserialize;

use crate::call::{Failed, Response, Untyped};
use crate::documented_error::DocumentedError;
use crate::endpoint::{Endpoint, Envelope};
use crate::error::Error;
use crate::http::snippet;
use crate::retry::{RATE_LIMIT_CODE, Retry};
use crate::token_provider::INVALID_TOKEN_CODES;

/// The envelope: `code`, `msg` and the payload kept as raw JSON (`&RawValue`) until `code` says what it
/// is. Read the same way for every endpoint: only the payload's own type is decoded per endpoint.
#[derive(Deserialize)]
struct WireEnvelope<'a> {
    code: i64,
    #[serde(default)]
    msg: String,
    /// The OAuth token endpoint's words for a failure, where others have `msg`.
    #[serde(default)]
    error_description: Option<String>,
    /// hire's attachment upload answers with `message` where others have `msg`.
    #[serde(default)]
    message: Option<String>,
    #[serde(borrow)]
    data: Option<&'a serde_json::value::RawValue>,
}

impl WireEnvelope<'_> {
    /// `msg`, or when there is no `msg` the OAuth endpoint's `error_description` or a `message`.
    fn message(&mut self) -> String {
        match self.error_description.take().or_else(|| self.message.take()) {
            Some(words) if self.msg.is_empty() => words,
            _ => std::mem::take(&mut self.msg),
        }
    }
}

/// What is known of an answer besides its body.
pub(crate) struct Answer {
    pub http_status: u16,
    /// Quoted only when the answer is not understood.
    pub content_type: Option<reqwest::header::HeaderValue>,
    pub log_id: Option<String>,
    /// `x-ogw-ratelimit-reset`, when the platform sent it.
    pub retry_after: Option<Duration>,
    pub attempts: u32,
}

/// Reads an answer of endpoint `E` with this status and body as the client does: the typed data on
/// success, otherwise the error the call would end with. Never panics, whatever the bytes.
pub fn decode_answer<E: Endpoint>(http_status: u16, body: &[u8]) -> Result<Response<E::Data>, Error<E::Error>> {
    judge::<E>(Answer::bare(http_status), body).map_err(|failed| crate::call::typed(failed.error))
}

impl Answer {
    /// An answer known by its status only: one attempt, no headers.
    pub(crate) fn bare(http_status: u16) -> Self {
        Self {
            http_status,
            content_type: None,
            log_id: None,
            retry_after: None,
            attempts: 1,
        }
    }
}

/// The answer's meaning, and what to do next when it is a failure. Generic only where the payload's
/// type is decoded: the envelope and every failure are read by [`read_envelope`], once for all endpoints.
// A failure is the rare path and is moved once; boxing it would cost every failed attempt an allocation.
#[allow(clippy::result_large_err)]
pub(crate) fn judge<E: Endpoint>(answer: Answer, bytes: &[u8]) -> Result<Response<E::Data>, Failed<Untyped>> {
    let metadata = E::METADATA;
    let success = read_envelope(answer, bytes, metadata.id, erased_code::<E::Error>)?;
    // A successful answer without `data` is read as an empty object, so required fields still fail.
    let payload = match metadata.envelope {
        Envelope::Data => success.data.map_or("{}", |raw| raw.get()).as_bytes(),
        Envelope::Flat => bytes,
    };
    // From bytes, as everywhere: one deserializer type, so each data type's decoder is compiled once.
    match crate::lenient::from_slice::<E::Data>(payload) {
        Ok(data) => Ok(Response {
            data,
            msg: success.msg,
            log_id: success.answer.log_id,
            attempts: success.answer.attempts,
            earlier_attempt_may_have_applied: false,
            accounting: None,
        }),
        Err(reason) => Err(success.undecodable(metadata.id, bytes, &reason)),
    }
}

/// Code `code` as endpoint error `E` gives it: its page's facts, without its type.
fn erased_code<E: DocumentedError>(code: i64) -> Untyped {
    Untyped::of(&E::from_code(code))
}

/// An answer with code 0: its `msg` and raw payload, with what is known of the answer.
struct Success<'a> {
    answer: Answer,
    msg: String,
    data: Option<&'a serde_json::value::RawValue>,
}

impl Success<'_> {
    /// The failure of a successful answer whose payload does not fit the endpoint's type: it was
    /// applied, and sending it again cannot help.
    fn undecodable(self, endpoint: &'static str, bytes: &[u8], reason: &serde_json::Error) -> Failed<Untyped> {
        undecodable(self.answer, bytes, endpoint, reason, (Retry::Never, true))
    }
}

/// The envelope of any endpoint's answer: a success with its raw payload, or the failure and what the
/// call should do next. `error_of` gives a code's documented facts for the endpoint.
#[allow(clippy::result_large_err)]
fn read_envelope<'a>(
    answer: Answer,
    bytes: &'a [u8],
    endpoint: &'static str,
    error_of: fn(i64) -> Untyped,
) -> Result<Success<'a>, Failed<Untyped>> {
    let http_status = answer.http_status;
    let rate_limited = |answer: Answer| Failed {
        error: Error::RateLimited {
            endpoint,
            http_status: answer.http_status,
            retry_after: answer.retry_after,
            log_id: answer.log_id,
            attempts: answer.attempts,
        },
        retry: Retry::After(answer.retry_after),
        token_rejected: false,
        may_have_applied: false,
    };
    let mut head = match serde_json::from_slice::<WireEnvelope>(bytes) {
        Ok(head) => head,
        Err(_) if http_status == 429 => return Err(rate_limited(answer)),
        Err(reason) => {
            // Not the envelope: a server's fault is retried (and may have been applied), anything else not.
            let server_fault = http_status >= 500;
            let next = (if server_fault { Retry::Backoff } else { Retry::Never }, server_fault);
            return Err(undecodable(answer, bytes, endpoint, &reason, next));
        }
    };
    crate::call::current_span().record("code", head.code);
    if http_status == 429 || head.code == RATE_LIMIT_CODE {
        return Err(rate_limited(answer));
    }
    if head.code == 0 {
        let msg = std::mem::take(&mut head.msg);
        return Ok(Success {
            answer,
            msg,
            data: head.data,
        });
    }
    let error = error_of(head.code);
    let retryable = error.is_retryable();
    Err(Failed {
        error: Error::Api {
            endpoint,
            error,
            http_status,
            message: head.message(),
            log_id: answer.log_id,
            attempts: answer.attempts,
        },
        retry: if retryable { Retry::Backoff } else { Retry::Never },
        token_rejected: INVALID_TOKEN_CODES.contains(&head.code),
        may_have_applied: retryable,
    })
}

/// The failure of an answer whose bytes cannot be read as expected, with what the call does next.
fn undecodable(
    answer: Answer,
    bytes: &[u8],
    endpoint: &'static str,
    reason: &serde_json::Error,
    (retry, may_have_applied): (Retry, bool),
) -> Failed<Untyped> {
    Failed {
        error: Error::Decode {
            endpoint,
            http_status: answer.http_status,
            content_type: answer
                .content_type
                .and_then(|value| value.to_str().ok().map(str::to_owned)),
            snippet: snippet(bytes),
            reason: reason.to_string(),
            log_id: answer.log_id,
            attempts: answer.attempts,
        },
        retry,
        token_rejected: false,
        may_have_applied,
    }
}
