//! One connection's life: pings, the watchdog, frames read and acknowledgements written, and the state
//! that outlives a connection (fragments, handlers still running, deliveries already answered).

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use futures::{FutureExt, SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::Message;
use tracing::Instrument;

use super::Watchdog;
use super::endpoint::{self, Endpoint, Settings, Socket};
use super::fragments::Fragments;
use super::frame::{Frame, METHOD_CONTROL, METHOD_DATA, keys};
use crate::events::{Dispatched, EventDispatcher, EventError};

/// At most this many bytes of incomplete deliveries are buffered.
const FRAGMENT_BYTES: usize = 64 << 20;
/// Answered deliveries are remembered this long, to answer a redelivery without handling it again.
const ANSWERED_FOR: Duration = Duration::from_secs(600);
/// And at most this many of them.
const ANSWERED_AT_MOST: usize = 10_000;
/// How long one write may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Event types delivered as card callbacks, which must be answered within 3 s.
const CARD_EVENT_TYPES: [&str; 2] = ["card.action.trigger", "url.preview.get"];

/// An acknowledgement ready to go out on whichever connection is current.
pub(crate) struct Ack(Frame);

/// What the handlers' tasks share.
struct Context {
    dispatcher: Arc<EventDispatcher>,
    card_deadline: Duration,
    deliveries: Mutex<Deliveries>,
    acks: mpsc::UnboundedSender<Ack>,
}

/// The state that outlives one connection.
pub(crate) struct Shared {
    context: Arc<Context>,
    acks: mpsc::UnboundedReceiver<Ack>,
    handlers: JoinSet<()>,
    fragments: Fragments,
}

impl Shared {
    pub(crate) fn new(dispatcher: Arc<EventDispatcher>, card_deadline: Duration, fragment_expiry: Duration) -> Self {
        let (sender, acks) = mpsc::unbounded_channel();
        Self {
            context: Arc::new(Context {
                dispatcher,
                card_deadline,
                deliveries: Mutex::new(Deliveries::default()),
                acks: sender,
            }),
            acks,
            handlers: JoinSet::new(),
            fragments: Fragments::new(fragment_expiry, FRAGMENT_BYTES),
        }
    }
}

/// Deliveries being handled, and those answered (with their acknowledgement's payload).
#[derive(Default)]
struct Deliveries {
    in_flight: HashSet<String>,
    answered: HashMap<String, (Instant, Vec<u8>)>,
    order: VecDeque<String>,
}

impl Deliveries {
    fn answer(&mut self, message_id: String, payload: Vec<u8>, now: Instant) {
        while self.order.len() >= ANSWERED_AT_MOST
            || self
                .order
                .front()
                .and_then(|id| self.answered.get(id))
                .is_some_and(|(at, _)| now.saturating_duration_since(*at) > ANSWERED_FOR)
        {
            let Some(oldest) = self.order.pop_front() else { break };
            self.answered.remove(&oldest);
        }
        if self.answered.insert(message_id.clone(), (now, payload)).is_none() {
            self.order.push_back(message_id);
        }
    }
}

/// How a connection ended.
pub(crate) enum Ended {
    Lost(String),
    Shutdown,
}

/// A dialled connection.
pub(crate) struct Session {
    socket: Socket,
    pub(crate) device_id: String,
    service_id: i32,
}

type Sink = futures::stream::SplitSink<Socket, Message>;

impl Session {
    pub(crate) fn new(socket: Socket, endpoint: Endpoint) -> Self {
        Self {
            socket,
            device_id: endpoint.device_id,
            service_id: endpoint.service_id,
        }
    }

    /// Serves the connection until it is lost or `shutdown` completes.
    pub(crate) async fn serve(
        self,
        shared: &mut Shared,
        settings: &mut Settings,
        watchdog: Watchdog,
        mut shutdown: Pin<&mut (impl Future<Output = ()> + Send)>,
    ) -> Ended {
        let service = self.service_id;
        let (mut sink, mut stream) = self.socket.split();
        let Shared {
            context,
            acks,
            handlers,
            fragments,
        } = shared;
        // The first tick is at once: a ping right after connecting. After a stall, one tick, not a burst.
        let mut ping = tokio::time::interval(settings.ping_interval);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut sweep = tokio::time::interval(Duration::from_secs(1));
        sweep.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut heard = Instant::now();
        loop {
            let quiet = quiet_limit(watchdog, settings.ping_interval);
            let watchdog_fires = async {
                match quiet.and_then(|limit| heard.checked_add(limit)) {
                    Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = shutdown.as_mut() => {
                    drain(acks, handlers, &mut sink, context.card_deadline).await;
                    let _ = tokio::time::timeout(WRITE_TIMEOUT, sink.close()).await;
                    return Ended::Shutdown;
                }
                () = watchdog_fires => {
                    let seconds = quiet.unwrap_or_default().as_secs();
                    return Ended::Lost(format!("nothing received for {seconds} s: the connection is half-open"));
                }
                _ = ping.tick() => {
                    if let Err(error) = send(&mut sink, &Frame::ping(service)).await {
                        return Ended::Lost(format!("sending a ping: {error}"));
                    }
                }
                Some(Ack(frame)) = acks.recv() => {
                    if let Err(error) = send(&mut sink, &frame).await {
                        // Not acknowledged: the platform delivers it again, and the answer is remembered.
                        return Ended::Lost(format!("sending an acknowledgement: {error}"));
                    }
                }
                Some(joined) = handlers.join_next(), if !handlers.is_empty() => {
                    if let Err(error) = joined {
                        tracing::error!(%error, "an event handler's task failed");
                    }
                }
                _ = sweep.tick() => {
                    for message_id in fragments.expire(Instant::now()) {
                        tracing::warn!(%message_id, "an incomplete fragmented delivery expired");
                    }
                }
                message = stream.next() => {
                    let bytes = match message {
                        None => return Ended::Lost("the platform closed the connection".to_owned()),
                        Some(Err(error)) => return Ended::Lost(format!("reading: {error}")),
                        Some(Ok(Message::Close(close))) => {
                            let reason = close.map(|close| format!("{} {}", close.code, close.reason)).unwrap_or_default();
                            return Ended::Lost(format!("closed by the platform {reason}").trim_end().to_owned());
                        }
                        Some(Ok(Message::Binary(bytes))) => bytes,
                        Some(Ok(_)) => {
                            heard = Instant::now();
                            continue;
                        }
                    };
                    heard = Instant::now();
                    let before = settings.ping_interval;
                    on_frame(&bytes, settings, context, handlers, fragments);
                    if settings.ping_interval != before {
                        let next = tokio::time::Instant::now() + settings.ping_interval;
                        ping = tokio::time::interval_at(next, settings.ping_interval);
                        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
                    }
                }
            }
        }
    }
}

/// How long a quiet connection is trusted.
fn quiet_limit(watchdog: Watchdog, ping_interval: Duration) -> Option<Duration> {
    match watchdog {
        Watchdog::PingIntervals(count) => Some(ping_interval.saturating_mul(count.max(1))),
        Watchdog::After(limit) => Some(limit),
        Watchdog::Off => None,
    }
}

/// Sends one frame; a write that stalls (a full buffer on a half-open socket) counts as a failure, so that
/// it cannot hold up the reads, the watchdog or a shutdown.
async fn send(sink: &mut Sink, frame: &Frame) -> Result<(), String> {
    match tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Binary(frame.to_bytes().into()))).await {
        Ok(sent) => sent.map_err(|error| error.to_string()),
        Err(_) => Err(format!("the write stalled for {} s", WRITE_TIMEOUT.as_secs())),
    }
}

