//! A local stand-in for the Feishu attendance platform, for demos, tests and benchmarks: no tenant,
//! no credentials, no network.
//!
//! It serves, on 127.0.0.1:
//! - `POST /open-apis/auth/v3/tenant_access_token/internal`: tokens for the configured app, expiring
//!   after [`EmulatorBuilder::token_ttl`]; an unknown token is answered with code 99991663, an expired
//!   one with 99991677;
//! - `POST /open-apis/attendance/v1/user_flows/batch_del`: the request is decoded and validated by the
//!   type generated from `specs/attendance/v1/user_flow/batch_del.yaml`, so an invalid one gets the
//!   spec's documented code (1220001) and a message naming the field; ids are deleted with per-id
//!   results and the reasons map in `msg`, and the affected task results change at once;
//! - rate limits per app and endpoint (HTTP 429, code 99991400, `x-ogw-ratelimit-*` headers);
//! - an `X-Tt-Logid` header on every answer;
//! - the store-app token flow (`app_ticket/resend` pushes an `app_ticket` event; `app_access_token` and
//!   `tenant_access_token` take what it issued) and, with an [`EventSubscription`], deliveries of
//!   attendance's events (punches imported, task results changed) to a callback URL ([`events`]);
//! - user sign-in ([`oauth`]): the authorization page (`GET /open-apis/authen/v1/authorize`) signs a
//!   demo user in at once and redirects with a code; `POST /open-apis/authen/v2/oauth/token` exchanges
//!   it (PKCE checked, each code once) and refreshes with rotation (a spent refresh token is refused);
//! - a control API under `/__emulator/` (import punches, read task results, inject faults, expire
//!   tokens, revoke a user's refresh tokens, count calls), mirrored by the methods of [`RunningEmulator`].
//!
//! The attendance model is described in [`attendance`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use lark_emulator::{Emulator, NewPunch};
//!
//! let emulator = Emulator::builder().start().await?;
//! let ids = emulator.import([NewPunch::new("E001", 1_795_000_000)]);
//! let client = emulator.client_builder().build().expect("a valid client");
//! # Ok(()) }
//! ```

mod answer;
mod approvals;
pub mod attendance;
mod control;
pub mod demo;
pub mod employees;
pub mod events;
pub mod faults;
mod generic;
mod limits;
pub mod long_connection;
pub mod oauth;
mod platform;
mod server;
mod shared;
mod token_endpoints;
mod tokens;
mod users;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, Offset as _};
use lark_openapi::runtime::events::long_connection::{ClientConfig, LongConnection, LongConnectionBuilder};
use lark_openapi::runtime::{AccessToken, ClientBuilder};
use lark_openapi::{AppCredentials, Client};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use answer::{APP_SECRET_INVALID, LOG_ID_HEADER, TOKEN_PATH};
pub use approvals::ApprovalDecision;
pub use attendance::{CheckResult, DeleteFailure, NewPunch, RecordSource, Shift, TaskResult};
pub use employees::{Employee, Roster};
pub use events::EventSubscription;
pub use faults::{Fault, FaultAction};
pub use limits::{RATE_LIMITED, RateLimits, UNDOCUMENTED_RATE};
pub use long_connection::{Acknowledgement, LongConnectionFault, LongConnectionStats};
pub use server::MODELED_ENDPOINTS;
pub use token_endpoints::{APP_TOKEN_FAILED, INVALID_APP_TOKEN};
pub use tokens::{EXPIRED_TOKEN, INVALID_TOKEN, USER_TOKEN_REFUSED};

use crate::shared::{Shared, lock};

/// The app id the emulator accepts unless told otherwise (a demo value, not a real app).
pub const DEMO_APP_ID: &str = "cli_emulator";
/// The app secret the emulator accepts unless told otherwise (a demo value, not a secret).
pub const DEMO_APP_SECRET: &str = "emulator-secret";
/// The key of the emulated tenant, as events and store apps name it.
pub const DEMO_TENANT_KEY: &str = "tenant_emulator";

