//! Events and card callbacks over the platform's long connection (长连接): a WebSocket the app opens to the
//! platform, so that it needs no public callback URL, no tunnel and no decryption.
//!
//! The same [`EventDispatcher`] and typed handlers serve both transports: a handler written for the
//! webhook works here unchanged.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use lark_runtime::AppCredentials;
//! use lark_runtime::events::card::{CardAction, CardActionReply, ToastKind};
//! use lark_runtime::events::long_connection::LongConnection;
//! use lark_runtime::events::{EventDispatcher, EventHeader};
//!
//! let dispatcher = EventDispatcher::builder()
//!     .on(|_: EventHeader, click: CardAction| async move {
//!         CardActionReply::toast(ToastKind::Success, format!("got {:?}", click.action.and_then(|a| a.value)))
//!     })
//!     .build();
//! let credentials = AppCredentials::new("cli_a1b2c3d4e5f6a7b8", std::env::var("LARK_APP_SECRET")?);
//! LongConnection::builder(credentials).dispatcher(Arc::new(dispatcher)).build().run().await?;
//! # Ok(()) }
//! ```
//!
//! What it does, in the order of the protocol:
//! - asks `POST /callback/ws/endpoint` for a URL and the client configuration, and dials it;
//! - pings at the interval the platform sets, and applies a configuration a pong carries at once;
//! - a **watchdog, on by default**: when nothing arrives for three ping intervals (a half-open socket,
//!   after a laptop slept), it drops the connection and reconnects;
//! - reassembles fragmented deliveries by `message_id`, in any order, dropping incomplete ones after 10 s;
//! - hands each delivery (`type=event`, and `type=card` alike) to the dispatcher on its own task and
//!   acknowledges it when the handler is done: code 200 with the handler's reply as `data`, or 500 when it
//!   failed; a delivery whose handler has not finished is not acknowledged, and a redelivered
//!   `message_id` is acknowledged again without being handled twice;
//! - answers a card callback within the 3 s the platform allows: a handler still running at
//!   [`LongConnectionBuilder::card_deadline`] is acknowledged with an empty reply, and goes on;
//! - on a close, an error or the watchdog: a fresh endpoint request and dial, first after a random delay
//!   up to `ReconnectNonce`, then every `ReconnectInterval`, up to `ReconnectCount` attempts; fatal
//!   answers (wrong credentials, the connection limit, forbidden) end [`LongConnection::run`] with a
//!   typed [`LongConnectionError`].
//!
//! Secrets (the app secret, the connection URL's ticket) never appear in logs, `Debug` or errors.

mod endpoint;
pub mod fragments;
pub mod frame;
mod session;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use url::Url;

pub use endpoint::{CONNECTION_LIMIT_CODE, ClientConfig, ENDPOINT_PATH, Settings};

use self::endpoint::AttemptError;
use self::session::{Ended, Session, Shared};
use super::EventDispatcher;
use crate::credentials::AppCredentials;

/// Why a long connection stopped for good.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LongConnectionError {
    /// The endpoint refused the app (wrong app id or secret, an app that may not connect, …).
    #[error("the platform refused a long connection for this app: code {code}: {msg}")]
    Refused {
        /// The endpoint's code.
        code: i64,
        /// Its message.
        msg: String,
    },
    /// The app already has as many connections as the platform allows (50 per app).
    #[error("the app has as many long connections as the platform allows (code 1000040350): {msg}")]
    ConnectionLimit {
        /// The platform's message.
        msg: String,
    },
    /// The platform forbids the connection (HTTP 403).
    #[error("the platform forbids this long connection (403): {msg}")]
    Forbidden {
        /// The platform's message.
        msg: String,
    },
    /// Every reconnect attempt the configuration allows failed.
    #[error("gave up after {attempts} reconnect attempts; the last failed with: {last}")]
    GaveUp {
        /// The attempts made.
        attempts: u64,
        /// Why the last one failed.
        last: String,
    },
    /// The base URL cannot carry the endpoint's path.
    #[error("invalid base URL: {0}")]
    BaseUrl(String),
}

/// What the connection is doing, as told to [`LongConnectionBuilder::on_status`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Connected; `device_id` is the platform's id of this connection.
    Connected {
        /// The connection's id.
        device_id: String,
    },
    /// The connection was lost.
    Disconnected {
        /// Why (a close, an error, the watchdog).
        reason: String,
    },
    /// The next attempt to connect comes after `delay`.
    Reconnecting {
        /// Which attempt of the sequence it will be (from 1).
        attempt: u64,
        /// The wait before it.
        delay: Duration,
        /// Why the connection is not up.
        reason: String,
    },
}

