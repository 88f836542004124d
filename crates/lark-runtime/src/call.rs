//! One call, attempt by attempt: the token, the endpoint's turn under its rate limit, the request (JSON
//! or multipart), and the answer read as the platform's JSON envelope or as a file's bytes; retries as
//! [`retry`](crate::retry) says.

use std::any::Any;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use reqwest::header::HeaderName;
use tokio::time::Instant;
use tracing::Instrument;

use crate::answer::{Answer, judge};
use crate::credentials::AccessToken;
use crate::documented_error::{DocumentedError, ErasedError};
use crate::endpoint::{Endpoint, EndpointMetadata, HttpMethod, RequestBody, ResponseKind};
use crate::error::{Error, TransportKind};
use crate::files::{Download, UploadFile};
use crate::http::{BodyLimits, LOG_ID_HEADER, ReadError, read_capped};
use crate::partial_failure::{Accounting, PartialFailure, RecordFailure, failures};
use crate::retry::{RATE_LIMIT_RESET_HEADER, Retry};
use crate::timeouts::TimeLimit;
use crate::token_provider::TokenProvider;
use crate::transport::Transport;

/// A successful call: the typed data and what the platform said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<D> {
    /// The payload.
    pub data: D,
    /// The envelope's `msg`; batch endpoints put per-id failure reasons here.
    pub msg: String,
    /// The `X-Tt-Logid` of the answer.
    pub log_id: Option<String>,
    /// How many times the request was sent.
    pub attempts: u32,
    /// Whether an earlier attempt's answer was lost in a way that means the platform may have applied
    /// it already (see [`retry`](crate::retry)).
    pub earlier_attempt_may_have_applied: bool,
    /// For a batch of ids: the sent ids the answer gives no outcome for, and the ids it reports that
    /// were never sent. `None` for other endpoints.
    pub accounting: Option<Accounting>,
}

impl<D: PartialFailure> Response<D> {
    /// Every id that failed, with the reason `msg` gives for it.
    pub fn failures(&self) -> Vec<RecordFailure> {
        failures(&self.data, &self.msg)
    }
}

/// One attempt that did not succeed, and what to do next.
pub(crate) struct Failed<E: DocumentedError> {
    pub(crate) error: Error<E>,
    pub(crate) retry: Retry,
    pub(crate) token_rejected: bool,
    /// Whether the platform may have applied this attempt.
    pub(crate) may_have_applied: bool,
}

/// How far off the deadline of a call without one is: a century.
const NO_DEADLINE: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// What one attempt sends besides its token.
struct Outgoing<'r> {
    method: reqwest::Method,
    url: reqwest::Url,
    /// The JSON body, encoded once and shared by every attempt.
    json: Option<bytes::Bytes>,
    files: Vec<(&'static str, &'r UploadFile)>,
    /// The other fields of a multipart body, as text parts (strings as they are, other values as JSON).
    text_parts: Vec<(String, String)>,
}

/// An attempt's error before the endpoint's own error type is put back: its code and facts. The attempt
/// loop works with it, so that one copy of the loop serves every endpoint.
pub(crate) type Untyped = ErasedError;

/// One endpoint's reading of an answer's headers and bytes, with its types erased: the typed response,
/// boxed, or the failure.
type Judge<'a> = dyn Fn(Answer, &[u8]) -> Result<Box<dyn Any + Send>, Failed<Untyped>> + Sync + 'a;

/// What a successful answer is: the endpoint's JSON, or a file (whose JSON answers are errors).
#[derive(Clone, Copy)]
enum Reading<'a> {
    Json(&'a Judge<'a>),
    File(&'a Judge<'a>),
}

/// Whom a call is made for: where its token comes from (none for the token endpoints) and the tenant
/// it is for (store apps).
#[derive(Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub(crate) tokens: Option<&'a dyn TokenProvider>,
    pub(crate) tenant_key: Option<&'a str>,
}

impl Caller<'_> {
    /// No token and no tenant: a call to a token endpoint.
    pub(crate) const ANONYMOUS: Caller<'static> = Caller {
        tokens: None,
        tenant_key: None,
    };
}

impl Transport {
    /// Sends `request` for `caller`, retrying as the policy allows, and decodes the answer.
    pub(crate) async fn execute_as<E: Endpoint>(
        &self,
        request: &E,
        caller: Caller<'_>,
    ) -> Result<Response<E::Data>, Error<E::Error>> {
        self.execute_untyped(request, caller).await.map_err(typed)
    }

