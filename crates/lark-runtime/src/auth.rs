//! Where access tokens come from: the [`TokenProvider`] trait, a static token, and the tenant access
//! token of a self-built app, cached and refreshed before it expires.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::client::Client;
use crate::credentials::{AccessToken, AppCredentials};
use crate::error::Error;
use crate::generated::auth::v3::tenant_access_token::internal::{InternalError, InternalRequest};

/// The platform's codes for an access token that is invalid or has expired: the runtime refreshes the
/// token once and sends the call again.
pub const INVALID_TOKEN_CODES: [i64; 4] = [99991663, 99991664, 99991668, 99991677];

/// Supplies the access token for each call. Implement it for other flows (a user token); the runtime
/// ships [`StaticToken`], [`TenantTokenProvider`] (self-built apps) and
/// [`StoreAppTokenProvider`](crate::store_app::StoreAppTokenProvider) (store apps).
///
/// `tenant_key` is the tenant a call is for ([`Client::for_tenant`]): a store app holds one token per
/// tenant; a self-built app belongs to one tenant and ignores it.
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token valid for the next call.
    fn access_token<'a>(&'a self, tenant_key: Option<&'a str>) -> BoxFuture<'a, Result<AccessToken, AuthError>>;
    /// The platform rejected `token` as invalid or expired: forget it if it is still the current one.
    fn invalidate<'a>(&'a self, tenant_key: Option<&'a str>, token: &'a AccessToken) -> BoxFuture<'a, ()>;
    /// Whether a token given after [`invalidate`](Self::invalidate) can differ from the rejected one,
    /// so that a call is worth sending again.
    fn can_refresh(&self) -> bool {
        true
    }
}

/// The provider of a client that only calls endpoints which take no access token.
#[derive(Debug)]
pub(crate) struct NoToken;

impl TokenProvider for NoToken {
    fn access_token<'a>(&'a self, _: Option<&'a str>) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async { Err(AuthError::Transport("this client has no credentials".to_owned())) })
    }
    fn invalidate<'a>(&'a self, _: Option<&'a str>, _: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// A token that the caller manages.
#[derive(Debug, Clone)]
pub struct StaticToken(pub AccessToken);

impl TokenProvider for StaticToken {
    fn access_token<'a>(&'a self, _: Option<&'a str>) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
    fn invalidate<'a>(&'a self, _: Option<&'a str>, _: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
    fn can_refresh(&self) -> bool {
        false
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
    /// A store app's call did not say which tenant it is for.
    #[error("a store app's call needs a tenant: make it through client.for_tenant(tenant_key)")]
    NoTenant,
    /// A store app has no `app_ticket`, and none arrived within the wait after asking for a resend.
    #[error(
        "store app {app_id} has no app_ticket: none arrived within {waited:?} of asking the platform to resend it (is the app_ticket event reaching your dispatcher?)"
    )]
    NoAppTicket {
        /// The app.
        app_id: String,
        /// How long the provider waited.
        waited: Duration,
    },
    /// A user's tokens cannot be refreshed (no refresh token, or the platform refused it as expired,
    /// revoked, spent or invalid): the user must sign in again.
    #[error("the user must sign in again: {reason}")]
    SignInRequired {
        /// What ended the session.
        reason: String,
    },
    /// A refresh's new tokens could not be saved to the user's token store, so they were not used.
    #[error("cannot save the refreshed user tokens: {reason}")]
    Store {
        /// The store's reason.
        reason: String,
    },
    /// The token endpoint's answer was not the expected JSON. The body is not quoted: it may hold a token.
    #[error(
        "the token endpoint answered HTTP {http_status} with a body that is not a token response: {reason}{}",
        log_suffix(log_id)
    )]
    Decode {
        /// HTTP status.
        http_status: u16,
        /// What did not fit.
        reason: String,
        /// The `X-Tt-Logid` of the response.
        log_id: Option<String>,
    },
}

pub(crate) fn log_suffix(log_id: &Option<String>) -> String {
    log_id.as_ref().map(|id| format!(" [log id {id}]")).unwrap_or_default()
}

/// The tenant access token of a self-built app, from the generated
/// [`tenant_access_token::internal`](crate::generated::auth::v3::tenant_access_token::internal) endpoint.
/// Cached until `refresh_margin` before it expires; concurrent callers share one refresh.
pub struct TenantTokenProvider {
    /// A client without tokens of its own: the token endpoint takes none.
    transport: Client,
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
    pub(crate) fn new(transport: Client, credentials: AppCredentials, refresh_margin: Duration) -> Arc<Self> {
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
