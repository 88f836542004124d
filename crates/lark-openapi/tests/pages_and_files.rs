//! Paged endpoints, uploads and downloads against local servers that answer byte for byte: a stream
//! follows page tokens and stops on an empty or repeated one; an upload's multipart part carries the
//! caller's file name, type and bytes; a 5 MiB download arrives intact, streamed to a writer; a download
//! answered with the platform's JSON is the typed error.

#![allow(missing_docs)]

use futures::TryStreamExt;
use lark_openapi::attendance::v1::file::download::{DownloadError, DownloadRequest};
use lark_openapi::attendance::v1::file::upload::UploadRequest;
use lark_openapi::attendance::v1::shift::list::ListRequest;
use lark_openapi::runtime::UploadFile;
use lark_openapi::{Api, AppCredentials, Client, Error};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
const SHIFTS: &str = "/open-apis/attendance/v1/shifts";

async fn platform() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": 0, "msg": "ok", "tenant_access_token": "t-1", "expire": 7200})),
        )
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .app_credentials(AppCredentials::new("cli_test", "secret"))
        .build()
        .unwrap()
}

fn page(names: &[&str], has_more: bool, token: Option<&str>) -> ResponseTemplate {
    let shifts: Vec<Value> = names.iter().map(|name| json!({"shift_name": name})).collect();
    let mut data = json!({"shift_list": shifts, "has_more": has_more});
    if let Some(token) = token {
        data["page_token"] = json!(token);
    }
    ResponseTemplate::new(200).set_body_json(json!({"code": 0, "msg": "success", "data": data}))
}

async fn shift_names(server: &MockServer) -> Vec<String> {
    let client = client(server);
    let request = ListRequest::builder().page_size(2).build().unwrap();
    let shifts: Vec<_> = client
        .attendance()
        .v1()
        .shift()
        .list_stream(request)
        .try_collect()
        .await
        .unwrap();
    shifts
        .into_iter()
        .map(|shift| shift.shift_name.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_stream_yields_every_item_once_and_stops_on_an_empty_token() {
    let server = platform().await;
    Mock::given(path(SHIFTS))
        .and(query_param_is_missing("page_token"))
        .respond_with(page(&["a", "b"], true, Some("t1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SHIFTS))
        .and(query_param("page_token", "t1"))
        .respond_with(page(&["c", "d"], true, Some("t2")))
        .expect(1)
        .mount(&server)
        .await;
    // `has_more` says true, but the token is empty: an SDK that trusts `has_more` loops forever here.
    Mock::given(path(SHIFTS))
        .and(query_param("page_token", "t2"))
        .respond_with(page(&["e"], true, Some("")))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(shift_names(&server).await, ["a", "b", "c", "d", "e"]);
}

#[tokio::test]
async fn a_stream_never_asks_for_the_same_token_twice_and_honours_has_more() {
    let server = platform().await;
    Mock::given(path(SHIFTS))
        .and(query_param_is_missing("page_token"))
        .respond_with(page(&["a"], true, Some("t1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SHIFTS))
        .and(query_param("page_token", "t1"))
        .respond_with(page(&["b"], true, Some("t1")))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(shift_names(&server).await, ["a", "b"]);

    let ended = platform().await;
    Mock::given(path(SHIFTS))
        .respond_with(page(&["only"], false, Some("ignored")))
        .expect(1)
        .mount(&ended)
        .await;
    assert_eq!(shift_names(&ended).await, ["only"]);
}

#[tokio::test]
async fn an_upload_part_carries_the_callers_name_type_and_bytes() {
    let server = platform().await;
    Mock::given(method("POST"))
        .and(path("/open-apis/attendance/v1/files/upload"))
        .and(query_param("file_name", "face.png"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": 0, "msg": "success", "data": {"file": {"file_id": "f-1"}}})),
        )
        .mount(&server)
        .await;
    let bytes = b"\x89PNG not really".to_vec();
    let request = UploadRequest::builder()
        .file_name("face.png")
        .file(UploadFile::new("face.png", "image/png", bytes.clone()))
        .build()
        .unwrap();
    let answer = client(&server).attendance().v1().file().upload(request).await.unwrap();
    assert_eq!(answer.data.file.and_then(|file| file.file_id).as_deref(), Some("f-1"));

    let sent = server.received_requests().await.unwrap();
    let upload = sent.iter().find(|r| r.url.path().ends_with("/upload")).unwrap();
    let content_type = upload.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&upload.body);
    assert!(
        body.contains(r#"Content-Disposition: form-data; name="file"; filename="face.png""#),
        "{body}"
    );
    assert!(body.contains("Content-Type: image/png"), "{body}");
    assert!(
        upload
            .body
            .windows(bytes.len())
            .any(|window| window == bytes.as_slice())
    );
}

#[tokio::test]
async fn a_five_mib_download_arrives_intact_streamed_to_a_writer() {
    let server = platform().await;
    let file: Vec<u8> = (0..5 * 1024 * 1024)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    Mock::given(method("GET"))
        .and(path("/open-apis/attendance/v1/files/f-1/download"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/jpeg")
                .set_body_bytes(file.clone()),
        )
        .mount(&server)
        .await;
    let request = DownloadRequest::builder().file_id("f-1").build().unwrap();
    let download = client(&server)
        .attendance()
        .v1()
        .file()
        .download(request)
        .await
        .unwrap();
    assert_eq!(download.content_type(), Some("image/jpeg"));
    let mut written = Vec::new();
    let count = download.write_to(&mut written).await.unwrap();
    assert_eq!(count, file.len() as u64);
    assert!(written == file, "the bytes differ");
}

#[tokio::test]
async fn a_download_answered_with_json_is_the_typed_error() {
    let server = platform().await;
    Mock::given(path("/open-apis/attendance/v1/files/nope/download"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-tt-logid", "log-dl")
                .set_body_json(json!({"code": 1220001, "msg": "param is invalid: file_id"})),
        )
        .mount(&server)
        .await;
    let request = DownloadRequest::builder().file_id("nope").build().unwrap();
    let error = client(&server)
        .attendance()
        .v1()
        .file()
        .download(request)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Api {
                error: DownloadError::ParamInvalid,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.log_id(), Some("log-dl"));
}
