//! The client against servers started on 127.0.0.1: envelopes, typed errors, retries, rate limits,
//! tokens, undecodable answers, timeouts, bulk deletion and secrets.

#![allow(missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lark_openapi::attendance::v1::user_flow::batch_del::{BatchDelError, BatchDelRequest};
use lark_openapi::runtime::{RetryPolicy, TimeLimit};
use lark_openapi::{Api, AppCredentials, BulkOptions, Client, Error};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const BATCH_DEL: &str = "/open-apis/attendance/v1/user_flows/batch_del";
const APP_SECRET: &str = "app-secret-do-not-print";
const TOKEN: &str = "t-token-do-not-print";

async fn server_with_token() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_json(json!({"app_id": "cli_test", "app_secret": APP_SECRET})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": 0, "msg": "ok", "tenant_access_token": TOKEN, "expire": 7200})),
        )
        .mount(&server)
        .await;
    server
}

/// A platform that issues tokens and answers every `batch_del` with `answer`.
async fn server_answering(answer: impl Respond + 'static) -> MockServer {
    let server = server_with_token().await;
    Mock::given(path(BATCH_DEL)).respond_with(answer).mount(&server).await;
    server
}

/// A platform that issues tokens, answers the first `batch_del` with `first` and every later one with
/// `then`.
async fn server_answering_first(first: ResponseTemplate, then: ResponseTemplate) -> MockServer {
    let server = server_with_token().await;
    Mock::given(path(BATCH_DEL))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(BATCH_DEL)).respond_with(then).mount(&server).await;
    server
}

/// The platform's answer to a call over the rate limit, asking to wait `reset_seconds`.
fn rate_limited(reset_seconds: impl ToString) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("x-ogw-ratelimit-reset", reset_seconds.to_string())
        .set_body_json(json!({"code": 99991400, "msg": "request trigger frequency limit"}))
}

/// How a call that ends rate limited ended: the wait the platform asked for, and the attempts made.
async fn rate_limited_outcome(server: &MockServer) -> (Option<Duration>, u32) {
    let error = client(server, RetryPolicy::default())
        .execute(&request(&["1"]))
        .await
        .unwrap_err();
    let Error::RateLimited {
        retry_after, attempts, ..
    } = error
    else {
        panic!("{error:?}")
    };
    (retry_after, attempts)
}

fn client(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(server.uri())
        .app_credentials(AppCredentials::new("cli_test", APP_SECRET))
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(10),
            ..retry
        })
        .request_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

fn envelope(code: i64, msg: &str, data: Value) -> ResponseTemplate {
    ResponseTemplate::new(if code == 0 { 200 } else { 400 })
        .insert_header("x-tt-logid", "log-123")
        .set_body_json(json!({"code": code, "msg": msg, "data": data}))
}

fn request(ids: &[&str]) -> BatchDelRequest {
    BatchDelRequest::builder()
        .record_ids(ids.iter().copied())
        .build()
        .unwrap()
}

async fn calls_to(server: &MockServer, route: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == route)
        .count()
}

