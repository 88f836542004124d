//! The client: configuration, and one generic function that executes any generated endpoint.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;
use tracing::Instrument;

use crate::auth::{INVALID_TOKEN_CODES, NoToken, TenantTokenProvider, TokenProvider};
use crate::credentials::{AccessToken, AppCredentials};
use crate::documented_error::DocumentedError;
use crate::endpoint::{Endpoint, Envelope, HttpMethod};
use crate::error::{Error, TransportKind};
use crate::http::{LOG_ID_HEADER, ReadError, read_capped, snippet};
use crate::pacing::{Pacers, Pacing};
use crate::partial_failure::{PartialFailure, RecordFailure, failures};
use crate::retry::{RATE_LIMIT_CODE, RATE_LIMIT_RESET_HEADER, Retry, RetryPolicy};

/// Feishu, in mainland China.
pub const FEISHU: &str = "https://open.feishu.cn";
/// Lark, international.
pub const LARK: &str = "https://open.larksuite.com";

/// A client configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL does not parse.
    #[error("base URL {url:?} is not a URL: {reason}")]
    InvalidBaseUrl {
        /// What was given.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// Plain `http://` to a host that is not this machine, without [`ClientBuilder::allow_insecure_http`].
    #[error("base URL {url:?} uses plain http to a host that is not loopback; use https, or allow_insecure_http(true)")]
    InsecureBaseUrl {
        /// What was given.
        url: String,
    },
    /// Neither app credentials nor a token provider.
    #[error("no credentials: give app_credentials(...) or token_provider(...)")]
    NoCredentials,
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

/// Builds a [`Client`].
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<AppCredentials>,
    token_provider: Option<Arc<dyn TokenProvider>>,
    allow_insecure_http: bool,
    connect_timeout: Duration,
    request_timeout: Duration,
    user_agent: String,
    http_client: Option<reqwest::Client>,
    retry: RetryPolicy,
    max_body_bytes: usize,
    token_refresh_margin: Duration,
    pacing: Pacing,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: FEISHU.to_owned(),
            credentials: None,
            token_provider: None,
            allow_insecure_http: false,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            user_agent: concat!("lark-openapi/", env!("CARGO_PKG_VERSION")).to_owned(),
            http_client: None,
            retry: RetryPolicy::default(),
            max_body_bytes: 16 * 1024 * 1024,
            token_refresh_margin: Duration::from_secs(300),
            pacing: Pacing::documented(),
        }
    }
}

impl ClientBuilder {
    /// The platform's address: [`FEISHU`] (the default), [`LARK`], or any URL (a local emulator).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// A self-built app's id and secret: the client fetches and refreshes its tenant access token.
    pub fn app_credentials(mut self, credentials: AppCredentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Another source of access tokens; takes precedence over [`app_credentials`](Self::app_credentials).
    pub fn token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.token_provider = Some(provider);
        self
    }

