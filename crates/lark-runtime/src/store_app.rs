//! Tokens of a store (ISV) app: the latest `app_ticket` → an app access token → one tenant access token
//! per tenant, each cached and refreshed early, all through the generated auth endpoints.
//!
//! The caches live in the provider, which is built from one app id and one secret: tokens obtained with
//! other credentials (a wrong secret, another app) can never be answered from them.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;

use crate::auth::{CachedToken, TokenCache, auth_error, cached};
use crate::credentials::{AccessToken, AppCredentials, SecretText};
use crate::error::AuthError;
use crate::events::{EventDispatcherBuilder, EventHeader};
use crate::generated::auth::v3::app_access_token::store::StoreRequest as AppTokenRequest;
use crate::generated::auth::v3::app_ticket::resend::ResendRequest;
use crate::generated::auth::v3::events::app_ticket::AppTicket;
use crate::generated::auth::v3::tenant_access_token::store::StoreRequest as TenantTokenRequest;
use crate::token_provider::{INVALID_TOKEN_CODES, TokenProvider};
use crate::transport::Transport;

/// One tenant's token: its own cache and lock, so tenants refresh independently and callers of one
/// tenant share one refresh.
type TenantSlot = Arc<TokenCache>;

/// The tokens of a store app. Built by [`ClientBuilder::store_app_credentials`](crate::ClientBuilder::store_app_credentials);
/// reach it with [`Client::store_app`](crate::Client::store_app).
pub struct StoreAppTokenProvider {
    /// The client's transport: the token endpoints take no token.
    transport: Transport,
    credentials: AppCredentials,
    refresh_margin: Duration,
    ticket_wait: Duration,
    ticket: watch::Sender<Option<SecretText>>,
    app_token: TokenCache,
    tenants: std::sync::Mutex<HashMap<String, TenantSlot>>,
    fetches: AtomicU64,
    resends: AtomicU64,
}