/// How an emulator behaves. `Debug` never shows the app secret.
#[derive(Clone)]
pub struct EmulatorConfig {
    app_id: String,
    app_secret: SecretString,
    token_ttl: Duration,
    rate_limits: RateLimits,
    roster: Roster,
    shift: Shift,
    zone: FixedOffset,
    port: u16,
    events: Option<EventSubscription>,
    long_connection: ClientConfig,
    ack_timeout: Duration,
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("app_id", &self.app_id)
            .field("app_secret", &"[redacted]")
            .field("token_ttl", &self.token_ttl)
            .field("rate_limits", &self.rate_limits)
            .field("roster", &self.roster)
            .field("shift", &self.shift)
            .field("zone", &self.zone)
            .field("port", &self.port)
            .field("events", &self.events)
            .field("long_connection", &self.long_connection)
            .field("ack_timeout", &self.ack_timeout)
            .finish()
    }
}

/// The README's examples, compiled as doctests so that the front door stays true. They live here because
/// this crate sees both the client and the emulator.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;

/// Starts emulators.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// The demo app's credentials, 2-hour tokens, each endpoint's documented rate limit, a tenant that
    /// enrolls any employee an import names, a 09:00–18:00 shift in UTC+8, any free port.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder(EmulatorConfig {
            app_id: DEMO_APP_ID.to_owned(),
            app_secret: SecretString::from(DEMO_APP_SECRET),
            token_ttl: Duration::from_secs(7200),
            rate_limits: RateLimits::Documented,
            roster: Roster::default(),
            shift: Shift::default(),
            zone: china_standard_time(),
            port: 0,
            events: None,
            long_connection: ClientConfig {
                reconnect_count: Some(-1),
                reconnect_interval: Some(1),
                reconnect_nonce: Some(1),
                ping_interval: Some(2),
            },
            ack_timeout: Duration::from_secs(3),
        })
    }
}

/// UTC+8, the platform's home time zone.
fn china_standard_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}

/// Configures an emulator, then [`start`](EmulatorBuilder::start)s it.
#[derive(Debug, Clone)]
#[must_use]
pub struct EmulatorBuilder(EmulatorConfig);

impl EmulatorBuilder {
    /// The app whose credentials get tokens.
    pub fn app(mut self, app_id: impl Into<String>, app_secret: impl Into<String>) -> Self {
        self.0.app_id = app_id.into();
        self.0.app_secret = SecretString::from(app_secret.into());
        self
    }

