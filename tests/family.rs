//! The punch-record family end to end: the generated client against the emulator's platform endpoints
//! (import, query, get, task results, delete), decoding of what the platform really sends, and one
//! client pacing many tasks under batch_del's documented 10 calls a second. Every page's examples run
//! through `tests/examples.rs`.

#![allow(missing_docs)]

mod common;

use std::time::{Duration, Instant};

use chrono::{FixedOffset, NaiveDate, NaiveTime};
use lark_emulator::attendance::unix_time;
use lark_emulator::{Employee, Emulator, NewPunch, RunningEmulator};
use lark_openapi::attendance::v1::types::{CheckResult, EmployeeType, FlowType, TaskCheckResult, UserFlow};
use lark_openapi::attendance::v1::user_flow::batch_create::{BatchCreateError, BatchCreateRequest};
use lark_openapi::attendance::v1::user_flow::batch_del::BatchDelRequest;
use lark_openapi::attendance::v1::user_flow::get::{GetError, GetRequest};
use lark_openapi::attendance::v1::user_flow::query::{QueryRequest, QueryResponse};
use lark_openapi::attendance::v1::user_task::query::QueryRequest as TaskQuery;
use lark_openapi::auth::v3::tenant_access_token::internal::InternalRequest;
use lark_openapi::runtime::{AuthError, Endpoint};
use lark_openapi::{Api, Client, Error};

const DAY: i32 = 20261124;

fn at(hour: u32, minute: u32) -> i64 {
    let date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    unix_time(date, NaiveTime::from_hms_opt(hour, minute, 0).unwrap(), zone)
}

fn flow(user: &str, check_time: i64, idempotent_id: Option<&str>) -> UserFlow {
    UserFlow {
        external_id: Some(format!("ext-{check_time}")),
        idempotent_id: idempotent_id.map(str::to_owned),
        ..common::user_flow(user, check_time)
    }
}

fn import_request(flows: Vec<UserFlow>) -> BatchCreateRequest {
    BatchCreateRequest::builder()
        .employee_type(EmployeeType::EmployeeId)
        .flow_records(flows)
        .build()
        .unwrap()
}

fn tasks(users: &[&str]) -> TaskQuery {
    TaskQuery::builder()
        .employee_type(EmployeeType::EmployeeId)
        .user_ids(users.iter().copied())
        .check_date_from(DAY)
        .check_date_to(DAY)
        .build()
        .unwrap()
}

async fn client(emulator: &RunningEmulator) -> Client {
    emulator.client_builder().build().unwrap()
}