/// Handles one frame: a pong's configuration is applied, a data frame joins its delivery, and a whole
/// delivery goes to a handler's task.
fn on_frame(
    bytes: &[u8],
    settings: &mut Settings,
    context: &Arc<Context>,
    handlers: &mut JoinSet<()>,
    fragments: &mut Fragments,
) {
    let frame = match Frame::from_bytes(bytes) {
        Ok(frame) => frame,
        Err(error) => {
            tracing::warn!(%error, "a frame that is not pbbp2: ignored");
            return;
        }
    };
    match frame.method {
        METHOD_CONTROL => {
            if frame.kind() == Some("pong")
                && let Some(config) = endpoint::pong_config(frame.payload.as_deref())
            {
                tracing::debug!(?config, "configuration from a pong");
                settings.apply(&config);
            }
        }
        METHOD_DATA => match frame.kind() {
            Some("event" | "card") => {
                let message_id = frame.header(keys::MESSAGE_ID).unwrap_or_default().to_owned();
                let sum = frame.number(keys::SUM).unwrap_or(1);
                let seq = frame.number(keys::SEQ).unwrap_or(0);
                let payload = frame.payload.clone().unwrap_or_default();
                if message_id.is_empty() && sum > 1 {
                    tracing::warn!("a fragment without a message_id cannot be joined to its delivery: ignored");
                    return;
                }
                match fragments.add(&message_id, sum, seq, payload, Instant::now()) {
                    Ok(Some(whole)) => deliver(frame, whole, context, handlers),
                    Ok(None) => {}
                    Err(error) => tracing::warn!(%message_id, %error, "a fragment was refused"),
                }
            }
            other => tracing::warn!(kind = ?other, "a data frame of an unknown type: ignored"),
        },
        other => tracing::warn!(method = other, "a frame of an unknown method: ignored"),
    }
}

