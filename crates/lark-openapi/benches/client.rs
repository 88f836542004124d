//! What the generated client costs, measured against the same loopback server in the same run:
//! - `per_call`: one `batch_del` through the generated client (validated request, cached token, typed
//!   envelope) against a hand-written reqwest call sending the same bytes and decoding the same struct;
//!   The client's pacing is in the call path, with a limit too high to make a call wait.
//! - `bulk`: ids per second of `batch_del_all` against a server that allows batch_del's documented 10
//!   requests per second and answers 429 beyond that (the ceiling is 10 × 10 = 100 ids/s).
//!
//! The emulator's bulk benchmark (`cargo bench -p lark-emulator --bench bulk`) runs 1,000 ids against
//! the full emulator.

#![allow(missing_docs)]

use std::num::NonZeroU32;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use lark_openapi::attendance::v1::user_flow::batch_del::{BatchDelRequest, BatchDelResponse};
use lark_openapi::runtime::{Endpoint, Pacing, RateLimit};
use lark_openapi::{Api, AppCredentials, BulkOptions, Client};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const BATCH_DEL: &str = "/open-apis/attendance/v1/user_flows/batch_del";

/// Deletes every id it is asked to, within `limiter` if there is one.
struct Platform {
    limiter: Option<DefaultDirectRateLimiter>,
}

impl Respond for Platform {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if self.limiter.as_ref().is_some_and(|limiter| limiter.check().is_err()) {
            return ResponseTemplate::new(429)
                .insert_header("x-ogw-ratelimit-reset", "1")
                .set_body_json(json!({"code": 99991400, "msg": "request trigger frequency limit"}));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        ResponseTemplate::new(200)
            .insert_header("x-tt-logid", "bench")
            .set_body_json(json!({"code": 0, "msg": "success", "data": {"success_record_ids": body["record_ids"], "fail_record_ids": []}}))
    }
}

async fn platform(limit_per_second: Option<u32>) -> MockServer {
    let server = MockServer::builder().disable_request_recording().start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": 0, "msg": "ok", "tenant_access_token": "t-bench", "expire": 7200})),
        )
        .mount(&server)
        .await;
    let limiter = limit_per_second
        .and_then(NonZeroU32::new)
        .map(|n| RateLimiter::direct(Quota::per_second(n)));
    Mock::given(path(BATCH_DEL))
        .respond_with(Platform { limiter })
        .mount(&server)
        .await;
    server
}

/// A client with the pacing machinery in every call's path; `unbound` raises batch_del's limit so high
/// that it never makes a call wait (the per-call comparison), otherwise the documented 10/s applies.
fn client(server: &MockServer, unbound: bool) -> Client {
    let pacing = match unbound {
        true => Pacing::documented().with_limit(
            BatchDelRequest::METADATA.id,
            RateLimit {
                requests: 1_000_000,
                period_seconds: 1,
            },
        ),
        false => Pacing::documented(),
    };
    Client::builder()
        .base_url(server.uri())
        .app_credentials(AppCredentials::new("cli_bench", "secret"))
        .pacing(pacing)
        .build()
        .unwrap()
}

/// The envelope a hand-written caller would decode.
#[derive(Deserialize)]
struct RawEnvelope {
    code: i64,
    #[allow(dead_code)]
    msg: String,
    data: Option<BatchDelResponse>,
}

fn per_call(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(platform(None));
    let client = client(&server, true);
    let ids: Vec<String> = (0..10).map(|i| format!("670935931369935{i:04}")).collect();
    let raw = reqwest::Client::new();
    let url = format!("{}{BATCH_DEL}", server.uri());
    let body = serde_json::to_vec(&json!({ "record_ids": ids })).unwrap();

    let mut group = c.benchmark_group("per_call");
    group.bench_function("raw_reqwest", |b| {
        b.to_async(&runtime).iter(|| async {
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
        })
    });
    group.bench_function("generated_client", |b| {
        b.to_async(&runtime).iter(|| async {
            let request = BatchDelRequest::builder()
                .record_ids(ids.iter().cloned())
                .build()
                .unwrap();
            client
                .attendance()
                .v1()
                .user_flow()
                .batch_del(request)
                .await
                .unwrap()
                .data
        })
    });
    group.finish();
}

fn bulk(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(platform(Some(10)));
    let client = client(&server, false);
    let ids: Vec<String> = (0..200).map(|i| format!("6709359313{i:09}")).collect();
    let mut group = c.benchmark_group("bulk");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(22))
        .throughput(Throughput::Elements(ids.len() as u64));
    group.bench_function("batch_del_all_200_ids_at_10_rps", |b| {
        b.to_async(&runtime).iter(|| async {
            let report = client
                .attendance()
                .v1()
                .user_flow()
                .batch_del_all(ids.iter().cloned(), &BulkOptions::default())
                .await;
            assert_eq!(report.succeeded.len(), ids.len(), "{:?}", report.unknown.first());
        })
    });
    group.finish();
}

criterion_group!(benches, per_call, bulk);
criterion_main!(benches);
