//! Receiving events: what the platform pushes to an app's callback URL.
//!
//! Each event spec generates a typed body implementing [`Event`] (e.g.
//! `lark_openapi::attendance::v1::events::user_task_updated_v1::UserTaskUpdatedV1`). An
//! [`EventDispatcher`] takes a callback's raw HTTP request (headers and body bytes) and answers the
//! URL-verification challenge, verifies the signature, decrypts, checks the Verification Token, reads the
//! 2.0 or 1.0 envelope, drops redeliveries of an event it has already handled, and routes the body to
//! the handler registered for its type. The core knows no web framework; the `axum` feature adds a
//! ready handler ([`axum::callback`]).
//!
//! ```no_run
//! # async fn demo(headers: reqwest::header::HeaderMap, body: bytes::Bytes) {
//! use lark_runtime::events::{EventDispatcher, EventHeader};
//! use lark_runtime::generated::auth::v3::events::app_ticket::AppTicket;
//!
//! let dispatcher = EventDispatcher::builder()
//!     .verification_token(std::env::var("LARK_VERIFICATION_TOKEN").unwrap())
//!     .encrypt_key(std::env::var("LARK_ENCRYPT_KEY").unwrap())
//!     .on(|header: EventHeader, event: AppTicket| async move {
//!         println!("ticket for {:?} ({})", event.app_id, header.event_id);
//!     })
//!     .build();
//! let reply = dispatcher.handle(&headers, &body).await;
//! assert_eq!(reply.status, 200);
//! # }
//! ```

#[cfg(feature = "axum")]
pub mod axum;
pub mod card;
mod crypto;
mod dedupe;
mod dispatcher;
mod envelope;
#[cfg(feature = "long-connection")]
pub mod long_connection;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use crypto::{DecryptError, EncryptKey};
pub use dispatcher::{
    Dispatched, EventDispatcher, EventDispatcherBuilder, EventError, EventReply, HandlerError, HandlerOutcome,
    HandlerReply, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
pub use envelope::{Delivery, EventHeader};

/// The envelope of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EventSchema {
    /// `{"schema": "2.0", "header": {...}, "event": {...}}`: the id is `header.event_id`.
    #[serde(rename = "2.0")]
    V2,
    /// The older form: `{"uuid", "token", "ts", "type": "event_callback", "event": {"type", ...}}`; the id is
    /// `uuid` and the type `event.type`.
    #[serde(rename = "1.0")]
    V1,
}

/// The typed body of one event type, generated from its spec.
pub trait Event: DeserializeOwned + Serialize + Send + 'static {
    /// The type string deliveries carry, e.g. `attendance.user_task.updated_v1`.
    const EVENT_TYPE: &'static str;
    /// The envelope its deliveries use.
    const SCHEMA: EventSchema;
    /// One line from the spec.
    const SUMMARY: &'static str;
    /// The reference page's example of a whole delivery.
    const EXAMPLE: Option<&'static str>;
}

/// One event type, with its body type erased: for receivers that print or route any event.
#[derive(Debug, Clone, Copy)]
pub struct EventEntry {
    /// The type string deliveries carry.
    pub event_type: &'static str,
    /// The envelope its deliveries use.
    pub schema: EventSchema,
    /// One line from the spec.
    pub summary: &'static str,
    /// The reference page's example of a whole delivery.
    pub example: Option<&'static str>,
    /// Decodes a delivery's `event` object into the typed body and writes it back: fields the spec does
    /// not know are dropped, named values are checked, numbers read leniently.
    pub decode: fn(Value) -> Result<Value, String>,
}

impl EventEntry {
    /// The entry of event `E`.
    pub const fn of<E: Event>() -> Self {
        Self {
            event_type: E::EVENT_TYPE,
            schema: E::SCHEMA,
            summary: E::SUMMARY,
            example: E::EXAMPLE,
            decode: decode::<E>,
        }
    }
}

fn decode<E: Event>(body: Value) -> Result<Value, String> {
    let event: E = crate::lenient::from_value(body).map_err(|error| error.to_string())?;
    serde_json::to_value(&event).map_err(|error| error.to_string())
}
