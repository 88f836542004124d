//! The per-call ratio, measured so that noise cancels: blocks of hand-written reqwest calls and blocks of
//! generated-client calls alternate against the same loopback server, and each round's ratio compares
//! two neighbouring blocks. On a small machine, where the scheduler puts a connection's tasks moves a
//! whole run by ±25%; neighbouring blocks share those conditions, so the median of the rounds' ratios
//! is steady where two separate criterion runs are not.
//!
//! `cargo bench -p lark-openapi --bench interleaved` prints each round and the median ratio (the
//! generated client's calls per second over the raw call's; 1.0 means no overhead).

#![allow(missing_docs)]

use std::time::{Duration, Instant};

use lark_openapi::attendance::v1::user_flows::batch_del::{BatchDelRequest, BatchDelResponse};
use lark_openapi::runtime::{Endpoint, Pacing, RateLimit};
use lark_openapi::{Api, AppCredentials, Client};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const BATCH_DEL: &str = "/open-apis/attendance/v1/user_flows/batch_del";
const ROUNDS: usize = 15;
const CALLS_PER_BLOCK: usize = 2_000;

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
            envelope.data
        };
        let generated_call = || async {
            let request = BatchDelRequest::builder().record_ids(ids.iter().cloned()).build().unwrap();
            client.attendance().v1().user_flows().batch_del(request).await.unwrap().data
        };
        // Warm both up: connections, token, limiter.
        for _ in 0..200 {
            raw_call().await;
            generated_call().await;
        }
        let mut ratios = Vec::new();
        for round in 0..ROUNDS {
            let (mut raw_time, mut generated_time) = (Duration::ZERO, Duration::ZERO);
            // Which goes first alternates, so neither always follows the other.
            for first_raw in [round % 2 == 0, round % 2 == 1] {
                let started = Instant::now();
                for _ in 0..CALLS_PER_BLOCK {
                    match first_raw {
                        true => drop(raw_call().await),
                        false => drop(generated_call().await),
                    }
                }
                match first_raw {
                    true => raw_time += started.elapsed(),
                    false => generated_time += started.elapsed(),
                }
            }
            let per_call = |time: Duration| time.as_secs_f64() * 1e6 / CALLS_PER_BLOCK as f64;
            let ratio = raw_time.as_secs_f64() / generated_time.as_secs_f64();
            println!(
                "round {round:2}: raw {:6.1} µs/call, generated {:6.1} µs/call, ratio {ratio:.3}",
                per_call(raw_time),
                per_call(generated_time)
            );
            ratios.push(ratio);
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "median ratio (generated calls/s over raw calls/s): {:.3}  [min {:.3}, max {:.3}, {ROUNDS} rounds of {CALLS_PER_BLOCK} calls each]",
            ratios[ROUNDS / 2],
            ratios[0],
            ratios[ROUNDS - 1]
        );
    });
}