    /// [`execute_as`](Self::execute_as) with the error's type erased to its code and facts.
    pub(crate) async fn execute_untyped<E: Endpoint>(
        &self,
        request: &E,
        caller: Caller<'_>,
    ) -> Result<Response<E::Data>, Error<Untyped>> {
        let (mut response, attempts, may_have_applied): (Response<E::Data>, _, _) = self
            .call(request, caller, ResponseKind::Json, |response: Response<E::Data>| {
                response
            })
            .await?;
        response.attempts = attempts;
        response.earlier_attempt_may_have_applied = may_have_applied;
        response.accounting = request.account(&response.data);
        if let Some(accounting) = response.accounting.as_ref().filter(|a| !a.is_complete()) {
            tracing::warn!(?accounting, "the answer does not account for every id the call sent");
        }
        Ok(response)
    }

    /// Sends `request` for `caller` to an endpoint whose answer is a file (see [`Client::download`](crate::Client::download)).
    pub(crate) async fn download_as<E: Endpoint>(
        &self,
        request: &E,
        caller: Caller<'_>,
    ) -> Result<Download, Error<E::Error>> {
        self.download_untyped(request, caller).await.map_err(typed)
    }

    /// [`download_as`](Self::download_as) with the error's type erased to its code and facts.
    pub(crate) async fn download_untyped<E: Endpoint>(
        &self,
        request: &E,
        caller: Caller<'_>,
    ) -> Result<Download, Error<Untyped>> {
        // A JSON answer with code 0 is kept as its `msg`, for the error that says a file was expected.
        let (mut download, attempts, _): (Download, _, _) = self
            .call(request, caller, ResponseKind::Binary, |response: Response<E::Data>| {
                response.msg
            })
            .await?;
        download.attempts = attempts;
        Ok(download)
    }

    /// The typed ends of a call around the shared attempt loop: the request encoded, each answer judged
    /// by `E` (a success handing the loop what `keep` takes of it) and the loop's value unboxed as `T`:
    /// the typed response for `expect` JSON, the [`Download`] for a file.
    async fn call<E: Endpoint, K: Send + 'static, T: 'static>(
        &self,
        request: &E,
        caller: Caller<'_>,
        expect: ResponseKind,
        keep: fn(Response<E::Data>) -> K,
    ) -> Result<(T, u32, bool), Error<Untyped>> {
        // A failure is the rare path and is moved once (see `judge`).
        #[allow(clippy::result_large_err)]
        let judge = move |answer: Answer, bytes: &[u8]| {
            judge::<E>(answer, bytes).map(|response| Box::new(keep(response)) as Box<dyn Any + Send>)
        };
        let reading = match expect {
            ResponseKind::Json => Reading::Json(&judge),
            ResponseKind::Binary => Reading::File(&judge),
        };
        let outgoing = self.outgoing(request)?;
        let (finished, attempts, may_have_applied) = self.run(E::METADATA, caller, outgoing, reading).await?;
        Ok((unbox(finished), attempts, may_have_applied))
    }

    /// The attempt loop shared by every call, under the operation deadline, in the call's span.
    async fn run(
        &self,
        metadata: &'static EndpointMetadata,
        caller: Caller<'_>,
        outgoing: Outgoing<'_>,
        reading: Reading<'_>,
    ) -> Result<(Box<dyn Any + Send>, u32, bool), Error<Untyped>> {
        // A limit too large for the clock (`Duration::MAX`) is no deadline in practice.
        let started = Instant::now();
        let deadline = started
            .checked_add(self.timeouts().operation)
            .unwrap_or_else(|| started + NO_DEADLINE);
        // Boxed: the attempt loop's state is large, and the futures around it are moved before they run.
        Box::pin(self.attempts(metadata, caller, &outgoing, reading, deadline))
            .instrument(call_span(metadata.id))
            .await
    }

