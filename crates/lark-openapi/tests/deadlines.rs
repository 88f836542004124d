//! One deadline per call, against servers on 127.0.0.1 that misbehave on purpose: a server that sends
//! its headers and then nothing, one whose body trickles, one whose retryable failure would need a
//! backoff longer than the deadline; and single calls whose answers do not account for every id.

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use lark_openapi::attendance::v1::user_flow::batch_del::BatchDelRequest;
use lark_openapi::runtime::{AccessToken, RetryPolicy, StaticToken, TimeLimit, Timeouts};
use lark_openapi::{Api, Client, Error};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// How the raw server answers every request.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Headers announcing a body, then silence.
    StallAfterHeaders,
    /// Headers, then one byte of the body every 200 ms.
    Trickle,
}

/// A server on 127.0.0.1 that answers every connection as `how` says; it stops with the test.
async fn misbehaving(how: Misbehaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4000\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                match how {
                    Misbehaviour::StallAfterHeaders => tokio::time::sleep(Duration::from_secs(20)).await,
                    Misbehaviour::Trickle => {
                        for _ in 0..100 {
                            if socket.write_all(b" ").await.is_err() {
                                return;
                            }
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

fn client(base_url: &str, timeouts: Timeouts, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(base_url)
        .token_provider(Arc::new(StaticToken(AccessToken::new("t-static"))))
        .timeouts(timeouts)
        .retry(retry)
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
async fn a_server_that_stalls_after_its_headers_ends_the_call_at_its_deadline() {
    let url = misbehaving(Misbehaviour::StallAfterHeaders).await;
    let timeouts = Timeouts {
        operation: Duration::from_millis(1500),
        attempt: Duration::from_millis(600),
        ..Timeouts::default()
    };
    let retry = RetryPolicy {
        initial_backoff: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let started = Instant::now();
    let error = client(&url, timeouts, retry)
        .attendance()
        .v1()
        .user_flow()
        .batch_del(delete(&["1"]))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1500 + 500), "took {elapsed:?}");
    let Error::Timeout {
        limit,
        attempts,
        may_have_applied,
        ..
    } = &error
    else {
        panic!("expected a timeout, got {error:?}");
    };
    assert!(
        matches!(limit, TimeLimit::Operation(_) | TimeLimit::Attempt(_)),
        "{limit:?}"
    );
    assert!(*attempts >= 2, "one stuck attempt left time for another: {attempts}");
    assert!(*may_have_applied, "a delete that timed out may have happened");
    assert!(!error.certainly_not_applied());
    assert!(error.to_string().contains("ran out after"), "{error}");
}

#[tokio::test]
async fn a_trickling_body_fails_at_the_minimum_rate_not_at_a_deadline() {
    let url = misbehaving(Misbehaviour::Trickle).await;
    let timeouts = Timeouts {
        operation: Duration::from_secs(30),
        attempt: Duration::from_secs(30),
        min_body_bytes_per_second: 1024,
    };
    let started = Instant::now();
    let error = client(&url, timeouts, RetryPolicy::never())
        .attendance()
        .v1()
        .user_flow()
        .batch_del(delete(&["1"]))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
    assert!(
        matches!(
            error,
            Error::Timeout {
                limit: TimeLimit::SlowBody {
                    min_bytes_per_second: 1024
                },
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn no_retry_starts_that_the_deadline_would_cut_off() {
    let server = MockServer::start().await;
    Mock::given(path("/open-apis/attendance/v1/user_flows/batch_del"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"code": 1225000, "msg": "system error"})))
        .mount(&server)
        .await;
    let timeouts = Timeouts {
        operation: Duration::from_millis(500),
        ..Timeouts::default()
    };
    let retry = RetryPolicy {
        initial_backoff: Duration::from_secs(2),
        max_backoff: Duration::from_secs(2),
        ..RetryPolicy::default()
    };
    let started = Instant::now();
    let error = client(&server.uri(), timeouts, retry)
        .attendance()
        .v1()
        .user_flow()
        .batch_del(delete(&["1"]))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(error.attempts(), 1, "the retry could not have finished: {error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

async fn answering(success: &[&str], failed: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    let data = json!({"success_record_ids": success, "fail_record_ids": failed});
    Mock::given(path("/open-apis/attendance/v1/user_flows/batch_del"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": 0, "msg": "success", "data": data})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_single_call_accounts_for_every_id_it_sent() {
    let complete = answering(&["1"], &["2"]).await;
    let client = client(&complete.uri(), Timeouts::default(), RetryPolicy::never());
    let answer = client
        .attendance()
        .v1()
        .user_flow()
        .batch_del(delete(&["1", "2"]))
        .await
        .unwrap();
    assert!(answer.accounting.unwrap().is_complete());

    // "3" was sent but is in neither list; "9" is in a list but was never sent.
    let partial = answering(&["1", "9"], &["2"]).await;
    let client = self::client(&partial.uri(), Timeouts::default(), RetryPolicy::never());
    let answer = client
        .attendance()
        .v1()
        .user_flow()
        .batch_del(delete(&["1", "2", "3"]))
        .await
        .unwrap();
    let accounting = answer.accounting.unwrap();
    assert_eq!(accounting.no_outcome, ["3"]);
    assert_eq!(accounting.not_sent, ["9"]);
}
