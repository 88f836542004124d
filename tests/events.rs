//! Events and store apps end to end: the emulator as the platform's sender, a dispatcher behind the
//! axum handler as the app's callback, and the client's store-app tokens fed by the `app_ticket` event.

#![allow(missing_docs)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, NaiveDate, NaiveTime};
use lark_emulator::attendance::unix_time;
use lark_emulator::{Emulator, EventSubscription, RunningEmulator};
use lark_openapi::attendance::v1::events::user_flow_created_v1::UserFlowCreatedV1;
use lark_openapi::attendance::v1::events::user_task_updated_v1::{TaskWorkType, UserTaskUpdatedV1};
use lark_openapi::attendance::v1::types::{EmployeeType, TaskStatusValue};
use lark_openapi::attendance::v1::user_flow::batch_create::BatchCreateRequest;
use lark_openapi::attendance::v1::user_flow::batch_del::BatchDelRequest;
use lark_openapi::runtime::events::{EventDispatcher, EventDispatcherBuilder, EventHeader};
use lark_openapi::runtime::{AppCredentials, AuthError};
use lark_openapi::{Api, Client, Error};
use tokio::sync::mpsc;

const TOKEN: &str = "vt-events-test-7Yk2";
const KEY: &str = "ek-events-test-Qw81";

fn at(hour: u32, minute: u32) -> i64 {
    let date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    unix_time(date, NaiveTime::from_hms_opt(hour, minute, 0).unwrap(), zone)
}

fn import(user: &str, times: &[i64]) -> BatchCreateRequest {
    let flows = times.iter().map(|time| common::user_flow(user, *time));
    BatchCreateRequest::builder()
        .employee_type(EmployeeType::EmployeeId)
        .flow_records(flows)
        .build()
        .unwrap()
}

/// Serves `dispatcher` on 127.0.0.1 through the runtime's axum handler; gives its URL.
async fn callback(dispatcher: EventDispatcher) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook/event", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/webhook/event",
        lark_openapi::runtime::events::axum::callback(Arc::new(dispatcher)),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn next<T>(receiver: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), receiver.recv())
        .await
        .expect("an event within 5 s")
        .expect("the callback is still serving")
}

fn secured() -> EventDispatcherBuilder {
    EventDispatcher::builder().verification_token(TOKEN).encrypt_key(KEY)
}

#[tokio::test]
async fn a_deletion_pushes_the_task_update_with_its_before_and_after_results_encrypted_and_signed() {
    let (flows_tx, mut flows) = mpsc::unbounded_channel();
    let (tasks_tx, mut tasks) = mpsc::unbounded_channel();
    let dispatcher = secured()
        .on(move |header: EventHeader, event: UserFlowCreatedV1| {
            let flows_tx = flows_tx.clone();
            async move { flows_tx.send((header, event)).map_err(|_| "test ended") }
        })
        .on(move |header: EventHeader, event: UserTaskUpdatedV1| {
            let tasks_tx = tasks_tx.clone();
            async move { tasks_tx.send((header, event)).map_err(|_| "test ended") }
        })
        .build();
    let url = callback(dispatcher).await;
    let subscription = EventSubscription::new(url, TOKEN).encrypt_key(KEY);
    let emulator = Emulator::builder().events(subscription).start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let user_flows = client.attendance().v1().user_flow();

    // 08:50 and 18:10: on time both ways. Each punch is pushed, and the day's results went from
    // missing to on time.
    let imported = user_flows
        .batch_create(import("E1", &[at(8, 50), at(18, 10)]))
        .await
        .unwrap();
    let ids: Vec<String> = imported
        .data
        .flow_records
        .unwrap()
        .into_iter()
        .filter_map(|r| r.record_id)
        .collect();
    for id in &ids {
        let (header, flow) = next(&mut flows).await;
        assert_eq!(flow.record_id.as_ref(), Some(id));
        assert_eq!(flow.employee_id.as_deref(), Some("E1"));
        assert_eq!(header.event_type, "attendance.user_flow.created_v1");
        assert_eq!(header.tenant_key.as_deref(), Some(lark_emulator::DEMO_TENANT_KEY));
    }
    let (_, created) = next(&mut tasks).await;
    assert_eq!(created.status_changes.unwrap().len(), 2);

    // Deleting the check-out leaves it missing: one change, check-out Normal → Lack.
    let deleted = user_flows
        .batch_del(BatchDelRequest::builder().record_ids([ids[1].clone()]).build().unwrap())
        .await
        .unwrap();
    assert_eq!(deleted.data.success_record_ids, Some(vec![ids[1].clone()]));
    let (header, update) = next(&mut tasks).await;
    assert_eq!(header.event_type, "attendance.user_task.updated_v1");
    assert_eq!(
        (update.employee_id.as_deref(), update.date),
        (Some("E1"), Some(20261124))
    );
    let changes = update.status_changes.unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].work_type, Some(TaskWorkType::CheckOut));
    assert_eq!(changes[0].before_status, Some(TaskStatusValue::Normal));
    assert_eq!(changes[0].current_status, Some(TaskStatusValue::Lack));
    assert_eq!(deliveries_settled(&emulator, 4).await, (4, 0));
}

