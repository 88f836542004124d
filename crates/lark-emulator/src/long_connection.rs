//! The platform's long connection, as the emulator serves it: `POST /callback/ws/endpoint` hands out a
//! one-use URL, `GET /ws` upgrades it, and events go to one connection chosen at random (the platform's
//! cluster mode), at most [`MAX_CONNECTIONS`] per app. Each delivery waits for its acknowledgement and is
//! delivered again when none comes within the acknowledgement timeout (3 s, as the platform waits).
//!
//! Faults ([`LongConnectionFault`], from the library or `POST /__emulator/long-connection/faults`): close
//! every socket, go silent (a half-open socket), refuse the next upgrade with the connection-limit code
//! or another one, fail the next endpoint requests, split the next delivery into fragments sent out of
//! order, send the next delivery twice.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use futures::{SinkExt, StreamExt};
use lark_openapi::runtime::events::long_connection::frame::{Frame, Header, METHOD_CONTROL, METHOD_DATA, keys};
use lark_openapi::runtime::events::long_connection::{CONNECTION_LIMIT_CODE, ClientConfig, ENDPOINT_PATH};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::answer::APP_SECRET_INVALID;
use crate::shared::{Shared, lock};

/// The most connections one app may have open, as on the platform.
pub const MAX_CONNECTIONS: usize = 50;
/// The path a connection URL upgrades.
pub const SOCKET_PATH: &str = "/ws";
/// The `service_id` of every connection URL, which pings must carry.
const SERVICE_ID: i32 = 1;

/// A fault of the long connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LongConnectionFault {
    /// Every open socket gets a close frame now.
    CloseAll,
    /// Every open socket goes silent: no pongs, no deliveries, frames read and dropped (half-open).
    Silence,
    /// The next upgrades are refused: with the connection-limit code (fatal for a client) when `limit`,
    /// else with status 514 and another code (worth retrying).
    RefuseUpgrade {
        /// Refuse with code 1000040350.
        limit: bool,
        /// How many upgrades.
        #[serde(default = "one")]
        times: u32,
    },
    /// The next endpoint requests answer this code (1 and 1000040343 are worth retrying) or, with code 0,
    /// HTTP 500.
    FailEndpoint {
        /// The code in the answer; 0 for an HTTP 500.
        code: i64,
        /// How many requests.
        #[serde(default = "one")]
        times: u32,
    },
    /// The next delivery is split into this many fragments, sent in reverse order.
    Fragment {
        /// How many fragments.
        parts: u32,
    },
    /// The next delivery is sent twice with the same `message_id`, the second right after the first.
    Duplicate,
}

fn one() -> u32 {
    1
}

/// An open socket's outbox.
struct Connection {
    outgoing: mpsc::UnboundedSender<Outgoing>,
    silent: Arc<AtomicBool>,
}

enum Outgoing {
    Frame(Frame),
    Close,
}

/// What a client acknowledged a delivery with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    /// The payload's `code`: 200, or 500 when the handler failed.
    pub code: i64,
    /// The payload's `data`, decoded from base64 and read as JSON.
    pub data: Option<Value>,
    /// The `biz_rt` header: the handler's time in milliseconds.
    pub biz_rt_millis: Option<u64>,
    /// Whether it echoes the delivery's frame: SeqID, LogID, service, method, fields 6, 7 and 9, and every
    /// header (the platform matches acknowledgements by them).
    pub echoes_frame: bool,
}

/// Counts for tests and the control API.
#[derive(Debug, Default, Serialize)]
pub struct LongConnectionStats {
    /// Endpoint requests answered with a URL.
    pub endpoints: u64,
    /// Sockets upgraded.
    pub connections: u64,
    /// Sockets open now.
    pub open: usize,
    /// Pings received.
    pub pings: u64,
    /// Acknowledgements received.
    pub acks: u64,
    /// Deliveries sent again for want of an acknowledgement.
    pub redeliveries: u64,
}

