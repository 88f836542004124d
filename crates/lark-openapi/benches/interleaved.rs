//! The per-call ratio, measured so that noise cancels: hand-written reqwest calls and generated-client
//! calls alternate one by one against the same loopback server (which goes first alternates too), and
//! each call is timed on its own. On a small machine, where the scheduler puts a connection's tasks moves
//! a whole run by ±25%, and still moves blocks of a few hundred milliseconds by ±20%; two neighbouring
//! calls share those conditions, so the ratio of the two sums is steady.
//!
//! The same run first measures the raw call against itself the same way (an A/A control): its ratio is
//! the floor of what the method can tell apart, and the generated client's ratio is read against it.
//!
//! `cargo bench -p lark-openapi --bench interleaved` prints each round and the medians (calls per second
//! of the second call over the first's; 1.0 means no overhead).

#![allow(missing_docs)]

use std::future::Future;
use std::time::{Duration, Instant};

use lark_openapi::attendance::v1::user_flow::batch_del::{BatchDelRequest, BatchDelResponse};
use lark_openapi::runtime::{Endpoint, Pacing, RateLimit};
use lark_openapi::{Api, AppCredentials, Client};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const BATCH_DEL: &str = "/open-apis/attendance/v1/user_flows/batch_del";
const ROUNDS: usize = 15;
const PAIRS_PER_ROUND: usize = 1_000;

#[derive(Deserialize)]
struct RawEnvelope {
    code: i64,
    data: Option<BatchDelResponse>,
}

async fn platform() -> MockServer {
    let server = MockServer::builder().disable_request_recording().start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": 0, "msg": "ok", "tenant_access_token": "t-bench", "expire": 7200})),
        )
        .mount(&server)
        .await;
    Mock::given(path(BATCH_DEL))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ResponseTemplate::new(200).insert_header("x-tt-logid", "bench").set_body_json(
                json!({"code": 0, "msg": "success", "data": {"success_record_ids": body["record_ids"], "fail_record_ids": []}}),
            )
        })
        .mount(&server)
        .await;
    server
}

/// One round: `pairs` calls of each, alternating, each timed alone; the total time of each side.
async fn round<A, B, FA, FB>(round: usize, pairs: usize, a: &A, b: &B) -> (Duration, Duration)
where
    A: Fn() -> FA,
    B: Fn() -> FB,
    FA: Future<Output = ()>,
    FB: Future<Output = ()>,
{
    let (mut a_time, mut b_time) = (Duration::ZERO, Duration::ZERO);
    for pair in 0..pairs {
        // Which goes first alternates, so neither always follows the other.
        let a_first = (round + pair).is_multiple_of(2);
        for a_turn in [a_first, !a_first] {
            let started = Instant::now();
            match a_turn {
                true => a().await,
                false => b().await,
            }
            match a_turn {
                true => a_time += started.elapsed(),
                false => b_time += started.elapsed(),
            }
        }
    }
    (a_time, b_time)
}

/// Rounds of `a` against `b`, printed; the median ratio (b's calls per second over a's).
async fn compare<A, B, FA, FB>(label: &str, a: A, b: B) -> f64
where
    A: Fn() -> FA,
    B: Fn() -> FB,
    FA: Future<Output = ()>,
    FB: Future<Output = ()>,
{
    let per_call = |time: Duration| time.as_secs_f64() * 1e6 / PAIRS_PER_ROUND as f64;
    let mut ratios = Vec::new();
    for index in 0..ROUNDS {
        let (a_time, b_time) = round(index, PAIRS_PER_ROUND, &a, &b).await;
        let ratio = a_time.as_secs_f64() / b_time.as_secs_f64();
        println!(
            "{label} round {index:2}: {:6.1} vs {:6.1} µs/call, ratio {ratio:.3}",
            per_call(a_time),
            per_call(b_time)
        );
        ratios.push(ratio);
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ROUNDS / 2];
    println!(
        "{label}: median ratio {median:.3}  [min {:.3}, max {:.3}, {ROUNDS} rounds of {PAIRS_PER_ROUND} pairs]",
        ratios[0],
        ratios[ROUNDS - 1]
    );
    median
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = platform().await;
        // Pacing stays in the call path, with a limit too high to make a call wait.
        let pacing = Pacing::documented().with_limit(
            BatchDelRequest::METADATA.id,
            RateLimit {
                requests: 1_000_000,
                period_seconds: 1,
            },
        );
        let client = Client::builder()
            .base_url(server.uri())
            .app_credentials(AppCredentials::new("cli_bench", "secret"))
            .pacing(pacing)
            .build()
            .unwrap();
        let raw = reqwest::Client::new();
        let ids: Vec<String> = (0..10).map(|i| format!("670935931369935{i:04}")).collect();
        let url = format!("{}{BATCH_DEL}", server.uri());
        let body = serde_json::to_vec(&json!({ "record_ids": ids })).unwrap();

        let raw_call = || async {
            let response = raw
                .post(&url)
                .bearer_auth("t-bench")
                .header("content-type", "application/json; charset=utf-8")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let envelope: RawEnvelope = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            assert_eq!(envelope.code, 0);
            assert!(envelope.data.is_some());
        };
        let generated_call = || async {
            let request = BatchDelRequest::builder()
                .record_ids(ids.iter().cloned())
                .build()
                .unwrap();
            let response = client.attendance().v1().user_flow().batch_del(request).await.unwrap();
            assert_eq!(response.data.success_record_ids.map(|ids| ids.len()), Some(10));
        };
        // Warm both up: connections, token, limiter.
        for _ in 0..200 {
            raw_call().await;
            generated_call().await;
        }
        let control = compare("raw/raw", raw_call, raw_call).await;
        let generated = compare("raw/generated", raw_call, generated_call).await;
        println!(
            "per-call ratio: generated {generated:.3} against an A/A control of {control:.3} in the same run \
             (generated over control: {:.3})",
            generated / control
        );
    });
}
