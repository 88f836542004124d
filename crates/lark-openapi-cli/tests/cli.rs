//! `lark` end to end on 127.0.0.1: against the local emulator for real deletions and reasons, against
//! mock servers for exact bytes (refusals, no request at all for invalid input); exit codes, JSON on
//! stdout, explanations on stderr.

#![allow(missing_docs)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use lark_emulator::{DEMO_APP_ID, DEMO_APP_SECRET, Emulator, NewPunch, RunningEmulator};
use serde_json::{Value, json};
use wiremock::matchers::{path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// Runs `lark` against a mock server with credentials in the environment and `stdin` as its input.
async fn lark(server: &MockServer, args: &[&str], stdin: &str) -> Output {
    run_lark(&server.uri(), ("cli_test", "secret-from-env"), args, stdin).await
}

/// Runs `lark` against the local emulator with its app's credentials.
async fn lark_on(emulator: &RunningEmulator, args: &[&str], stdin: &str) -> Output {
    run_lark(emulator.base_url(), (DEMO_APP_ID, DEMO_APP_SECRET), args, stdin).await
}

async fn run_lark(base_url: &str, (app_id, app_secret): (&str, &str), args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lark"));
    command
        .args(args)
        .env("LARK_APP_ID", app_id)
        .env("LARK_APP_SECRET", app_secret)
        .env("LARK_BASE_URL", base_url)
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
    let emulator = Emulator::builder().start().await.unwrap();
    let ids = emulator.import([NewPunch::new("E1", 1_795_483_800)]);
    let missing = "6709359313699356942";
    let output = lark_on(
        &emulator,
        &["attendance", "user-flow", "batch-del", "--record-ids", &ids[0], missing],
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let printed = stdout_json(&output);
    assert_eq!(
        printed["data"],
        json!({"success_record_ids": [ids[0]], "fail_record_ids": [missing]})
    );
    assert_eq!(
        printed["failures"],
        json!([{"id": missing, "reason": "record not found"}])
    );
    assert!(printed["log_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(stderr(&output).trim(), format!("failed: {missing}: record not found"));
    assert!(!emulator.has_record(&ids[0]));
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
        &["attendance", "user-flow", "batch-del", "--record-ids", "1"],
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let text = stderr(&output);
    for expected in [
        "code 1220006",
        "app has no privilege",
        "Advice: 应用权限 — grant the app the permission",
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
    let mut too_many = vec!["attendance", "user-flow", "batch-del", "--record-ids"];
    too_many.extend(eleven.iter().map(String::as_str));
    let cases: [(&[&str], &str); 3] = [
        (
            &["attendance", "user-flow", "batch-del"],
            "record_ids: needs at least 1 item (min_items), got 0",
        ),
        (&too_many, "record_ids: takes at most 10 items (max_items), got 11"),
        (
            &["attendance", "user-flow", "batch-del", "--record-ids", "1", ""],
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
        .args(["attendance", "user-flow", "batch-del", "--record-ids", "1"])
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
    let emulator = Emulator::builder().start().await.unwrap();
    let ids = emulator.import((0..24).map(|i| NewPunch::new("E1", 1_795_483_800 + i)));
    let missing = "1000013";
    // 25 distinct ids (one unknown to the platform), one repeated, blank lines and spaces.
    let input: String =
        ids.iter().map(|id| format!("{id}\n")).collect::<String>() + missing + "\n\n  " + &ids[1] + "  \n";
    let output = lark_on(
        &emulator,
        &["attendance", "user-flow", "batch-del", "--record-ids-file", "-"],
        &input,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout_json(&output);
    // The single call's field names, plus the reasons and the unknown ids.
    assert_eq!(report["data"]["success_record_ids"].as_array().unwrap().len(), 24);
    assert_eq!(report["data"]["fail_record_ids"], json!([missing]));
    assert_eq!(
        report["failures"],
        json!([{"id": missing, "reason": "record not found"}])
    );
    assert_eq!(
        (report["unknown"].clone(), report["duplicates"].clone()),
        (json!([]), json!(1))
    );
    assert_eq!(emulator.calls(BATCH_DEL), 3, "25 ids in chunks of 10");
    assert_eq!(emulator.live_records(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_call_that_leaves_ids_without_an_outcome_exits_1_naming_them() {
    let server = server().await;
    Mock::given(path(BATCH_DEL))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "msg": "success",
            "data": {"success_record_ids": ["1", "9"], "fail_record_ids": []}
        })))
        .mount(&server)
        .await;
    let output = lark(
        &server,
        &["attendance", "user-flow", "batch-del", "--record-ids", "1", "2"],
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("unknown: 2: the answer gives no outcome for it"),
        "{text}"
    );
    assert!(
        text.contains("unknown: 9: the answer reports it, but it was never sent"),
        "{text}"
    );
    let printed = stdout_json(&output);
    assert_eq!(printed["unknown"], json!({"no_outcome": ["2"], "not_sent": ["9"]}));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_timeout_flag_bounds_the_whole_call() {
    let server = server().await;
    Mock::given(path(BATCH_DEL))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let output = lark(
        &server,
        &[
            "--timeout",
            "1",
            "attendance",
            "user-flow",
            "batch-del",
            "--record-ids",
            "1",
        ],
        "",
    )
    .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("the operation deadline (1s) ran out"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_follows_every_page_token_and_prints_the_items_in_order() {
    let server = server().await;
    let shifts = "/open-apis/attendance/v1/shifts";
    let page = |names: &[&str], more: bool, token: &str| {
        let list: Vec<Value> = names.iter().map(|name| json!({"shift_name": name})).collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "code": 0, "msg": "success",
            "data": {"shift_list": list, "has_more": more, "page_token": token}
        }))
    };
    Mock::given(path(shifts))
        .and(query_param_is_missing("page_token"))
        .and(query_param("page_size", "2"))
        .respond_with(page(&["early", "late"], true, "p2"))
        .mount(&server)
        .await;
    Mock::given(path(shifts))
        .and(query_param("page_token", "p2"))
        .respond_with(page(&["night"], false, ""))
        .mount(&server)
        .await;
    let output = lark(
        &server,
        &["attendance", "shift", "list", "--page-size", "2", "--all"],
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let names: Vec<Value> = stdout_json(&output)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["shift_name"].clone())
        .collect();
    assert_eq!(names, [json!("early"), json!("late"), json!("night")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn files_go_up_from_a_path_and_come_down_to_one() {
    let emulator = Emulator::builder().start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("lark-cli-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let photo = dir.join("face.jpg");
    std::fs::write(&photo, b"not really a jpeg").unwrap();
    let photo_arg = photo.to_str().unwrap();
    let upload = [
        "attendance",
        "file",
        "upload",
        "--file-name",
        "face.jpg",
        "--file",
        photo_arg,
    ];
    let output = lark_on(&emulator, &upload, "").await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let file_id = stdout_json(&output)["data"]["file"]["file_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let copy = dir.join("copy.jpg");
    let download = [
        "attendance",
        "file",
        "download",
        "--file-id",
        &file_id,
        "--output",
        copy.to_str().unwrap(),
    ];
    let output = lark_on(&emulator, &download, "").await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let written = std::fs::metadata(&copy).unwrap().len();
    assert!(written > 0);
    assert!(
        stderr(&output).contains(&format!("wrote {written} bytes")),
        "{}",
        stderr(&output)
    );

    let missing = dir.join("missing.jpg");
    let upload = [
        "attendance",
        "file",
        "upload",
        "--file-name",
        "x.jpg",
        "--file",
        missing.to_str().unwrap(),
    ];
    let output = lark_on(&emulator, &upload, "").await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read"), "{}", stderr(&output));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn json_fields_are_checked_by_the_request_type_before_anything_is_sent() {
    let server = server().await;
    let batch_create = [
        "attendance",
        "user-flow",
        "batch-create",
        "--employee-type",
        "employee_id",
    ];
    let cases = [
        ("[{", "--flow-records-json: not valid JSON"),
        (r#"[{"user_id": "E1"}]"#, "flow_records[0]"),
        (r#"{"user_id": "E1"}"#, "flow_records"),
    ];
    for (json, expected) in cases {
        let mut args = batch_create.to_vec();
        args.extend(["--flow-records-json", json]);
        let output = lark(&server, &args, "").await;
        assert_eq!(output.status.code(), Some(2), "{json}");
        assert!(stderr(&output).contains(expected), "{json}: {}", stderr(&output));
    }
    // Invalid input is reported as such even without credentials.
    let output = Command::new(env!("CARGO_BIN_EXE_lark"))
        .args(["attendance", "user-flow", "batch-del", "--record-ids", ""])
        .env_remove("LARK_APP_ID")
        .env_remove("LARK_APP_SECRET")
        .env("LARK_BASE_URL", server.uri())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("record_ids[0]"), "{}", stderr(&output));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn help_says_what_an_endpoint_does_and_where_it_is_sent() {
    let output = Command::new(env!("CARGO_BIN_EXE_lark"))
        .args(["attendance", "user-flow", "batch-del", "--help"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "`POST /open-apis/attendance/v1/user_flows/batch_del`",
        "--record-ids <RECORD_IDS>...",
        "--record-ids-file <PATH>",
        "--base-url <BASE_URL>",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    let flags = text.find("--record-ids").unwrap();
    assert!(
        flags < text.find("--base-url").unwrap(),
        "the endpoint's own flags come first"
    );
}

/// `lark events listen` as a child process: its callback URL (the first line on stderr) and its stdout
/// lines, read as they come.
struct Listener {
    child: std::process::Child,
    url: String,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    warnings: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn listen(token: &str, key: &str) -> Listener {
    spawn_listener(
        &["events", "listen", "--port", "0"],
        &[("LARK_VERIFICATION_TOKEN", token), ("LARK_ENCRYPT_KEY", key)],
    )
}

/// Starts `lark ARGS` with `envs`; its first stderr line is `url`, the rest are collected as warnings.
fn spawn_listener(args: &[&str], envs: &[(&str, &str)]) -> Listener {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lark"))
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let url = stderr.next().unwrap().unwrap();
    let warnings = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&warnings);
    std::thread::spawn(move || {
        stderr
            .map_while(Result::ok)
            .for_each(|line| sink.lock().unwrap().push(line))
    });
    let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        stdout
            .lines()
            .map_while(Result::ok)
            .for_each(|line| drop(tx.send(line)))
    });
    Listener {
        child,
        url,
        lines,
        warnings,
    }
}

// Multi-threaded: the child's first line (read blocking) waits for the emulator, served on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_listen_ws_prints_events_from_the_long_connection_and_reconnects() {
    let emulator = Emulator::builder().start().await.unwrap();
    let credentials = emulator.app_credentials();
    let mut listener = spawn_listener(
        &["--base-url", emulator.base_url(), "events", "listen", "--ws"],
        &[
            ("LARK_APP_ID", credentials.app_id()),
            ("LARK_APP_SECRET", lark_emulator::DEMO_APP_SECRET),
        ],
    );
    assert!(listener.url.starts_with("connected (connection "), "{}", listener.url);
    emulator.long_connection_fault(lark_emulator::LongConnectionFault::CloseAll);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !listener
        .warnings
        .lock()
        .unwrap()
        .iter()
        .any(|line| line.starts_with("connected"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            listener.warnings.lock().unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let said = listener.warnings.lock().unwrap().join("\n");
    assert!(
        said.contains("disconnected: closed by the platform") && said.contains("reconnecting in"),
        "{said}"
    );

    let flow = json!([{"user_id": "E8", "creator_id": "E8", "location_name": "Xixi", "check_time": at_nine().to_string(), "comment": "ws"}]);
    let args = [
        "attendance",
        "user-flow",
        "batch-create",
        "--employee-type",
        "employee_id",
        "--flow-records-json",
    ];
    let import = lark_on(&emulator, &[&args[..], &[flow.to_string().as_str()]].concat(), "").await;
    assert!(import.status.success(), "{}", stderr(&import));
    let mut types = Vec::new();
    for _ in 0..2 {
        let line = tokio::time::timeout(std::time::Duration::from_secs(5), listener.lines.recv())
            .await
            .expect("an event line within 5 s")
            .unwrap();
        let event: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(event["typed"], true, "{event}");
        types.push(event["event_type"].as_str().unwrap().to_owned());
    }
    types.sort();
    assert_eq!(
        types,
        ["attendance.user_flow.created_v1", "attendance.user_task.updated_v1"]
    );
    assert!(
        !listener
            .warnings
            .lock()
            .unwrap()
            .join("\n")
            .contains(lark_emulator::DEMO_APP_SECRET)
    );
}

#[tokio::test]
async fn events_listen_prints_each_verified_event_as_a_typed_json_line_and_refuses_forgeries() {
    let (token, key) = ("vt-cli-listen", "ek-cli-listen");
    let mut listener = listen(token, key);
    assert!(listener.url.starts_with("http://127.0.0.1:"), "{}", listener.url);
    let subscription = lark_emulator::EventSubscription::new(listener.url.clone(), token).encrypt_key(key);
    let emulator = Emulator::builder().events(subscription).start().await.unwrap();
    let punch = at_nine();
    let import = lark_on(
        &emulator,
        &[
            "attendance",
            "user-flow",
            "batch-create",
            "--employee-type",
            "employee_id",
            "--flow-records-json",
            &json!([{"user_id": "E7", "creator_id": "E7", "location_name": "Xixi", "check_time": punch.to_string(), "comment": "cli"}]).to_string(),
        ],
        "",
    )
    .await;
    assert!(import.status.success(), "{}", stderr(&import));

    let mut events = Vec::new();
    for _ in 0..2 {
        let line = tokio::time::timeout(std::time::Duration::from_secs(5), listener.lines.recv())
            .await
            .expect("an event line within 5 s")
            .unwrap();
        events.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    let flow = events
        .iter()
        .find(|e| e["event_type"] == "attendance.user_flow.created_v1")
        .unwrap();
    assert_eq!(
        (flow["typed"].as_bool(), flow["event"]["employee_id"].as_str()),
        (Some(true), Some("E7"))
    );
    assert_eq!(flow["event"]["type"], 7, "imported through the open platform");
    assert!(flow["event_id"].as_str().is_some_and(|id| !id.is_empty()));
    let task = events
        .iter()
        .find(|e| e["event_type"] == "attendance.user_task.updated_v1")
        .unwrap();
    assert!(task["event"]["status_changes"].is_array());

    // A forged delivery: unsigned and not encrypted with the key. Refused with a 4xx, printed nowhere.
    let forged = reqwest::Client::new()
        .post(&listener.url)
        .body(r#"{"schema":"2.0","header":{"event_id":"x","event_type":"attendance.user_flow.created_v1","token":"vt-cli-listen"},"event":{}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(listener.lines.try_recv().is_err(), "a refused delivery is not printed");
    let warnings = listener.warnings.lock().unwrap().join("\n");
    assert!(
        warnings.contains("warning: refused a delivery (HTTP 401)"),
        "{warnings}"
    );
    assert!(!warnings.contains(token) && !warnings.contains(key), "{warnings}");
}

/// 09:00 today in UTC+8, as Unix seconds: a punch the emulator imports.
fn at_nine() -> i64 {
    let zone = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    lark_emulator::attendance::unix_time(today, chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(), zone)
}

/// `lark` with the emulator's app and `config` as its config directory.
fn lark_in(emulator: &RunningEmulator, config: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lark"));
    command
        .args(args)
        .env("LARK_APP_ID", DEMO_APP_ID)
        .env("LARK_APP_SECRET", DEMO_APP_SECRET)
        .env("LARK_BASE_URL", emulator.base_url())
        .env("LARK_CONFIG_DIR", config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

async fn output_of(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_login_waits_for_the_redirect_keeps_the_tokens_for_as_user_and_logout_forgets_them() {
    use std::io::BufRead as _;
    let emulator = Emulator::builder().start().await.unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut login = lark_in(&emulator, config.path(), &["auth", "login", "--port", "0"])
        .spawn()
        .unwrap();
    let stdout = login.stdout.take().unwrap();
    let (url_sender, url) = tokio::sync::oneshot::channel();
    let printed = std::thread::spawn(move || {
        let mut lines = std::io::BufReader::new(stdout).lines().map_while(Result::ok);
        let url_line = lines.find(|line| line.starts_with("http"));
        let _ = url_sender.send(url_line.unwrap_or_default());
        lines.collect::<Vec<_>>().join("\n")
    });
    let url = url.await.unwrap();
    assert!(
        url.contains("code_challenge_method=S256") && url.contains("offline_access"),
        "{url}"
    );
    // The browser: the authorization page redirects to the CLI's listener, which gets the code.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = browser.get(&url).send().await.unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let page = browser.get(&location).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("close this window"));
    let status = tokio::task::spawn_blocking(move || login.wait().unwrap())
        .await
        .unwrap();
    let printed = printed.join().unwrap();
    assert!(status.success(), "{printed}");
    assert!(printed.contains("Signed in as"), "{printed}");
    let file = std::fs::read_dir(config.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner may read the tokens");
    }
    let status = output_of(lark_in(&emulator, config.path(), &["auth", "status"])).await;
    assert!(status.status.success(), "{}", stderr(&status));
    let shown = stdout_json(&status);
    assert_eq!(
        (shown["signed_in"].clone(), shown["can_refresh"].clone()),
        (json!(true), json!(true))
    );
    let kept = std::fs::read_to_string(&file).unwrap();
    let access = serde_json::from_str::<Value>(&kept).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !String::from_utf8_lossy(&status.stdout).contains(&access),
        "status shows no token"
    );
    // A user-only endpoint, as the signed-in user.
    let me = output_of(lark_in(
        &emulator,
        config.path(),
        &["--as-user", "authen", "user-info", "get"],
    ))
    .await;
    assert!(me.status.success(), "{}", stderr(&me));
    let without = output_of(lark_in(&emulator, config.path(), &["authen", "user-info", "get"])).await;
    assert_eq!(without.status.code(), Some(1), "a user-only endpoint needs --as-user");
    let logout = output_of(lark_in(&emulator, config.path(), &["auth", "logout"])).await;
    assert!(logout.status.success() && !file.exists());
    let status = output_of(lark_in(&emulator, config.path(), &["auth", "status"])).await;
    assert_eq!(status.status.code(), Some(1));
}