/// The long-connection side of the emulator.
pub(crate) struct LongConnections {
    config: std::sync::Mutex<ClientConfig>,
    pong_config: std::sync::Mutex<Option<ClientConfig>>,
    ack_timeout: Duration,
    /// One-use tickets of the URLs handed out, with the connection id each names.
    tickets: std::sync::Mutex<HashMap<String, u64>>,
    connections: std::sync::Mutex<BTreeMap<u64, Connection>>,
    faults: std::sync::Mutex<VecDeque<LongConnectionFault>>,
    /// Deliveries waiting for their acknowledgement, with the frame the acknowledgement must echo.
    waiting: std::sync::Mutex<HashMap<String, (oneshot::Sender<Acknowledgement>, Frame)>>,
    next_id: AtomicU64,
    endpoints: AtomicU64,
    upgrades: AtomicU64,
    pings: AtomicU64,
    acks: AtomicU64,
    redeliveries: AtomicU64,
}

impl std::fmt::Debug for LongConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LongConnections")
            .field("open", &lock(&self.connections).len())
            .finish_non_exhaustive()
    }
}

impl LongConnections {
    pub(crate) fn new(config: ClientConfig, ack_timeout: Duration) -> Self {
        Self {
            config: std::sync::Mutex::new(config),
            pong_config: std::sync::Mutex::default(),
            ack_timeout,
            tickets: std::sync::Mutex::default(),
            connections: std::sync::Mutex::default(),
            faults: std::sync::Mutex::default(),
            waiting: std::sync::Mutex::default(),
            next_id: AtomicU64::new(1),
            endpoints: AtomicU64::new(0),
            upgrades: AtomicU64::new(0),
            pings: AtomicU64::new(0),
            acks: AtomicU64::new(0),
            redeliveries: AtomicU64::new(0),
        }
    }

    /// Whether an app has a socket open: then events go over it rather than to a callback URL.
    pub(crate) fn is_open(&self) -> bool {
        !lock(&self.connections).is_empty()
    }

    /// Applies a fault: the socket ones at once, the others to the next requests they fit.
    pub(crate) fn inject(&self, fault: LongConnectionFault) {
        match fault {
            LongConnectionFault::CloseAll => {
                for connection in lock(&self.connections).values() {
                    let _ = connection.outgoing.send(Outgoing::Close);
                }
            }
            LongConnectionFault::Silence => {
                for connection in lock(&self.connections).values() {
                    connection.silent.store(true, Ordering::Relaxed);
                }
            }
            other => lock(&self.faults).push_back(other),
        }
    }

    /// The configuration later pongs carry (`None`: pongs carry nothing).
    pub(crate) fn set_pong_config(&self, config: Option<ClientConfig>) {
        *lock(&self.pong_config) = config;
    }

    pub(crate) fn stats(&self) -> LongConnectionStats {
        LongConnectionStats {
            endpoints: self.endpoints.load(Ordering::Relaxed),
            connections: self.upgrades.load(Ordering::Relaxed),
            open: lock(&self.connections).len(),
            pings: self.pings.load(Ordering::Relaxed),
            acks: self.acks.load(Ordering::Relaxed),
            redeliveries: self.redeliveries.load(Ordering::Relaxed),
        }
    }

    /// Closes every socket (the emulator is stopping).
    pub(crate) fn close_all(&self) {
        self.inject(LongConnectionFault::CloseAll);
    }

    /// Takes the first queued fault that `fits`.
    fn take_fault(&self, fits: impl Fn(&LongConnectionFault) -> bool) -> Option<LongConnectionFault> {
        let mut faults = lock(&self.faults);
        let index = faults.iter().position(fits)?;
        let fault = faults.remove(index)?;
        let remaining = match &fault {
            LongConnectionFault::RefuseUpgrade { limit, times } if *times > 1 => {
                Some(LongConnectionFault::RefuseUpgrade {
                    limit: *limit,
                    times: times - 1,
                })
            }
            LongConnectionFault::FailEndpoint { code, times } if *times > 1 => {
                Some(LongConnectionFault::FailEndpoint {
                    code: *code,
                    times: times - 1,
                })
            }
            _ => None,
        };
        if let Some(remaining) = remaining {
            faults.insert(index, remaining);
        }
        Some(fault)
    }