    /// Each step waits at most until the operation deadline (the token and the rate limit's turn) or the
    /// attempt's own limit, whichever comes first: one timer at a time, none for a step that is ready.
    async fn attempts(
        &self,
        metadata: &'static EndpointMetadata,
        caller: Caller<'_>,
        outgoing: &Outgoing<'_>,
        reading: Reading<'_>,
        deadline: Instant,
    ) -> Result<(Box<dyn Any + Send>, u32, bool), Error<Untyped>> {
        let endpoint = metadata.id;
        let tokens = caller.tokens;
        let policy = self.retry_policy();
        let mut backoff = policy.backoff();
        let mut waited = Duration::ZERO;
        let mut refreshed_token = false;
        let mut attempts = 0;
        // A failed attempt may have been applied.
        let mut applied = false;
        let out_of_time = |attempts, may_have_applied| Error::Timeout {
            endpoint,
            limit: TimeLimit::Operation(self.timeouts().operation),
            attempts,
            may_have_applied,
        };
        loop {
            attempts += 1;
            current_span().record("attempt", attempts);
            let token = match tokens {
                None => None,
                Some(tokens) => Some(
                    before(deadline, tokens.access_token(caller.tenant_key))
                        .await
                        .map_err(|_| out_of_time(attempts, applied))?
                        .map_err(|source| Error::Auth { endpoint, source })?,
                ),
            };
            before(deadline, self.pacers().wait_turn(metadata))
                .await
                .map_err(|_| out_of_time(attempts, applied))?;
            let attempt_timeout = self
                .timeouts()
                .attempt
                .min(deadline.saturating_duration_since(Instant::now()));
            let attempt = async {
                let answer = self
                    .send(metadata, outgoing, token.as_ref(), attempts, attempt_timeout)
                    .await?;
                let limits = self.body_limits();
                match reading {
                    Reading::Json(judge) => {
                        let (answer, bytes) = read_answer(endpoint, answer, attempts, limits).await?;
                        judge(answer, &bytes)
                    }
                    Reading::File(judge) => open_download(endpoint, answer, attempts, limits, judge).await,
                }
            };
            let answered = match tokio::time::timeout(attempt_timeout, attempt).await {
                Ok(answered) => answered,
                Err(_) => Err(attempt_timed_out(endpoint, attempt_timeout, attempts)),
            };
            let failed = match answered {
                Ok(value) => return Ok((value, attempts, applied)),
                Err(failed) => failed,
            };
            let refreshable = tokens.filter(|tokens| failed.token_rejected && !refreshed_token && tokens.can_refresh());
            if let (Some(tokens), Some(token)) = (refreshable, token.as_ref()) {
                // One refresh per call: an expired token is normal, a token rejected twice is not.
                refreshed_token = true;
                tracing::info!("access token rejected; refreshing it and sending again");
                before(deadline, tokens.invalidate(caller.tenant_key, token))
                    .await
                    .map_err(|_| out_of_time(attempts, applied))?;
                continue;
            }
            let delay = match failed.retry {
                Retry::Never => None,
                Retry::Backoff => backoff.next(),
                Retry::After(asked) => asked.or_else(|| backoff.next()),
            };
            // No retry starts that the operation deadline would cut off before it is sent.
            // A delay the platform asks for can be any number of seconds: sums are checked, never overflowed.
            let fits = |delay: &Duration| {
                attempts < policy.max_attempts
                    && waited
                        .checked_add(*delay)
                        .is_some_and(|total| total <= policy.total_budget)
                    && Instant::now().checked_add(*delay).is_some_and(|at| at < deadline)
            };
            let Some(delay) = delay.filter(fits) else {
                // An attempt cut short by the operation deadline ran out of the operation's time.
                let limit = match attempt_timeout < self.timeouts().attempt {
                    true => TimeLimit::Operation(self.timeouts().operation),
                    false => TimeLimit::Attempt(attempt_timeout),
                };
                return Err(name_the_limit(failed.error, limit));
            };
            applied |= failed.may_have_applied;
            tracing::warn!(error = %failed.error, ?delay, "attempt failed; retrying");
            tokio::time::sleep(delay).await;
            waited += delay;
        }
    }