    /// How long an issued token is valid (the `expire` the token endpoint answers, in whole seconds).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.0.token_ttl = ttl;
        self
    }

    /// One rate for every endpoint, in calls per second per app; `None` turns rate limiting off. By
    /// default each endpoint has its documented limit.
    pub fn rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.0.rate_limits = match per_second.and_then(NonZeroU32::new) {
            Some(rate) => RateLimits::PerSecond(rate),
            None => RateLimits::Off,
        };
        self
    }

    /// Only these employees exist: imports and queries naming anyone else are refused as the platform
    /// refuses unknown users. By default any employee an import names is enrolled.
    pub fn roster(mut self, employees: impl IntoIterator<Item = Employee>) -> Self {
        self.0.roster = Roster::strict(employees);
        self
    }

    /// The tenant's shift.
    pub fn shift(mut self, shift: Shift) -> Self {
        self.0.shift = shift;
        self
    }

    /// The tenant's time zone, which decides the day of a punch.
    pub fn zone(mut self, zone: FixedOffset) -> Self {
        self.0.zone = zone;
        self
    }

    /// The port on 127.0.0.1; 0 (the default) takes any free one.
    pub fn port(mut self, port: u16) -> Self {
        self.0.port = port;
        self
    }

    /// Delivers events (punches imported, task results changed, `app_ticket`) to this subscription, as
    /// the platform delivers them to an app's callback URL.
    pub fn events(mut self, subscription: EventSubscription) -> Self {
        self.0.events = Some(subscription);
        self
    }

    /// The client configuration the long connection's endpoint gives (by default: reconnect without limit,
    /// 1 s apart after a random delay under 1 s, and a ping every 2 s; the platform's are minutes).
    pub fn long_connection_config(mut self, config: ClientConfig) -> Self {
        self.0.long_connection = config;
        self
    }

    /// How long a delivery over the long connection waits for its acknowledgement before it is delivered
    /// again (3 s, as on the platform).
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.0.ack_timeout = timeout;
        self
    }

    /// Binds 127.0.0.1 and serves in the background until the returned handle is dropped or shut down.
    pub async fn start(self) -> std::io::Result<RunningEmulator> {
        let config = self.0;
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.port))).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        shared.port.store(address.port(), std::sync::atomic::Ordering::Relaxed);
        let router = server::router(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "the emulator stopped serving");
            }
        });
        Ok(RunningEmulator {
            base_url: format!("http://{address}"),
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    base_url: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`: the base URL to give a client.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The credentials of the app the emulator issues tokens to.
    pub fn app_credentials(&self) -> AppCredentials {
        let config = &self.shared.config;
        AppCredentials::new(config.app_id.clone(), config.app_secret.expose_secret())
    }

    /// A `user_access_token` of the emulator's app, valid for the token lifetime, as if
    /// [`oauth::DEFAULT_USER`] had signed in: for the endpoints that take a user's token, called on
    /// `client.as_user(token)`. Endpoints that take no user token refuse it, as the platform does.
    pub fn user_access_token(&self) -> AccessToken {
        self.user_access_token_of(oauth::DEFAULT_USER)
    }

    /// A `user_access_token` of the user `open_id`, as if they had signed in: calls with it act as them
    /// where the emulator models state (`authen/v1/user_info` answers with their open_id).
    pub fn user_access_token_of(&self, open_id: &str) -> AccessToken {
        let config = &self.shared.config;
        AccessToken::new(lock(&self.shared.tokens).issue_user(&config.app_id, open_id, config.token_ttl))
    }

    /// The emulator's authorization page, for [`SignIn::authorize_url`](lark_openapi::runtime::sign_in::SignIn::authorize_url):
    /// it signs in the user [`sign_in_as`](Self::sign_in_as) named (by default [`oauth::DEFAULT_USER`])
    /// at once and redirects with a code.
    pub fn authorize_url(&self) -> String {
        format!("{}{}", self.base_url, oauth::AUTHORIZE_PATH)
    }

    /// Decides a pending approval instance (from `approval/v4/instance/create`) as its approvers would,
    /// and sends `approval_instance` with the new status; an unknown or decided instance is refused.
    pub fn decide_approval(&self, instance_code: &str, decision: ApprovalDecision) -> Result<(), String> {
        approvals::decide(&self.shared, instance_code, decision)
    }

    /// Whom the authorization page signs in from now on, by open_id.
    pub fn sign_in_as(&self, open_id: &str) {
        lock(&self.shared.oauth).sign_in_as(open_id);
    }

    /// Revokes every refresh token of the user `open_id` (as the user withdrawing consent does) and,
    /// when there were any, sends `auth.user_access_token.revoked_v4`; how many there were. Refreshing
    /// with one is then refused with code 20064. `POST /__emulator/users/revoke {"open_id": ..}` does
    /// the same.
    pub fn revoke_user_tokens(&self, open_id: &str) -> usize {
        oauth::revoke(&self.shared, open_id)
    }

    /// A client builder already pointed at this emulator with the right credentials.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url.clone())
            .app_credentials(self.app_credentials())
    }

    /// Imports punches as if through the open platform (or as `source` says) and returns their record ids.
    pub fn import(&self, punches: impl IntoIterator<Item = NewPunch>) -> Vec<String> {
        let punches: Vec<NewPunch> = punches.into_iter().collect();
        let mut roster = lock(&self.shared.roster);
        for punch in &punches {
            roster.find_or_enroll(employees::IdKind::EmployeeId, &punch.user_id);
        }
        lock(&self.shared.attendance).import(punches)
    }

    /// The task result of `user_id` on `day` (`yyyymmdd`).
    pub fn task(&self, user_id: &str, day: u32) -> TaskResult {
        lock(&self.shared.attendance).task(user_id, day)
    }

    /// The task results of `day` for every user with a punch that day.
    pub fn tasks_of_day(&self, day: u32) -> Vec<TaskResult> {
        lock(&self.shared.attendance).tasks_of_day(day)
    }

    /// How many punch records exist (not deleted).
    pub fn live_records(&self) -> usize {
        lock(&self.shared.attendance).live_records()
    }

    /// Whether a record exists and is not deleted.
    pub fn has_record(&self, record_id: &str) -> bool {
        lock(&self.shared.attendance).record(record_id).is_some()
    }

    /// Adds a fault rule.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).add(fault);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every token issued so far expires now.
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
        lock(&self.shared.app_tokens).expire_all();
    }

    /// Delivers events to `subscription` from now on (`None`: to nobody).
    pub fn subscribe_events(&self, subscription: Option<EventSubscription>) {
        self.shared.outbox.subscribe(subscription);
    }

    /// Deliveries so far: (answered with a 2xx, failed after every attempt).
    pub fn deliveries(&self) -> (u64, u64) {
        let counts = &self.shared.outbox.counts;
        (
            counts.delivered.load(std::sync::atomic::Ordering::Relaxed),
            counts.failed.load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// A client builder for the emulator's app as a store app: tokens come from the store endpoints, and
    /// the `app_ticket` from the event subscription (give the client's provider the tickets it receives).
    pub fn store_client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url.clone())
            .store_app_credentials(self.app_credentials())
    }

    /// A long-connection client builder already pointed at this emulator with the right credentials.
    pub fn long_connection_builder(&self) -> LongConnectionBuilder {
        let base_url = url::Url::parse(&self.base_url).unwrap_or_else(|_| unreachable!("the base URL is a URL"));
        LongConnection::builder(self.app_credentials()).base_url(base_url)
    }

    /// Applies a fault to the long connection: closing or silencing the open sockets at once, the others
    /// to the next requests they fit.
    pub fn long_connection_fault(&self, fault: LongConnectionFault) {
        self.shared.long_connections.inject(fault);
    }

    /// The configuration later pongs carry, applied by clients at once (`None`: pongs carry nothing).
    pub fn set_pong_config(&self, config: Option<ClientConfig>) {
        self.shared.long_connections.set_pong_config(config);
    }

    /// Sends a card callback (`card.action.trigger`, a 2.0 envelope around `event`) over the long
    /// connection in a frame of `frame_type` (`event`, or `card` as some deliveries come), and gives the
    /// acknowledgement: the toast or card the app answered with is its `data`.
    pub async fn send_card_action(
        &self,
        event: serde_json::Value,
        frame_type: &str,
    ) -> Result<Acknowledgement, String> {
        self.send_over_long_connection("card.action.trigger", event, frame_type)
            .await
    }

    /// Sends one event of `event_type` (a 2.0 envelope around `event`) over the long connection, once, in a
    /// frame of `frame_type`, and gives its acknowledgement (an error when none comes in time).
    pub async fn send_over_long_connection(
        &self,
        event_type: &str,
        event: serde_json::Value,
        frame_type: &str,
    ) -> Result<Acknowledgement, String> {
        let envelope = serde_json::json!({
            "schema": "2.0",
            "header": {
                "event_id": long_connection::random_id(),
                "event_type": event_type,
                "create_time": chrono::Utc::now().timestamp_millis().to_string(),
                "app_id": self.shared.config.app_id,
                "tenant_key": DEMO_TENANT_KEY,
            },
            "event": event,
        });
        let payload = envelope.to_string().into_bytes();
        self.shared
            .long_connections
            .deliver_once(&long_connection::random_id(), &payload, frame_type)
            .await
    }

    /// What the long connection has seen so far.
    pub fn long_connection_stats(&self) -> LongConnectionStats {
        self.shared.long_connections.stats()
    }

    /// How many calls a platform path received, faults and refusals included.
    pub fn calls(&self, path: &str) -> u64 {
        self.shared.calls().get(path).copied().unwrap_or_default()
    }

    /// Stops serving and waits for the server to finish.
    pub async fn shutdown(mut self) {
        self.shared.long_connections.close_all();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.shared.long_connections.close_all();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