/// When the watchdog gives up on a connection that has gone quiet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Watchdog {
    /// After this many ping intervals with nothing received (the default: 3).
    PingIntervals(u32),
    /// After a fixed time with nothing received.
    After(Duration),
    /// Never: a half-open socket goes unnoticed. Not recommended.
    Off,
}

type StatusListener = Arc<dyn Fn(&Status) + Send + Sync>;

/// How long one attempt to connect (endpoint request and dial) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds a [`LongConnection`].
#[must_use]
pub struct LongConnectionBuilder {
    credentials: AppCredentials,
    base_url: Url,
    http: Option<reqwest::Client>,
    dispatcher: Option<Arc<EventDispatcher>>,
    watchdog: Watchdog,
    card_deadline: Duration,
    fragment_expiry: Duration,
    on_status: Option<StatusListener>,
}

impl LongConnectionBuilder {
    /// The platform's base URL (Feishu by default; [`crate::LARK`] for Lark, or an emulator's).
    pub fn base_url(mut self, base_url: Url) -> Self {
        self.base_url = base_url;
        self
    }

    /// The HTTP client for the endpoint request (a new one by default).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The dispatcher that routes deliveries to their handlers; without one, every delivery is
    /// acknowledged as unhandled.
    pub fn dispatcher(mut self, dispatcher: Arc<EventDispatcher>) -> Self {
        self.dispatcher = Some(dispatcher);
        self
    }

    /// When a quiet connection counts as lost (default: three ping intervals).
    pub fn watchdog(mut self, watchdog: Watchdog) -> Self {
        self.watchdog = watchdog;
        self
    }

    /// How long a card callback's handler may take before the callback is acknowledged without its reply
    /// (default 2.5 s, inside the platform's 3 s).
    pub fn card_deadline(mut self, deadline: Duration) -> Self {
        // Longer than the platform waits is pointless; the cap keeps timers inside the clock.
        self.card_deadline = deadline.min(Duration::from_secs(60));
        self
    }

    /// How long an incomplete fragmented delivery is kept after its first fragment (default 10 s).
    pub fn fragment_expiry(mut self, expiry: Duration) -> Self {
        self.fragment_expiry = expiry;
        self
    }

    /// Told of every connect, loss and scheduled reconnect (they are also traced at INFO).
    pub fn on_status(mut self, listener: impl Fn(&Status) + Send + Sync + 'static) -> Self {
        self.on_status = Some(Arc::new(listener));
        self
    }

    /// The connection, not yet started: [`LongConnection::run`] starts it.
    pub fn build(self) -> LongConnection {
        LongConnection {
            credentials: self.credentials,
            base_url: self.base_url,
            http: self.http.unwrap_or_default(),
            shared: Shared::new(
                self.dispatcher
                    .unwrap_or_else(|| Arc::new(EventDispatcher::builder().build())),
                self.card_deadline,
                self.fragment_expiry,
            ),
            watchdog: self.watchdog,
            on_status: self.on_status,
        }
    }
}

/// A long connection to the platform, delivering events to a dispatcher until it is stopped.
pub struct LongConnection {
    credentials: AppCredentials,
    base_url: Url,
    http: reqwest::Client,
    shared: Shared,
    watchdog: Watchdog,
    on_status: Option<StatusListener>,
}

impl fmt::Debug for LongConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LongConnection")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url.as_str())
            .field("watchdog", &self.watchdog)
            .finish_non_exhaustive()
    }
}

/// What ended one sequence of attempts to connect.
enum Connected {
    // Boxed: a socket is large, and this enum only passes it on.
    Session(Box<Session>),
    Shutdown,
}

impl LongConnection {
    /// A builder for the app with `credentials` (a self-built app: store apps cannot use the long
    /// connection).
    pub fn builder(credentials: AppCredentials) -> LongConnectionBuilder {
        LongConnectionBuilder {
            credentials,
            base_url: Url::parse(crate::FEISHU).unwrap_or_else(|_| unreachable!("FEISHU is a URL")),
            http: None,
            dispatcher: None,
            watchdog: Watchdog::PingIntervals(3),
            card_deadline: Duration::from_millis(2500),
            fragment_expiry: Duration::from_secs(10),
            on_status: None,
        }
    }

