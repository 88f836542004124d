//! The emulator as the platform's event sender: deliveries over the long connection when the app has one
//! open, else to a configured callback URL (encrypted and signed when an Encrypt Key is set); in order,
//! built from the generated event types.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lark_openapi::attendance::v1::events::user_flow_created_v1::UserFlowCreatedV1;
use lark_openapi::attendance::v1::events::user_task_updated_v1::{TaskStatusChange, TaskWorkType, UserTaskUpdatedV1};
use lark_openapi::attendance::v1::types::{FlowType, ResultSupplement, TaskStatusValue};
use lark_openapi::runtime::SecretText;
use lark_openapi::runtime::events::{EncryptKey, Event, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use rand::Rng;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::attendance::{CheckResult, PunchRecord, TaskResult};
use crate::long_connection::LongConnections;

/// Where the emulator sends events: the app's callback URL, with its Verification Token and, optionally,
/// its Encrypt Key. `Debug` shows neither secret.
#[derive(Clone)]
pub struct EventSubscription {
    url: String,
    verification_token: SecretText,
    encrypt_key: Option<EncryptKey>,
}

impl EventSubscription {
    /// Deliveries to `url`, carrying `verification_token`, in plain JSON.
    pub fn new(url: impl Into<String>, verification_token: impl Into<SecretText>) -> Self {
        Self {
            url: url.into(),
            verification_token: verification_token.into(),
            encrypt_key: None,
        }
    }

    /// Encrypts every delivery with this Encrypt Key and signs it.
    #[must_use]
    pub fn encrypt_key(mut self, key: impl Into<SecretText>) -> Self {
        self.encrypt_key = Some(EncryptKey::new(key));
        self
    }

    /// The callback URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for EventSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSubscription")
            .field("url", &self.url)
            .field("verification_token", &"[redacted]")
            .field("encrypt_key", &self.encrypt_key)
            .finish()
    }
}

/// Counts of deliveries, for tests and the control API.
#[derive(Debug, Default)]
pub(crate) struct DeliveryCounts {
    pub(crate) delivered: AtomicU64,
    pub(crate) failed: AtomicU64,
}

/// A delivery waiting its turn.
struct Outgoing {
    subscription: Option<EventSubscription>,
    envelope: Value,
}

/// The queue of deliveries, sent one at a time in the order the events happened.
pub(crate) struct Outbox {
    subscription: Mutex<Option<EventSubscription>>,
    queue: mpsc::UnboundedSender<Outgoing>,
    pub(crate) counts: Arc<DeliveryCounts>,
    long_connections: Arc<LongConnections>,
    app_id: String,
    tenant_key: String,
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("subscription", &self.subscription)
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

/// How many times one delivery is tried, and the pause between tries (the platform waits 15 s, then
/// minutes; an emulator serving tests does not).
const ATTEMPTS: u32 = 3;
const RETRY_PAUSE: Duration = Duration::from_millis(300);

impl Outbox {
    /// An outbox and its sending task (which ends when the outbox is dropped).
    pub(crate) fn start(
        subscription: Option<EventSubscription>,
        long_connections: Arc<LongConnections>,
        app_id: &str,
        tenant_key: &str,
    ) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        let counts = Arc::new(DeliveryCounts::default());
        tokio::spawn(send_all(receiver, Arc::clone(&counts), Arc::clone(&long_connections)));
        Self {
            long_connections,
            subscription: Mutex::new(subscription),
            queue,
            counts,
            app_id: app_id.to_owned(),
            tenant_key: tenant_key.to_owned(),
        }
    }

    pub(crate) fn subscribe(&self, subscription: Option<EventSubscription>) {
        *crate::shared::lock(&self.subscription) = subscription;
    }

    fn current(&self) -> Option<EventSubscription> {
        crate::shared::lock(&self.subscription).clone()
    }

    /// Queues a 2.0 delivery of `event`.
    pub(crate) fn send<E: Event>(&self, event: &E) {
        self.enqueue::<E>(|token| {
            json!({
                "schema": "2.0",
                "header": {
                    "event_id": random_id(),
                    "event_type": E::EVENT_TYPE,
                    "create_time": now_millis().to_string(),
                    "token": token,
                    "app_id": self.app_id,
                    "tenant_key": self.tenant_key,
                },
                "event": to_value(event),
            })
        });
    }

    /// Queues a 1.0 delivery of `event` (the form `app_ticket` still uses).
    pub(crate) fn send_v1<E: Event>(&self, event: &E) {
        self.enqueue::<E>(|token| {
            json!({
                "ts": format!("{:.3}", now_millis() as f64 / 1000.0),
                "uuid": random_id(),
                "token": token,
                "type": "event_callback",
                "event": to_value(event),
            })
        });
    }

    /// Queues the envelope `build` makes with the subscription's Verification Token (none over the long
    /// connection); with neither a subscription nor an open long connection the event goes nowhere.
    fn enqueue<E: Event>(&self, build: impl FnOnce(&str) -> Value) {
        let subscription = self.current();
        if subscription.is_none() && !self.long_connections.is_open() {
            tracing::debug!(
                event_type = E::EVENT_TYPE,
                "no event subscription or long connection: the event goes nowhere"
            );
            return;
        }
        let token = subscription
            .as_ref()
            .map(|s| s.verification_token.expose_secret())
            .unwrap_or_default();
        let envelope = build(token);
        let _ = self.queue.send(Outgoing { subscription, envelope });
    }
}

