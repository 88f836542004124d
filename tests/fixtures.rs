//! The fixture specs under `tests/specs/` use every type and constraint of the format; this expands them
//! with the macro and checks what the generated code does.

#![allow(missing_docs)]

mod fixture {
    pub mod types {
        lark_macros::types!("fixture/v1/types.yaml");
    }
    pub mod update {
        lark_macros::endpoint!("fixture/v1/things/update.yaml", types = crate::fixture::types);
    }
    pub mod get {
        lark_macros::endpoint!("fixture/v1/things/get.yaml", types = crate::fixture::types);
    }
    pub mod list {
        lark_macros::endpoint!("fixture/v1/things/list.yaml", types = crate::fixture::types);
    }
    pub mod upload {
        lark_macros::endpoint!("fixture/v1/things/upload.yaml", types = crate::fixture::types);
    }
    pub mod download {
        lark_macros::endpoint!("fixture/v1/things/download.yaml", types = crate::fixture::types);
    }
}

use fixture::get::{GetRequest, GetResponse};
use fixture::types::{Location, PunchKind};
use fixture::update::{
    Part, UpdateError, UpdateRequest, UpdateRequestBuilder, UpdateRequestEmployeeType, UpdateRequestLevel,
    UpdateRequestOptions, UpdateRequestOptionsColour, UpdateResponse,
};
use lark_runtime::enums::IntEnum;
use lark_runtime::{AccessTokenKind, DocumentedError, Endpoint, Envelope, HttpMethod, RateLimit, ViolationKind};
use serde_json::json;

fn valid() -> UpdateRequestBuilder {
    UpdateRequest::builder()
        .thing_id("a/b c")
        .employee_type(UpdateRequestEmployeeType::EmployeeId)
        .name("widget")
        .owner("E0042")
}

fn violations(builder: UpdateRequestBuilder) -> Vec<(String, ViolationKind)> {
    let error = builder.build().expect_err("the request should be invalid");
    error.violations.into_iter().map(|v| (v.field, v.kind)).collect()
}

#[test]
fn a_valid_request_sends_path_query_and_body_where_they_belong() {
    let request = valid()
        .dry_run(true)
        .tags([3, 4])
        .id(6709359313699356941.into())
        .r#type("plain")
        .build()
        .unwrap();
    assert_eq!(request.path(), "/open-apis/fixture/v1/things/a%2Fb%20c");
    assert_eq!(
        request.query(),
        [
            ("employee_type", "employee_id".to_owned()),
            ("dry_run", "true".into()),
            ("tags", "3".into()),
            ("tags", "4".into())
        ]
    );
    // Path and query fields stay out of the body; unset optionals are omitted; keyword names keep theirs.
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"name": "widget", "id": "6709359313699356941", "owner": "E0042", "type": "plain"})
    );
}

/// What a server reads back from the parts a client sends: path, query and body.
fn decoded(path_params: &[(&str, &str)], query: &[(&str, &str)], body: &str) -> Result<UpdateRequest, Vec<String>> {
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    let (path_params, query) = (owned(path_params), owned(query));
    let incoming = lark_runtime::IncomingRequest::new(&path_params, &query, body.as_bytes());
    <UpdateRequest as lark_runtime::Incoming>::from_incoming(&incoming)
        .map_err(|error| error.violations.iter().map(ToString::to_string).collect())
}

#[test]
fn a_server_decodes_what_the_client_sends_back_to_the_same_request() {
    let sent = valid().dry_run(true).tags([3, 4]).id(42.into()).build().unwrap();
    let body = serde_json::to_string(&sent).unwrap();
    let query: Vec<(&str, String)> = sent.query();
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let received = decoded(&[("thing_id", "a/b c")], &query, &body).unwrap();
    assert_eq!(received, sent);
}

#[test]
fn a_server_names_each_bad_field_of_an_incoming_request() {
    let errors = decoded(
        &[("thing_id", "x")],
        &[
            ("employee_type", "employee_id"),
            ("dry_run", "maybe"),
            ("tags", "1"),
            ("tags", "two"),
        ],
        r#"{"name": "", "count": "three"}"#,
    )
    .unwrap_err();
    assert_eq!(
        errors,
        [
            "dry_run: is malformed: `maybe` is not a value of the expected type",
            "tags[1]: is malformed: `two` is not a value of the expected type",
            "count: is malformed: invalid type: string \"three\", expected i32 at line 1 column 29",
        ]
    );
    // A body that decodes but breaks constraints gets the builder's own messages.
    let errors = decoded(
        &[("thing_id", "x")],
        &[("employee_type", "employee_no")],
        r#"{"name": "", "owner": "E1"}"#,
    )
    .unwrap_err();
    assert!(
        errors.iter().any(|e| e.starts_with("name: needs at least")),
        "{errors:?}"
    );
}

#[test]
fn every_missing_required_field_is_reported() {
    let missing: Vec<String> = violations(UpdateRequest::builder())
        .into_iter()
        .map(|(field, kind)| {
            assert_eq!(kind, ViolationKind::Missing);
            field
        })
        .collect();
    assert_eq!(missing, ["thing_id", "employee_type", "name", "owner"]);
}