#[tokio::test]
async fn success_sends_the_documented_request_and_returns_typed_data() {
    let server = server_with_token().await;
    Mock::given(method("POST"))
        .and(path(BATCH_DEL))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json; charset=utf-8"))
        .and(body_json(json!({"record_ids": ["1", "2"]})))
        .respond_with(envelope(
            0,
            "success",
            json!({"success_record_ids": ["1", "2"], "fail_record_ids": []}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::default());
    let response = client
        .attendance()
        .v1()
        .user_flow()
        .batch_del(request(&["1", "2"]))
        .await
        .unwrap();
    assert_eq!(
        response.data.success_record_ids,
        Some(vec!["1".to_owned(), "2".to_owned()])
    );
    assert_eq!(response.log_id.as_deref(), Some("log-123"));
    assert_eq!(
        (response.attempts, response.earlier_attempt_may_have_applied),
        (1, false)
    );
    assert!(response.failures().is_empty());
}

#[tokio::test]
async fn partial_failure_gives_each_failed_id_its_reason() {
    let server = server_answering(envelope(
        0,
        r#"{"2": "record not found"}"#,
        json!({"success_record_ids": ["1"], "fail_record_ids": ["2"]}),
    ))
    .await;
    let response = client(&server, RetryPolicy::default())
        .execute(&request(&["1", "2"]))
        .await
        .unwrap();
    let failures = response.failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        (failures[0].id.as_str(), failures[0].reason.as_deref()),
        ("2", Some("record not found"))
    );
}

#[tokio::test]
async fn every_documented_code_becomes_its_variant_with_status_advice_and_log_id() {
    let documented = [
        (1220001, BatchDelError::ParamInvalid, 400),
        (1220002, BatchDelError::TenantIdEmpty, 400),
        (1220003, BatchDelError::UserIdTypeInvalid, 400),
        (1220006, BatchDelError::NoPrivilege, 400),
        (1225000, BatchDelError::SystemError, 500),
        (1227000, BatchDelError::ManagementServiceError, 500),
    ];
    for (code, variant, status) in documented {
        let server = server_answering(
            ResponseTemplate::new(status)
                .insert_header("x-tt-logid", "log-9")
                .set_body_json(json!({"code": code, "msg": "server says why"})),
        )
        .await;
        let error = client(&server, RetryPolicy::never())
            .execute(&request(&["1"]))
            .await
            .unwrap_err();
        let Error::Api {
            error: got,
            http_status,
            message,
            log_id,
            attempts,
            ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(
            (*got, *http_status, message.as_str(), log_id.as_deref(), *attempts),
            (variant, status, "server says why", Some("log-9"), 1)
        );
        let text = error.to_string();
        assert!(text.starts_with("attendance.v1.user_flow.batch_del: "), "{text}");
        assert!(
            text.contains(&format!("code {code}")) && text.contains("Advice: ") && text.ends_with("[log id log-9]"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_retryable_code_is_retried_then_succeeds() {
    let server = server_answering_first(
        ResponseTemplate::new(500).set_body_json(json!({"code": 1225000, "msg": "system error"})),
        envelope(0, "success", json!({"success_record_ids": ["1"]})),
    )
    .await;
    let response = client(&server, RetryPolicy::default())
        .execute(&request(&["1"]))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);
    assert!(
        response.earlier_attempt_may_have_applied,
        "a 1225000 may have deleted before failing"
    );
    assert_eq!(calls_to(&server, BATCH_DEL).await, 2);
}

#[tokio::test]
async fn a_code_not_marked_retryable_is_sent_once() {
    let server = server_answering(envelope(1220001, "param is invalid", json!(null))).await;
    let error = client(&server, RetryPolicy::default())
        .execute(&request(&["1"]))
        .await
        .unwrap_err();
    assert_eq!(error.api_error(), Some(&BatchDelError::ParamInvalid));
    assert_eq!(calls_to(&server, BATCH_DEL).await, 1);
}

#[tokio::test]
async fn rate_limiting_waits_for_the_platforms_reset() {
    let server = server_answering_first(rate_limited(1), envelope(0, "success", json!({}))).await;
    let started = Instant::now();
    let response = client(&server, RetryPolicy::default())
        .execute(&request(&["1"]))
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);
    assert!(
        !response.earlier_attempt_may_have_applied,
        "a rate-limited call was not processed"
    );
    // The backoff alone would be about 10 ms; the platform asked for a second.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rate_limiting_past_the_budget_is_a_typed_error() {
    let server = server_answering(
        ResponseTemplate::new(429)
            .insert_header("x-ogw-ratelimit-reset", "60")
            .set_body_string("too many"),
    )
    .await;
    assert_eq!(
        rate_limited_outcome(&server).await,
        (Some(Duration::from_secs(60)), 1),
        "a 60 s wait exceeds the 30 s budget"
    );
}

#[tokio::test]
async fn a_reset_too_large_for_the_clock_is_a_typed_error_not_a_panic() {
    // A one-second reset first, so that the call has already waited a whole second when the huge one
    // comes.
    let server = server_answering_first(rate_limited(1), rate_limited(u64::MAX)).await;
    assert_eq!(
        rate_limited_outcome(&server).await,
        (Some(Duration::from_secs(u64::MAX)), 2)
    );
}

#[tokio::test]
async fn an_operation_timeout_too_large_for_the_clock_means_no_deadline() {
    let server = server_answering(envelope(0, "success", json!({"success_record_ids": ["1"]}))).await;
    let client = client(&server, RetryPolicy::default());
    let unbounded = client.with_timeouts(lark_openapi::runtime::Timeouts {
        operation: Duration::MAX,
        ..client.timeouts()
    });
    let response = unbounded.execute(&request(&["1"])).await.unwrap();
    assert_eq!(response.data.success_record_ids, Some(vec!["1".to_owned()]));
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_refreshed_exactly_once() {
    let server = MockServer::start().await;
    for (token, priority) in [("t-first", 1), ("t-second", 2)] {
        let mock = Mock::given(path(TOKEN_PATH))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200})),
            )
            .with_priority(priority);
        let mock = if priority == 1 { mock.up_to_n_times(1) } else { mock };
        mock.mount(&server).await;
    }
    // The first token works for two calls, then the platform says it expired.
    Mock::given(path(BATCH_DEL))
        .and(header("authorization", "Bearer t-first"))
        .respond_with(envelope(0, "success", json!({})))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(BATCH_DEL))
        .and(header("authorization", "Bearer t-first"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"code": 99991663, "msg": "Invalid access token"})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path(BATCH_DEL))
        .and(header("authorization", "Bearer t-second"))
        .respond_with(envelope(0, "success", json!({})))
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::never());
    for _ in 0..5 {
        client.execute(&request(&["1"])).await.unwrap();
    }
    assert_eq!(
        calls_to(&server, TOKEN_PATH).await,
        2,
        "one initial token and one refresh"
    );
    assert_eq!(
        calls_to(&server, BATCH_DEL).await,
        6,
        "five calls, one of them sent twice"
    );
}

