//! Judging an answer's bytes: the platform's envelope, its code, the typed data or the endpoint's typed
//! error, and what the call should do next. Pure, so that it can be fuzzed and reused.

use std::time::Duration;

use serde::Deserialize;

use crate::call::{Failed, Response};
use crate::documented_error::DocumentedError;
use crate::endpoint::{Endpoint, Envelope};
use crate::error::Error;
use crate::http::snippet;
use crate::retry::{RATE_LIMIT_CODE, Retry};
use crate::token_provider::INVALID_TOKEN_CODES;

/// The envelope: `code`, `msg` and the payload as `D`: typed in one pass for the common success, or kept
/// as raw JSON (`&RawValue`) until `code` says what it is.
#[derive(Deserialize)]
struct WireEnvelope<D> {
    code: i64,
    #[serde(default)]
    msg: String,
    /// The OAuth token endpoint's words for a failure, where others have `msg`.
    #[serde(default)]
    error_description: Option<String>,
    data: Option<D>,
}

impl<D> WireEnvelope<D> {
    /// `msg`, or the OAuth endpoint's `error_description` when there is no `msg`.
    fn message(&mut self) -> String {
        match self.error_description.take() {
            Some(description) if self.msg.is_empty() => description,
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
    let answer = Answer {
        http_status,
        content_type: None,
        log_id: None,
        retry_after: None,
        attempts: 1,
    };
    judge::<E>(answer, body).map_err(|failed| failed.error)
}

/// The answer's meaning, and what to do next when it is a failure.
// A failure is the rare path and is moved once; boxing it would cost every failed attempt an allocation.
#[allow(clippy::result_large_err)]
pub(crate) fn judge<E: Endpoint>(answer: Answer, bytes: &[u8]) -> Result<Response<E::Data>, Failed<E::Error>> {
    let Answer {
        http_status,
        content_type,
        log_id,
        retry_after,
        attempts,
    } = answer;
    if let Some((data, msg)) = read_success::<E>(http_status, bytes) {
        return Ok(Response {
            data,
            msg,
            log_id,
            attempts,
            earlier_attempt_may_have_applied: false,
            accounting: None,
        });
    }
    let endpoint = E::METADATA.id;
    let content_type = content_type.and_then(|value| value.to_str().ok().map(str::to_owned));
    let span = crate::call::current_span();
    let rate_limited = |http_status| Failed {
        error: Error::RateLimited {
            endpoint,
            http_status,
            retry_after,
            log_id: log_id.clone(),
            attempts,
        },
        retry: Retry::After(retry_after),
        token_rejected: false,
        may_have_applied: false,
    };
    let mut head = match serde_json::from_slice::<WireEnvelope<&serde_json::value::RawValue>>(bytes) {
        Ok(head) => head,
        Err(_) if http_status == 429 => return Err(rate_limited(http_status)),
        Err(reason) => {
            let server_fault = http_status >= 500;
            let error = Error::Decode {
                endpoint,
                http_status,
                content_type,
                snippet: snippet(bytes),
                reason: reason.to_string(),
                log_id,
                attempts,
            };
            let retry = if server_fault { Retry::Backoff } else { Retry::Never };
            return Err(Failed {
                error,
                retry,
                token_rejected: false,
                may_have_applied: server_fault,
            });
        }
    };
    span.record("code", head.code);
    if http_status == 429 || head.code == RATE_LIMIT_CODE {
        return Err(rate_limited(http_status));
    }
    if head.code != 0 {
        let error = <E::Error as DocumentedError>::from_code(head.code);
        let retryable = error.is_retryable();
        let error = Error::Api {
            endpoint,
            error,
            http_status,
            message: head.message(),
            log_id,
            attempts,
        };
        return Err(Failed {
            error,
            retry: if retryable { Retry::Backoff } else { Retry::Never },
            token_rejected: INVALID_TOKEN_CODES.contains(&head.code),
            may_have_applied: retryable,
        });
    }
    // A successful answer without `data` is read as an empty object, so required fields still fail.
    let data = match E::METADATA.envelope {
        // From bytes, as everywhere: one deserializer type, so each data type's decoder is compiled once.
        Envelope::Data => crate::lenient::from_slice::<E::Data>(head.data.map_or("{}", |raw| raw.get()).as_bytes()),
        Envelope::Flat => crate::lenient::from_slice::<E::Data>(bytes),
    };
    match data {
        Ok(data) => Ok(Response {
            data,
            msg: head.msg,
            log_id,
            attempts,
            earlier_attempt_may_have_applied: false,
            accounting: None,
        }),
        Err(reason) => Err(Failed {
            error: Error::Decode {
                endpoint,
                http_status,
                content_type,
                snippet: snippet(bytes),
                reason: reason.to_string(),
                log_id,
                attempts,
            },
            retry: Retry::Never,
            token_rejected: false,
            may_have_applied: true,
        }),
    }
}

/// The common case in one pass: code 0 and its `data` typed, with `msg`. Anything else (no `data`,
/// another code, a payload that does not fit, a flat envelope) is `None`, and [`judge`] reads the answer
/// step by step to say what it is.
fn read_success<E: Endpoint>(http_status: u16, bytes: &[u8]) -> Option<(E::Data, String)> {
    if http_status == 429 || E::METADATA.envelope != Envelope::Data {
        return None;
    }
    let envelope = crate::lenient::from_slice::<WireEnvelope<E::Data>>(bytes).ok()?;
    if envelope.code != 0 {
        return None;
    }
    crate::call::current_span().record("code", envelope.code);
    Some((envelope.data?, envelope.msg))
}
