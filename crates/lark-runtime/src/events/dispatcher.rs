//! The dispatcher: one callback request in (headers and body bytes), one answer out.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Event;
use super::crypto::{DecryptError, EncryptKey};
use super::dedupe::SeenEvents;
use super::envelope::{self, Delivery, Envelope, EventHeader};
use crate::credentials::SecretText;

/// The request header with the delivery's Unix time in seconds.
pub const TIMESTAMP_HEADER: &str = "x-lark-request-timestamp";
/// The request header with the delivery's nonce.
pub const NONCE_HEADER: &str = "x-lark-request-nonce";
/// The request header with the delivery's signature.
pub const SIGNATURE_HEADER: &str = "x-lark-signature";

/// What a handler's failure carries.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// What a handler may return: nothing, a reply for the platform (a card callback's toast or updated card),
/// or a `Result` of either whose error makes the dispatcher answer 500 so that the platform delivers the
/// event again.
pub trait HandlerOutcome: Send {
    /// The outcome as a `Result`: the reply to send back, if any.
    fn into_result(self) -> Result<Option<Value>, HandlerError>;
}

/// A value a handler may answer the platform with.
pub trait HandlerReply: Send {
    /// The reply as JSON; `None` for no reply.
    fn into_reply(self) -> Option<Value>;
}

impl HandlerReply for () {
    fn into_reply(self) -> Option<Value> {
        None
    }
}

impl HandlerReply for Value {
    fn into_reply(self) -> Option<Value> {
        Some(self)
    }
}

impl HandlerOutcome for () {
    fn into_result(self) -> Result<Option<Value>, HandlerError> {
        Ok(None)
    }
}

impl HandlerOutcome for Value {
    fn into_result(self) -> Result<Option<Value>, HandlerError> {
        Ok(Some(self))
    }
}

impl<T: HandlerReply, E: Into<HandlerError> + Send> HandlerOutcome for Result<T, E> {
    fn into_result(self) -> Result<Option<Value>, HandlerError> {
        self.map(HandlerReply::into_reply).map_err(Into::into)
    }
}

type Handler = Arc<dyn Fn(EventHeader, Value) -> BoxFuture<'static, Result<Option<Value>, RouteError>> + Send + Sync>;

enum RouteError {
    Payload(String),
    Handler(HandlerError),
}

/// Why a delivery was refused. None of them quotes a token, a key or a ciphertext.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The body (or the decrypted body) is not JSON.
    #[error("the delivery is not JSON: {0}")]
    NotJson(String),
    /// The delivery is encrypted but no Encrypt Key is configured.
    #[error("the delivery is encrypted but no Encrypt Key is configured")]
    NoEncryptKey,
    /// The `encrypt` field could not be decrypted.
    #[error("cannot decrypt the delivery: {0}")]
    Decrypt(#[from] DecryptError),
    /// An Encrypt Key is configured but a signature header is missing.
    #[error("the delivery has no {0} header; with an Encrypt Key set, every event must be signed")]
    MissingSignature(&'static str),
    /// The signature does not match the body: not sent by the platform, or altered.
    #[error("the delivery's signature does not match its body")]
    BadSignature,
    /// The signature's timestamp is not a number, or too far from now (a replay).
    #[error("the delivery's timestamp is {age_seconds} s away from now, more than the {max_seconds} s allowed")]
    StaleSignature {
        /// How far the timestamp is from now, in seconds (`u64::MAX`: not a number).
        age_seconds: u64,
        /// The allowed distance.
        max_seconds: u64,
    },
    /// The Verification Token is missing or is not this app's.
    #[error("the delivery's Verification Token is missing or wrong")]
    WrongToken,
    /// The delivery is neither a challenge nor an event in a known envelope.
    #[error("the delivery is not an event: {0}")]
    Envelope(String),
    /// The event's body does not fit its type.
    #[error("event {event_id} ({event_type}) does not fit its type: {reason}")]
    Payload {
        /// The event type.
        event_type: String,
        /// The event id.
        event_id: String,
        /// What did not fit.
        reason: String,
    },
    /// The handler failed; the platform will deliver the event again.
    #[error("the handler of event {event_id} ({event_type}) failed: {source}")]
    Handler {
        /// The event type.
        event_type: String,
        /// The event id.
        event_id: String,
        /// The handler's error.
        source: HandlerError,
    },
}

impl EventError {
    /// The HTTP status to answer with: 400 for a malformed delivery, 401 for one that fails verification,
    /// 500 for a handler's failure (so that the platform delivers it again).
    pub fn http_status(&self) -> u16 {
        match self {
            Self::NotJson(_) | Self::Envelope(_) | Self::Payload { .. } => 400,
            Self::NoEncryptKey | Self::Decrypt(_) => 400,
            Self::MissingSignature(_) | Self::BadSignature | Self::StaleSignature { .. } | Self::WrongToken => 401,
            Self::Handler { .. } => 500,
        }
    }
}

/// What the dispatcher did with a delivery it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dispatched {
    /// The platform's URL-verification challenge: answered with its value.
    Challenge {
        /// The value the answer echoes.
        challenge: String,
    },
    /// Routed the event to its handler, which succeeded.
    Handled {
        /// The event type.
        event_type: String,
        /// The event id.
        event_id: String,
    },
    /// Routed the event to its handler, which succeeded with a reply for the platform (a card callback's
    /// toast or updated card).
    Replied {
        /// The event type.
        event_type: String,
        /// The event id.
        event_id: String,
        /// The handler's reply, sent back as the answer's body (webhook) or `data` (long connection).
        reply: Value,
    },
    /// An event id already handled: a redelivery, acknowledged and not handled again.
    Duplicate {
        /// The event type.
        event_type: String,
        /// The event id.
        event_id: String,
    },
    /// No handler is registered for the type: acknowledged so that the platform stops sending it.
    Unhandled {
        /// The event type.
        event_type: String,
        /// The event id.
        event_id: String,
    },
}

