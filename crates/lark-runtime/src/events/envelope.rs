//! The envelope of a decrypted delivery: a URL-verification challenge, or an event in the 2.0 or the
//! older 1.0 form, read into one header shape.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::EventSchema;

/// Who sent an event, and which one it is: the 2.0 `header`, or the same facts read from a 1.0 delivery.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct EventHeader {
    /// The event's unique id (`header.event_id`, or a 1.0 delivery's `uuid`): redeliveries repeat it.
    pub event_id: String,
    /// The event type, e.g. `attendance.user_task.updated_v1` (a 1.0 delivery's `event.type`).
    pub event_type: String,
    /// When the event was sent (`header.create_time` in milliseconds, or a 1.0 delivery's `ts` in seconds).
    pub create_time: Option<String>,
    /// The app the event is for.
    pub app_id: Option<String>,
    /// The tenant the event happened in (store apps serve many).
    pub tenant_key: Option<String>,
    /// The envelope it came in.
    pub schema: EventSchema,
    /// The Verification Token the delivery carried; checked by the dispatcher, never printed.
    #[serde(skip)]
    pub(crate) token: Option<String>,
}

impl fmt::Debug for EventHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventHeader")
            .field("event_id", &self.event_id)
            .field("event_type", &self.event_type)
            .field("create_time", &self.create_time)
            .field("app_id", &self.app_id)
            .field("tenant_key", &self.tenant_key)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// A decrypted delivery.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Envelope {
    /// The platform checks the callback URL: answer with `challenge`.
    Challenge { challenge: String, token: Option<String> },
    /// An event.
    Event(Delivery),
}

/// An event as delivered: its header and its untyped body.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Who sent it and which event it is.
    pub header: EventHeader,
    /// The `event` object, for the handler of its type to decode.
    pub body: Value,
}

/// Reads a decrypted delivery. The error says what is missing, never what a token is.
pub(crate) fn read(value: Value) -> Result<Envelope, String> {
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    if text("/type").as_deref() == Some("url_verification") {
        let challenge = text("/challenge").ok_or("a url_verification request without `challenge`")?;
        return Ok(Envelope::Challenge {
            challenge,
            token: text("/token"),
        });
    }
    let body = value.get("event").filter(|event| event.is_object()).cloned();
    if text("/schema").as_deref() == Some("2.0") {
        let header = EventHeader {
            event_id: text("/header/event_id").ok_or("a 2.0 delivery without `header.event_id`")?,
            event_type: text("/header/event_type").ok_or("a 2.0 delivery without `header.event_type`")?,
            create_time: text("/header/create_time"),
            app_id: text("/header/app_id"),
            tenant_key: text("/header/tenant_key"),
            schema: EventSchema::V2,
            token: text("/header/token"),
        };
        let body = body.ok_or("a 2.0 delivery without an `event` object")?;
        return Ok(Envelope::Event(Delivery { header, body }));
    }
    if text("/type").as_deref() == Some("event_callback") {
        let header = EventHeader {
            event_id: text("/uuid").ok_or("a 1.0 delivery without `uuid`")?,
            event_type: text("/event/type").ok_or("a 1.0 delivery without `event.type`")?,
            create_time: text("/ts"),
            app_id: text("/event/app_id"),
            tenant_key: text("/event/tenant_key"),
            schema: EventSchema::V1,
            token: text("/token"),
        };
        let body = body.ok_or("a 1.0 delivery without an `event` object")?;
        return Ok(Envelope::Event(Delivery { header, body }));
    }
    Err(
        "neither a 2.0 event (`schema`), a 1.0 event (`type: event_callback`) nor a url_verification request"
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_both_envelopes_and_the_challenge() {
        let v2 = json!({"schema": "2.0", "header": {"event_id": "e1", "event_type": "a.b_v1", "token": "t", "tenant_key": "k"}, "event": {"x": 1}});
        let Ok(Envelope::Event(delivery)) = read(v2) else {
            panic!("not an event")
        };
        assert_eq!(
            (delivery.header.event_id.as_str(), delivery.header.schema),
            ("e1", EventSchema::V2)
        );
        assert_eq!(delivery.header.tenant_key.as_deref(), Some("k"));
        assert_eq!(delivery.body, json!({"x": 1}));

        let v1 = json!({"uuid": "u1", "token": "t", "ts": "1.5", "type": "event_callback", "event": {"type": "app_ticket", "app_id": "cli_1"}});
        let Ok(Envelope::Event(delivery)) = read(v1) else {
            panic!("not an event")
        };
        assert_eq!(
            (delivery.header.event_type.as_str(), delivery.header.schema),
            ("app_ticket", EventSchema::V1)
        );
        assert_eq!(delivery.header.app_id.as_deref(), Some("cli_1"));
        assert!(!format!("{:?}", delivery.header).contains("token"));

        let challenge = json!({"type": "url_verification", "challenge": "c", "token": "t"});
        assert_eq!(
            read(challenge),
            Ok(Envelope::Challenge {
                challenge: "c".into(),
                token: Some("t".into())
            })
        );
    }

    #[test]
    fn says_what_is_missing() {
        let error = read(json!({"schema": "2.0", "header": {"event_type": "x"}, "event": {}})).unwrap_err();
        assert!(error.contains("header.event_id"), "{error}");
        assert!(read(json!({"hello": 1})).unwrap_err().contains("neither"));
    }
}
