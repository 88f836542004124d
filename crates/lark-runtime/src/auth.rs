//! The tenant access token of a self-built app, cached and refreshed before it expires, and the
//! token cache every fetching provider shares: one refresh serves all concurrent callers.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::credentials::{AccessToken, AppCredentials};
use crate::error::Error;
use crate::generated::auth::v3::tenant_access_token::internal::{InternalError, InternalRequest};
use crate::transport::Transport;

pub use crate::error::AuthError;
pub use crate::token_provider::{INVALID_TOKEN_CODES, StaticToken, TokenProvider};

/// The tenant access token of a self-built app, from the generated
/// [`tenant_access_token::internal`](crate::generated::auth::v3::tenant_access_token::internal) endpoint.
/// Cached until `refresh_margin` before it expires; concurrent callers share one refresh.
pub struct TenantTokenProvider {
    /// The client's transport: the token endpoint takes no token.
    transport: Transport,
    credentials: AppCredentials,
    refresh_margin: Duration,
    cache: TokenCache,
    fetches: AtomicU64,
}

pub(crate) struct CachedToken {
    token: AccessToken,
    refresh_at: Instant,
}

/// One cached token: fresh ones are answered from it; otherwise one caller fetches while the others wait
/// for that fetch (the lock is held across it).
#[derive(Default)]
pub(crate) struct TokenCache(Mutex<Option<CachedToken>>);

impl TokenCache {
    /// The cached token while it is fresh, else the one `fetch` gets, which is then kept.
    pub(crate) async fn get_or_fetch<Fut>(&self, fetch: impl FnOnce() -> Fut) -> Result<AccessToken, AuthError>
    where
        Fut: Future<Output = Result<CachedToken, AuthError>>,
    {
        let mut cache = self.0.lock().await;
        if let Some(cached) = cache.as_ref().filter(|cached| Instant::now() < cached.refresh_at) {
            return Ok(cached.token.clone());
        }
        let fresh = fetch().await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// Forgets `token` if it is still the cached one.
    pub(crate) async fn invalidate(&self, token: &AccessToken) {
        let mut cache = self.0.lock().await;
        if cache.as_ref().is_some_and(|cached| &cached.token == token) {
            *cache = None;
        }
    }

    /// Forgets whatever is cached.
    pub(crate) async fn clear(&self) {
        *self.0.lock().await = None;
    }
}

impl TenantTokenProvider {
    pub(crate) fn new(transport: Transport, credentials: AppCredentials, refresh_margin: Duration) -> Arc<Self> {
        Arc::new(Self {
            transport,
            credentials,
            refresh_margin,
            cache: TokenCache::default(),
            fetches: AtomicU64::new(0),
        })
    }

    /// How many times a token was requested from the platform.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    async fn fetch(&self) -> Result<CachedToken, AuthError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let request = InternalRequest::builder()
            .app_id(self.credentials.app_id())
            .app_secret(self.credentials.app_secret())
            .build()
            .map_err(|error| AuthError::Transport(format!("the credentials do not fit the token request: {error}")))?;
        let response = self
            .transport
            .execute(&request)
            .await
            .map_err(|error| self.auth_error(error))?;
        let (Some(token), Some(expire)) = (response.data.tenant_access_token, response.data.expire) else {
            return Err(AuthError::Decode {
                http_status: 200,
                reason: "the answer has no tenant_access_token or no expire".to_owned(),
                log_id: response.log_id,
            });
        };
        tracing::debug!(expire, "fetched a tenant access token");
        Ok(cached(token, expire, self.refresh_margin))
    }

    fn auth_error(&self, error: Error<InternalError>) -> AuthError {
        auth_error(self.credentials.app_id(), error)
    }
}

/// The [`AuthError`] of a failed call to a token endpoint.
pub(crate) fn auth_error<E: crate::DocumentedError>(app_id: &str, error: Error<E>) -> AuthError {
    match error {
        Error::Api {
            error, message, log_id, ..
        } => AuthError::Rejected {
            app_id: app_id.to_owned(),
            code: error.code(),
            msg: message,
            log_id,
        },
        Error::Decode {
            http_status,
            reason,
            log_id,
            ..
        } => AuthError::Decode {
            http_status,
            reason,
            log_id,
        },
        other => AuthError::Transport(other.to_string()),
    }
}

/// A token and when to stop using it: `refresh_margin` before it expires, or at half its life when that
/// is shorter (a short-lived token is then still cached).
pub(crate) fn cached(token: impl Into<AccessToken>, expire_seconds: i32, refresh_margin: Duration) -> CachedToken {
    let lifetime = Duration::from_secs(u64::try_from(expire_seconds).unwrap_or(0));
    let margin = refresh_margin.min(lifetime / 2);
    CachedToken {
        token: token.into(),
        refresh_at: Instant::now() + lifetime - margin,
    }
}

impl TokenProvider for TenantTokenProvider {
    fn access_token<'a>(&'a self, _: Option<&'a str>) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(self.cache.get_or_fetch(|| self.fetch()))
    }

    fn invalidate<'a>(&'a self, _: Option<&'a str>, token: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(self.cache.invalidate(token))
    }
}

impl fmt::Debug for TenantTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantTokenProvider")
            .field("transport", &self.transport)
            .field("credentials", &self.credentials)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}
