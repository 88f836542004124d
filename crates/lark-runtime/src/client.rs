//! The client: configuration, and one generic function that executes any generated endpoint.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::TenantTokenProvider;
use crate::call::{Caller, Response, Untyped};
use crate::credentials::{AccessToken, AppCredentials};
use crate::documented_error::DocumentedError;
use crate::endpoint::{AccessTokenKind, Endpoint, EndpointMetadata};
use crate::error::{Error, IdentityProblem};
use crate::files::Download;
use crate::pacing::Pacing;
use crate::retry::RetryPolicy;
use crate::store_app::StoreAppTokenProvider;
use crate::timeouts::Timeouts;
use crate::token_provider::{StaticToken, TokenProvider};
use crate::transport::{Transport, TransportSettings};

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
    store_app: Option<AppCredentials>,
    token_provider: Option<Arc<dyn TokenProvider>>,
    allow_insecure_http: bool,
    connect_timeout: Duration,
    timeouts: Timeouts,
    user_agent: String,
    http_client: Option<reqwest::Client>,
    retry: RetryPolicy,
    max_body_bytes: usize,
    token_refresh_margin: Duration,
    app_ticket_wait: Duration,
    pacing: Pacing,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: FEISHU.to_owned(),
            credentials: None,
            store_app: None,
            token_provider: None,
            allow_insecure_http: false,
            connect_timeout: Duration::from_secs(5),
            timeouts: Timeouts::default(),
            user_agent: concat!("lark-openapi/", env!("CARGO_PKG_VERSION")).to_owned(),
            http_client: None,
            retry: RetryPolicy::default(),
            max_body_bytes: 16 * 1024 * 1024,
            token_refresh_margin: Duration::from_secs(300),
            app_ticket_wait: Duration::from_secs(10),
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

    /// A store (ISV) app's id and secret: the client keeps the latest `app_ticket` (feed it with
    /// [`Client::store_app`] or an event dispatcher), trades it for an app access token, and that for one
    /// tenant access token per tenant; calls name their tenant with [`Client::for_tenant`].
    pub fn store_app_credentials(mut self, credentials: AppCredentials) -> Self {
        self.store_app = Some(credentials);
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

    /// How long one attempt may take, answer included (default 10 s); see [`Timeouts`].
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.attempt = timeout;
        self
    }

    /// How long a whole call may take, retries included (default 30 s); see [`Timeouts`].
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.operation = timeout;
        self
    }

    /// Every time limit at once; see [`Timeouts`].
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
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

    /// How long a store app without an `app_ticket` waits for one after asking the platform to resend it
    /// (default 10 s), before the call fails with `AuthError::NoAppTicket`.
    pub fn app_ticket_wait(mut self, wait: Duration) -> Self {
        self.app_ticket_wait = wait;
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
        // One transport for the client and its token providers: the token endpoints take no token.
        let transport = Transport::new(TransportSettings {
            http,
            base_url,
            retry: self.retry,
            max_body_bytes: self.max_body_bytes,
            pacing: self.pacing,
            timeouts: self.timeouts,
        });
        let mut store_app = None;
        let tokens: Arc<dyn TokenProvider> = match (self.token_provider, self.store_app, self.credentials) {
            (Some(provider), _, _) => provider,
            (None, Some(credentials), _) => {
                let provider = StoreAppTokenProvider::new(
                    transport.clone(),
                    credentials,
                    self.token_refresh_margin,
                    self.app_ticket_wait,
                );
                store_app = Some(Arc::clone(&provider));
                provider
            }
            (None, None, Some(credentials)) => {
                TenantTokenProvider::new(transport.clone(), credentials, self.token_refresh_margin)
            }
            (None, None, None) => return Err(ConfigError::NoCredentials),
        };
        Ok(Client {
            transport,
            apps: Arc::new(AppTokens { tokens, store_app }),
            tenant_key: None,
            user: None,
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
    /// Sends the calls; shared with the token providers.
    transport: Transport,
    apps: Arc<AppTokens>,
    /// The tenant this handle's calls are for (store apps): [`Client::for_tenant`].
    tenant_key: Option<Arc<str>>,
    /// The user this handle's calls act for: [`Client::as_user`].
    user: Option<Arc<dyn TokenProvider>>,
}

/// The app's tokens: what every handle of one client shares besides the transport.
struct AppTokens {
    tokens: Arc<dyn TokenProvider>,
    store_app: Option<Arc<StoreAppTokenProvider>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .field("tokens", &self.apps.tokens)
            .field("tenant_key", &self.tenant_key)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: Feishu, 5 s connect and 30 s request timeouts, 4 attempts.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The token provider, e.g. to count token requests.
    pub fn token_provider(&self) -> &Arc<dyn TokenProvider> {
        &self.apps.tokens
    }

    /// The transport this client sends through, without its tokens: for the endpoints that take none
    /// (what [`UserToken::exchange`](crate::UserToken::exchange) and
    /// [`UserTokenProvider`](crate::UserTokenProvider) need).
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The token provider of a client built with
    /// [`store_app_credentials`](ClientBuilder::store_app_credentials): give it `app_ticket`s.
    pub fn store_app(&self) -> Option<&Arc<StoreAppTokenProvider>> {
        self.apps.store_app.as_ref()
    }

    /// The same client (pool, token caches, pacing shared) making its calls for one tenant: what a store
    /// app needs, since it holds a tenant access token per tenant. Self-built apps need not use it.
    pub fn for_tenant(&self, tenant_key: impl Into<String>) -> Self {
        Self {
            transport: self.transport.clone(),
            apps: Arc::clone(&self.apps),
            tenant_key: Some(Arc::from(tenant_key.into())),
            user: self.user.clone(),
        }
    }

    /// The tenant this handle's calls are for, if one was named.
    pub fn tenant_key(&self) -> Option<&str> {
        self.tenant_key.as_deref()
    }

    /// The same client (pool, tokens, pacing shared) with other time limits, e.g. for one call:
    /// `client.with_timeouts(Timeouts { operation: Duration::from_secs(5), ..client.timeouts() })`.
    pub fn with_timeouts(&self, timeouts: Timeouts) -> Self {
        Self {
            transport: self.transport.with_timeouts(timeouts),
            apps: Arc::clone(&self.apps),
            tenant_key: self.tenant_key.clone(),
            user: self.user.clone(),
        }
    }

    /// The same client (pool, app tokens, pacing shared) acting for a signed-in user: each call sends
    /// `token`, a `user_access_token`, and an endpoint that takes no user token fails before anything
    /// is sent ([`Identity`](crate::IdentityProblem)). Endpoints that take only a user token need this.
    pub fn as_user(&self, token: AccessToken) -> Self {
        self.as_user_with(Arc::new(StaticToken(token)))
    }

    /// Like [`as_user`](Self::as_user), with the user's tokens from `provider` (one that can refresh them).
    pub fn as_user_with(&self, provider: Arc<dyn TokenProvider>) -> Self {
        Self {
            transport: self.transport.clone(),
            apps: Arc::clone(&self.apps),
            tenant_key: self.tenant_key.clone(),
            user: Some(provider),
        }
    }

    /// Whether this handle's calls act for a user ([`as_user`](Self::as_user)).
    pub fn acts_as_user(&self) -> bool {
        self.user.is_some()
    }

    /// Whose token a call to `endpoint` sends: none for the token endpoints themselves, the user's when
    /// this handle acts for one, the app's otherwise; an endpoint that cannot take it is refused here.
    pub(crate) fn token_source(
        &self,
        endpoint: &EndpointMetadata,
    ) -> Result<Option<&dyn TokenProvider>, IdentityProblem> {
        let accepts = |kind| endpoint.access_tokens.contains(&kind);
        match &self.user {
            _ if endpoint.access_tokens.is_empty() => Ok(None),
            Some(user) if accepts(AccessTokenKind::User) => Ok(Some(user.as_ref())),
            Some(_) => Err(IdentityProblem::UserTokenNotAccepted {
                accepted: endpoint.access_tokens,
            }),
            None if accepts(AccessTokenKind::Tenant) || accepts(AccessTokenKind::App) => {
                Ok(Some(self.apps.tokens.as_ref()))
            }
            None => Err(IdentityProblem::UserTokenRequired),
        }
    }

    /// This handle's time limits.
    pub fn timeouts(&self) -> Timeouts {
        self.transport.timeouts()
    }

    /// Whom a call to `endpoint` is made for, or why this handle cannot make it.
    fn caller<X: DocumentedError>(&self, endpoint: &EndpointMetadata) -> Result<Caller<'_>, Error<X>> {
        let tokens = self.token_source(endpoint).map_err(|problem| Error::Identity {
            endpoint: endpoint.id,
            problem,
        })?;
        Ok(Caller {
            tokens,
            tenant_key: self.tenant_key(),
        })
    }

    /// Sends `request`, retrying as the policy allows, and decodes the answer.
    pub async fn execute<E: Endpoint>(&self, request: &E) -> Result<Response<E::Data>, Error<E::Error>> {
        self.transport.execute_as(request, self.caller(E::METADATA)?).await
    }

    /// Sends `request` to an endpoint whose answer is a file, retrying as the policy allows. The bytes are
    /// not read yet: see [`Download`]. An answer in the platform's JSON is the endpoint's typed error.
    pub async fn download<E: Endpoint>(&self, request: &E) -> Result<Download, Error<E::Error>> {
        self.transport.download_as(request, self.caller(E::METADATA)?).await
    }

    /// [`execute`](Self::execute) with the error's type erased, for callers that only report it (the
    /// endpoint registry): the error handling is then compiled once, not once per endpoint.
    pub(crate) async fn execute_untyped<E: Endpoint>(&self, request: &E) -> Result<Response<E::Data>, Error<Untyped>> {
        self.transport.execute_untyped(request, self.caller(E::METADATA)?).await
    }

    /// [`download`](Self::download) with the error's type erased (see [`execute_untyped`](Self::execute_untyped)).
    pub(crate) async fn download_untyped<E: Endpoint>(&self, request: &E) -> Result<Download, Error<Untyped>> {
        self.transport
            .download_untyped(request, self.caller(E::METADATA)?)
            .await
    }
}