    /// Connects and delivers events until a fatal answer or the last allowed reconnect attempt.
    pub async fn run(self) -> Result<(), LongConnectionError> {
        self.run_until(std::future::pending()).await
    }

    /// As [`run`](Self::run), until `shutdown` completes: then it stops reading, gives the handlers still
    /// running up to the card deadline to finish and be acknowledged, closes the socket and returns `Ok`.
    pub async fn run_until(mut self, shutdown: impl Future<Output = ()> + Send) -> Result<(), LongConnectionError> {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut settings = Settings::default();
        let mut failures: Option<(u64, String)> = None;
        loop {
            let session = match self.attempt(&mut settings, &mut failures, shutdown.as_mut()).await? {
                Connected::Session(session) => session,
                Connected::Shutdown => return Ok(()),
            };
            match session
                .serve(&mut self.shared, &mut settings, self.watchdog, shutdown.as_mut())
                .await
            {
                Ended::Shutdown => return Ok(()),
                Ended::Lost(reason) => {
                    tracing::info!(%reason, "long connection lost");
                    self.tell(&Status::Disconnected { reason: reason.clone() });
                    failures = Some((0, reason));
                }
            }
        }
    }

    /// Connects, the first time at once, after a loss or a failure as the reconnect rules say.
    async fn attempt(
        &self,
        settings: &mut Settings,
        failures: &mut Option<(u64, String)>,
        mut shutdown: std::pin::Pin<&mut (impl Future<Output = ()> + Send)>,
    ) -> Result<Connected, LongConnectionError> {
        loop {
            if let Some((attempts, reason)) = failures.as_mut() {
                if settings.reconnect_count.is_some_and(|count| *attempts >= count) {
                    return Err(LongConnectionError::GaveUp {
                        attempts: *attempts,
                        last: reason.clone(),
                    });
                }
                let delay = match *attempts {
                    0 => random_below(settings.reconnect_nonce),
                    _ => settings.reconnect_interval,
                };
                *attempts += 1;
                let status = Status::Reconnecting {
                    attempt: *attempts,
                    delay,
                    reason: reason.clone(),
                };
                tracing::info!(attempt = *attempts, delay_ms = delay.as_millis() as u64, "reconnecting");
                self.tell(&status);
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = shutdown.as_mut() => return Ok(Connected::Shutdown),
                }
            }
            let connect = self.connect(settings);
            let outcome = tokio::select! {
                outcome = connect => outcome,
                () = shutdown.as_mut() => return Ok(Connected::Shutdown),
            };
            match outcome {
                Ok(session) => {
                    tracing::info!(device_id = %session.device_id, "long connection up");
                    self.tell(&Status::Connected {
                        device_id: session.device_id.clone(),
                    });
                    return Ok(Connected::Session(Box::new(session)));
                }
                Err(AttemptError::Fatal(error)) => return Err(error),
                Err(AttemptError::Retry(reason)) => {
                    tracing::warn!(%reason, "long connection attempt failed");
                    match failures {
                        Some((_, last)) => *last = reason,
                        None => *failures = Some((0, reason)),
                    }
                }
            }
        }
    }

    /// One attempt: the endpoint request and the dial, bounded so that a stalled handshake (after a
    /// laptop wakes) does not stop the reconnects.
    async fn connect(&self, settings: &mut Settings) -> Result<Session, AttemptError> {
        let attempt = async {
            let endpoint = endpoint::fetch(&self.http, &self.base_url, &self.credentials, settings).await?;
            let socket = endpoint::dial(&endpoint).await?;
            Ok(Session::new(socket, endpoint))
        };
        tokio::time::timeout(CONNECT_TIMEOUT, attempt)
            .await
            .unwrap_or_else(|_| {
                Err(AttemptError::Retry(format!(
                    "no connection within {} s",
                    CONNECT_TIMEOUT.as_secs()
                )))
            })
    }

    fn tell(&self, status: &Status) {
        if let Some(listener) = &self.on_status {
            listener(status);
        }
    }
}

fn random_below(bound: Duration) -> Duration {
    match bound.is_zero() {
        true => Duration::ZERO,
        false => rand::rng().random_range(Duration::ZERO..bound),
    }
}