    /// Delivers `envelope` to one open socket chosen at random, until it is acknowledged with code 200 or
    /// `attempts` are used up.
    pub(crate) async fn deliver(&self, envelope: &Value, attempts: u32) -> Result<(), String> {
        let message_id = random_id();
        let payload = envelope.to_string().into_bytes();
        let mut last = String::new();
        for attempt in 1..=attempts {
            if attempt > 1 {
                self.redeliveries.fetch_add(1, Ordering::Relaxed);
            }
            match self.deliver_once(&message_id, &payload, "event").await {
                Ok(ack) if !ack.echoes_frame => last = "the acknowledgement does not echo the frame".to_owned(),
                Ok(ack) if ack.code == 200 => return Ok(()),
                Ok(ack) => last = format!("acknowledged with code {}", ack.code),
                Err(reason) => last = reason,
            }
        }
        Err(format!(
            "{attempts} attempts over the long connection; the last: {last}"
        ))
    }

    /// Sends one delivery in frames of `kind` (`event` or `card`) and waits for its acknowledgement.
    pub(crate) async fn deliver_once(
        &self,
        message_id: &str,
        payload: &[u8],
        kind: &str,
    ) -> Result<Acknowledgement, String> {
        let (sender, answer) = oneshot::channel();
        if let Err(reason) = self.send_delivery(message_id, payload, kind, sender) {
            lock(&self.waiting).remove(message_id);
            tokio::time::sleep(Duration::from_millis(200)).await;
            return Err(reason);
        }
        let outcome = tokio::time::timeout(self.ack_timeout, answer).await;
        lock(&self.waiting).remove(message_id);
        match outcome {
            Ok(Ok(ack)) => Ok(ack),
            Ok(Err(_)) | Err(_) => Err(format!("no acknowledgement within {} ms", self.ack_timeout.as_millis())),
        }
    }

    /// Sends a delivery's frames to one socket chosen at random; `answer` gets its acknowledgement.
    fn send_delivery(
        &self,
        message_id: &str,
        payload: &[u8],
        kind: &str,
        answer: oneshot::Sender<Acknowledgement>,
    ) -> Result<(), String> {
        let connections = lock(&self.connections);
        let ids: Vec<&u64> = connections.keys().collect();
        let id = ids.choose(&mut rand::rng()).ok_or("no socket is open")?;
        let connection = &connections[*id];
        let parts = match self.take_fault(|fault| matches!(fault, LongConnectionFault::Fragment { .. })) {
            Some(LongConnectionFault::Fragment { parts }) => parts.max(1) as usize,
            _ => 1,
        };
        let times = match self.take_fault(|fault| matches!(fault, LongConnectionFault::Duplicate)) {
            Some(_) => 2,
            None => 1,
        };
        let frames = fragments(message_id, payload, parts, kind);
        // The acknowledgement echoes the fragment that completed the delivery: the last one sent, which is
        // the first (they go in reverse order, below).
        let last = frames.first().cloned().unwrap_or_default();
        lock(&self.waiting).insert(message_id.to_owned(), (answer, last));
        for _ in 0..times {
            // Out of order: the last fragment first.
            for frame in frames.iter().rev() {
                connection
                    .outgoing
                    .send(Outgoing::Frame(frame.clone()))
                    .map_err(|_| "the socket closed".to_owned())?;
            }
        }
        Ok(())
    }
}

/// `payload` as `parts` data frames of one delivery.
fn fragments(message_id: &str, payload: &[u8], parts: usize, kind: &str) -> Vec<Frame> {
    let size = payload.len().div_ceil(parts).max(1);
    let mut chunks: Vec<&[u8]> = payload.chunks(size).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let sum = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(seq, chunk)| Frame {
            seq_id: seq as u64,
            log_id: 7_000_000 + seq as u64,
            service: SERVICE_ID,
            method: METHOD_DATA,
            headers: vec![
                Header::new(keys::TYPE, kind),
                Header::new(keys::MESSAGE_ID, message_id),
                Header::new(keys::SUM, &sum.to_string()),
                Header::new(keys::SEQ, &seq.to_string()),
                Header::new(keys::TRACE_ID, &format!("trace-{message_id}")),
                Header::new("instance_id", "emulator"),
            ],
            payload_encoding: Some(String::new()),
            payload_type: Some(String::new()),
            payload: Some(chunk.to_vec()),
            log_id_new: Some(format!("log-{message_id}-{seq}")),
        })
        .collect()
}

/// The routes of the long connection and its control API.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(ENDPOINT_PATH, post(endpoint))
        .route(SOCKET_PATH, get(upgrade))
        .route("/__emulator/long-connection/faults", post(add_fault))
        .route("/__emulator/long-connection/stats", get(stats))
}