/// An HTTP answer for the platform, independent of any web framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventReply {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Bytes,
}

impl EventReply {
    /// The `Content-Type` of every reply.
    pub const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: Bytes::from(body.to_string()),
        }
    }
}

/// Builds an [`EventDispatcher`].
#[must_use]
pub struct EventDispatcherBuilder {
    verification_token: Option<SecretText>,
    encrypt_key: Option<EncryptKey>,
    max_signature_age: Option<Duration>,
    remember_for: Duration,
    remember_at_most: usize,
    handlers: HashMap<String, Handler>,
    fallback: Option<Handler>,
}

/// Receives callback requests: verifies, decrypts, deduplicates and routes them to typed handlers.
/// Cheap to share behind an `Arc`; handlers run on the caller's task.
pub struct EventDispatcher {
    verification_token: Option<SecretText>,
    encrypt_key: Option<EncryptKey>,
    max_signature_age: Option<Duration>,
    handlers: HashMap<String, Handler>,
    fallback: Option<Handler>,
    seen: Mutex<SeenEvents>,
}

impl EventDispatcher {
    /// A builder: no token or key checks, redeliveries remembered for 8 hours (the platform retries for
    /// about 7), at most 100,000 ids.
    pub fn builder() -> EventDispatcherBuilder {
        EventDispatcherBuilder {
            verification_token: None,
            encrypt_key: None,
            max_signature_age: Some(Duration::from_secs(300)),
            remember_for: Duration::from_secs(8 * 3600),
            remember_at_most: 100_000,
            handlers: HashMap::new(),
            fallback: None,
        }
    }
}

impl EventDispatcherBuilder {
    /// The app's Verification Token: deliveries (and challenges) carrying another are refused.
    pub fn verification_token(mut self, token: impl Into<SecretText>) -> Self {
        self.verification_token = Some(token.into());
        self
    }

    /// The app's Encrypt Key: deliveries are decrypted with it, and every event must carry a valid
    /// signature (the challenge is not signed by the platform).
    pub fn encrypt_key(mut self, key: impl Into<SecretText>) -> Self {
        self.encrypt_key = Some(EncryptKey::new(key));
        self
    }

    /// How far a signature's timestamp may be from now (default 5 minutes; `None`: not checked).
    pub fn max_signature_age(mut self, age: Option<Duration>) -> Self {
        self.max_signature_age = age;
        self
    }

    /// How long and how many handled event ids are remembered to drop redeliveries.
    pub fn remember_events(mut self, for_at_least: Duration, at_most: usize) -> Self {
        self.remember_for = for_at_least;
        self.remember_at_most = at_most;
        self
    }