    /// Allows plain `http://` to hosts that are not loopback. Tokens then cross the network unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// How long to wait for a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, answer included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `lark-openapi/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Your own HTTP client (its pool, proxy, TLS settings). The request timeout still applies per call;
    /// the connect timeout and user agent are then the client's own.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Retry settings (default: 4 attempts, 200 ms doubling to 5 s, 30 s in all).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest answer accepted (default 16 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// How long before expiry a cached tenant token is refreshed (default 5 min).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// How calls are paced under the rate limits (default: each endpoint under its documented limit,
    /// shared by every task that uses this client). See [`Pacing`].
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url = reqwest::Url::parse(&self.base_url).map_err(|error| ConfigError::InvalidBaseUrl {
            url: self.base_url.clone(),
            reason: error.to_string(),
        })?;
        match base_url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_http || is_loopback(&base_url) => {}
            "http" => return Err(ConfigError::InsecureBaseUrl { url: self.base_url }),
            other => {
                return Err(ConfigError::InvalidBaseUrl {
                    url: self.base_url.clone(),
                    reason: format!("scheme {other:?} is not http or https"),
                });
            }
        }
        let http = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                .build()
                .map_err(|error| ConfigError::Http(error.to_string()))?,
        };
        let inner = |tokens: Arc<dyn TokenProvider>, pacing: Pacing| Inner {
            http: http.clone(),
            base_url: base_url.clone(),
            tokens,
            retry: self.retry.clone(),
            request_timeout: self.request_timeout,
            max_body_bytes: self.max_body_bytes,
            pacers: Pacers::new(pacing),
        };
        let tokens: Arc<dyn TokenProvider> = match (self.token_provider, self.credentials) {
            (Some(provider), _) => provider,
            (None, Some(credentials)) => {
                // The token endpoint takes no token: a client of its own calls it.
                let transport = Client {
                    inner: Arc::new(inner(Arc::new(NoToken), self.pacing.clone())),
                };
                TenantTokenProvider::new(transport, credentials, self.token_refresh_margin)
            }
            (None, None) => return Err(ConfigError::NoCredentials),
        };
        Ok(Client {
            inner: Arc::new(inner(tokens, self.pacing)),
        })
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Calls Open Platform endpoints. Cheap to clone; clones share the connection pool and token cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: reqwest::Url,
    tokens: Arc<dyn TokenProvider>,
    retry: RetryPolicy,
    request_timeout: Duration,
    max_body_bytes: usize,
    pacers: Pacers,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("tokens", &self.inner.tokens)
            .field("retry", &self.inner.retry)
            .field("request_timeout", &self.inner.request_timeout)
            .finish_non_exhaustive()
    }
}

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
}

impl<D: PartialFailure> Response<D> {
    /// Every id that failed, with the reason `msg` gives for it.
    pub fn failures(&self) -> Vec<RecordFailure> {
        failures(&self.data, &self.msg)
    }
}

/// The envelope: `code` and `msg`, with the payload kept as raw JSON until `code` says it is one.
#[derive(Deserialize)]
struct RawEnvelope<'a> {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default, borrow)]
    data: Option<&'a serde_json::value::RawValue>,
}

/// One attempt that did not succeed, and what to do next.
struct Failed<E: DocumentedError> {
    error: Error<E>,
    retry: Retry,
    token_rejected: bool,
    /// Whether the platform may have applied this attempt.
    may_have_applied: bool,
}

impl Client {
    /// A builder with the defaults: Feishu, 5 s connect and 30 s request timeouts, 4 attempts.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The token provider, e.g. to count token requests.
    pub fn token_provider(&self) -> &Arc<dyn TokenProvider> {
        &self.inner.tokens
    }

    /// Sends `request`, retrying as the policy allows, and decodes the answer.
    pub async fn execute<E: Endpoint>(&self, request: &E) -> Result<Response<E::Data>, Error<E::Error>> {
        let metadata = E::METADATA;
        let span = tracing::info_span!(
            "lark.call",
            endpoint = metadata.id,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            code = tracing::field::Empty,
            log_id = tracing::field::Empty,
        );
        self.execute_in_span(request).instrument(span).await
    }