#[derive(Deserialize)]
struct EndpointRequest {
    #[serde(rename = "AppID", default)]
    app_id: String,
    #[serde(rename = "AppSecret", default)]
    app_secret: String,
}

async fn endpoint(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let hub = &shared.long_connections;
    if let Some(LongConnectionFault::FailEndpoint { code, .. }) =
        hub.take_fault(|fault| matches!(fault, LongConnectionFault::FailEndpoint { .. }))
    {
        return match code {
            0 => (StatusCode::INTERNAL_SERVER_ERROR, "injected fault").into_response(),
            code => axum::Json(json!({"code": code, "msg": "injected fault", "data": {}})).into_response(),
        };
    }
    let request: EndpointRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return axum::Json(json!({"code": 99992402, "msg": format!("invalid body: {error}"), "data": {}}))
                .into_response();
        }
    };
    let config = &shared.config;
    let secret_matches = request.app_secret == secrecy::ExposeSecret::expose_secret(&config.app_secret);
    if request.app_id != config.app_id || !secret_matches {
        return axum::Json(json!({"code": APP_SECRET_INVALID, "msg": "app id or app secret invalid", "data": {}}))
            .into_response();
    }
    let ticket = random_id();
    let device_id = hub.next_id.fetch_add(1, Ordering::Relaxed);
    lock(&hub.tickets).insert(ticket.clone(), device_id);
    hub.endpoints.fetch_add(1, Ordering::Relaxed);
    let port = shared.port.load(Ordering::Relaxed);
    let url = format!(
        "ws://127.0.0.1:{port}{SOCKET_PATH}?fpid=1&device_id={device_id}&service_id={SERVICE_ID}&ticket={ticket}"
    );
    let client_config = *lock(&hub.config);
    axum::Json(json!({"code": 0, "msg": "ok", "data": {"URL": url, "ClientConfig": client_config}})).into_response()
}

#[derive(Deserialize)]
struct SocketQuery {
    ticket: Option<String>,
}

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<SocketQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let hub = &shared.long_connections;
    let Some(id) = query.ticket.and_then(|ticket| lock(&hub.tickets).remove(&ticket)) else {
        return refused(403, None, "unknown or used ticket");
    };
    if let Some(LongConnectionFault::RefuseUpgrade { limit, .. }) =
        hub.take_fault(|fault| matches!(fault, LongConnectionFault::RefuseUpgrade { .. }))
    {
        let code = if limit {
            CONNECTION_LIMIT_CODE
        } else {
            CONNECTION_LIMIT_CODE + 1
        };
        return refused(514, Some(code), "injected fault");
    }
    // The slot is taken under the same lock as the count, so that concurrent upgrades cannot pass 50.
    let (outgoing, queued) = mpsc::unbounded_channel();
    let silent = Arc::new(AtomicBool::new(false));
    {
        let mut connections = lock(&hub.connections);
        if connections.len() >= MAX_CONNECTIONS {
            return refused(514, Some(CONNECTION_LIMIT_CODE), "connection limit exceeded");
        }
        let connection = Connection {
            outgoing: outgoing.clone(),
            silent: Arc::clone(&silent),
        };
        connections.insert(id, connection);
    }
    let failed = Arc::clone(&shared);
    upgrade
        .on_failed_upgrade(move |_| drop(lock(&failed.long_connections.connections).remove(&id)))
        .on_upgrade(move |socket| serve_socket(shared, id, socket, (outgoing, queued), silent))
}

/// A refused upgrade, with the `Handshake-*` headers the platform sends.
fn refused(status: u16, auth_code: Option<i64>, msg: &str) -> Response {
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    let mut response = (status_code, msg.to_owned()).into_response();
    let headers = response.headers_mut();
    headers.insert("Handshake-Status", HeaderValue::from(status));
    if let Ok(value) = HeaderValue::from_str(msg) {
        headers.insert("Handshake-Msg", value);
    }
    if let Some(code) = auth_code {
        headers.insert("Handshake-Autherrcode", HeaderValue::from(code));
    }
    response
}

type Outbox = (mpsc::UnboundedSender<Outgoing>, mpsc::UnboundedReceiver<Outgoing>);

