//! A signed-in user's tokens and keeping them fresh: the code exchange that ends a sign-in
//! ([`UserToken::exchange`]), and [`UserTokenProvider`], which refreshes the access token before it
//! expires and once when the platform rejects it.
//!
//! Each refresh spends the refresh token and returns a new one, so the provider hands the new tokens to
//! the [`UserTokenStore`] before any call uses them: a crash after a refresh never leaves only the spent
//! refresh token behind. Concurrent calls share one refresh.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::auth::auth_error;
use crate::credentials::{AccessToken, AppCredentials, SecretText};
use crate::documented_error::DocumentedError;
use crate::error::AuthError;
use crate::error::Error;
use crate::generated::authen::v2::oauth::token::{TokenRequest, TokenRequestGrantType};
use crate::generated::authen::v2::oauth::token_refresh::{
    TokenRefreshError, TokenRefreshRequest, TokenRefreshRequestGrantType,
};
use crate::sign_in::{AuthorizationCode, PendingSignIn};
use crate::token_provider::TokenProvider;
use crate::transport::Transport;

/// A user's tokens, as the token endpoint gave them. `Debug` shows the expiries and scopes, never a
/// token. Serialize it only into storage the user alone can read: it holds both tokens.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct UserToken {
    access_token: SecretText,
    /// Seconds since the Unix epoch, as every time here.
    #[serde(default)]
    access_issued_at: u64,
    access_expires_at: u64,
    refresh_token: Option<SecretText>,
    refresh_expires_at: Option<u64>,
    scopes: Vec<String>,
    open_id: Option<String>,
}

impl fmt::Debug for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserToken")
            .field("access_token", &"[redacted]")
            .field("access_issued_at", &self.access_issued_at)
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[redacted]"))
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("scopes", &self.scopes)
            .field("open_id", &self.open_id)
            .finish()
    }
}

/// The token endpoint's answer, from either grant.
struct Granted {
    access_token: Option<SecretText>,
    expires_in: Option<i32>,
    refresh_token: Option<SecretText>,
    refresh_token_expires_in: Option<i32>,
    scope: Option<String>,
}

impl UserToken {
    /// Ends a sign-in: exchanges the redirect's `code` (with the sign-in's PKCE verifier and redirect
    /// address) for the user's tokens, through `transport` ([`Client::transport`](crate::Client::transport)): the token endpoint
    /// takes no access token.
    pub async fn exchange(
        transport: &Transport,
        credentials: &AppCredentials,
        sign_in: &PendingSignIn,
        code: AuthorizationCode,
    ) -> Result<UserToken, AuthError> {
        let request = TokenRequest::builder()
            .grant_type(TokenRequestGrantType::AuthorizationCode)
            .client_id(credentials.app_id())
            .client_secret(credentials.app_secret())
            .code(code.expose())
            .redirect_uri(sign_in.redirect_uri())
            .code_verifier(sign_in.code_verifier().expose_secret())
            .build()
            .map_err(|error| AuthError::Transport(format!("the code exchange does not fit its request: {error}")))?;
        let response = transport
            .execute(&request)
            .await
            .map_err(|error| auth_error(credentials.app_id(), error))?;
        let data = response.data;
        UserToken::granted(Granted {
            access_token: data.access_token,
            expires_in: data.expires_in,
            refresh_token: data.refresh_token,
            refresh_token_expires_in: data.refresh_token_expires_in,
            scope: data.scope,
        })
    }

    fn granted(granted: Granted) -> Result<UserToken, AuthError> {
        let (Some(access_token), Some(expires_in)) = (granted.access_token, granted.expires_in) else {
            return Err(AuthError::Decode {
                http_status: 200,
                reason: "the answer has no access_token or no expires_in".to_owned(),
                log_id: None,
            });
        };
        let now = unix_now();
        let refresh_expires_at = granted
            .refresh_token_expires_in
            .map(|seconds| now + seconds_of(seconds));
        Ok(UserToken {
            access_token,
            access_issued_at: now,
            access_expires_at: now + seconds_of(expires_in),
            refresh_token: granted.refresh_token,
            refresh_expires_at,
            scopes: granted
                .scope
                .iter()
                .flat_map(|scope| scope.split_whitespace())
                .map(str::to_owned)
                .collect(),
            open_id: None,
        })
    }

    /// The same tokens, noting whose they are (the code exchange does not say: `authen/v1/user_info`
    /// does).
    pub fn with_open_id(mut self, open_id: impl Into<String>) -> Self {
        self.open_id = Some(open_id.into());
        self
    }

    /// The access token, for calls.
    pub fn access_token(&self) -> AccessToken {
        AccessToken::new(self.access_token.expose_secret())
    }

    /// When the access token expires.
    pub fn access_expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.access_expires_at)
    }

    /// When the refresh token expires; `None` without one (the user did not grant `offline_access`).
    pub fn refresh_expires_at(&self) -> Option<SystemTime> {
        self.refresh_expires_at.map(|at| UNIX_EPOCH + Duration::from_secs(at))
    }

    /// Whether there is a refresh token that has not expired.
    pub fn can_refresh(&self) -> bool {
        self.refresh_token.is_some() && self.refresh_expires_at.is_none_or(|at| unix_now() < at)
    }

    /// The scopes the access token has.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The user's open_id, when known.
    pub fn open_id(&self) -> Option<&str> {
        self.open_id.as_deref()
    }

    /// Whether the access token has more than `margin` left, or more than half its life when that is
    /// shorter (a short-lived token is then still used).
    fn fresh(&self, margin: Duration) -> bool {
        let lifetime = self.access_expires_at.saturating_sub(self.access_issued_at);
        unix_now() + margin.as_secs().min(lifetime / 2) < self.access_expires_at
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

fn seconds_of(seconds: i32) -> u64 {
    u64::try_from(seconds).unwrap_or(0)
}

/// Where a user's tokens are kept between runs. Each refresh's new tokens are saved before any call
/// uses them; a save that fails fails the call, with the refresh token it spent lost (so the user must
/// sign in again) rather than silently used up.
pub trait UserTokenStore: Send + Sync + fmt::Debug {
    /// Keeps `token` in place of the one before.
    fn save<'a>(&'a self, token: &'a UserToken) -> BoxFuture<'a, Result<(), String>>;
}

/// Keeps the latest tokens in memory only: a process that restarts signs the user in again.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    latest: std::sync::Mutex<Option<UserToken>>,
    saves: AtomicU64,
}