    async fn execute_in_span<E: Endpoint>(&self, request: &E) -> Result<Response<E::Data>, Error<E::Error>> {
        let metadata = E::METADATA;
        let endpoint = metadata.id;
        // Bytes, so that each attempt shares the encoded body instead of copying it.
        let body = match metadata.has_body {
            true => Some(bytes::Bytes::from(serde_json::to_vec(request).map_err(|error| {
                Error::Encode {
                    endpoint,
                    message: error.to_string(),
                }
            })?)),
            false => None,
        };
        let url = self.url(&request.path(), &request.query());
        let policy = &self.inner.retry;
        let mut backoff = policy.backoff();
        let mut waited = Duration::ZERO;
        let mut attempts = 0;
        let mut refreshed_token = false;
        let mut may_have_applied = false;
        loop {
            attempts += 1;
            tracing::Span::current().record("attempt", attempts);
            // The token endpoints themselves take no access token.
            let token = match metadata.access_tokens.is_empty() {
                true => None,
                false => Some(
                    self.inner
                        .tokens
                        .access_token()
                        .await
                        .map_err(|source| Error::Auth { endpoint, source })?,
                ),
            };
            self.inner.pacers.wait_turn(metadata).await;
            let failed = match self
                .attempt::<E>(metadata.method, &url, body.clone(), token.as_ref(), attempts)
                .await
            {
                Ok(response) => {
                    return Ok(Response {
                        attempts,
                        earlier_attempt_may_have_applied: may_have_applied,
                        ..response
                    });
                }
                Err(failed) => failed,
            };
            if let Some(token) = token.as_ref().filter(|_| failed.token_rejected && !refreshed_token) {
                // One refresh per call: an expired token is normal, a token rejected twice is not.
                refreshed_token = true;
                tracing::info!("access token rejected; refreshing it and sending again");
                self.inner.tokens.invalidate(token).await;
                continue;
            }
            let delay = match failed.retry {
                Retry::Never => None,
                Retry::Backoff => backoff.next(),
                Retry::After(asked) => asked.or_else(|| backoff.next()),
            };
            let Some(delay) =
                delay.filter(|delay| attempts < policy.max_attempts && waited + *delay <= policy.total_budget)
            else {
                return Err(failed.error);
            };
            may_have_applied |= failed.may_have_applied;
            tracing::warn!(error = %failed.error, ?delay, "attempt failed; retrying");
            tokio::time::sleep(delay).await;
            waited += delay;
        }
    }

    fn url(&self, path: &str, query: &[(&'static str, String)]) -> reqwest::Url {
        let mut url = self.inner.base_url.clone();
        url.set_path(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    async fn attempt<E: Endpoint>(
        &self,
        method: HttpMethod,
        url: &reqwest::Url,
        body: Option<bytes::Bytes>,
        token: Option<&AccessToken>,
        attempts: u32,
    ) -> Result<Response<E::Data>, Failed<E::Error>> {
        let endpoint = E::METADATA.id;
        let method = match method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .inner
            .http
            .request(method, url.clone())
            .timeout(self.inner.request_timeout);
        if let Some(token) = token {
            builder = builder.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
                .body(body);
        }
        let started = Instant::now();
        let response = builder
            .send()
            .await
            .map_err(|error| transport_failure(endpoint, error, attempts))?;
        let http_status = response.status().as_u16();
        let headers = response.headers().clone();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let log_id = header(LOG_ID_HEADER);
        let content_type = header(reqwest::header::CONTENT_TYPE.as_str());
        let span = tracing::Span::current();
        span.record("status", http_status);
        if let Some(log_id) = &log_id {
            span.record("log_id", log_id.as_str());
        }
        let bytes = match read_capped(response, self.inner.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(ReadError::TooLarge) => {
                let limit = self.inner.max_body_bytes;
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
        };
        tracing::debug!(elapsed = ?started.elapsed(), bytes = bytes.len(), "answer received");
        let retry_after = header(RATE_LIMIT_RESET_HEADER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
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
        let head = match serde_json::from_slice::<RawEnvelope<'_>>(&bytes) {
            Ok(head) => head,
            Err(_) if http_status == 429 => return Err(rate_limited(http_status)),
            Err(reason) => {
                let server_fault = http_status >= 500;
                let error = Error::Decode {
                    endpoint,
                    http_status,
                    content_type,
                    snippet: snippet(&bytes),
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
                message: head.msg,
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
            Envelope::Data => serde_json::from_str::<E::Data>(head.data.map_or("{}", |raw| raw.get())),
            Envelope::Flat => serde_json::from_slice::<E::Data>(&bytes),
        };
        match data {
            Ok(data) => Ok(Response {
                data,
                msg: head.msg,
                log_id,
                attempts,
                earlier_attempt_may_have_applied: false,
            }),
            Err(reason) => Err(Failed {
                error: Error::Decode {
                    endpoint,
                    http_status,
                    content_type,
                    snippet: snippet(&bytes),
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