async fn serve_socket(shared: Arc<Shared>, id: u64, socket: WebSocket, outbox: Outbox, silent: Arc<AtomicBool>) {
    let hub = &shared.long_connections;
    let (outgoing, mut queued) = outbox;
    hub.upgrades.fetch_add(1, Ordering::Relaxed);
    tracing::info!(id, "long connection open");
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            next = queued.recv() => match next {
                Some(Outgoing::Frame(frame)) if !silent.load(Ordering::Relaxed) => {
                    if sink.send(Message::Binary(frame.to_bytes().into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Frame(_)) => {}
                Some(Outgoing::Close) | None => {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
            },
            message = stream.next() => match message {
                Some(Ok(Message::Binary(bytes))) => {
                    if !silent.load(Ordering::Relaxed) {
                        on_frame(hub, &bytes, &outgoing);
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    lock(&hub.connections).remove(&id);
    tracing::info!(id, "long connection closed");
}

/// A client's frame: a ping gets a pong (carrying the pong configuration, if any); a data frame is an
/// acknowledgement.
fn on_frame(hub: &LongConnections, bytes: &[u8], outgoing: &mpsc::UnboundedSender<Outgoing>) {
    let Ok(frame) = Frame::from_bytes(bytes) else {
        tracing::warn!("a client sent a frame that is not pbbp2");
        return;
    };
    match (frame.method, frame.kind()) {
        (METHOD_CONTROL, Some("ping")) => {
            if (frame.service, frame.seq_id, frame.log_id) != (SERVICE_ID, 0, 0) {
                tracing::warn!(
                    service = frame.service,
                    "a ping without the connection's service_id, or with ids"
                );
                return;
            }
            hub.pings.fetch_add(1, Ordering::Relaxed);
            let config = lock(&hub.pong_config).map(|config| json!(config).to_string().into_bytes());
            let _ = outgoing.send(Outgoing::Frame(Frame::pong(frame.service, config)));
        }
        (METHOD_DATA, _) => {
            hub.acks.fetch_add(1, Ordering::Relaxed);
            let message_id = frame.header(keys::MESSAGE_ID).unwrap_or_default();
            if let Some((waiting, sent)) = lock(&hub.waiting).remove(message_id) {
                let _ = waiting.send(acknowledgement(&frame, &sent));
            }
        }
        _ => {}
    }
}

/// Reads an acknowledgement's payload (`{"code", "data": base64 of JSON}`) and checks that it echoes `sent`.
fn acknowledgement(frame: &Frame, sent: &Frame) -> Acknowledgement {
    let echoes_frame = (frame.seq_id, frame.log_id, frame.service, frame.method)
        == (sent.seq_id, sent.log_id, sent.service, sent.method)
        && (&frame.payload_encoding, &frame.payload_type, &frame.log_id_new)
            == (&sent.payload_encoding, &sent.payload_type, &sent.log_id_new)
        && sent.headers.iter().all(|header| frame.headers.contains(header));
    let body = frame
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_slice::<Value>(payload).ok())
        .unwrap_or_default();
    let data = body
        .get("data")
        .and_then(Value::as_str)
        .and_then(|data| base64::engine::general_purpose::STANDARD.decode(data).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    Acknowledgement {
        code: body.get("code").and_then(Value::as_i64).unwrap_or_default(),
        data,
        biz_rt_millis: frame.number(keys::BIZ_RT),
        echoes_frame,
    }
}

pub(crate) fn random_id() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}

async fn add_fault(
    State(shared): State<Arc<Shared>>,
    axum::Json(fault): axum::Json<LongConnectionFault>,
) -> StatusCode {
    shared.long_connections.inject(fault);
    StatusCode::NO_CONTENT
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.long_connections.stats()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_splits_into_fragments_that_say_their_place() {
        let frames = fragments("m1", b"abcdefg", 3, "event");
        let parts: Vec<(&str, &str, &[u8])> = frames
            .iter()
            .map(|frame| {
                (
                    frame.header(keys::SUM).unwrap(),
                    frame.header(keys::SEQ).unwrap(),
                    frame.payload.as_deref().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            parts,
            [("3", "0", &b"abc"[..]), ("3", "1", &b"def"[..]), ("3", "2", &b"g"[..])]
        );
        assert_eq!(
            fragments("m2", b"", 4, "card").len(),
            1,
            "an empty payload is one empty fragment"
        );
    }
}