#[tokio::test]
async fn a_hundred_concurrent_calls_on_a_cold_cache_fetch_one_token() {
    let server = server_answering(envelope(0, "success", json!({}))).await;
    let client = client(&server, RetryPolicy::default());
    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.execute(&request(&["1"])).await.map(|_| ()) })
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap().unwrap();
    }
    assert_eq!(calls_to(&server, TOKEN_PATH).await, 1);
    assert_eq!(calls_to(&server, BATCH_DEL).await, 100);
}

#[tokio::test]
async fn an_html_502_is_a_decode_error_with_status_type_and_snippet() {
    let server = server_answering(
        ResponseTemplate::new(502).set_body_raw("<html><body>502 Bad Gateway</body></html>", "text/html"),
    )
    .await;
    let error = client(
        &server,
        RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        },
    )
    .execute(&request(&["1"]))
    .await
    .unwrap_err();
    let Error::Decode {
        http_status,
        content_type,
        snippet,
        attempts,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*http_status, content_type.as_deref(), *attempts),
        (502, Some("text/html"), 2),
        "a gateway 5xx is retried"
    );
    assert!(snippet.starts_with("<html><body>502 Bad Gateway"), "{snippet}");
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_not_a_panic() {
    let server = server_answering(ResponseTemplate::new(200).set_body_raw(
        r#"{"code": 0, "msg": "success", "data": {"success_rec"#,
        "application/json",
    ))
    .await;
    let error = client(&server, RetryPolicy::default())
        .execute(&request(&["1"]))
        .await
        .unwrap_err();
    let Error::Decode {
        http_status, reason, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*http_status, 200);
    assert!(reason.contains("EOF"), "{reason}");
    assert_eq!(
        calls_to(&server, BATCH_DEL).await,
        1,
        "a 200 that does not parse is not retried"
    );
}

#[tokio::test]
async fn a_server_that_does_not_answer_in_time_is_a_timeout() {
    let server = server_answering(envelope(0, "success", json!({})).set_delay(Duration::from_secs(2))).await;
    let error = client(&server, RetryPolicy::never())
        .execute(&request(&["1"]))
        .await
        .unwrap_err();
    // The client's attempt timeout is 500 ms: the error names that limit.
    let Error::Timeout { limit, attempts, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*limit, *attempts), (TimeLimit::Attempt(Duration::from_millis(500)), 1));
    assert!(!error.certainly_not_applied(), "a timed-out delete may have happened");
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_refused() {
    let server = server_answering(ResponseTemplate::new(200).set_body_string("x".repeat(4096))).await;
    let client = Client::builder()
        .base_url(server.uri())
        .app_credentials(AppCredentials::new("cli_test", APP_SECRET))
        .max_body_bytes(1024)
        .build()
        .unwrap();
    let error = client.execute(&request(&["1"])).await.unwrap_err();
    assert!(matches!(error, Error::BodyTooLarge { limit: 1024, .. }), "{error:?}");
}