    /// What every attempt of `request` sends: the only step of a call, besides judging the answer, that
    /// knows the request's type.
    fn outgoing<'r, E: Endpoint>(&self, request: &'r E) -> Result<Outgoing<'r>, Error<Untyped>> {
        let metadata = E::METADATA;
        let encoded = || {
            serde_json::to_vec(request).map_err(|error| Error::Encode {
                endpoint: metadata.id,
                message: error.to_string(),
            })
        };
        let (json, text_parts) = match metadata.request_body {
            RequestBody::Json => (Some(bytes::Bytes::from(encoded()?)), Vec::new()),
            RequestBody::Multipart => (None, text_parts(&encoded()?)),
            RequestBody::None => (None, Vec::new()),
        };
        Ok(Outgoing {
            method: reqwest_method(metadata.method),
            url: self.url(request),
            json,
            files: request.files(),
            text_parts,
        })
    }

    fn url<E: Endpoint>(&self, request: &E) -> reqwest::Url {
        let mut parameters = crate::wire::Parameters::default();
        request.parameters(&mut parameters);
        let mut url = self.base_url().clone();
        url.set_path(&parameters.fill(E::METADATA.path_template));
        let query = parameters.into_query();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// One attempt up to the answer's headers.
    async fn send(
        &self,
        metadata: &'static EndpointMetadata,
        outgoing: &Outgoing<'_>,
        token: Option<&AccessToken>,
        attempts: u32,
        timeout: Duration,
    ) -> Result<reqwest::Response, Failed<Untyped>> {
        let endpoint = metadata.id;
        let mut builder = self.http().request(outgoing.method.clone(), outgoing.url.clone());
        // The attempt loop bounds sending and reading a JSON answer; a file's bytes are read after the
        // call returns, so reqwest bounds them.
        if metadata.response_kind == ResponseKind::Binary {
            builder = builder.timeout(timeout);
        }
        if let Some(token) = token {
            builder = match token.authorization() {
                Some(header) => builder.header(reqwest::header::AUTHORIZATION, header.clone()),
                None => builder.bearer_auth(token.expose_secret()),
            };
        }
        if let Some(body) = &outgoing.json {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
                .body(body.clone());
        }
        if !outgoing.files.is_empty() {
            let mut form = reqwest::multipart::Form::new();
            for (name, text) in &outgoing.text_parts {
                form = form.text(name.clone(), text.clone());
            }
            for (name, file) in &outgoing.files {
                let part = file
                    .part()
                    .map_err(|error| transport_failure(endpoint, error, attempts))?;
                form = form.part(*name, part);
            }
            builder = builder.multipart(form);
        }
        builder
            .send()
            .await
            .map_err(|error| transport_failure(endpoint, error, attempts))
    }
}

/// The call's own error type back on an erased failure: its code decides the variant.
pub(crate) fn typed<E: DocumentedError>(error: Error<Untyped>) -> Error<E> {
    error.map_api(|erased| E::from_code(erased.code()))
}

/// The value the attempt loop boxed: the loop's readings box exactly the type their call unboxes.
fn unbox<T: 'static>(finished: Box<dyn Any + Send>) -> T {
    match finished.downcast::<T>() {
        Ok(value) => *value,
        Err(_) => unreachable!("each reading boxes the type its call unboxes"),
    }
}

fn reqwest_method(method: HttpMethod) -> reqwest::Method {
    match method {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Put => reqwest::Method::PUT,
        HttpMethod::Patch => reqwest::Method::PATCH,
        HttpMethod::Delete => reqwest::Method::DELETE,
    }
}

/// `future`'s output, unless `deadline` comes first. A future that is ready at once (a cached token, a
/// free turn) needs no timer.
async fn before<F: Future>(deadline: Instant, future: F) -> Result<F::Output, tokio::time::error::Elapsed> {
    let mut future = pin!(future);
    if let Poll::Ready(output) = futures::poll!(future.as_mut()) {
        return Ok(output);
    }
    tokio::time::timeout_at(deadline, future).await
}

/// An attempt that did not finish within its timeout: a transport timeout, retried like one.
fn attempt_timed_out<E: DocumentedError>(endpoint: &'static str, timeout: Duration, attempts: u32) -> Failed<E> {
    Failed {
        error: Error::Transport {
            endpoint,
            kind: TransportKind::Timeout,
            message: format!("no whole answer within {timeout:?}"),
            attempts,
        },
        retry: Retry::Backoff,
        token_rejected: false,
        may_have_applied: true,
    }
}

/// A last attempt that timed out says which limit it was, not a bare transport error.
fn name_the_limit<E: DocumentedError>(error: Error<E>, limit: TimeLimit) -> Error<E> {
    match error {
        Error::Transport {
            endpoint,
            kind: TransportKind::Timeout,
            attempts,
            ..
        } => Error::Timeout {
            endpoint,
            limit,
            attempts,
            may_have_applied: true,
        },
        other => other,
    }
}

/// The call's span to record fields on; a disabled one, without the thread-local lookup, when nothing
/// listens at its level.
pub(crate) fn current_span() -> tracing::Span {
    match tracing::enabled!(tracing::Level::INFO) {
        true => tracing::Span::current(),
        false => tracing::Span::none(),
    }
}

fn call_span(endpoint: &'static str) -> tracing::Span {
    tracing::info_span!(
        "lark.call",
        endpoint,
        attempt = tracing::field::Empty,
        status = tracing::field::Empty,
        code = tracing::field::Empty,
        log_id = tracing::field::Empty,
    )
}