    /// Routes events of type `E` to `handler`, which gets the header and the typed body. The handler
    /// returns `()` or a `Result`; an error answers 500, so the platform delivers the event again.
    pub fn on<E, F, Fut>(mut self, handler: F) -> Self
    where
        E: Event,
        F: Fn(EventHeader, E) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerOutcome,
    {
        let handler = Arc::new(handler);
        let erased: Handler = Arc::new(move |header, body| {
            let handler = Arc::clone(&handler);
            Box::pin(async move {
                let event: E =
                    crate::lenient::from_value(body).map_err(|error| RouteError::Payload(error.to_string()))?;
                handler(header, event).await.into_result().map_err(RouteError::Handler)
            })
        });
        self.handlers.insert(E::EVENT_TYPE.to_owned(), erased);
        self
    }

    /// Gets every event no typed handler takes, with its body as JSON (e.g. to log or forward it).
    pub fn fallback<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(EventHeader, Value) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerOutcome,
    {
        let handler = Arc::new(handler);
        self.fallback = Some(Arc::new(move |header, body| {
            let handler = Arc::clone(&handler);
            Box::pin(async move { handler(header, body).await.into_result().map_err(RouteError::Handler) })
        }));
        self
    }

    /// The dispatcher.
    pub fn build(self) -> EventDispatcher {
        EventDispatcher {
            verification_token: self.verification_token,
            encrypt_key: self.encrypt_key,
            max_signature_age: self.max_signature_age,
            handlers: self.handlers,
            fallback: self.fallback,
            seen: Mutex::new(SeenEvents::new(self.remember_for, self.remember_at_most)),
        }
    }
}

impl EventDispatcher {
    /// Handles one callback request and gives the answer to send; refusals are logged as warnings.
    pub async fn handle(&self, headers: &HeaderMap, body: &[u8]) -> EventReply {
        let outcome = self.dispatch(headers, body).await;
        if let Err(error) = &outcome {
            tracing::warn!(status = error.http_status(), "event delivery refused: {error}");
        }
        Self::reply(&outcome)
    }

    /// The answer for an outcome of [`dispatch`](Self::dispatch).
    pub fn reply(outcome: &Result<Dispatched, EventError>) -> EventReply {
        match outcome {
            Ok(Dispatched::Challenge { challenge }) => EventReply::json(200, &json!({ "challenge": challenge })),
            Ok(Dispatched::Replied { reply, .. }) => EventReply::json(200, reply),
            Ok(_) => EventReply::json(200, &json!({ "msg": "success" })),
            Err(error) => EventReply::json(error.http_status(), &json!({ "msg": error.to_string() })),
        }
    }

    /// Verifies, decrypts, deduplicates and routes one callback request, saying what was done.
    pub async fn dispatch(&self, headers: &HeaderMap, body: &[u8]) -> Result<Dispatched, EventError> {
        if let Some(key) = &self.encrypt_key {
            match signature_headers(headers) {
                // Checked before anything is decrypted: a forged ciphertext learns nothing.
                Ok(signed) => self.check_signature(key, signed, body)?,
                // The platform does not sign its URL check: an unsigned delivery may be that and nothing
                // else, and every other unsigned one is refused alike, whatever decrypting it gave (no
                // padding oracle).
                Err(missing) => {
                    return match self.open(body) {
                        Ok(Envelope::Challenge { challenge, token }) => self.challenge(challenge, token),
                        _ => Err(missing),
                    };
                }
            }
        }
        match self.open(body)? {
            Envelope::Challenge { challenge, token } => self.challenge(challenge, token),
            Envelope::Event(delivery) => {
                self.check_token(delivery.header.token.as_deref())?;
                self.route(delivery).await
            }
        }
    }

    /// Deduplicates and routes one delivery that came over an authenticated channel (the long
    /// connection): plain JSON, no signature, no encryption, no URL check; the Verification Token is not
    /// required, since the connection itself was opened with the app's secret.
    pub async fn dispatch_plain(&self, payload: &[u8]) -> Result<Dispatched, EventError> {
        let value: Value = serde_json::from_slice(payload).map_err(|error| EventError::NotJson(error.to_string()))?;
        match envelope::read(value).map_err(EventError::Envelope)? {
            Envelope::Challenge { .. } => Err(EventError::Envelope(
                "a URL check does not come over the long connection".to_owned(),
            )),
            Envelope::Event(delivery) => self.route(delivery).await,
        }
    }

    fn challenge(&self, challenge: String, token: Option<String>) -> Result<Dispatched, EventError> {
        self.check_token(token.as_deref())?;
        Ok(Dispatched::Challenge { challenge })
    }