impl MemoryTokenStore {
    /// The tokens saved last.
    pub fn latest(&self) -> Option<UserToken> {
        self.latest.lock().map_or(None, |latest| latest.clone())
    }

    /// How many times tokens were saved.
    pub fn save_count(&self) -> u64 {
        self.saves.load(Ordering::Relaxed)
    }
}

impl UserTokenStore for MemoryTokenStore {
    fn save<'a>(&'a self, token: &'a UserToken) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut latest = self
                .latest
                .lock()
                .map_err(|_| "the token store's lock is poisoned".to_owned())?;
            *latest = Some(token.clone());
            self.saves.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
    }
}

/// A signed-in user's tokens for [`Client::as_user_with`](crate::Client::as_user_with): the access token while it has more than
/// the margin left, else a refresh (one at a time; concurrent calls wait for it and share its result).
pub struct UserTokenProvider {
    /// Carries the refresh requests: the token endpoint takes no access token.
    transport: Transport,
    credentials: AppCredentials,
    store: Arc<dyn UserTokenStore>,
    current: Mutex<UserToken>,
    refresh_margin: Duration,
    refreshes: AtomicU64,
}

impl UserTokenProvider {
    /// A provider starting from `token`, refreshing through `transport` with the app's `credentials`,
    /// 5 minutes before the access token expires, saving each refresh to `store`.
    pub fn new(
        transport: Transport,
        credentials: AppCredentials,
        token: UserToken,
        store: Arc<dyn UserTokenStore>,
    ) -> Arc<Self> {
        Arc::new(Self {
            transport,
            credentials,
            store,
            current: Mutex::new(token),
            refresh_margin: Duration::from_secs(300),
            refreshes: AtomicU64::new(0),
        })
    }

    /// How many refreshes were asked of the platform.
    pub fn refresh_count(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    /// The tokens now held.
    pub async fn current(&self) -> UserToken {
        self.current.lock().await.clone()
    }

    async fn token(&self) -> Result<AccessToken, AuthError> {
        let mut current = self.current.lock().await;
        if !current.fresh(self.refresh_margin) {
            let refreshed = self.refresh(&current).await?;
            self.store
                .save(&refreshed)
                .await
                .map_err(|reason| AuthError::Store { reason })?;
            *current = refreshed;
        }
        Ok(current.access_token())
    }

    async fn refresh(&self, token: &UserToken) -> Result<UserToken, AuthError> {
        let Some(refresh_token) = token.refresh_token.as_ref().filter(|_| token.can_refresh()) else {
            return Err(AuthError::SignInRequired {
                reason: "the user access token expired and there is no refresh token that has not".to_owned(),
            });
        };
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        let request = TokenRefreshRequest::builder()
            .grant_type(TokenRefreshRequestGrantType::RefreshToken)
            .client_id(self.credentials.app_id())
            .client_secret(self.credentials.app_secret())
            .refresh_token(refresh_token.expose_secret())
            .build()
            .map_err(|error| AuthError::Transport(format!("the refresh does not fit its request: {error}")))?;
        let data = self
            .transport
            .execute(&request)
            .await
            .map_err(|error| self.refresh_error(error))?
            .data;
        let refreshed = UserToken::granted(Granted {
            access_token: data.access_token,
            expires_in: data.expires_in,
            refresh_token: data.refresh_token,
            refresh_token_expires_in: data.refresh_token_expires_in,
            scope: data.scope,
        })?;
        tracing::debug!(scopes = refreshed.scopes.len(), "refreshed a user access token");
        Ok(UserToken {
            open_id: token.open_id.clone(),
            ..refreshed
        })
    }

    /// A refresh token the platform says is invalid, expired, revoked or spent means signing in again.
    fn refresh_error(&self, error: Error<TokenRefreshError>) -> AuthError {
        let sign_in_again = match &error {
            Error::Api { error, .. } => matches!(
                error,
                TokenRefreshError::InvalidRefreshToken
                    | TokenRefreshError::RefreshTokenExpired
                    | TokenRefreshError::RefreshTokenRevoked
                    | TokenRefreshError::RefreshTokenAlreadyUsed
            )
            .then(|| format!("the platform refused the refresh token: code {}", error.code())),
            _ => None,
        };
        match sign_in_again {
            Some(reason) => AuthError::SignInRequired { reason },
            None => auth_error(self.credentials.app_id(), error),
        }
    }

    async fn expire(&self, token: &AccessToken) {
        let mut current = self.current.lock().await;
        if current.access_token.expose_secret() == token.expose_secret() {
            current.access_expires_at = 0;
        }
    }
}

impl TokenProvider for UserTokenProvider {
    fn access_token<'a>(&'a self, _: Option<&'a str>) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(self.token())
    }

    fn invalidate<'a>(&'a self, _: Option<&'a str>, token: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(self.expire(token))
    }
}

impl fmt::Debug for UserTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokenProvider")
            .field("credentials", &self.credentials)
            .field("store", &self.store)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}
