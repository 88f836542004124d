//! The long connection end to end: the emulator as the platform, the runtime's client with the same
//! dispatcher and typed handlers the webhook uses, and every rule of the protocol note that a client
//! must keep (acknowledgements, fragments, redeliveries, reconnects, the watchdog, fatal answers, card
//! callbacks within their deadline).

#![allow(missing_docs)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use lark_emulator::{Emulator, LongConnectionFault, RunningEmulator};
use lark_openapi::Api;
use lark_openapi::attendance::v1::events::user_flow_created_v1::UserFlowCreatedV1;
use lark_openapi::attendance::v1::types::EmployeeType;
use lark_openapi::attendance::v1::user_flow::batch_create::BatchCreateRequest;
use lark_openapi::runtime::AppCredentials;
use lark_openapi::runtime::events::card::{CardAction, CardActionReply, ToastKind};
use lark_openapi::runtime::events::long_connection::{
    ClientConfig, LongConnection, LongConnectionBuilder, LongConnectionError, Status,
};
use lark_openapi::runtime::events::{EventDispatcher, EventDispatcherBuilder, EventHeader};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// A running client and what it was told.
struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), LongConnectionError>>,
    statuses: mpsc::UnboundedReceiver<Status>,
}

impl Running {
    /// Waits for a status that `wanted` accepts, within 15 s.
    async fn until(&mut self, wanted: impl Fn(&Status) -> bool) -> Status {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let status = tokio::time::timeout(left, self.statuses.recv())
                .await
                .expect("the status in time");
            let status = status.expect("the client is still running");
            if wanted(&status) {
                return status;
            }
        }
    }

    async fn connected(&mut self) {
        self.until(|status| matches!(status, Status::Connected { .. })).await;
    }

    async fn stop(mut self) -> Result<(), LongConnectionError> {
        let _ = self.stop.take().map(|stop| stop.send(()));
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("stops in time")
            .unwrap()
    }
}

fn start(builder: LongConnectionBuilder) -> Running {
    let (sender, statuses) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let connection = builder
        .on_status(move |status| drop(sender.send(status.clone())))
        .build();
    let task = tokio::spawn(connection.run_until(async {
        let _ = stopped.await;
    }));
    Running {
        stop: Some(stop),
        task,
        statuses,
    }
}

/// A dispatcher sending each punch event to the returned receiver; `fail_first` handler calls fail.
fn punches(
    fail_first: u32,
) -> (
    EventDispatcherBuilder,
    mpsc::UnboundedReceiver<UserFlowCreatedV1>,
    Arc<AtomicU32>,
) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let calls = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&calls);
    let builder = EventDispatcher::builder().on(move |_: EventHeader, punch: UserFlowCreatedV1| {
        let sender = sender.clone();
        let call = counted.fetch_add(1, Ordering::SeqCst);
        async move {
            if call < fail_first {
                return Err("the handler failed on purpose".into());
            }
            sender
                .send(punch)
                .map_err(Into::<Box<dyn std::error::Error + Send + Sync>>::into)
        }
    });
    (builder, receiver, calls)
}

/// An emulator and a client connected to it whose dispatcher takes punch events (see [`punches`]).
async fn connected_punch_bot(
    fail_first: u32,
) -> (
    RunningEmulator,
    Running,
    mpsc::UnboundedReceiver<UserFlowCreatedV1>,
    Arc<AtomicU32>,
) {
    let emulator = Emulator::builder().start().await.unwrap();
    let (dispatcher, received, calls) = punches(fail_first);
    let mut running = start(
        emulator
            .long_connection_builder()
            .dispatcher(Arc::new(dispatcher.build())),
    );
    running.connected().await;
    (emulator, running, received, calls)
}

/// An emulator whose endpoint gives `config`, and a client connected to it with no handlers.
async fn connected_with(config: ClientConfig) -> (RunningEmulator, Running) {
    let emulator = Emulator::builder()
        .long_connection_config(config)
        .start()
        .await
        .unwrap();
    let mut running = start(emulator.long_connection_builder());
    running.connected().await;
    (emulator, running)
}

