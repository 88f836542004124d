//! Where access tokens come from: the [`TokenProvider`] trait, a static token, and the tenant access
//! token of a self-built app, cached and refreshed before it expires.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::credentials::{AccessToken, AppCredentials};
use crate::http::{LOG_ID_HEADER, read_capped, snippet};

/// The platform's codes for an access token that is invalid or has expired: the runtime refreshes the
/// token once and sends the call again.
pub const INVALID_TOKEN_CODES: [i64; 4] = [99991663, 99991664, 99991668, 99991677];

/// Path of the tenant access token endpoint for self-built apps.
pub const TENANT_TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";

/// Supplies the access token for each call. Implement it for other flows (a store app's tenant key, a
/// user token); the runtime ships [`StaticToken`] and [`TenantTokenProvider`].
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token valid for the next call.
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>>;
    /// The platform rejected `token` as invalid or expired: forget it if it is still the current one.
    fn invalidate<'a>(&'a self, token: &'a AccessToken) -> BoxFuture<'a, ()>;
}

/// A token that the caller manages.
#[derive(Debug, Clone)]
pub struct StaticToken(pub AccessToken);

impl TokenProvider for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
    fn invalidate<'a>(&'a self, _: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint answered with a non-zero code (wrong app id or secret, app disabled, ...).
    #[error("the token endpoint refused app {app_id}: {msg} (code {code}){}", log_suffix(log_id))]
    Rejected {
        /// The app whose credentials were refused.
        app_id: String,
        /// The platform's code.
        code: i64,
        /// The platform's message.
        msg: String,
        /// The `X-Tt-Logid` of the response.
        log_id: Option<String>,
    },
    /// The token endpoint could not be reached or did not answer in time.
    #[error("cannot reach the token endpoint: {0}")]
    Transport(String),
    /// The token endpoint's answer was not the expected JSON.
    #[error(
        "the token endpoint answered HTTP {http_status} with a body that is not a token response: {snippet:?}{}",
        log_suffix(log_id)
    )]
    Decode {
        /// HTTP status.
        http_status: u16,
        /// The start of the body.
        snippet: String,
        /// The `X-Tt-Logid` of the response.
        log_id: Option<String>,
    },
}

pub(crate) fn log_suffix(log_id: &Option<String>) -> String {
    log_id.as_ref().map(|id| format!(" [log id {id}]")).unwrap_or_default()
}

/// The tenant access token of a self-built app, from `POST /open-apis/auth/v3/tenant_access_token/internal`.
/// Cached until `refresh_margin` before it expires; concurrent callers share one refresh.
pub struct TenantTokenProvider {
    http: reqwest::Client,
    url: reqwest::Url,
    credentials: AppCredentials,
    request_timeout: Duration,
    refresh_margin: Duration,
    max_body_bytes: usize,
    cache: Mutex<Option<CachedToken>>,
    fetches: AtomicU64,
}

struct CachedToken {
    token: AccessToken,
    refresh_at: Instant,
}

#[derive(Serialize)]
struct TokenRequest<'a> {
    app_id: &'a str,
    app_secret: &'a str,
}

#[derive(Deserialize)]
struct TokenResponse {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    tenant_access_token: Option<String>,
    #[serde(default)]
    expire: Option<u64>,
}

impl TenantTokenProvider {
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: &reqwest::Url,
        credentials: AppCredentials,
        request_timeout: Duration,
        refresh_margin: Duration,
        max_body_bytes: usize,
    ) -> Arc<Self> {
        let mut url = base_url.clone();
        url.set_path(TENANT_TOKEN_PATH);
        Arc::new(Self {
            http,
            url,
            credentials,
            request_timeout,
            refresh_margin,
            max_body_bytes,
            cache: Mutex::new(None),
            fetches: AtomicU64::new(0),
        })
    }

    /// How many times a token was requested from the platform.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    async fn fetch(&self) -> Result<CachedToken, AuthError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let body = TokenRequest {
            app_id: self.credentials.app_id(),
            app_secret: self.credentials.app_secret(),
        };
        let response = self
            .http
            .post(self.url.clone())
            .timeout(self.request_timeout)
            .json(&body)
            .send()
            .await
            .map_err(|error| AuthError::Transport(error.without_url().to_string()))?;
        let http_status = response.status().as_u16();
        let log_id = response
            .headers()
            .get(LOG_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_capped(response, self.max_body_bytes)
            .await
            .map_err(|error| AuthError::Transport(error.to_string()))?;
        let decode_error = || AuthError::Decode {
            http_status,
            snippet: snippet(&bytes),
            log_id: log_id.clone(),
        };
        let parsed: TokenResponse = serde_json::from_slice(&bytes).map_err(|_| decode_error())?;
        match (parsed.code, parsed.tenant_access_token, parsed.expire) {
            (0, Some(token), Some(expire)) => {
                let lifetime = Duration::from_secs(expire);
                // A short-lived token is refreshed at half its life rather than never being cached.
                let margin = self.refresh_margin.min(lifetime / 2);
                tracing::debug!(expire, "fetched a tenant access token");
                Ok(CachedToken {
                    token: AccessToken::new(token),
                    refresh_at: Instant::now() + lifetime - margin,
                })
            }
            (0, _, _) => Err(decode_error()),
            (code, _, _) => Err(AuthError::Rejected {
                app_id: self.credentials.app_id().to_owned(),
                code,
                msg: parsed.msg,
                log_id,
            }),
        }
    }
}

impl TokenProvider for TenantTokenProvider {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            // Holding the lock while fetching makes concurrent callers wait for one refresh.
            let mut cache = self.cache.lock().await;
            if let Some(cached) = cache.as_ref().filter(|cached| Instant::now() < cached.refresh_at) {
                return Ok(cached.token.clone());
            }
            let fresh = self.fetch().await?;
            let token = fresh.token.clone();
            *cache = Some(fresh);
            Ok(token)
        })
    }

    fn invalidate<'a>(&'a self, token: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mut cache = self.cache.lock().await;
            if cache.as_ref().is_some_and(|cached| &cached.token == token) {
                *cache = None;
            }
        })
    }
}

impl fmt::Debug for TenantTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantTokenProvider")
            .field("url", &self.url.as_str())
            .field("credentials", &self.credentials)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}
