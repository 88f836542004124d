//! The generated client against the local emulator: what a user's integration test would check.
//! Deletion recomputes task results, a second deletion says "already deleted", bulk deletion under a
//! rate limit and injected server faults accounts for every id, and an expired token is survived.

#![allow(missing_docs)]

use std::collections::HashSet;
use std::time::Duration;

use chrono::{FixedOffset, NaiveDate};
use lark_emulator::{CheckResult, Emulator, Fault, NewPunch, RunningEmulator, demo};
use lark_openapi::attendance::v1::user_flow::batch_del::BatchDelRequest;
use lark_openapi::runtime::RetryPolicy;
use lark_openapi::{Api, BulkOptions, Client};

const BATCH_DEL: &str = "/open-apis/attendance/v1/user_flows/batch_del";
const DAY: u32 = 20261124;

fn zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn client(emulator: &RunningEmulator) -> Client {
    emulator
        .client_builder()
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

fn delete(ids: &[&str]) -> BatchDelRequest {
    BatchDelRequest::builder()
        .record_ids(ids.iter().copied())
        .build()
        .unwrap()
}

#[tokio::test]
async fn deleting_a_check_out_recomputes_the_days_result() {
    let emulator = Emulator::builder().start().await.unwrap();
    let ids = emulator.import(demo::punches(date(), zone()));
    let before = emulator.task("E1001", DAY);
    assert_eq!(
        (before.check_in.result, before.check_out.result),
        (CheckResult::Normal, CheckResult::Normal)
    );
    let check_out = before.check_out.record_id.clone().unwrap();
    assert!(ids.contains(&check_out));

    let client = client(&emulator);
    let answer = client
        .attendance()
        .v1()
        .user_flow()
        .batch_del(delete(&[&check_out]))
        .await
        .unwrap();
    assert_eq!(
        answer.data.success_record_ids.as_deref(),
        Some(&[check_out.clone()][..])
    );

    let after = emulator.task("E1001", DAY);
    assert_eq!(
        (after.check_in.result, after.check_out.result),
        (CheckResult::Normal, CheckResult::Lack)
    );
    assert_eq!(after.check_out.record_id, None);
}

#[tokio::test]
async fn deleting_twice_says_already_deleted_and_unknown_ids_say_not_found() {
    let emulator = Emulator::builder().start().await.unwrap();
    let ids = emulator.import([NewPunch::new("u1", 1_795_000_000)]);
    let client = client(&emulator);
    let api = client.attendance().v1().user_flow();
    api.batch_del(delete(&[&ids[0]])).await.unwrap();
    let again = api.batch_del(delete(&[&ids[0], "42"])).await.unwrap();
    let failures: Vec<(String, Option<String>)> = again.failures().into_iter().map(|f| (f.id, f.reason)).collect();
    assert_eq!(
        failures,
        [
            (ids[0].clone(), Some("record already deleted".to_owned())),
            ("42".to_owned(), Some("record not found".to_owned())),
        ]
    );
    assert!(!again.earlier_attempt_may_have_applied);
}

#[tokio::test]
async fn bulk_deletion_under_a_rate_limit_and_injected_faults_accounts_for_every_id() {
    let emulator = Emulator::builder().rate_limit(Some(50)).start().await.unwrap();
    let punches = (0..1000).map(|i| NewPunch::new(format!("u{}", i % 40), 1_795_000_000 + i));
    let ids = emulator.import(punches);
    // One call in ten fails with the spec's retryable server error before anything is applied.
    emulator.inject(
        Fault::fail(500, 1225000, "system error")
            .on(BATCH_DEL)
            .every(10)
            .times(u32::MAX),
    );
    let client = client(&emulator);

    let report = client
        .attendance()
        .v1()
        .user_flow()
        .batch_del_all(ids.iter().cloned(), &BulkOptions::default())
        .await;

    let mut buckets: Vec<&str> = report.succeeded.iter().map(String::as_str).collect();
    buckets.extend(report.failed.iter().map(|f| f.id.as_str()));
    buckets.extend(report.unknown.iter().map(|f| f.id.as_str()));
    assert_eq!(buckets.len(), ids.len(), "every id in exactly one bucket");
    assert_eq!(buckets.iter().copied().collect::<HashSet<_>>().len(), ids.len());
    assert_eq!(
        report.succeeded.len(),
        1000,
        "failed: {:?}, unknown: {:?}",
        report.failed,
        report.unknown
    );
    // Nothing was deleted twice or beyond the request: exactly the thousand records are gone.
    assert_eq!(emulator.live_records(), 0);
    let calls = emulator.calls(BATCH_DEL);
    assert!(
        (110..=115).contains(&calls),
        "100 chunks plus one retry per injected fault, got {calls}"
    );
}

#[tokio::test]
async fn an_expired_token_mid_run_is_refreshed_and_the_run_completes() {
    let emulator = Emulator::builder().start().await.unwrap();
    let ids = emulator.import((0..40).map(|i| NewPunch::new("u1", 1_795_000_000 + i)));
    let client = client(&emulator);
    let api = client.attendance().v1().user_flow();
    let (first, rest) = ids.split_at(10);
    api.batch_del(
        BatchDelRequest::builder()
            .record_ids(first.iter().cloned())
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    // The platform expires every token while the client still holds its cached one.
    emulator.expire_tokens();
    let report = api.batch_del_all(rest.iter().cloned(), &BulkOptions::default()).await;
    assert_eq!(report.succeeded.len(), 30, "{report:?}");
    assert_eq!(emulator.live_records(), 0);
    assert_eq!(
        emulator.calls(lark_emulator::TOKEN_PATH),
        2,
        "one token, then exactly one refresh"
    );
}

#[tokio::test]
async fn a_bulk_run_that_outlives_its_deadline_loses_no_id() {
    let emulator = Emulator::builder().start().await.unwrap();
    let ids = emulator.import((0..30).map(|i| NewPunch::new("E1", 1_795_483_800 + i)));
    // The first call hangs past the run's deadline; the chunks after it are never sent.
    emulator.inject(Fault::delay(Duration::from_secs(3)).on(BATCH_DEL).times(1));
    let options = BulkOptions {
        concurrency: 1,
        deadline: Some(Duration::from_millis(800)),
        ..BulkOptions::default()
    };
    let report = client(&emulator)
        .attendance()
        .v1()
        .user_flow()
        .batch_del_all(ids.clone(), &options)
        .await;
    assert_eq!(report.total(), 30, "every id is accounted for");
    assert_eq!(
        report.unknown.len(),
        10,
        "the chunk in flight at the deadline: {:?}",
        report.unknown.first()
    );
    assert_eq!(report.failed.len(), 20);
    assert!(report.failed.iter().all(|f| f.reason.contains("deadline had passed")));
    assert_eq!(emulator.calls(BATCH_DEL), 1, "nothing was sent after the deadline");
}

/// hire's attachment upload words its failures as `message`, not `msg`: the error keeps them.
#[test]
fn a_failure_worded_as_message_keeps_its_words() {
    use lark_openapi::hire::v1::attachment::create::CreateRequest;
    let body = br#"{"code":1002001,"message":"system error"}"#;
    let error = lark_openapi::runtime::answer::decode_answer::<CreateRequest>(200, body).unwrap_err();
    match error {
        lark_openapi::runtime::Error::Api { message, .. } => assert_eq!(message, "system error"),
        other => panic!("an API error, not {other:?}"),
    }
}