#[test]
fn plain_http_is_refused_unless_loopback_or_allowed() {
    let builder = || Client::builder().app_credentials(AppCredentials::new("cli_test", APP_SECRET));
    assert!(builder().base_url("http://open.feishu.cn").build().is_err());
    assert!(
        builder()
            .base_url("http://open.feishu.cn")
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
    for loopback in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"] {
        assert!(builder().base_url(loopback).build().is_ok(), "{loopback}");
    }
    assert!(builder().base_url("ftp://x").build().is_err());
    assert!(Client::builder().build().is_err(), "no credentials");
}

/// Answers each chunk like the platform would, with failures injected by id.
struct InjectedFailures;

impl Respond for InjectedFailures {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let ids: Vec<String> = serde_json::from_value(body["record_ids"].clone()).unwrap();
        if ids.iter().any(|id| id == "1000050") {
            // This chunk always fails with a server fault: its ids end up unknown.
            return ResponseTemplate::new(500)
                .set_body_json(json!({"code": 1227000, "msg": "management service error"}));
        }
        if ids.iter().any(|id| id == "1000020") {
            return ResponseTemplate::new(400).set_body_json(json!({"code": 1220002, "msg": "tenant_id is empty"}));
        }
        let (failed, succeeded): (Vec<String>, Vec<String>) = ids.into_iter().partition(|id| id.ends_with('7'));
        let reasons: serde_json::Map<String, Value> = failed
            .iter()
            .map(|id| (id.clone(), json!("record not found")))
            .collect();
        let msg = if failed.is_empty() {
            "success".to_owned()
        } else {
            Value::Object(reasons).to_string()
        };
        ResponseTemplate::new(200).set_body_json(
            json!({"code": 0, "msg": msg, "data": {"success_record_ids": succeeded, "fail_record_ids": failed}}),
        )
    }
}

#[tokio::test]
async fn bulk_deletion_puts_every_id_in_exactly_one_bucket() {
    let server = server_answering(InjectedFailures).await;
    let client = client(
        &server,
        RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        },
    );
    let mut ids: Vec<String> = (1_000_000..1_000_095).map(|n| n.to_string()).collect();
    ids.push("1000003".into()); // a duplicate
    ids.push("not-a-number".into()); // refused before sending
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let options = BulkOptions {
        concurrency: 3,
        on_progress: Some(Arc::new(move |p| seen.lock().unwrap().push(p.done))),
        ..BulkOptions::default()
    };
    let report = client
        .attendance()
        .v1()
        .user_flow()
        .batch_del_all(ids.clone(), &options)
        .await;

    let mut all: Vec<&str> = report.succeeded.iter().map(String::as_str).collect();
    all.extend(report.failed.iter().map(|f| f.id.as_str()));
    all.extend(report.unknown.iter().map(|f| f.id.as_str()));
    all.sort_unstable();
    let mut distinct: Vec<&str> = ids.iter().map(String::as_str).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(all, distinct, "every distinct id exactly once");
    assert_eq!((report.total(), report.duplicates), (96, 1));

    // Chunks of ten: 1000050..59 hit a server fault twice, 1000020..29 a refusal.
    let unknown: Vec<&str> = report.unknown.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        unknown,
        (1_000_050..1_000_060).map(|n| n.to_string()).collect::<Vec<_>>()
    );
    assert!(
        report.unknown[0].reason.contains("management service error"),
        "{}",
        report.unknown[0].reason
    );
    let refused = report
        .failed
        .iter()
        .filter(|f| f.reason.contains("tenant_id is empty"))
        .count();
    let not_found = report.failed.iter().filter(|f| f.reason == "record not found").count();
    let not_sent = report
        .failed
        .iter()
        .filter(|f| f.reason.starts_with("not sent:"))
        .count();
    // 1000007, 17, 37, 47, 67, 77, 87 end in 7 (27 and 57 are in the chunks above).
    assert_eq!((refused, not_found, not_sent), (10, 7, 1));
    assert_eq!(report.succeeded.len(), 96 - 10 - 10 - 7 - 1);
    assert_eq!(progress.lock().unwrap().last(), Some(&96));
}

