//! The event dispatcher, driven the way the platform drives a callback URL: deliveries sealed and
//! signed with the sender's half of the same API, then checked for what the handlers saw and what the
//! platform is answered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use lark_runtime::events::{
    DecryptError, Dispatched, EncryptKey, Event, EventDispatcher, EventDispatcherBuilder, EventError, EventHeader,
    EventSchema, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use lark_runtime::generated::auth::v3::events::app_ticket::AppTicket;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

const ENCRYPT_KEY: &str = "ek-7Hq2xVw9LmC4";
const TOKEN: &str = "vt-Rm4pZk81Qa6s";
const OTHER_TOKEN: &str = "vt-other-Jd03Ye";
const USER_TASK: &str = "attendance.user_task.updated_v1";

/// A small 2.0 event, shaped like the generated ones.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct UserTaskUpdated {
    employee_id: Option<String>,
    status_changes: Option<Vec<Value>>,
}

impl Event for UserTaskUpdated {
    const EVENT_TYPE: &'static str = USER_TASK;
    const SCHEMA: EventSchema = EventSchema::V2;
    const SUMMARY: &'static str = "A user's attendance task changed.";
    const EXAMPLE: Option<&'static str> = None;
}

type Received = Arc<Mutex<Vec<(EventHeader, UserTaskUpdated)>>>;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A 2.0 delivery of the test event, in plain text.
fn user_task(event_id: &str, token: &str, event: Value) -> Value {
    json!({
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "event_type": USER_TASK,
            "create_time": "1700000000000",
            "token": token,
            "app_id": "cli_1",
            "tenant_key": "tenant-1",
        },
        "event": event,
    })
}

fn task_body() -> Value {
    json!({"employee_id": "emp-1", "status_changes": [{"check_type": "on"}]})
}

/// What the platform sends for `plain`: `{"encrypt": ...}` under the Encrypt Key, signed at `timestamp`.
fn sealed(plain: &Value, timestamp: u64) -> (HeaderMap, Vec<u8>) {
    let encrypted = EncryptKey::new(ENCRYPT_KEY).encrypt(plain.to_string().as_bytes(), [9; 16]);
    signed(json!({ "encrypt": encrypted }).to_string().into_bytes(), timestamp)
}

/// `body` with the three signature headers, signed with the Encrypt Key.
fn signed(body: Vec<u8>, timestamp: u64) -> (HeaderMap, Vec<u8>) {
    let (timestamp, nonce) = (timestamp.to_string(), "nonce-1");
    let signature = EncryptKey::new(ENCRYPT_KEY).signature(&timestamp, nonce, &body);
    let mut headers = HeaderMap::new();
    headers.insert(TIMESTAMP_HEADER, HeaderValue::from_str(&timestamp).unwrap());
    headers.insert(NONCE_HEADER, HeaderValue::from_static(nonce));
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&signature).unwrap());
    (headers, body)
}

/// A builder with this app's Verification Token and Encrypt Key.
fn secured() -> EventDispatcherBuilder {
    EventDispatcher::builder()
        .verification_token(TOKEN)
        .encrypt_key(ENCRYPT_KEY)
}

/// `builder` with a handler of the test event that records what it gets.
fn recording(builder: EventDispatcherBuilder) -> (EventDispatcher, Received) {
    let received = Received::default();
    let sink = Arc::clone(&received);
    let dispatcher = builder
        .on(move |header: EventHeader, event: UserTaskUpdated| {
            sink.lock().unwrap().push((header, event));
            async {}
        })
        .build();
    (dispatcher, received)
}

/// Dispatches a delivery that must be refused; gives the error and the answer's status, after checking
/// that neither the error nor the answer quotes a secret or the ciphertext.
async fn refused(dispatcher: &EventDispatcher, headers: &HeaderMap, body: &[u8]) -> (EventError, u16) {
    let outcome = dispatcher.dispatch(headers, body).await;
    let reply = EventDispatcher::reply(&outcome);
    let error = outcome.expect_err("the delivery was accepted");
    let ciphertext = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|outer| outer.get("encrypt").and_then(Value::as_str).map(str::to_owned));
    let printed = [
        error.to_string(),
        format!("{error:?}"),
        String::from_utf8_lossy(&reply.body).into_owned(),
    ];
    for text in &printed {
        assert_quiet(text, ciphertext.as_deref());
    }
    (error, reply.status)
}