/// Starts handling a whole delivery, unless it is being handled (its acknowledgement will follow) or
/// was answered already (the answer is sent again).
fn deliver(frame: Frame, payload: Vec<u8>, context: &Arc<Context>, handlers: &mut JoinSet<()>) {
    let message_id = frame.header(keys::MESSAGE_ID).unwrap_or_default().to_owned();
    // Without an id, a delivery cannot be told from another: it is handled, and nothing is remembered.
    if !message_id.is_empty() {
        let mut deliveries = context.deliveries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, answer)) = deliveries.answered.get(&message_id) {
            tracing::debug!(%message_id, "a redelivery of an answered delivery: answered again");
            let _ = context.acks.send(Ack(frame.acknowledgement(0, answer.clone())));
            return;
        }
        if !deliveries.in_flight.insert(message_id.clone()) {
            tracing::debug!(%message_id, "a redelivery of a delivery still being handled");
            return;
        }
    }
    let span = tracing::info_span!(
        "lark_event",
        message_id = %message_id,
        trace_id = frame.header(keys::TRACE_ID).unwrap_or_default(),
        kind = frame.kind().unwrap_or_default(),
    );
    handlers.spawn(handle(Arc::clone(context), frame, payload, message_id).instrument(span));
}

async fn handle(context: Arc<Context>, frame: Frame, payload: Vec<u8>, message_id: String) {
    let started = Instant::now();
    let card = is_card(&frame, &payload);
    let dispatcher = Arc::clone(&context.dispatcher);
    // A panicking handler is caught, so that its delivery is still answered (with 500).
    let dispatch = AssertUnwindSafe(async move { dispatcher.dispatch_plain(&payload).await }).catch_unwind();
    // A card callback runs on a task of its own, which goes on when its deadline passes.
    let mut late = None;
    let outcome = match card {
        false => Some(dispatch.await),
        true => {
            let mut work = tokio::spawn(dispatch.in_current_span());
            match tokio::time::timeout(context.card_deadline, &mut work).await {
                Ok(joined) => Some(joined.unwrap_or_else(|error| Err(Box::new(error.to_string())))),
                Err(_) => {
                    late = Some(work);
                    None
                }
            }
        }
    };
    let answer = match &outcome {
        Some(Ok(outcome)) => answer(outcome, card),
        Some(Err(_)) => {
            tracing::error!("the handler panicked");
            answer(&Err(EventError::Envelope("the handler panicked".to_owned())), card)
        }
        None => {
            tracing::warn!(
                deadline_ms = context.card_deadline.as_millis() as u64,
                "the card handler is still running at the deadline: acknowledged without its reply"
            );
            answer(
                &Ok(Dispatched::Unhandled {
                    event_type: String::new(),
                    event_id: String::new(),
                }),
                true,
            )
        }
    };
    let succeeded = !matches!(outcome, Some(Ok(Err(_))) | Some(Err(_)));
    if !message_id.is_empty() {
        let mut deliveries = context.deliveries.lock().unwrap_or_else(PoisonError::into_inner);
        deliveries.in_flight.remove(&message_id);
        if succeeded {
            deliveries.answer(message_id, answer.clone(), Instant::now());
        }
    }
    let _ = context
        .acks
        .send(Ack(frame.acknowledgement(started.elapsed().as_millis(), answer)));
    if let Some(work) = late {
        match work.await {
            Ok(Ok(Ok(_))) => tracing::info!("the late card handler finished; its reply was not sent"),
            Ok(Ok(Err(error))) => tracing::warn!(%error, "the late card handler failed"),
            Ok(Err(_)) | Err(_) => tracing::error!("the late card handler panicked"),
        }
    }
}

/// Whether a delivery is a card callback: a `type=card` frame, or an event type answered as one.
fn is_card(frame: &Frame, payload: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Peek {
        header: Option<PeekHeader>,
    }
    #[derive(serde::Deserialize)]
    struct PeekHeader {
        event_type: Option<String>,
    }
    frame.kind() == Some("card")
        || serde_json::from_slice::<Peek>(payload)
            .ok()
            .and_then(|peek| peek.header?.event_type)
            .is_some_and(|event_type| CARD_EVENT_TYPES.contains(&event_type.as_str()))
}