/// Captures everything `tracing` emits, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_appear_in_debug_errors_or_trace_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Tests in other threads register and drop their own subscribers: each callsite's cached interest is
    // computed again now that this one is in place, or a span first seen without it could stay off.
    tracing::callsite::rebuild_interest_cache();

    let server =
        server_answering(ResponseTemplate::new(500).set_body_json(json!({"code": 1225000, "msg": "system error"})))
            .await;
    let client = client(
        &server,
        RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        },
    );
    let error = client.execute(&request(&["1"])).await.unwrap_err();

    let refused = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": 10003, "msg": "invalid app_secret"})))
        .mount(&refused)
        .await;
    let auth_error = self::client(&refused, RetryPolicy::never())
        .execute(&request(&["1"]))
        .await
        .unwrap_err();
    assert!(
        auth_error.to_string().contains("invalid app_secret (code 10003)"),
        "{auth_error}"
    );

    let texts = [
        format!("{client:?}"),
        format!("{:?}", AppCredentials::new("cli_test", APP_SECRET)),
        format!("{error:?} {error}"),
        format!("{auth_error:?} {auth_error}"),
        String::from_utf8(logs.0.lock().unwrap().clone()).unwrap(),
    ];
    assert!(
        texts[4].contains("lark.call") && texts[4].contains("attendance.v1.user_flow.batch_del"),
        "no span logged"
    );
    for text in texts {
        assert!(!text.contains(APP_SECRET), "app secret leaked: {text}");
        assert!(!text.contains(TOKEN), "token leaked: {text}");
    }
}

/// Serves every prefix of a valid answer in turn.
struct Truncations {
    body: Vec<u8>,
    next: std::sync::atomic::AtomicUsize,
}

impl Respond for Truncations {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let at = self
            .next
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            .min(self.body.len());
        ResponseTemplate::new(200).set_body_raw(self.body[..at].to_vec(), "application/json")
    }
}