/// A file's bytes on success; anything else is read as the platform's JSON answer, which for a download
/// can only be an error: `judge` gives it, or the `msg` of a code 0 where the file belongs.
async fn open_download(
    endpoint: &'static str,
    response: reqwest::Response,
    attempts: u32,
    limits: BodyLimits,
    judge: &Judge<'_>,
) -> Result<Box<dyn Any + Send>, Failed<Untyped>> {
    let is_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if response.status().is_success() && !is_json {
        let log_id = header(&response, &LOG_ID);
        current_span().record("status", response.status().as_u16());
        return Ok(Box::new(Download::new(response, endpoint, log_id)));
    }
    let http_status = response.status().as_u16();
    let (answer, bytes) = read_answer(endpoint, response, attempts, limits).await?;
    let log_id = answer.log_id.clone();
    let msg: String = unbox(judge(answer, &bytes)?);
    // Code 0 in JSON where a file belongs: the answer is not what the page documents.
    Err(Failed {
        error: Error::Decode {
            endpoint,
            http_status,
            content_type: Some("application/json".to_owned()),
            snippet: String::new(),
            reason: format!("expected the file's bytes, got a JSON answer with code 0 ({msg})"),
            log_id,
            attempts,
        },
        retry: Retry::Never,
        token_rejected: false,
        may_have_applied: true,
    })
}

fn header(response: &reqwest::Response, name: &HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The headers an answer is judged by, named once rather than parsed from text on every call.
const LOG_ID: HeaderName = HeaderName::from_static(LOG_ID_HEADER);
const RATE_LIMIT_RESET: HeaderName = HeaderName::from_static(RATE_LIMIT_RESET_HEADER);

/// Reads an answer's headers and body (within the size and rate limits), for an endpoint to judge.
async fn read_answer(
    endpoint: &'static str,
    response: reqwest::Response,
    attempts: u32,
    limits: BodyLimits,
) -> Result<(Answer, bytes::Bytes), Failed<Untyped>> {
    let started = Instant::now();
    let http_status = response.status().as_u16();
    // Only the headers an answer is judged by, read before the body consumes the response.
    let log_id = header(&response, &LOG_ID);
    let content_type = response.headers().get(reqwest::header::CONTENT_TYPE).cloned();
    let retry_after = response
        .headers()
        .get(RATE_LIMIT_RESET)
        .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let span = current_span();
    span.record("status", http_status);
    if let Some(log_id) = &log_id {
        span.record("log_id", log_id.as_str());
    }
    let bytes = match read_capped(response, limits).await {
        Ok(bytes) => bytes,
        Err(ReadError::TooLarge) => {
            let limit = limits.max_bytes;
            let error = Error::BodyTooLarge {
                endpoint,
                limit,
                log_id,
            };
            return Err(Failed {
                error,
                retry: Retry::Never,
                token_rejected: false,
                may_have_applied: true,
            });
        }
        Err(ReadError::Transport(error)) => return Err(transport_failure(endpoint, error, attempts)),
        Err(ReadError::TooSlow) => {
            let error = Error::Timeout {
                endpoint,
                limit: TimeLimit::SlowBody {
                    min_bytes_per_second: limits.min_bytes_per_second,
                },
                attempts,
                may_have_applied: true,
            };
            return Err(Failed {
                error,
                retry: Retry::Backoff,
                token_rejected: false,
                may_have_applied: true,
            });
        }
    };
    tracing::debug!(elapsed = ?started.elapsed(), bytes = bytes.len(), "answer received");
    let answer = Answer {
        http_status,
        content_type,
        log_id,
        retry_after,
        attempts,
    };
    Ok((answer, bytes))
}

fn transport_failure<E: DocumentedError>(endpoint: &'static str, error: reqwest::Error, attempts: u32) -> Failed<E> {
    let error = error.without_url();
    let kind = if error.is_connect() {
        TransportKind::Connect
    } else if error.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::Other
    };
    let retry = if error.is_builder() {
        Retry::Never
    } else {
        Retry::Backoff
    };
    let message = error_chain(&error);
    Failed {
        error: Error::Transport {
            endpoint,
            kind,
            message,
            attempts,
        },
        retry,
        token_rejected: false,
        may_have_applied: kind != TransportKind::Connect,
    }
}

/// The error and its causes on one line, without the URL.
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The fields of a multipart request beside its files (which serialize to nothing), as text parts, from
/// the request's JSON (one encoding of each request type serves both kinds of body).
fn text_parts(json: &[u8]) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(json) else {
        return Vec::new();
    };
    fields
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => (name, text),
            other => (name, other.to_string()),
        })
        .collect()
}
