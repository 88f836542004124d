//! `lark` end to end against a server on 127.0.0.1: exit codes, JSON on stdout, explanations on stderr,
//! and no request at all for invalid input.

#![allow(missing_docs)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const BATCH_DEL: &str = "/open-apis/attendance/v1/user_flows/batch_del";

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": 0, "msg": "ok", "tenant_access_token": "t-cli", "expire": 7200})),
        )
        .mount(&server)
        .await;
    server
}

/// Runs `lark` with credentials in the environment and `stdin` as its input.
async fn lark(server: &MockServer, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lark"));
    command
        .args(args)
        .env("LARK_APP_ID", "cli_test")
        .env("LARK_APP_SECRET", "secret-from-env")
        .env("LARK_BASE_URL", server.uri())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("stdout is not JSON: {}", String::from_utf8_lossy(&output.stdout)))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_prints_json_and_lists_partial_failures_on_stderr() {
    let server = server().await;
    Mock::given(path(BATCH_DEL))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-tt-logid", "log-cli")
                .set_body_json(json!({
                    "code": 0,
                    "msg": r#"{"6709359313699356942": "record not found"}"#,
                    "data": {"success_record_ids": ["6709359313699356941"], "fail_record_ids": ["6709359313699356942"]}
                })),
        )
        .mount(&server)
        .await;
    let output = lark(
        &server,
        &[
            "attendance",
            "user-flows",
            "batch-del",
            "--record-ids",
            "6709359313699356941",
            "6709359313699356942",
        ],
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout_json(&output),
        json!({
            "data": {"success_record_ids": ["6709359313699356941"], "fail_record_ids": ["6709359313699356942"]},
            "failures": [{"id": "6709359313699356942", "reason": "record not found"}],
            "log_id": "log-cli"
        })
    );
    assert_eq!(stderr(&output).trim(), "failed: 6709359313699356942: record not found");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_call_exits_1_with_code_message_advice_and_log_id() {
    let server = server().await;
    Mock::given(path(BATCH_DEL))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-tt-logid", "log-refused")
                .set_body_json(json!({"code": 1220006, "msg": "app has no privilege"})),
        )
        .mount(&server)
        .await;
    let output = lark(
        &server,
        &["attendance", "user-flows", "batch-del", "--record-ids", "1"],
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let text = stderr(&output);
    for expected in [
        "code 1220006",
        "app has no privilege",
        "Advice: 按照错误信息指引",
        "[log id log-refused]",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert!(!text.contains("secret-from-env") && !text.contains("t-cli"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_exits_2_naming_the_bound_and_sends_nothing() {
    let server = server().await;
    let eleven: Vec<String> = (1..=11).map(|i| i.to_string()).collect();
    let mut too_many = vec!["attendance", "user-flows", "batch-del", "--record-ids"];
    too_many.extend(eleven.iter().map(String::as_str));
    let cases: [(&[&str], &str); 3] = [
        (
            &["attendance", "user-flows", "batch-del"],
            "record_ids: needs at least 1 item (min_items), got 0",
        ),
        (&too_many, "record_ids: takes at most 10 items (max_items), got 11"),
        (
            &["attendance", "user-flows", "batch-del", "--record-ids", "1", ""],
            "record_ids[1]: needs at least 1 character (min_length), got 0",
        ),
    ];
    for (args, message) in cases {
        let output = lark(&server, args, "").await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "no request, not even for a token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_come_only_from_the_environment() {
    let server = server().await;
    let output = Command::new(env!("CARGO_BIN_EXE_lark"))
        .args(["attendance", "user-flows", "batch-del", "--record-ids", "1"])
        .env_remove("LARK_APP_ID")
        .env_remove("LARK_APP_SECRET")
        .env("LARK_BASE_URL", server.uri())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("set LARK_APP_ID and LARK_APP_SECRET"),
        "{}",
        stderr(&output)
    );
    let flag = Command::new(env!("CARGO_BIN_EXE_lark"))
        .args(["--app-secret", "x", "attendance"])
        .output()
        .unwrap();
    assert_eq!(flag.status.code(), Some(2), "there is no --app-secret flag");
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_mode_reads_ids_from_stdin_and_reports_every_id() {
    let server = server().await;
    Mock::given(path(BATCH_DEL))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let ids: Vec<String> = serde_json::from_value(body["record_ids"].clone()).unwrap();
            let (failed, deleted): (Vec<String>, Vec<String>) = ids.into_iter().partition(|id| id == "1000013");
            let msg = if failed.is_empty() {
                "success".to_owned()
            } else {
                json!({"1000013": "record not found"}).to_string()
            };
            ResponseTemplate::new(200).set_body_json(
                json!({"code": 0, "msg": msg, "data": {"success_record_ids": deleted, "fail_record_ids": failed}}),
            )
        })
        .mount(&server)
        .await;
    let ids: String = (1_000_000..1_000_025).map(|n| format!("{n}\n")).collect::<String>() + "\n  1000001  \n";
    let output = lark(
        &server,
        &["attendance", "user-flows", "batch-del", "--record-ids-file", "-"],
        &ids,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout_json(&output);
    assert_eq!(report["succeeded"].as_array().unwrap().len(), 24);
    assert_eq!(
        report["failed"],
        json!([{"id": "1000013", "reason": "record not found"}])
    );
    assert_eq!(
        (report["unknown"].clone(), report["duplicates"].clone()),
        (json!([]), json!(1))
    );
    assert_eq!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == BATCH_DEL)
            .count(),
        3
    );
}