/// Imports one punch of `user` through the platform, which pushes `attendance.user_flow.created_v1`.
async fn punch(emulator: &RunningEmulator, user: &str) {
    let client = emulator.client_builder().build().unwrap();
    let request = BatchCreateRequest::builder()
        .employee_type(EmployeeType::EmployeeId)
        .flow_records([common::user_flow(user, 1_795_483_800)])
        .build()
        .unwrap();
    client
        .attendance()
        .v1()
        .user_flow()
        .batch_create(request)
        .await
        .unwrap();
}

async fn next<T>(receiver: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), receiver.recv())
        .await
        .expect("an event in time")
        .expect("the dispatcher is alive")
}

/// Waits until `done` holds, within 10 s.
async fn eventually(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "the condition did not hold in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn events_arrive_as_typed_bodies_and_each_is_acknowledged_once() {
    let (emulator, running, mut received, calls) = connected_punch_bot(0).await;
    punch(&emulator, "E1001").await;
    punch(&emulator, "E1002").await;
    assert_eq!(next(&mut received).await.employee_id.as_deref(), Some("E1001"));
    assert_eq!(next(&mut received).await.employee_id.as_deref(), Some("E1002"));
    // Each import also changes the day's results: a task event, acknowledged as unhandled.
    eventually(|| emulator.deliveries() == (4, 0)).await;
    let stats = emulator.long_connection_stats();
    assert_eq!(
        (stats.acks, stats.redeliveries, calls.load(Ordering::SeqCst)),
        (4, 0, 2)
    );
    assert!(stats.pings >= 1, "a ping right after connecting");
    running.stop().await.unwrap();
}