    /// The delivery's JSON, decrypted when it is encrypted, read into its envelope.
    fn open(&self, body: &[u8]) -> Result<Envelope, EventError> {
        let outer: Value = serde_json::from_slice(body).map_err(|error| EventError::NotJson(error.to_string()))?;
        let inner = match outer.get("encrypt").and_then(Value::as_str) {
            Some(encrypted) => {
                let key = self.encrypt_key.as_ref().ok_or(EventError::NoEncryptKey)?;
                let plain = key.decrypt(encrypted)?;
                serde_json::from_slice(&plain)
                    .map_err(|error| EventError::NotJson(format!("the decrypted delivery: {error}")))?
            }
            None => outer,
        };
        envelope::read(inner).map_err(EventError::Envelope)
    }

    fn check_signature(&self, key: &EncryptKey, signed: Signed<'_>, body: &[u8]) -> Result<(), EventError> {
        if !key.signature_matches(signed.timestamp, signed.nonce, body, signed.signature) {
            return Err(EventError::BadSignature);
        }
        if let Some(max) = self.max_signature_age {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            let age = signed
                .timestamp
                .trim()
                .parse::<u64>()
                .map_or(u64::MAX, |sent| now.abs_diff(sent));
            if age > max.as_secs() {
                return Err(EventError::StaleSignature {
                    age_seconds: age,
                    max_seconds: max.as_secs(),
                });
            }
        }
        Ok(())
    }

    fn check_token(&self, token: Option<&str>) -> Result<(), EventError> {
        let Some(expected) = &self.verification_token else {
            return Ok(());
        };
        let matches =
            token.is_some_and(|token| bool::from(token.as_bytes().ct_eq(expected.expose_secret().as_bytes())));
        matches.then_some(()).ok_or(EventError::WrongToken)
    }

    async fn route(&self, delivery: Delivery) -> Result<Dispatched, EventError> {
        let Delivery { header, body } = delivery;
        let (event_type, event_id) = (header.event_type.clone(), header.event_id.clone());
        let Some(handler) = self.handlers.get(&event_type).or(self.fallback.as_ref()).cloned() else {
            tracing::debug!(%event_type, %event_id, "no handler for this event type");
            return Ok(Dispatched::Unhandled { event_type, event_id });
        };
        if !self.seen().take(&event_id, Instant::now()) {
            tracing::debug!(%event_type, %event_id, "redelivery of an event already taken");
            return Ok(Dispatched::Duplicate { event_type, event_id });
        }
        // A panicking handler has not handled the event either: caught, so that its id is released.
        let outcome = AssertUnwindSafe(handler(header, body))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(RouteError::Handler("the handler panicked".into())));
        match outcome {
            Ok(None) => Ok(Dispatched::Handled { event_type, event_id }),
            Ok(Some(reply)) => Ok(Dispatched::Replied {
                event_type,
                event_id,
                reply,
            }),
            Err(error) => {
                // Not handled after all: the platform's redelivery must reach the handler again.
                self.seen().release(&event_id);
                Err(match error {
                    RouteError::Payload(reason) => EventError::Payload {
                        event_type,
                        event_id,
                        reason,
                    },
                    RouteError::Handler(source) => EventError::Handler {
                        event_type,
                        event_id,
                        source,
                    },
                })
            }
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, SeenEvents> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The three signature headers of a delivery.
struct Signed<'a> {
    timestamp: &'a str,
    nonce: &'a str,
    signature: &'a str,
}

fn signature_headers(headers: &HeaderMap) -> Result<Signed<'_>, EventError> {
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .ok_or(EventError::MissingSignature(name))
    };
    Ok(Signed {
        timestamp: header(TIMESTAMP_HEADER)?,
        nonce: header(NONCE_HEADER)?,
        signature: header(SIGNATURE_HEADER)?,
    })
}

impl fmt::Debug for EventDispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut types: Vec<&String> = self.handlers.keys().collect();
        types.sort();
        f.debug_struct("EventDispatcher")
            .field(
                "verification_token",
                &self.verification_token.as_ref().map(|_| "<redacted>"),
            )
            .field("encrypt_key", &self.encrypt_key)
            .field("max_signature_age", &self.max_signature_age)
            .field("event_types", &types)
            .field("fallback", &self.fallback.is_some())
            .finish_non_exhaustive()
    }
}