#[test]
fn every_constraint_is_checked_with_its_field_and_bound() {
    let location = |latitude| Location {
        latitude,
        longitude: 0.0,
        label: None,
    };
    let builder = valid()
        .name("X")
        .owner("bob")
        .count(0)
        .big(9007199254740994)
        .id(0.into())
        .ratio(1.75)
        .level(UpdateRequestLevel::Unknown(7))
        .kind(PunchKind::Unknown("bluetooth".into()))
        .r#where(location(91.0))
        .options(UpdateRequestOptions {
            colour: UpdateRequestOptionsColour::Red,
            note: Some("123456".into()),
        })
        .parts([
            Part {
                part_id: "p".into(),
                stops: None,
            },
            Part {
                part_id: String::new(),
                stops: Some(vec![location(0.0), location(-90.5)]),
            },
            Part {
                part_id: "q".into(),
                stops: None,
            },
            Part {
                part_id: "r".into(),
                stops: None,
            },
        ]);
    let found = violations(builder);
    let fields: Vec<&str> = found.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "name",
            "count",
            "big",
            "id",
            "ratio",
            "level",
            "kind",
            "owner",
            "where.latitude",
            "options.note",
            "parts",
            "parts[1].part_id",
            "parts[1].stops[1].latitude",
        ]
    );
    assert_eq!(found[0].1, ViolationKind::TooShort { min: 2, actual: 1 });
    assert_eq!(found[1].1, ViolationKind::PatternMismatch { pattern: "^[a-z]+$" });
    assert!(matches!(
        found[3].1,
        ViolationKind::AboveMaximum {
            maximum: lark_runtime::validate::Number::Int(9007199254740993),
            ..
        }
    ));
    assert_eq!(found[6].1, ViolationKind::UnknownEnumValue { value: "7".into() });
    assert_eq!(found[8].1, ViolationKind::PatternMismatch { pattern: "^E[0-9]{4}$" });
    assert_eq!(found[11].1, ViolationKind::TooManyItems { max: 3, actual: 4 });
}

#[test]
fn responses_tolerate_unknown_fields_missing_optionals_and_new_enum_values() {
    let data: UpdateResponse = serde_json::from_value(json!({
        "thing": {"id": 42, "kind": "bluetooth", "added_later": true},
        "also_new": [1, 2]
    }))
    .unwrap();
    let thing = data.thing.unwrap();
    assert_eq!(thing.id, 42.into());
    assert_eq!(thing.kind, Some(PunchKind::Unknown("bluetooth".into())));
    assert_eq!(thing.history, None);
    assert_eq!(data.warnings, None);
    let kind: PunchKind = serde_json::from_value(json!("gps")).unwrap();
    assert_eq!(kind, PunchKind::Gps);
    assert_eq!(UpdateRequestLevel::from_wire(1), UpdateRequestLevel::High);
    assert_eq!(serde_json::to_value(UpdateRequestLevel::Unknown(9)).unwrap(), json!(9));
}

#[test]
fn metadata_and_errors_come_from_the_spec() {
    let metadata = UpdateRequest::METADATA;
    assert_eq!(metadata.id, "fixture.v1.things.update");
    assert_eq!(metadata.method, HttpMethod::Put);
    assert_eq!(metadata.access_tokens, [AccessTokenKind::Tenant, AccessTokenKind::User]);
    assert_eq!(metadata.scopes, ["fixture:write", "fixture:all"]);
    assert_eq!(
        metadata.rate_limits,
        [
            RateLimit {
                requests: 1000,
                period_seconds: 60
            },
            RateLimit {
                requests: 50,
                period_seconds: 1
            }
        ]
    );
    assert!(!metadata.special_rate_limit);
    assert_eq!(metadata.request_body, lark_runtime::RequestBody::Json);
    assert_eq!(UpdateError::from_code(2), UpdateError::Busy);
    assert_eq!(UpdateError::Busy.advice(), Some("Wait and retry."));
    assert_eq!(UpdateError::Invalid.advice(), None);
    assert_eq!(
        UpdateError::from_code(77).to_string(),
        "error code 77 is not documented for this endpoint"
    );
}

#[test]
fn a_get_has_no_body_and_a_flat_envelope() {
    let request = GetRequest::builder().thing_id(7.into()).build().unwrap();
    assert_eq!(request.path(), "/open-apis/fixture/v1/things/7");
    assert!(request.query().is_empty());
    assert_eq!(GetRequest::METADATA.request_body, lark_runtime::RequestBody::None);
    assert_eq!(GetRequest::METADATA.envelope, Envelope::Flat);
    let data: GetResponse =
        serde_json::from_value(json!({"code": 0, "msg": "ok", "name": "t", "expire": 7200})).unwrap();
    assert_eq!((data.name.as_str(), data.expire), ("t", Some(7200)));
}

mod executed {
    //! The fixture endpoints sent through the runtime to a server on 127.0.0.1: the method, the escaped
    //! path, the query string and the body arrive as the spec says, and a flat answer decodes.