#[tokio::test]
async fn import_read_delete_and_recompute_through_the_platform_endpoints() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = client(&emulator).await;
    let flows = client.attendance().v1().user_flow();

    let request = import_request(vec![
        flow("E1", at(8, 50), Some("k1")),
        flow("E1", at(18, 10), Some("k2")),
    ]);
    let imported = flows.batch_create(request.clone()).await.unwrap();
    assert_eq!(imported.msg, "success");
    assert!(request.failed_flow_records(&imported.msg).is_empty());
    let records = imported.data.flow_records.unwrap();
    let ids: Vec<String> = records.iter().map(|r| r.record_id.clone().unwrap()).collect();
    assert_eq!(records[0].r#type, Some(FlowType::OpenPlatformImport));

    // The same idempotency key returns the first record and creates nothing.
    let again = flows.batch_create(request).await.unwrap();
    let again_ids: Vec<String> = again
        .data
        .flow_records
        .unwrap()
        .iter()
        .map(|r| r.record_id.clone().unwrap())
        .collect();
    assert_eq!(again_ids, ids);
    assert_eq!(emulator.live_records(), 2);

    // Query by user and time range, in both kinds of id.
    let query = |kind| {
        QueryRequest::builder()
            .employee_type(kind)
            .user_ids(["E1"])
            .check_time_from(at(0, 0).to_string())
            .check_time_to(at(23, 59).to_string())
            .build()
            .unwrap()
    };
    let found = flows.query(query(EmployeeType::EmployeeId)).await.unwrap();
    assert_eq!(found.data.user_flow_results.as_ref().map(Vec::len), Some(2));
    let by_number = flows.query(query(EmployeeType::EmployeeNo)).await.unwrap_err();
    assert!(
        by_number.to_string().contains("E1"),
        "E1 is not an employee number: {by_number}"
    );

    // Get one record; its user id comes back as the kind asked for.
    let get = GetRequest::builder()
        .user_flow_id(ids[1].clone())
        .employee_type(EmployeeType::EmployeeNo)
        .build()
        .unwrap();
    let record = flows.get(get).await.unwrap().data;
    assert_eq!(
        (record.user_id.as_str(), record.check_time.clone()),
        ("N00001", at(18, 10).to_string())
    );
    assert_eq!(record.external_id.as_deref(), Some(&*format!("ext-{}", at(18, 10))));

    // Task results before and after deleting the check-out.
    let results = |answer: lark_openapi::Response<lark_openapi::attendance::v1::user_task::query::QueryResponse>| {
        let task = answer.data.user_task_results.unwrap().remove(0);
        let result = task.records.unwrap().remove(0);
        (result.check_in_result.unwrap(), result.check_out_result.unwrap())
    };
    let tasks_api = client.attendance().v1().user_task();
    let before = results(tasks_api.query(tasks(&["E1"])).await.unwrap());
    assert_eq!(before, (TaskCheckResult::Normal, TaskCheckResult::Normal));
    let delete = BatchDelRequest::builder().record_ids([ids[1].clone()]).build().unwrap();
    let deleted = flows.batch_del(delete).await.unwrap();
    assert_eq!(deleted.data.success_record_ids, Some(vec![ids[1].clone()]));
    let after = results(tasks_api.query(tasks(&["E1"])).await.unwrap());
    assert_eq!(after, (TaskCheckResult::Normal, TaskCheckResult::Lack));
}

#[tokio::test]
async fn a_strict_roster_refuses_strangers_and_old_punches_are_listed_in_msg() {
    let roster = [Employee::new("E1", "001", "Li Lei")];
    let emulator = Emulator::builder().roster(roster).start().await.unwrap();
    let client = client(&emulator).await;
    let flows = client.attendance().v1().user_flow();

    let stranger = flows
        .batch_create(import_request(vec![flow("E9", at(9, 0), None)]))
        .await
        .unwrap_err();
    assert_eq!(
        stranger.api_error(),
        Some(&BatchCreateError::UserNotFoundOrNoPermission)
    );

    // The import page accepts punches after 2022-01-01 only: the old one fails, the other is imported.
    let request = import_request(vec![flow("E1", 1_600_000_000, None), flow("E1", at(9, 0), None)]);
    let answer = flows.batch_create(request.clone()).await.unwrap();
    assert_eq!(answer.msg, "[E1-E1]");
    let failed = request.failed_flow_records(&answer.msg);
    assert_eq!(failed.len(), 2, "both records share the key E1-E1, so both are named");
    assert_eq!(answer.data.flow_records.map(|r| r.len()), Some(1));

    let unknown = client
        .attendance()
        .v1()
        .user_task()
        .query(tasks(&["E1", "E9"]))
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("E9"), "{unknown}");
    let ignoring = TaskQuery::builder()
        .employee_type(EmployeeType::EmployeeId)
        .user_ids(["E1", "E9"])
        .check_date_from(DAY)
        .check_date_to(DAY)
        .ignore_invalid_users(true)
        .build()
        .unwrap();
    let answer = client.attendance().v1().user_task().query(ignoring).await.unwrap();
    assert_eq!(answer.data.invalid_user_ids, Some(vec!["E9".to_owned()]));
    assert_eq!(
        answer.data.user_task_results.unwrap()[0].employee_name.as_deref(),
        Some("Li Lei")
    );
}