impl StoreAppTokenProvider {
    pub(crate) fn new(
        transport: Transport,
        credentials: AppCredentials,
        refresh_margin: Duration,
        ticket_wait: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            transport,
            credentials,
            refresh_margin,
            ticket_wait,
            ticket: watch::Sender::new(None),
            app_token: TokenCache::default(),
            tenants: std::sync::Mutex::default(),
            fetches: AtomicU64::new(0),
            resends: AtomicU64::new(0),
        })
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        self.credentials.app_id()
    }

    /// Keeps the latest `app_ticket` (from the `app_ticket` event); calls waiting for one go on.
    pub fn set_app_ticket(&self, ticket: impl Into<SecretText>) {
        self.ticket.send_replace(Some(ticket.into()));
    }

    /// Whether a ticket is held.
    pub fn has_app_ticket(&self) -> bool {
        self.ticket.borrow().is_some()
    }

    /// How many tokens (app or tenant) were requested from the platform.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// How many times the provider asked the platform to push the `app_ticket` again.
    pub fn resend_count(&self) -> u64 {
        self.resends.load(Ordering::Relaxed)
    }

    /// Routes the `app_ticket` events of this app to this provider (events for other apps are ignored).
    pub fn feed_from(self: &Arc<Self>, dispatcher: EventDispatcherBuilder) -> EventDispatcherBuilder {
        let provider = Arc::clone(self);
        dispatcher.on(move |header: EventHeader, event: AppTicket| {
            let provider = Arc::clone(&provider);
            async move {
                let for_this_app = event.app_id.as_deref().or(header.app_id.as_deref()) == Some(provider.app_id());
                match (event.app_ticket, for_this_app) {
                    (Some(ticket), true) => provider.set_app_ticket(ticket),
                    _ => tracing::warn!(event_id = %header.event_id, "an app_ticket event for another app, or without a ticket"),
                }
            }
        })
    }

    /// The app access token, fetched with the latest ticket when none is fresh.
    pub async fn app_access_token(&self) -> Result<AccessToken, AuthError> {
        self.app_token.get_or_fetch(|| self.fetch_app_token()).await
    }

    async fn fetch_app_token(&self) -> Result<CachedToken, AuthError> {
        let ticket = self.ticket().await?;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let request = AppTokenRequest::builder()
            .app_id(self.app_id())
            .app_secret(self.credentials.app_secret())
            .app_ticket(ticket)
            .build()
            .map_err(|error| AuthError::Transport(format!("the credentials do not fit the token request: {error}")))?;
        let response = match self.transport.execute(&request).await {
            Ok(response) => response,
            Err(error) => {
                // A refused ticket may be stale: the next attempt asks for a fresh one.
                self.ticket.send_replace(None);
                return Err(auth_error(self.app_id(), error));
            }
        };
        let (Some(token), Some(expire)) = (response.data.app_access_token, response.data.expire) else {
            return Err(missing("app_access_token", response.log_id));
        };
        tracing::debug!(expire, "fetched a store app's app access token");
        Ok(cached(token, expire, self.refresh_margin))
    }

    /// The held ticket; without one, asks the platform to push it and waits for it to arrive.
    async fn ticket(&self) -> Result<SecretText, AuthError> {
        let mut receiver = self.ticket.subscribe();
        if let Some(ticket) = receiver.borrow_and_update().clone() {
            return Ok(ticket);
        }
        self.resends.fetch_add(1, Ordering::Relaxed);
        let request = ResendRequest::builder()
            .app_id(self.app_id())
            .app_secret(self.credentials.app_secret())
            .build()
            .map_err(|error| AuthError::Transport(format!("the credentials do not fit the resend request: {error}")))?;
        tracing::info!(
            app_id = self.app_id(),
            "no app_ticket yet: asking the platform to push one"
        );
        self.transport
            .execute(&request)
            .await
            .map_err(|error| auth_error(self.app_id(), error))?;
        let arrived = tokio::time::timeout(self.ticket_wait, receiver.wait_for(Option::is_some)).await;
        if let Ok(Ok(ticket)) = arrived
            && let Some(ticket) = ticket.as_ref()
        {
            return Ok(ticket.clone());
        }
        Err(AuthError::NoAppTicket {
            app_id: self.app_id().to_owned(),
            waited: self.ticket_wait,
        })
    }

    fn slot(&self, tenant_key: &str) -> TenantSlot {
        let mut tenants = self.tenants.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(tenants.entry(tenant_key.to_owned()).or_default())
    }

    async fn tenant_token(&self, tenant_key: &str) -> Result<AccessToken, AuthError> {
        let fetch = || async {
            match self.fetch_tenant_token(tenant_key).await {
                Err(AuthError::Rejected { code, .. }) if INVALID_TOKEN_CODES.contains(&code) => {
                    // The app access token was refused: drop it and try once with a new one.
                    self.app_token.clear().await;
                    self.fetch_tenant_token(tenant_key).await
                }
                other => other,
            }
        };
        self.slot(tenant_key).get_or_fetch(fetch).await
    }

    async fn fetch_tenant_token(&self, tenant_key: &str) -> Result<CachedToken, AuthError> {
        let app_token = self.app_access_token().await?;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let request = TenantTokenRequest::builder()
            .app_access_token(app_token.expose_secret())
            .tenant_key(tenant_key)
            .build()
            .map_err(|error| AuthError::Transport(format!("the tenant token request does not fit: {error}")))?;
        let response = self
            .transport
            .execute(&request)
            .await
            .map_err(|error| auth_error(self.app_id(), error))?;
        let (Some(token), Some(expire)) = (response.data.tenant_access_token, response.data.expire) else {
            return Err(missing("tenant_access_token", response.log_id));
        };
        tracing::debug!(expire, tenant_key, "fetched a store app's tenant access token");
        Ok(cached(token, expire, self.refresh_margin))
    }
}

fn missing(field: &str, log_id: Option<String>) -> AuthError {
    AuthError::Decode {
        http_status: 200,
        reason: format!("the answer has no {field} or no expire"),
        log_id,
    }
}

impl TokenProvider for StoreAppTokenProvider {
    fn access_token<'a>(&'a self, tenant_key: Option<&'a str>) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            match tenant_key {
                Some(tenant_key) => self.tenant_token(tenant_key).await,
                None => Err(AuthError::NoTenant),
            }
        })
    }

    fn invalidate<'a>(&'a self, tenant_key: Option<&'a str>, token: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Some(tenant_key) = tenant_key {
                self.slot(tenant_key).invalidate(token).await;
            }
        })
    }
}

impl fmt::Debug for StoreAppTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreAppTokenProvider")
            .field("credentials", &self.credentials)
            .field("has_app_ticket", &self.has_app_ticket())
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}