/// The emulator's delivery counts once `count` deliveries have ended (a reply reaches the emulator
/// after the handler has run).
async fn deliveries_settled(emulator: &RunningEmulator, count: u64) -> (u64, u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while emulator.deliveries().0 + emulator.deliveries().1 < count && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    emulator.deliveries()
}

#[tokio::test]
async fn a_delivery_with_the_wrong_verification_token_is_refused_and_not_handled() {
    let (tx, mut handled) = mpsc::unbounded_channel::<String>();
    let dispatcher = secured()
        .on(move |header: EventHeader, _: UserFlowCreatedV1| {
            let tx = tx.clone();
            async move { tx.send(header.event_id).map_err(|_| "test ended") }
        })
        .build();
    let url = callback(dispatcher).await;
    let emulator = Emulator::builder()
        .events(EventSubscription::new(url, "another-token").encrypt_key(KEY))
        .start()
        .await
        .unwrap();
    let client = emulator.client_builder().build().unwrap();
    client
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E2", &[at(9, 0)]))
        .await
        .unwrap();
    // Both deliveries (the punch and the task update) are refused after every attempt.
    assert_eq!(deliveries_settled(&emulator, 2).await, (0, 2));
    assert!(handled.try_recv().is_err());
}

/// A store app's client whose `app_ticket` events reach its own token provider.
async fn store_app(emulator: &RunningEmulator, credentials: AppCredentials) -> Client {
    let client = Client::builder()
        .base_url(emulator.base_url())
        .store_app_credentials(credentials)
        .build()
        .unwrap();
    let provider = client.store_app().expect("a store app client").clone();
    let url = callback(
        provider
            .feed_from(EventDispatcher::builder().verification_token(TOKEN))
            .build(),
    )
    .await;
    emulator.subscribe_events(Some(EventSubscription::new(url, TOKEN)));
    client
}