#[tokio::test]
async fn a_get_whose_path_parameter_needs_escaping_reaches_the_server_whole() {
    let emulator = Emulator::builder().start().await.unwrap();
    let request = GetRequest::builder()
        .user_flow_id("a/b c?")
        .employee_type(EmployeeType::EmployeeId)
        .build()
        .unwrap();
    assert_eq!(request.path(), "/open-apis/attendance/v1/user_flows/a%2Fb%20c%3F");
    let error = client(&emulator)
        .await
        .attendance()
        .v1()
        .user_flow()
        .get(request)
        .await
        .unwrap_err();
    assert_eq!(error.api_error(), Some(&GetError::ParamInvalid));
    assert!(error.to_string().contains("no record a/b c?"), "{error}");
}

#[tokio::test]
async fn the_token_comes_through_the_generated_endpoint_and_a_wrong_secret_is_typed() {
    let emulator = Emulator::builder().start().await.unwrap();
    assert!(
        InternalRequest::METADATA.access_tokens.is_empty(),
        "the token endpoint takes no token"
    );
    let ids = emulator.import([NewPunch::new("E1", at(9, 0))]);
    let client = client(&emulator).await;
    let delete = BatchDelRequest::builder().record_ids(ids).build().unwrap();
    client.attendance().v1().user_flow().batch_del(delete).await.unwrap();
    assert_eq!(emulator.calls(InternalRequest::METADATA.path_template), 1);

    let wrong = emulator
        .client_builder()
        .app_credentials(lark_openapi::AppCredentials::new("cli_emulator", "not-the-secret"))
        .build()
        .unwrap();
    let delete = BatchDelRequest::builder().record_ids(["1"]).build().unwrap();
    let error = wrong.attendance().v1().user_flow().batch_del(delete).await.unwrap_err();
    let Error::Auth {
        source: AuthError::Rejected { code, .. },
        ..
    } = &error
    else {
        panic!("expected a rejected token request, got {error:?}");
    };
    assert_eq!(*code, lark_emulator::APP_SECRET_INVALID);
    assert!(!format!("{error} {error:?}").contains("not-the-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_paces_thirty_concurrent_deletes_under_the_documented_limit() {
    let emulator = Emulator::builder().start().await.unwrap();
    let ids = emulator.import((0..30).map(|i| NewPunch::new("E1", at(9, 0) + i)));
    let client = client(&emulator).await;
    let started = Instant::now();
    let calls = ids.into_iter().map(|id| {
        let client = client.clone();
        tokio::spawn(async move {
            let request = BatchDelRequest::builder().record_ids([id]).build().unwrap();
            client.attendance().v1().user_flow().batch_del(request).await
        })
    });
    let answers = futures::future::join_all(calls).await;
    let elapsed = started.elapsed();
    for answer in answers {
        assert_eq!(
            answer.unwrap().unwrap().attempts,
            1,
            "no call was rate limited and retried"
        );
    }
    assert_eq!(
        emulator.calls(BatchDelRequest::METADATA.path_template),
        30,
        "no 429, no retry"
    );
    // 30 calls spread at 10 a second cannot finish sooner than 2.9 s: the pacing did its work.
    assert!(elapsed >= Duration::from_millis(2900), "{elapsed:?}");
    assert_eq!(emulator.live_records(), 0);
}

#[test]
fn numbers_for_strings_and_unlisted_named_values_decode() {
    let answer = r#"{"user_flow_results": [{
        "user_id": "abd754f7", "creator_id": "abd754f7", "location_name": "x", "comment": "",
        "check_time": 1611476284, "record_id": 6709359313699356941,
        "type": 42, "check_result": "SomethingNew"
    }]}"#;
    // Read the way the runtime reads every answer; a plain serde_json read is strict.
    let data: QueryResponse = lark_openapi::runtime::lenient::from_slice(answer.as_bytes()).unwrap();
    assert!(serde_json::from_str::<QueryResponse>(answer).is_err());
    let record = &data.user_flow_results.unwrap()[0];
    assert_eq!(record.check_time, "1611476284");
    assert_eq!(record.record_id.as_deref(), Some("6709359313699356941"));
    assert_eq!(record.r#type, Some(FlowType::Unknown(42)));
    assert_eq!(
        record.check_result,
        Some(CheckResult::Unknown("SomethingNew".to_owned()))
    );
}