#[tokio::test]
async fn fragments_out_of_order_make_one_delivery() {
    let (emulator, running, mut received, calls) = connected_punch_bot(0).await;
    emulator.long_connection_fault(LongConnectionFault::Fragment { parts: 4 });
    punch(&emulator, "E1003").await;
    assert_eq!(next(&mut received).await.employee_id.as_deref(), Some("E1003"));
    eventually(|| emulator.deliveries() == (2, 0)).await;
    assert_eq!(
        (emulator.long_connection_stats().acks, calls.load(Ordering::SeqCst)),
        (2, 1)
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_repeated_message_id_is_not_handled_twice() {
    let (emulator, running, mut received, calls) = connected_punch_bot(0).await;
    emulator.long_connection_fault(LongConnectionFault::Duplicate);
    punch(&emulator, "E1004").await;
    next(&mut received).await;
    eventually(|| emulator.deliveries() == (2, 0)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the copy is acknowledged or ignored, never handled"
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_failed_handler_answers_500_and_the_redelivery_is_handled() {
    let (emulator, running, mut received, calls) = connected_punch_bot(1).await;
    punch(&emulator, "E1005").await;
    assert_eq!(next(&mut received).await.employee_id.as_deref(), Some("E1005"));
    eventually(|| emulator.deliveries() == (2, 0)).await;
    let stats = emulator.long_connection_stats();
    assert_eq!(
        (stats.redeliveries, stats.acks, calls.load(Ordering::SeqCst)),
        (1, 3, 2)
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_closed_socket_is_replaced_by_a_fresh_endpoint_request_and_dial() {
    let (emulator, mut running, mut received, _) = connected_punch_bot(0).await;
    emulator.long_connection_fault(LongConnectionFault::CloseAll);
    running
        .until(|status| matches!(status, Status::Disconnected { .. }))
        .await;
    match running
        .until(|status| matches!(status, Status::Reconnecting { .. }))
        .await
    {
        Status::Reconnecting { attempt, delay, .. } => {
            assert_eq!(attempt, 1);
            assert!(
                delay < Duration::from_secs(1),
                "the first attempt waits under ReconnectNonce"
            );
        }
        other => unreachable!("{other:?}"),
    }
    running.connected().await;
    let stats = emulator.long_connection_stats();
    assert_eq!((stats.endpoints, stats.connections, stats.open), (2, 2, 1));
    punch(&emulator, "E1006").await;
    assert_eq!(next(&mut received).await.employee_id.as_deref(), Some("E1006"));
    running.stop().await.unwrap();
}

#[tokio::test]
async fn the_watchdog_replaces_a_half_open_socket_within_three_ping_intervals() {
    let config = ClientConfig {
        reconnect_count: Some(-1),
        reconnect_interval: Some(1),
        reconnect_nonce: Some(0),
        ping_interval: Some(1),
    };
    let (emulator, mut running) = connected_with(config).await;
    let silenced = Instant::now();
    emulator.long_connection_fault(LongConnectionFault::Silence);
    let lost = running
        .until(|status| matches!(status, Status::Disconnected { .. }))
        .await;
    let after = silenced.elapsed();
    assert!(
        matches!(&lost, Status::Disconnected { reason } if reason.contains("half-open")),
        "{lost:?}"
    );
    assert!(
        after >= Duration::from_secs(2) && after < Duration::from_millis(4500),
        "{after:?}"
    );
    running.connected().await;
    assert_eq!(emulator.long_connection_stats().connections, 2);
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_pong_carrying_a_configuration_applies_it_at_once() {
    let slow = ClientConfig {
        ping_interval: Some(60),
        ..ClientConfig::default()
    };
    let emulator = Emulator::builder().long_connection_config(slow).start().await.unwrap();
    emulator.set_pong_config(Some(ClientConfig {
        ping_interval: Some(1),
        ..ClientConfig::default()
    }));
    let mut running = start(emulator.long_connection_builder());
    running.connected().await;
    // One ping on connecting; its pong sets a 1 s interval instead of 60 s.
    eventually(|| emulator.long_connection_stats().pings >= 3).await;
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_wrong_secret_ends_run_with_a_typed_error_and_no_retry() {
    let emulator = Emulator::builder().start().await.unwrap();
    let credentials = AppCredentials::new(emulator.app_credentials().app_id(), "not-the-secret-9Qx");
    let base_url = emulator.base_url().parse().unwrap();
    let connection = LongConnection::builder(credentials).base_url(base_url).build();
    let error = tokio::time::timeout(Duration::from_secs(5), connection.run())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(error, LongConnectionError::Refused { code: 10014, .. }),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?}").contains("not-the-secret-9Qx"));
    assert_eq!(emulator.long_connection_stats().endpoints, 0);
}

#[tokio::test]
async fn the_connection_limit_is_fatal_and_another_refusal_is_retried() {
    let emulator = Emulator::builder().start().await.unwrap();
    emulator.long_connection_fault(LongConnectionFault::RefuseUpgrade { limit: true, times: 1 });
    let error = start(emulator.long_connection_builder())
        .task
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(error, LongConnectionError::ConnectionLimit { .. }),
        "{error:?}"
    );

    emulator.long_connection_fault(LongConnectionFault::RefuseUpgrade { limit: false, times: 2 });
    let mut running = start(emulator.long_connection_builder());
    running.connected().await;
    // The refused one, two refused with another code (each retried after a fresh endpoint request), then
    // the one that connected.
    assert_eq!(emulator.long_connection_stats().endpoints, 4);
    assert_eq!(emulator.long_connection_stats().connections, 1);
    running.stop().await.unwrap();
}

#[tokio::test]
async fn reconnects_stop_after_reconnect_count_attempts() {
    let config = ClientConfig {
        reconnect_count: Some(2),
        reconnect_interval: Some(0),
        reconnect_nonce: Some(0),
        ping_interval: Some(5),
    };
    let (emulator, running) = connected_with(config).await;
    emulator.long_connection_fault(LongConnectionFault::FailEndpoint { code: 0, times: 10 });
    emulator.long_connection_fault(LongConnectionFault::CloseAll);
    let error = tokio::time::timeout(Duration::from_secs(10), running.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(error, LongConnectionError::GaveUp { attempts: 2, .. }),
        "{error:?}"
    );
}

fn cards(handler_delay: Duration) -> EventDispatcher {
    EventDispatcher::builder()
        .on(move |_: EventHeader, click: CardAction| async move {
            tokio::time::sleep(handler_delay).await;
            let value = click.action.and_then(|action| action.value).unwrap_or_default();
            CardActionReply::toast(ToastKind::Success, format!("approved {}", value["ticket"]))
        })
        .build()
}

#[tokio::test]
async fn a_card_callback_is_answered_with_its_toast_whether_framed_as_event_or_card() {
    let emulator = Emulator::builder().start().await.unwrap();
    let mut running = start(
        emulator
            .long_connection_builder()
            .dispatcher(Arc::new(cards(Duration::ZERO))),
    );
    running.connected().await;
    let click = json!({"operator": {"open_id": "ou_1"}, "action": {"tag": "button", "value": {"ticket": 7}}});
    for frame_type in ["event", "card"] {
        let sent = Instant::now();
        let ack = emulator.send_card_action(click.clone(), frame_type).await.unwrap();
        assert!(sent.elapsed() < Duration::from_secs(3));
        assert_eq!(ack.code, 200);
        assert_eq!(
            ack.data,
            Some(json!({"toast": {"type": "success", "content": "approved 7"}}))
        );
        assert!(ack.biz_rt_millis.is_some());
    }
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_slow_card_handler_is_acknowledged_at_the_deadline_with_an_empty_reply() {
    let emulator = Emulator::builder().start().await.unwrap();
    let builder = emulator
        .long_connection_builder()
        .dispatcher(Arc::new(cards(Duration::from_secs(2))))
        .card_deadline(Duration::from_millis(300));
    let mut running = start(builder);
    running.connected().await;
    let sent = Instant::now();
    let ack = emulator
        .send_card_action(json!({"action": {"value": {}}}), "card")
        .await
        .unwrap();
    assert!(sent.elapsed() < Duration::from_secs(1), "{:?}", sent.elapsed());
    assert_eq!((ack.code, ack.data), (200, Some(json!({}))));
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_connection_stays_up() {
    let emulator = Emulator::builder().start().await.unwrap();
    let dispatcher = EventDispatcher::builder()
        .fallback(|_: EventHeader, body: serde_json::Value| async move {
            assert!(
                body["fine"].as_bool().unwrap_or(false),
                "a handler that panics on purpose"
            );
        })
        .build();
    let mut running = start(emulator.long_connection_builder().dispatcher(Arc::new(dispatcher)));
    running.connected().await;
    let panicked = emulator
        .send_over_long_connection("test.event_v1", json!({}), "event")
        .await
        .unwrap();
    assert_eq!((panicked.code, panicked.data), (500, None));
    let fine = emulator
        .send_over_long_connection("test.event_v1", json!({"fine": true}), "event")
        .await
        .unwrap();
    assert_eq!(fine.code, 200);
    assert_eq!(emulator.long_connection_stats().connections, 1);
    running.stop().await.unwrap();
}

#[tokio::test]
async fn the_fifty_first_connection_of_an_app_is_refused_with_the_limit_code() {
    let emulator = Emulator::builder().start().await.unwrap();
    let mut clients = Vec::new();
    for _ in 0..lark_emulator::long_connection::MAX_CONNECTIONS {
        let mut running = start(emulator.long_connection_builder());
        running.connected().await;
        clients.push(running);
    }
    let error = start(emulator.long_connection_builder())
        .task
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(error, LongConnectionError::ConnectionLimit { .. }),
        "{error:?}"
    );
    // Cluster mode: an event goes to one of the fifty, once.
    let ack = emulator
        .send_over_long_connection("test.event_v1", json!({}), "event")
        .await
        .unwrap();
    assert_eq!(ack.code, 200);
    for running in clients {
        running.stop().await.unwrap();
    }
    eventually(|| emulator.long_connection_stats().open == 0).await;
}