/// The acknowledgement's payload: code 200 (with the handler's reply as base64 JSON in `data`) or 500.
/// A card callback always gets `data` (`{}` when the handler gave no reply): the platform shows the
/// user an error without it.
fn answer(outcome: &Result<Dispatched, EventError>, card: bool) -> Vec<u8> {
    let (code, data) = match outcome {
        Ok(Dispatched::Replied { reply, .. }) => (200, Some(reply.clone())),
        Ok(_) => (200, card.then(|| json!({}))),
        Err(error) => {
            tracing::warn!(%error, "delivery not handled: acknowledged with 500");
            (500, None)
        }
    };
    let mut body = json!({ "code": code, "headers": Value::Null });
    if let Some(data) = data {
        body["data"] = Value::String(base64::engine::general_purpose::STANDARD.encode(data.to_string()));
    }
    body.to_string().into_bytes()
}

/// On shutdown: the acknowledgements of handlers that finish within `grace` still go out.
async fn drain(acks: &mut mpsc::UnboundedReceiver<Ack>, handlers: &mut JoinSet<()>, sink: &mut Sink, grace: Duration) {
    let now = tokio::time::Instant::now();
    let deadline = now.checked_add(grace).unwrap_or(now);
    loop {
        tokio::select! {
            Some(Ack(frame)) = acks.recv() => {
                let _ = send(sink, &frame).await;
            }
            joined = handlers.join_next() => {
                if joined.is_none() {
                    break;
                }
            }
            () = tokio::time::sleep_until(deadline) => {
                tracing::warn!(unfinished = handlers.len(), "shutdown: deliveries still being handled are not acknowledged; the platform delivers them again");
                break;
            }
        }
    }
    while let Ok(Ack(frame)) = acks.try_recv() {
        let _ = send(sink, &frame).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(payload: &[u8]) -> Value {
        let mut body: Value = serde_json::from_slice(payload).unwrap();
        if let Some(data) = body["data"].as_str() {
            let bytes = base64::engine::general_purpose::STANDARD.decode(data).unwrap();
            body["data"] = serde_json::from_slice(&bytes).unwrap();
        }
        body
    }

    #[test]
    fn answers_carry_the_reply_as_base64_json() {
        let replied = Ok(Dispatched::Replied {
            event_type: "card.action.trigger".into(),
            event_id: "e".into(),
            reply: json!({"toast": {"type": "info"}}),
        });
        assert_eq!(
            decoded(&answer(&replied, true)),
            json!({"code": 200, "headers": null, "data": {"toast": {"type": "info"}}})
        );
        let handled = Ok(Dispatched::Handled {
            event_type: "x".into(),
            event_id: "e".into(),
        });
        assert_eq!(decoded(&answer(&handled, false)), json!({"code": 200, "headers": null}));
        assert_eq!(
            decoded(&answer(&handled, true)),
            json!({"code": 200, "headers": null, "data": {}})
        );
        let failed = Err(EventError::NotJson("x".into()));
        assert_eq!(decoded(&answer(&failed, false)), json!({"code": 500, "headers": null}));
    }

    #[test]
    fn answered_deliveries_are_bounded() {
        let mut deliveries = Deliveries::default();
        let start = Instant::now();
        for i in 0..ANSWERED_AT_MOST + 5 {
            deliveries.answer(i.to_string(), vec![], start);
        }
        assert_eq!(deliveries.answered.len(), ANSWERED_AT_MOST);
        assert!(!deliveries.answered.contains_key("0"));
        deliveries.answer("late".into(), vec![], start + ANSWERED_FOR + Duration::from_secs(1));
        assert_eq!(deliveries.answered.len(), 1, "the expired ones are dropped");
    }

    #[test]
    fn card_callbacks_are_recognised_by_frame_type_or_event_type() {
        let frame = |kind: &str| Frame {
            method: METHOD_DATA,
            headers: vec![super::super::frame::Header::new(keys::TYPE, kind)],
            ..Frame::default()
        };
        let card = br#"{"schema":"2.0","header":{"event_type":"card.action.trigger"}}"#;
        let event = br#"{"schema":"2.0","header":{"event_type":"im.message.receive_v1"}}"#;
        assert!(is_card(&frame("event"), card));
        assert!(is_card(&frame("card"), event));
        assert!(!is_card(&frame("event"), event));
        assert!(!is_card(&frame("event"), b"not json"));
    }
}