#[tokio::test]
async fn a_store_app_asks_for_its_ticket_then_keeps_one_token_per_tenant() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = store_app(&emulator, emulator.app_credentials()).await;
    let provider = client.store_app().unwrap().clone();
    assert!(!provider.has_app_ticket());

    // No tenant: a store app cannot tell whose token to use.
    let refused = client
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E3", &[at(9, 0)]))
        .await;
    assert!(
        matches!(
            refused,
            Err(Error::Auth {
                source: AuthError::NoTenant,
                ..
            })
        ),
        "{refused:?}"
    );

    // The first call asks the platform to push the ticket, waits for the event, then trades it.
    let tenant_a = client.for_tenant("tenant_a");
    tenant_a
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E3", &[at(9, 0)]))
        .await
        .unwrap();
    assert!(provider.has_app_ticket());
    assert_eq!(
        (provider.resend_count(), provider.fetch_count()),
        (1, 2),
        "one app token, one tenant token"
    );

    // Another tenant: its own tenant token from the same app token; then both are cached.
    let tenant_b = client.for_tenant("tenant_b");
    tenant_b
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E4", &[at(9, 0)]))
        .await
        .unwrap();
    tenant_a
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E3", &[at(9, 5)]))
        .await
        .unwrap();
    tenant_b
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E4", &[at(9, 5)]))
        .await
        .unwrap();
    assert_eq!((provider.resend_count(), provider.fetch_count()), (1, 3));

    // Every token expires: the rejected tenant token is dropped, the tenant endpoint refuses the expired
    // app token, and both are fetched again with the ticket already held.
    emulator.expire_tokens();
    tenant_a
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E3", &[at(9, 10)]))
        .await
        .unwrap();
    assert_eq!(
        (provider.resend_count(), provider.fetch_count()),
        (1, 6),
        "tenant (refused), app, tenant"
    );

    let shown = format!("{client:?} {provider:?}");
    assert!(
        !shown.contains(lark_emulator::DEMO_APP_SECRET) && !shown.contains("tk-"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_wrong_secret_never_gets_a_token_even_beside_the_right_one() {
    let emulator = Emulator::builder().start().await.unwrap();
    let right = store_app(&emulator, emulator.app_credentials()).await;
    right
        .for_tenant("tenant_a")
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E5", &[at(9, 0)]))
        .await
        .unwrap();

    let wrong = AppCredentials::new(lark_emulator::DEMO_APP_ID, "not-the-secret");
    let wrong = Client::builder()
        .base_url(emulator.base_url())
        .store_app_credentials(wrong)
        .build()
        .unwrap();
    let outcome = wrong
        .for_tenant("tenant_a")
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E5", &[at(9, 5)]))
        .await;
    let Err(Error::Auth { source, .. }) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(matches!(source, AuthError::Rejected { code: 10014, .. }), "{source:?}");
    assert!(!source.to_string().contains("not-the-secret"));
}

#[tokio::test]
async fn a_store_app_whose_ticket_never_arrives_says_so_after_its_wait() {
    // No event subscription: the emulator pushes the ticket to nobody.
    let emulator = Emulator::builder().start().await.unwrap();
    let client = emulator
        .store_client_builder()
        .app_ticket_wait(Duration::from_millis(200))
        .build()
        .unwrap();
    let outcome = client
        .for_tenant("tenant_a")
        .attendance()
        .v1()
        .user_flow()
        .batch_create(import("E6", &[at(9, 0)]))
        .await;
    let Err(Error::Auth { source, .. }) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(matches!(source, AuthError::NoAppTicket { .. }), "{source:?}");
    assert!(
        source
            .to_string()
            .contains("is the app_ticket event reaching your dispatcher")
    );
    assert_eq!(client.store_app().unwrap().resend_count(), 1);
}

#[tokio::test]
async fn an_approval_instance_is_followed_through_its_event_from_pending_to_approved() {
    use lark_emulator::ApprovalDecision;
    use lark_openapi::approval::v4::events::approval_instance::ApprovalInstance;
    use lark_openapi::approval::v4::instance::create::CreateRequest;

    let (tx, mut changes) = mpsc::unbounded_channel();
    let dispatcher = secured()
        .on(move |_: EventHeader, event: ApprovalInstance| {
            let tx = tx.clone();
            async move { tx.send(event).map_err(|_| "test ended") }
        })
        .build();
    let url = callback(dispatcher).await;
    let subscription = EventSubscription::new(url, TOKEN).encrypt_key(KEY);
    let emulator = Emulator::builder().events(subscription).start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let request = CreateRequest::builder()
        .approval_code("7C468A54-8745-2245-9675-08B7C63E7A85")
        .open_id("ou_alice")
        .form(r#"[{"id":"reason","type":"input","value":"offsite"}]"#)
        .uuid("trip-42")
        .build()
        .unwrap();
    let created = client.approval().v4().instance().create(request.clone()).await.unwrap();
    let twice = client.approval().v4().instance().create(request).await.unwrap_err();
    let code_of = twice.api_error().map(lark_openapi::runtime::DocumentedError::code);
    assert_eq!(code_of, Some(60012), "one instance per uuid: {twice}");
    let code = created.data.instance_code.unwrap();
    let status = |event: &ApprovalInstance| serde_json::to_value(&event.status).unwrap();

    let pending = next(&mut changes).await;
    assert_eq!(pending.instance_code.as_ref(), Some(&code));
    assert_eq!(pending.uuid.as_deref(), Some("trip-42"));
    assert_eq!(status(&pending), "PENDING");

    emulator.decide_approval(&code, ApprovalDecision::Approved).unwrap();
    let approved = next(&mut changes).await;
    assert_eq!(
        (approved.instance_code.as_ref(), status(&approved)),
        (Some(&code), "APPROVED".into())
    );
    let again = emulator.decide_approval(&code, ApprovalDecision::Rejected).unwrap_err();
    assert!(again.contains("APPROVED already"), "{again}");
    assert!(
        emulator
            .decide_approval("no-such-code", ApprovalDecision::Approved)
            .is_err()
    );
}