#[tokio::test]
async fn every_prefix_of_an_answer_is_data_or_a_decode_error() {
    let server = server_with_token().await;
    let body = serde_json::to_vec(&json!({
        "code": 0,
        "msg": "{\"2\": \"record not found\"}",
        "data": {"success_record_ids": ["1"], "fail_record_ids": ["2"]}
    }))
    .unwrap();
    let length = body.len();
    Mock::given(path(BATCH_DEL))
        .respond_with(Truncations {
            body,
            next: Default::default(),
        })
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::never());
    for at in 0..=length {
        match client.execute(&request(&["1", "2"])).await {
            Ok(response) => assert_eq!(at, length, "a cut answer decoded: {response:?}"),
            Err(Error::Decode { http_status: 200, .. }) => assert!(at < length),
            Err(other) => panic!("prefix of {at} bytes: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_cached_token_is_refreshed_before_it_expires() {
    let server = MockServer::start().await;
    // A two-second token: with the default five-minute margin it is refreshed at half its life.
    Mock::given(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": 0, "msg": "ok", "tenant_access_token": "t-short", "expire": 2})),
        )
        .mount(&server)
        .await;
    Mock::given(path(BATCH_DEL))
        .respond_with(envelope(0, "success", json!({})))
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::never());
    client.execute(&request(&["1"])).await.unwrap();
    client.execute(&request(&["1"])).await.unwrap();
    assert_eq!(calls_to(&server, TOKEN_PATH).await, 1, "cached while fresh");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.execute(&request(&["1"])).await.unwrap();
    assert_eq!(
        calls_to(&server, TOKEN_PATH).await,
        2,
        "refreshed before the platform would reject it"
    );
}

mod identity {
    //! Which token a call sends: the app's, or the user's on a handle from `as_user`; a call that cannot
    //! be made with the handle's identity fails before anything is sent.

    use super::*;
    use lark_openapi::contact::v3::department::search::SearchRequest;
    use lark_openapi::im::v1::message::delete::{DeleteError, DeleteRequest};
    use lark_openapi::runtime::{AccessToken, AccessTokenKind, IdentityProblem};

    const USER_TOKEN: &str = "u-user-token-do-not-print";
    const RECALL: &str = "/open-apis/im/v1/messages/om_1";

    fn recall() -> DeleteRequest {
        DeleteRequest::builder().message_id("om_1").build().unwrap()
    }

    #[tokio::test]
    async fn a_user_only_endpoint_without_a_user_token_fails_before_any_request() {
        let server = server_with_token().await;
        let request = SearchRequest::builder().query("Demo").build().unwrap();
        let error = client(&server, RetryPolicy::default())
            .contact()
            .v3()
            .department()
            .search(request)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::Identity {
                    endpoint: "contact.v3.department.search",
                    problem: IdentityProblem::UserTokenRequired
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("as_user"), "{error}");
        assert!(error.certainly_not_applied());
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_transport_alone_calls_only_endpoints_that_take_no_token() {
        use lark_openapi::auth::v3::tenant_access_token::internal::InternalRequest;
        let server = server_with_token().await;
        let transport = client(&server, RetryPolicy::default()).transport().clone();
        let error = transport.execute(&recall()).await.unwrap_err();
        let Error::Identity {
            problem: IdentityProblem::TokenRequired { accepted },
            ..
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(accepted, &[AccessTokenKind::Tenant, AccessTokenKind::User]);
        assert!(server.received_requests().await.unwrap().is_empty());
        let token_request = InternalRequest::builder()
            .app_id("cli_test")
            .app_secret(APP_SECRET)
            .build()
            .unwrap();
        let response = transport.execute(&token_request).await.unwrap();
        assert_eq!(
            response
                .data
                .tenant_access_token
                .map(|token| token.expose_secret().to_owned())
                .as_deref(),
            Some(TOKEN)
        );
        let sent = server.received_requests().await.unwrap();
        assert!(
            sent.iter()
                .all(|request| !request.headers.contains_key("authorization"))
        );
    }

    #[tokio::test]
    async fn a_handle_acting_as_a_user_sends_the_users_token_and_fetches_no_app_token() {
        let server = server_with_token().await;
        Mock::given(method("DELETE"))
            .and(path(RECALL))
            .and(header("authorization", format!("Bearer {USER_TOKEN}").as_str()))
            .respond_with(envelope(0, "success", json!({})))
            .expect(1)
            .mount(&server)
            .await;
        let user = client(&server, RetryPolicy::default()).as_user(AccessToken::new(USER_TOKEN));
        assert!(user.acts_as_user());
        user.im().v1().message().delete(recall()).await.unwrap();
        assert_eq!(calls_to(&server, TOKEN_PATH).await, 0);
        assert!(!format!("{user:?}").contains(USER_TOKEN));
    }

    #[tokio::test]
    async fn a_handle_acting_as_a_user_cannot_call_an_endpoint_without_user_tokens() {
        let server = server_with_token().await;
        let user = client(&server, RetryPolicy::default()).as_user(AccessToken::new(USER_TOKEN));
        let error = user
            .attendance()
            .v1()
            .user_flow()
            .batch_del(request(&["1"]))
            .await
            .unwrap_err();
        let Error::Identity {
            problem: IdentityProblem::UserTokenNotAccepted { accepted },
            ..
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(accepted, &[AccessTokenKind::Tenant]);
        let text = error.to_string();
        assert!(
            text.contains("tenant_access_token") && !text.contains(USER_TOKEN),
            "{text}"
        );
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_rejected_user_token_is_not_sent_again() {
        let server = server_with_token().await;
        Mock::given(path(RECALL))
            .respond_with(envelope(99991677, "user access token expired", json!({})))
            .mount(&server)
            .await;
        let user = client(&server, RetryPolicy::default()).as_user(AccessToken::new(USER_TOKEN));
        let error = user.im().v1().message().delete(recall()).await.unwrap_err();
        assert!(
            matches!(error.api_error(), Some(DeleteError::Undocumented(99991677))),
            "{error:?}"
        );
        assert_eq!(calls_to(&server, RECALL).await, 1);
    }
}