fn assert_quiet(text: &str, ciphertext: Option<&str>) {
    let ciphertext = ciphertext.into_iter().flat_map(|c| [c, &c[..16.min(c.len())]]);
    for secret in [ENCRYPT_KEY, TOKEN, OTHER_TOKEN].into_iter().chain(ciphertext) {
        assert!(!text.contains(secret), "{text:?} quotes a secret");
    }
}

#[tokio::test]
async fn answers_a_plain_challenge_with_the_right_token_only() {
    let dispatcher = EventDispatcher::builder().verification_token(TOKEN).build();
    let body = json!({"challenge": "c1", "token": TOKEN, "type": "url_verification"}).to_string();

    let outcome = dispatcher.dispatch(&HeaderMap::new(), body.as_bytes()).await;
    assert_eq!(outcome.unwrap(), Dispatched::Challenge { challenge: "c1".into() });
    let reply = dispatcher.handle(&HeaderMap::new(), body.as_bytes()).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&reply.body).unwrap(),
        json!({"challenge": "c1"})
    );

    let body = json!({"challenge": "c1", "token": OTHER_TOKEN, "type": "url_verification"}).to_string();
    let (error, status) = refused(&dispatcher, &HeaderMap::new(), body.as_bytes()).await;
    assert!(matches!(error, EventError::WrongToken), "{error:?}");
    assert_eq!(status, 401);
    assert_eq!(dispatcher.handle(&HeaderMap::new(), body.as_bytes()).await.status, 401);
}

#[tokio::test]
async fn answers_an_encrypted_unsigned_challenge() {
    let dispatcher = secured().build();
    let challenge = json!({"challenge": "c2", "token": TOKEN, "type": "url_verification"});
    let (_, body) = sealed(&challenge, now());

    let reply = dispatcher.handle(&HeaderMap::new(), &body).await;
    assert_eq!(
        (reply.status, serde_json::from_slice::<Value>(&reply.body).unwrap()),
        (200, json!({"challenge": "c2"}))
    );
    let outcome = dispatcher.dispatch(&HeaderMap::new(), &body).await;
    assert_eq!(outcome.unwrap(), Dispatched::Challenge { challenge: "c2".into() });
}

#[tokio::test]
async fn routes_a_signed_encrypted_delivery_to_its_typed_handler() {
    let (dispatcher, received) = recording(secured());
    let (headers, body) = sealed(&user_task("ev-1", TOKEN, task_body()), now());

    let outcome = dispatcher.dispatch(&headers, &body).await;
    assert_eq!(
        outcome.unwrap(),
        Dispatched::Handled {
            event_type: USER_TASK.into(),
            event_id: "ev-1".into()
        }
    );
    let received = received.lock().unwrap();
    let [(header, event)] = received.as_slice() else {
        panic!("the handler ran {} times", received.len())
    };
    assert_eq!(event.employee_id.as_deref(), Some("emp-1"));
    assert_eq!(event.status_changes, Some(vec![json!({"check_type": "on"})]));
    assert_eq!(
        (header.event_id.as_str(), header.event_type.as_str()),
        ("ev-1", USER_TASK)
    );
    assert_eq!(
        (header.tenant_key.as_deref(), header.app_id.as_deref()),
        (Some("tenant-1"), Some("cli_1"))
    );
    assert_eq!(header.schema, EventSchema::V2);
    assert_quiet(&format!("{header:?}"), None);
}