    use super::*;
    use lark_runtime::{AccessToken, Client, StaticToken};
    use std::sync::Arc;
    use wiremock::matchers::{body_json, header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn client(server: &MockServer) -> Client {
        Client::builder()
            .base_url(server.uri())
            .token_provider(Arc::new(StaticToken(AccessToken::new("t-static"))))
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn a_put_with_path_query_and_body_arrives_as_specified() {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .and(path("/open-apis/fixture/v1/things/a%2Fb%20c"))
            .and(query_param("employee_type", "employee_id"))
            .and(query_param("dry_run", "true"))
            .and(header("authorization", "Bearer t-static"))
            .and(body_json(json!({"name": "widget", "owner": "E0042"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "code": 0, "msg": "ok",
                "data": {"thing": {"id": "6709359313699356941", "kind": "gps"}}
            })))
            .expect(1)
            .mount(&server)
            .await;
        let request = valid().dry_run(true).build().unwrap();
        let response = client(&server).execute(&request).await.unwrap();
        let thing = response.data.thing.unwrap();
        assert_eq!(
            (thing.id, thing.kind),
            (6709359313699356941.into(), Some(PunchKind::Gps))
        );
    }

    #[tokio::test]
    async fn a_get_has_no_body_and_its_flat_answer_decodes() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/open-apis/fixture/v1/things/42"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"code": 0, "msg": "ok", "name": "t", "expire": 7200})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let request = GetRequest::builder().thing_id(42.into()).build().unwrap();
        let response = client(&server).execute(&request).await.unwrap();
        assert_eq!(
            (response.data.name.as_str(), response.data.expire, response.msg.as_str()),
            ("t", Some(7200), "ok")
        );
        let received = server.received_requests().await.unwrap();
        assert!(received[0].body.is_empty() && !received[0].headers.contains_key("content-type"));
    }

    #[tokio::test]
    async fn a_flat_answer_missing_a_required_field_is_a_decode_error() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": 0, "msg": "ok"})))
            .mount(&server)
            .await;
        let request = GetRequest::builder().thing_id(1.into()).build().unwrap();
        let error = client(&server).execute(&request).await.unwrap_err();
        assert!(
            matches!(&error, lark_runtime::Error::Decode { reason, .. } if reason.contains("missing field `name`")),
            "{error:?}"
        );
    }
}

/// Paged, multipart and binary endpoints through the macro: what the format says lands in the metadata,
/// the paging traits and the file parts.
mod files_and_pages {
    use lark_runtime::{DocumentedError, Endpoint, Page, Paged, RequestBody, ResponseKind, UploadFile};

    use crate::fixture::{download, list, upload};

    #[test]
    fn a_paged_request_asks_for_the_next_page_and_its_answer_gives_items_and_the_token() {
        let first = list::ListRequest::builder().page_size(2).build().unwrap();
        let next = first.with_page_token("t1".to_owned());
        assert_eq!(
            next.query(),
            [("page_size", "2".to_owned()), ("page_token", "t1".to_owned())]
        );
        assert_eq!(list::ListRequest::METADATA.pagination_items, Some("things"));
        let page: list::ListResponse = serde_json::from_str(
            r#"{"things": [{"latitude": 1, "longitude": 2}], "has_more": true, "page_token": "t2"}"#,
        )
        .unwrap();
        assert_eq!((page.has_more(), page.next_page_token()), (Some(true), Some("t2")));
        assert_eq!(page.into_items().len(), 1);
    }

    #[test]
    fn an_upload_carries_its_file_as_a_part_and_no_json() {
        let file = UploadFile::new("photo.png", "image/png", b"png".to_vec());
        let request = upload::UploadRequest::builder()
            .file_name("photo.png")
            .file(file.clone())
            .build()
            .unwrap();
        assert_eq!(upload::UploadRequest::METADATA.request_body, RequestBody::Multipart);
        assert_eq!(request.files(), [("file", &file)]);
        assert_eq!(serde_json::to_value(&request).unwrap(), serde_json::json!({}));
        let missing = upload::UploadRequest::builder()
            .file_name("photo.png")
            .build()
            .unwrap_err();
        assert!(missing.to_string().contains("file: is required"), "{missing}");
    }

    #[test]
    fn a_download_is_binary_and_keeps_its_typed_errors() {
        assert_eq!(download::DownloadRequest::METADATA.response_kind, ResponseKind::Binary);
        assert_eq!(
            download::DownloadError::from_code(1220001),
            download::DownloadError::ParamInvalid
        );
        let request = download::DownloadRequest::builder().file_id("a/b").build().unwrap();
        assert_eq!(request.path(), "/open-apis/fixture/v1/things/a%2Fb/download");
    }
}

#[test]
fn a_map_is_sent_as_an_object_and_each_value_is_checked() {
    let labels = |value: &str| std::collections::BTreeMap::from([("colour".to_owned(), value.to_owned())]);
    let request = valid().labels(labels("red")).build().unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap()["labels"],
        json!({"colour": "red"})
    );
    let found = violations(valid().labels(labels("purple")));
    assert_eq!(
        found,
        [(
            "labels[\"colour\"]".to_owned(),
            ViolationKind::TooLong { max: 4, actual: 6 }
        )]
    );
}
