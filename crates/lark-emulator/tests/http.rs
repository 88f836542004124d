//! The emulator seen byte by byte over HTTP, as any client would see it: tokens, validation from the
//! spec, rate limits, faults, log ids and the control API.

#![allow(missing_docs)]

use std::time::{Duration, Instant};

use lark_emulator::{
    DEMO_APP_ID, DEMO_APP_SECRET, Emulator, Fault, NewPunch, RecordSource, RunningEmulator, TOKEN_PATH,
};
use serde_json::{Value, json};

const BATCH_DEL: &str = "/open-apis/attendance/v1/user_flows/batch_del";

struct Answer {
    status: u16,
    log_id: Option<String>,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn post(emulator: &RunningEmulator, path: &str, token: Option<&str>, body: impl Into<reqwest::Body>) -> Answer {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", emulator.base_url()))
        .header("content-type", "application/json; charset=utf-8")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the emulator answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let log_id = headers.get("x-tt-logid").map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.expect("a JSON body");
    Answer {
        status,
        log_id,
        headers,
        body,
    }
}

async fn token(emulator: &RunningEmulator) -> String {
    let answer = post(
        emulator,
        TOKEN_PATH,
        None,
        json!({"app_id": DEMO_APP_ID, "app_secret": DEMO_APP_SECRET}).to_string(),
    )
    .await;
    assert_eq!(answer.status, 200);
    answer.body["tenant_access_token"].as_str().unwrap().to_owned()
}

async fn emulator() -> RunningEmulator {
    Emulator::builder().start().await.unwrap()
}

#[tokio::test]
async fn tokens_are_issued_to_the_configured_app_only() {
    let emulator = emulator().await;
    let answer = post(
        &emulator,
        TOKEN_PATH,
        None,
        json!({"app_id": DEMO_APP_ID, "app_secret": DEMO_APP_SECRET}).to_string(),
    )
    .await;
    assert_eq!(answer.body["code"], 0);
    assert_eq!(answer.body["expire"], 7200);
    assert!(answer.body["tenant_access_token"].as_str().unwrap().starts_with("t-"));
    assert!(answer.log_id.is_some());

    let wrong = post(
        &emulator,
        TOKEN_PATH,
        None,
        json!({"app_id": DEMO_APP_ID, "app_secret": "guess"}).to_string(),
    )
    .await;
    assert_eq!((wrong.status, wrong.body["code"].as_i64()), (400, Some(10014)));
    assert!(
        !wrong.body.to_string().contains("guess"),
        "the answer must not echo a secret"
    );
}

#[tokio::test]
async fn calls_without_a_valid_token_are_refused_with_the_platform_codes() {
    let emulator = emulator().await;
    let body = json!({"record_ids": ["1"]}).to_string();
    let missing = post(&emulator, BATCH_DEL, None, body.clone()).await;
    assert_eq!((missing.status, missing.body["code"].as_i64()), (400, Some(99991663)));
    let forged = post(&emulator, BATCH_DEL, Some("t-forged"), body.clone()).await;
    assert_eq!(forged.body["code"], 99991663);

    let token = token(&emulator).await;
    assert_eq!(
        post(&emulator, BATCH_DEL, Some(&token), body.clone()).await.body["code"],
        0
    );
    emulator.expire_tokens();
    let expired = post(&emulator, BATCH_DEL, Some(&token), body).await;
    assert_eq!((expired.status, expired.body["code"].as_i64()), (400, Some(99991677)));
}

#[tokio::test]
async fn each_endpoint_takes_only_the_token_kinds_its_page_lists() {
    let emulator = emulator().await;
    let user = emulator.user_access_token_of("ou_alice");
    let body = json!({"record_ids": ["1"]}).to_string();
    // batch_del takes only a tenant token; user_info only a user's.
    let as_user = post(&emulator, BATCH_DEL, Some(user.expose_secret()), body).await;
    assert_eq!((as_user.status, as_user.body["code"].as_i64()), (400, Some(99991668)));
    let profile = |token: String| {
        let url = format!("{}/open-apis/authen/v1/user_info", emulator.base_url());
        async move {
            let answer = reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap();
            answer.json::<Value>().await.unwrap()
        }
    };
    let as_tenant = profile(token(&emulator).await).await;
    assert_eq!(as_tenant["code"], 99991663);
    let alice = profile(user.expose_secret().to_owned()).await;
    assert_eq!(
        (&alice["code"], &alice["data"]["open_id"]),
        (&json!(0), &json!("ou_alice")),
        "{alice}"
    );
}

#[tokio::test]
async fn tokens_expire_after_their_configured_lifetime() {
    let emulator = Emulator::builder()
        .token_ttl(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let token = token(&emulator).await;
    let body = json!({"record_ids": ["1"]}).to_string();
    assert_eq!(
        post(&emulator, BATCH_DEL, Some(&token), body.clone()).await.body["code"],
        0
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        post(&emulator, BATCH_DEL, Some(&token), body).await.body["code"],
        99991677
    );
}

/// Every constraint of `specs/attendance/v1/user_flow/batch_del.yaml`, broken once: the emulator answers
/// with the spec's documented code and a message naming the field.
#[tokio::test]
async fn invalid_requests_get_the_documented_code_and_name_the_field() {
    let emulator = emulator().await;
    let token = token(&emulator).await;
    let eleven: Vec<String> = (1..=11).map(|i| i.to_string()).collect();
    let cases: [(String, &str); 7] = [
        (json!({}).to_string(), "record_ids: is required but was not set"),
        (
            json!({"record_ids": []}).to_string(),
            "record_ids: needs at least 1 item (min_items), got 0",
        ),
        (
            json!({"record_ids": eleven}).to_string(),
            "record_ids: takes at most 10 items (max_items), got 11",
        ),
        (
            json!({"record_ids": ["1", ""]}).to_string(),
            "record_ids[1]: needs at least 1 character (min_length), got 0",
        ),
        (
            json!({"record_ids": ["12a"]}).to_string(),
            "record_ids[0]: does not match the pattern `^[0-9]+$`",
        ),
        (
            json!({"record_ids": [12]}).to_string(),
            "record_ids[0]: is malformed: invalid type: integer `12`, expected a string",
        ),
        ("not json".to_owned(), "body: is malformed: expected ident"),
    ];
    for (body, expected) in cases {
        let answer = post(&emulator, BATCH_DEL, Some(&token), body.clone()).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.body["code"], 1220001, "{body}");
        let msg = answer.body["msg"].as_str().unwrap();
        assert!(msg.starts_with("param is invalid: "), "{msg}");
        assert!(msg.contains(expected), "{body}: {msg} should contain {expected}");
    }
    assert_eq!(emulator.calls(BATCH_DEL), 7);
}

#[tokio::test]
async fn deletion_answers_each_id_and_maps_failures_to_reasons_in_msg() {
    let emulator = emulator().await;
    let ids = emulator.import([
        NewPunch::new("u1", 1_795_000_000),
        NewPunch::new("u1", 1_795_000_100).with_source(RecordSource::Device),
    ]);
    let token = token(&emulator).await;
    let body = json!({"record_ids": [ids[0], ids[1], "42"]}).to_string();
    let answer = post(&emulator, BATCH_DEL, Some(&token), body.clone()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["code"], 0);
    assert_eq!(
        answer.body["data"],
        json!({"success_record_ids": [ids[0]], "fail_record_ids": [ids[1], "42"]})
    );
    let reasons: Value = serde_json::from_str(answer.body["msg"].as_str().unwrap()).unwrap();
    assert_eq!(
        reasons,
        json!({ids[1].clone(): "record was not imported through the open platform", "42": "record not found"})
    );
    let again = post(
        &emulator,
        BATCH_DEL,
        Some(&token),
        json!({"record_ids": [ids[0]]}).to_string(),
    )
    .await;
    assert_eq!(
        again.body["msg"],
        json!({ids[0].clone(): "record already deleted"}).to_string()
    );
    let all_good = post(
        &emulator,
        BATCH_DEL,
        Some(&token),
        json!({"record_ids": ["7"]}).to_string(),
    )
    .await;
    assert_eq!(all_good.body["data"]["success_record_ids"], json!([]));
}

#[tokio::test]
async fn over_the_rate_limit_the_answer_is_429_with_the_platform_headers() {
    let emulator = Emulator::builder().rate_limit(Some(2)).start().await.unwrap();
    let token = token(&emulator).await;
    let body = json!({"record_ids": ["1"]}).to_string();
    for _ in 0..2 {
        assert_eq!(post(&emulator, BATCH_DEL, Some(&token), body.clone()).await.status, 200);
    }
    let limited = post(&emulator, BATCH_DEL, Some(&token), body).await;
    assert_eq!((limited.status, limited.body["code"].as_i64()), (429, Some(99991400)));
    assert_eq!(limited.headers["x-ogw-ratelimit-limit"], "2");
    assert_eq!(limited.headers["x-ogw-ratelimit-reset"], "1");
}

#[tokio::test]
async fn injected_failures_and_delays_hit_the_calls_they_name() {
    let emulator = emulator().await;
    let id = emulator.import([NewPunch::new("u1", 1_795_000_000)]).remove(0);
    let token = token(&emulator).await;
    emulator.inject(Fault::fail(500, 1225000, "system error").on(BATCH_DEL).times(2));
    let body = json!({"record_ids": [id]}).to_string();
    for _ in 0..2 {
        let failed = post(&emulator, BATCH_DEL, Some(&token), body.clone()).await;
        assert_eq!((failed.status, failed.body["code"].as_i64()), (500, Some(1225000)));
        assert!(failed.log_id.is_some());
    }
    assert!(emulator.has_record(&id), "a failed call applies nothing");

    emulator.inject(Fault::delay(Duration::from_millis(300)));
    let started = Instant::now();
    let delayed = post(&emulator, BATCH_DEL, Some(&token), body).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(delayed.body["data"]["success_record_ids"], json!([id]));
}

#[tokio::test]
async fn a_dropped_connection_loses_the_answer_but_not_the_deletion() {
    let emulator = emulator().await;
    let id = emulator.import([NewPunch::new("u1", 1_795_000_000)]).remove(0);
    let token = token(&emulator).await;
    emulator.inject(Fault::drop_connection().on(BATCH_DEL));
    let response = reqwest::Client::new()
        .post(format!("{}{BATCH_DEL}", emulator.base_url()))
        .bearer_auth(&token)
        .body(json!({"record_ids": [id]}).to_string())
        .send()
        .await;
    let body = match response {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(body.is_err(), "the answer should not arrive");
    assert!(
        !emulator.has_record(&id),
        "the deletion was applied before the connection dropped"
    );
}

#[tokio::test]
async fn the_control_api_imports_reads_results_and_injects_faults() {
    let emulator = emulator().await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", emulator.base_url());
    // 2026-11-24 09:30 and 17:00 in UTC+8.
    let imported: Value = http
        .post(url("/__emulator/punches"))
        .json(&json!({"punches": [
            {"user_id": "u1", "check_time": 1795483800},
            {"user_id": "u1", "check_time": 1795510800, "location_name": "Gate 2"}
        ]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(imported["record_ids"].as_array().unwrap().len(), 2);
    let get_json = |path: &str| {
        let request = http.get(url(path));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let tasks = get_json("/__emulator/tasks?day=20261124").await;
    assert_eq!(tasks["tasks"][0]["user_id"], "u1");
    assert_eq!(tasks["tasks"][0]["check_in"]["result"], "Late");
    assert_eq!(tasks["tasks"][0]["check_out"]["result"], "Early");

    let fault = json!({"endpoint": BATCH_DEL, "action": {"kind": "fail", "http_status": 500, "code": 1227000, "msg": "management service error"}});
    assert_eq!(
        http.post(url("/__emulator/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let token = token(&emulator).await;
    let failed = post(
        &emulator,
        BATCH_DEL,
        Some(&token),
        json!({"record_ids": ["1"]}).to_string(),
    )
    .await;
    assert_eq!(failed.body["code"], 1227000);

    assert_eq!(
        http.post(url("/__emulator/tokens/expire"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let stats = get_json("/__emulator/stats").await;
    assert_eq!(stats["calls"][BATCH_DEL], 1);
    assert_eq!(stats["live_records"], 2);
    let unknown = http.get(url("/nowhere")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
}