#[tokio::test]
async fn refuses_a_wrong_signature_without_running_the_handler() {
    let (dispatcher, received) = recording(secured());
    let (mut headers, body) = sealed(&user_task("ev-1", TOKEN, task_body()), now());
    let timestamp = headers[TIMESTAMP_HEADER].to_str().unwrap().to_owned();
    let forged = EncryptKey::new("not-the-key").signature(&timestamp, "nonce-1", &body);
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&forged).unwrap());

    let (error, status) = refused(&dispatcher, &headers, &body).await;
    assert!(matches!(error, EventError::BadSignature), "{error:?}");
    assert_eq!(status, 401);

    // The right signature over another nonce does not fit either.
    let (mut headers, body) = sealed(&user_task("ev-1", TOKEN, task_body()), now());
    headers.insert(NONCE_HEADER, HeaderValue::from_static("nonce-2"));
    let (error, _) = refused(&dispatcher, &headers, &body).await;
    assert!(matches!(error, EventError::BadSignature), "{error:?}");
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_encrypt_key_requires_every_signature_header() {
    let (dispatcher, received) = recording(secured());
    let (headers, body) = sealed(&user_task("ev-1", TOKEN, task_body()), now());

    let (error, status) = refused(&dispatcher, &HeaderMap::new(), &body).await;
    assert!(matches!(error, EventError::MissingSignature(_)), "{error:?}");
    assert_eq!(status, 401);
    for name in [TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER] {
        let mut partial = headers.clone();
        partial.remove(name);
        let (error, _) = refused(&dispatcher, &partial, &body).await;
        assert!(
            matches!(error, EventError::MissingSignature(missing) if missing == name),
            "{error:?}"
        );
    }
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn refuses_a_stale_timestamp_unless_the_age_is_not_checked() {
    let delivery = user_task("ev-1", TOKEN, task_body());
    let (headers, body) = sealed(&delivery, now() - 3600);

    let (dispatcher, received) = recording(secured());
    let (error, status) = refused(&dispatcher, &headers, &body).await;
    assert!(
        matches!(error, EventError::StaleSignature { age_seconds, max_seconds: 300 } if age_seconds >= 3600),
        "{error:?}"
    );
    assert_eq!(status, 401);
    assert!(received.lock().unwrap().is_empty());

    let (lenient, received) = recording(secured().max_signature_age(None));
    let outcome = lenient.dispatch(&headers, &body).await;
    assert!(matches!(outcome, Ok(Dispatched::Handled { .. })), "{outcome:?}");
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn refuses_a_signed_delivery_with_another_token() {
    let (dispatcher, received) = recording(secured());
    let (headers, body) = sealed(&user_task("ev-1", OTHER_TOKEN, task_body()), now());

    let (error, status) = refused(&dispatcher, &headers, &body).await;
    assert!(matches!(error, EventError::WrongToken), "{error:?}");
    assert_eq!(status, 401);
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_truncated_ciphertext_is_a_decrypt_error() {
    let (dispatcher, received) = recording(secured());
    let (_, body) = sealed(&user_task("ev-1", TOKEN, task_body()), now());
    let outer: Value = serde_json::from_slice(&body).unwrap();
    let encrypted = outer["encrypt"].as_str().unwrap();
    // Four base64 characters less: still base64, but no longer whole 16-byte blocks.
    let cut = json!({ "encrypt": &encrypted[..encrypted.len() - 4] }).to_string();
    let (headers, body) = signed(cut.into_bytes(), now());

    let (error, status) = refused(&dispatcher, &headers, &body).await;
    assert!(
        matches!(error, EventError::Decrypt(DecryptError::BadLength(_))),
        "{error:?}"
    );
    assert_eq!(status, 400);
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_encrypted_delivery_needs_an_encrypt_key() {
    let (dispatcher, received) = recording(EventDispatcher::builder().verification_token(TOKEN));
    let (headers, body) = sealed(&user_task("ev-1", TOKEN, task_body()), now());

    let (error, status) = refused(&dispatcher, &headers, &body).await;
    assert!(matches!(error, EventError::NoEncryptKey), "{error:?}");
    assert_eq!(status, 400);
    assert!(received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_redelivery_is_handled_once() {
    let (dispatcher, received) = recording(secured());
    let (headers, body) = sealed(&user_task("ev-1", TOKEN, task_body()), now());

    let first = dispatcher.dispatch(&headers, &body).await;
    assert_eq!(
        first.unwrap(),
        Dispatched::Handled {
            event_type: USER_TASK.into(),
            event_id: "ev-1".into()
        }
    );
    let again = dispatcher.dispatch(&headers, &body).await;
    assert_eq!(
        again.unwrap(),
        Dispatched::Duplicate {
            event_type: USER_TASK.into(),
            event_id: "ev-1".into()
        }
    );
    assert_eq!(dispatcher.handle(&headers, &body).await.status, 200);
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failed_handler_answers_500_and_its_redelivery_runs_again() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let dispatcher = secured()
        .on(move |_: EventHeader, _: UserTaskUpdated| {
            let call = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if call == 0 {
                    Err("database down".to_owned())
                } else {
                    Ok(())
                }
            }
        })
        .build();
    let (headers, body) = sealed(&user_task("ev-1", TOKEN, task_body()), now());

    let (error, status) = refused(&dispatcher, &headers, &body).await;
    let EventError::Handler {
        event_type,
        event_id,
        source,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((event_type.as_str(), event_id.as_str()), (USER_TASK, "ev-1"));
    assert_eq!(source.to_string(), "database down");
    assert_eq!(status, 500);

    let redelivery = dispatcher.dispatch(&headers, &body).await;
    assert_eq!(
        redelivery.unwrap(),
        Dispatched::Handled {
            event_type: USER_TASK.into(),
            event_id: "ev-1".into()
        }
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn routes_a_1_0_delivery_to_its_typed_handler() {
    let tickets = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&tickets);
    let dispatcher = EventDispatcher::builder()
        .verification_token(TOKEN)
        .on(move |header: EventHeader, event: AppTicket| {
            sink.lock().unwrap().push((header, event));
            async {}
        })
        .build();
    let body = json!({
        "ts": "1502199207.7171419",
        "uuid": "u1",
        "token": TOKEN,
        "type": "event_callback",
        "event": {"app_id": "cli_1", "app_ticket": "tk", "type": "app_ticket"},
    })
    .to_string();

    let outcome = dispatcher.dispatch(&HeaderMap::new(), body.as_bytes()).await;
    assert_eq!(
        outcome.unwrap(),
        Dispatched::Handled {
            event_type: "app_ticket".into(),
            event_id: "u1".into()
        }
    );
    let tickets = tickets.lock().unwrap();
    let [(header, ticket)] = tickets.as_slice() else {
        panic!("the handler ran {} times", tickets.len())
    };
    assert_eq!(ticket.app_ticket.as_ref().map(|t| t.expose_secret()), Some("tk"));
    assert_eq!(ticket.app_id.as_deref(), Some("cli_1"));
    assert_eq!(
        (header.schema, header.app_id.as_deref()),
        (EventSchema::V1, Some("cli_1"))
    );
    assert_eq!(header.create_time.as_deref(), Some("1502199207.7171419"));
}

#[tokio::test]
async fn an_event_without_a_handler_is_acknowledged_or_reaches_the_fallback() {
    let delivery = json!({
        "schema": "2.0",
        "header": {"event_id": "ev-9", "event_type": "im.message.receive_v1", "token": TOKEN},
        "event": {"message": {"message_id": "om_1"}},
    })
    .to_string();

    let (dispatcher, received) = recording(EventDispatcher::builder().verification_token(TOKEN));
    let outcome = dispatcher.dispatch(&HeaderMap::new(), delivery.as_bytes()).await;
    assert_eq!(
        outcome.unwrap(),
        Dispatched::Unhandled {
            event_type: "im.message.receive_v1".into(),
            event_id: "ev-9".into()
        }
    );
    assert_eq!(
        dispatcher.handle(&HeaderMap::new(), delivery.as_bytes()).await.status,
        200
    );
    assert!(received.lock().unwrap().is_empty());

    let fallen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&fallen);
    let builder =
        EventDispatcher::builder()
            .verification_token(TOKEN)
            .fallback(move |header: EventHeader, body: Value| {
                sink.lock().unwrap().push((header.event_type, body));
                async {}
            });
    let (dispatcher, received) = recording(builder);
    let outcome = dispatcher.dispatch(&HeaderMap::new(), delivery.as_bytes()).await;
    assert_eq!(
        outcome.unwrap(),
        Dispatched::Handled {
            event_type: "im.message.receive_v1".into(),
            event_id: "ev-9".into()
        }
    );
    assert_eq!(
        *fallen.lock().unwrap(),
        [(
            "im.message.receive_v1".to_owned(),
            json!({"message": {"message_id": "om_1"}})
        )]
    );

    // A type with a typed handler does not reach the fallback.
    let typed = user_task("ev-10", TOKEN, task_body()).to_string();
    dispatcher.dispatch(&HeaderMap::new(), typed.as_bytes()).await.unwrap();
    assert_eq!((received.lock().unwrap().len(), fallen.lock().unwrap().len()), (1, 1));
}

#[tokio::test]
async fn a_body_that_does_not_fit_its_type_is_a_payload_error() {
    let (dispatcher, received) = recording(secured());
    let misfit = json!({"employee_id": {"id": "emp-1"}});
    let (headers, body) = sealed(&user_task("ev-1", TOKEN, misfit), now());

    let (error, status) = refused(&dispatcher, &headers, &body).await;
    let EventError::Payload {
        event_type,
        event_id,
        reason,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((event_type.as_str(), event_id.as_str()), (USER_TASK, "ev-1"));
    assert!(
        reason.contains("employee_id") || reason.contains("invalid type"),
        "{reason}"
    );
    assert_eq!(status, 400);
    assert!(received.lock().unwrap().is_empty());
    // Not remembered as handled: the redelivery is read again, not acknowledged as a duplicate.
    let (error, _) = refused(&dispatcher, &headers, &body).await;
    assert!(matches!(error, EventError::Payload { .. }), "{error:?}");
}

#[tokio::test]
async fn secrets_never_print() {
    let builder = secured().fallback(|_: EventHeader, _: Value| async {});
    let (dispatcher, _) = recording(builder);
    for printed in [
        format!("{dispatcher:?}"),
        format!("{dispatcher:#?}"),
        format!("{:?}", EncryptKey::new(ENCRYPT_KEY)),
    ] {
        assert_quiet(&printed, None);
    }
    assert!(
        format!("{dispatcher:?}").contains(USER_TASK),
        "the Debug output lists the routed types"
    );
    // Every refusal above went through `refused`, which checks its error's Display and Debug and the
    // answer's body; these are the ones that carry the most of the delivery.
    let (headers, body) = sealed(&user_task("ev-1", OTHER_TOKEN, task_body()), now() - 3600);
    for dispatcher in [
        secured().build(),
        secured().max_signature_age(None).build(),
        EventDispatcher::builder().build(),
    ] {
        refused(&dispatcher, &headers, &body).await;
    }
}

/// No padding oracle: a forged ciphertext is refused for its signature before it is decrypted, and an
/// unsigned one that is not a challenge is refused alike whatever decrypting it gives.
#[tokio::test]
async fn a_forged_ciphertext_is_refused_for_its_signature_before_it_is_decrypted() {
    let dispatcher = secured().build();
    let forged = EncryptKey::new("not-the-key").encrypt(b"{}", [1; 16]);
    let body = json!({ "encrypt": forged }).to_string().into_bytes();
    let (mut headers, _) = signed(body.clone(), now());
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_static("00"));

    let (error, status) = refused(&dispatcher, &headers, &body).await;
    assert!(matches!(error, EventError::BadSignature), "{error:?}");
    assert_eq!(status, 401);

    let unsigned = HeaderMap::new();
    let bad_padding = refused(&dispatcher, &unsigned, &body).await;
    let good_padding = json!({ "encrypt": EncryptKey::new(ENCRYPT_KEY).encrypt(b"not json", [2; 16]) })
        .to_string()
        .into_bytes();
    let not_json = refused(&dispatcher, &unsigned, &good_padding).await;
    assert_eq!(bad_padding.0.to_string(), not_json.0.to_string());
    assert_eq!((bad_padding.1, not_json.1), (401, 401));
}

#[tokio::test]
async fn a_handler_that_panicked_gets_the_redelivery() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let dispatcher = EventDispatcher::builder()
        .fallback(move |_: EventHeader, _: Value| {
            let call = counted.fetch_add(1, Ordering::SeqCst);
            async move { assert!(call > 0, "the first call panics on purpose") }
        })
        .build();
    let delivery = br#"{"schema":"2.0","header":{"event_id":"ev-panic-1","event_type":"x.y_v1"},"event":{}}"#;
    let first = dispatcher.dispatch_plain(delivery).await;
    assert!(matches!(first, Err(EventError::Handler { .. })), "{first:?}");
    let second = dispatcher.dispatch_plain(delivery).await;
    assert!(matches!(second, Ok(Dispatched::Handled { .. })), "{second:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