fn to_value(event: &impl Serialize) -> Value {
    // The generated event types always serialize; `Null` would show up in any test reading the event.
    serde_json::to_value(event).unwrap_or(Value::Null)
}

fn random_id() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}

pub(crate) fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

async fn send_all(
    mut receiver: mpsc::UnboundedReceiver<Outgoing>,
    counts: Arc<DeliveryCounts>,
    long_connections: Arc<LongConnections>,
) {
    let http = reqwest::Client::new();
    while let Some(outgoing) = receiver.recv().await {
        let outcome = match (&outgoing.subscription, long_connections.is_open()) {
            (_, true) => long_connections.deliver(&outgoing.envelope, ATTEMPTS).await,
            (Some(subscription), false) => deliver(&http, subscription, &outgoing.envelope).await,
            (None, false) => Err("the long connection closed and no callback URL is set".to_owned()),
        };
        let counter = match outcome {
            Ok(()) => &counts.delivered,
            Err(reason) => {
                tracing::warn!("event delivery failed: {reason}");
                &counts.failed
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

async fn deliver(http: &reqwest::Client, subscription: &EventSubscription, envelope: &Value) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(RETRY_PAUSE).await;
        }
        match post(http, subscription, envelope).await {
            Ok(()) => return Ok(()),
            Err(reason) => last = reason,
        }
    }
    Err(format!("{ATTEMPTS} attempts; the last: {last}"))
}

async fn post(http: &reqwest::Client, subscription: &EventSubscription, envelope: &Value) -> Result<(), String> {
    let plain = envelope.to_string();
    let mut request = http.post(&subscription.url);
    let body = match &subscription.encrypt_key {
        None => plain,
        Some(key) => {
            let body = json!({ "encrypt": key.encrypt(plain.as_bytes(), rand::rng().random()) }).to_string();
            let timestamp = (now_millis() / 1000).to_string();
            let nonce = random_id();
            let signature = key.signature(&timestamp, &nonce, body.as_bytes());
            request = request
                .header(TIMESTAMP_HEADER, timestamp)
                .header(NONCE_HEADER, nonce)
                .header(SIGNATURE_HEADER, signature);
            body
        }
    };
    let response = request
        .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(body)
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .map_err(|error| error.to_string())?;
    match response.status().is_success() {
        true => Ok(()),
        false => Err(format!("the callback answered HTTP {}", response.status())),
    }
}

/// The `user_flow.created_v1` body of an imported punch.
pub(crate) fn flow_created(record: &PunchRecord, employee_no: &str) -> UserFlowCreatedV1 {
    let punch = &record.punch;
    UserFlowCreatedV1 {
        employee_id: Some(punch.user_id.clone()),
        employee_no: Some(employee_no.to_owned()),
        location_name: punch.location_name.clone(),
        check_time: Some(punch.check_time.to_string()),
        comment: punch.comment.clone(),
        record_id: Some(record.record_id.clone()),
        is_field: Some(false),
        is_wifi: Some(false),
        r#type: Some(FlowType::OpenPlatformImport),
        photo_urls: Some(Vec::new()),
        ..UserFlowCreatedV1::default()
    }
}

/// The `user_task.updated_v1` body for a day whose results went from `before` to `after`, or `None`
/// when nothing changed.
pub(crate) fn task_updated(
    before: &TaskResult,
    after: &TaskResult,
    employee_no: &str,
    ids: (&str, &str),
) -> Option<UserTaskUpdatedV1> {
    let pairs = [
        (before.check_in.result, after.check_in.result, TaskWorkType::CheckIn),
        (before.check_out.result, after.check_out.result, TaskWorkType::CheckOut),
    ];
    let changes: Vec<TaskStatusChange> = pairs
        .into_iter()
        .filter(|(was, now, _)| was != now)
        .map(|(was, now, work_type)| TaskStatusChange {
            before_status: Some(status(was)),
            current_status: Some(status(now)),
            before_supplement: Some(ResultSupplement::NoSupplement),
            current_supplement: Some(ResultSupplement::NoSupplement),
            work_type: Some(work_type),
            index: Some("1".to_owned()),
        })
        .collect();
    let (group_id, shift_id) = ids;
    (!changes.is_empty()).then(|| UserTaskUpdatedV1 {
        employee_id: Some(after.user_id.clone()),
        employee_no: Some(employee_no.to_owned()),
        group_id: Some(group_id.to_owned()),
        shift_id: Some(shift_id.to_owned()),
        date: i32::try_from(after.day).ok(),
        status_changes: Some(changes),
        ..UserTaskUpdatedV1::default()
    })
}

fn status(result: CheckResult) -> TaskStatusValue {
    match result {
        CheckResult::Normal => TaskStatusValue::Normal,
        CheckResult::Early => TaskStatusValue::Early,
        CheckResult::Late => TaskStatusValue::Late,
        CheckResult::Lack => TaskStatusValue::Lack,
    }
}
