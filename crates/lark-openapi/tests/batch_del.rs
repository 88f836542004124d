//! `attendance/v1/user_flow/batch_del` as generated from its spec: the request's bounds, the reference
//! page's JSON examples, every documented error code and the partial-failure reasons.

#![allow(missing_docs)]

use lark_openapi::attendance::v1::user_flow::batch_del::{BatchDelError, BatchDelRequest, BatchDelResponse};
use lark_openapi::runtime::{
    AccessTokenKind, AppType, DocumentedError, Endpoint, Envelope, HttpMethod, PartialFailure, RateLimit,
    RecordFailure, ViolationKind,
};
use serde_json::json;

fn ids(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("670935931369935{i:04}")).collect()
}

fn build(ids: Vec<String>) -> Result<BatchDelRequest, lark_openapi::runtime::ValidationError> {
    BatchDelRequest::builder().record_ids(ids).build()
}

#[test]
fn one_to_ten_ids_build() {
    assert_eq!(build(ids(1)).unwrap().record_ids().len(), 1);
    assert_eq!(build(ids(10)).unwrap().record_ids(), &ids(10));
}

#[test]
fn zero_ids_and_eleven_ids_name_the_bound() {
    let zero = build(ids(0)).unwrap_err();
    assert_eq!(zero.violations[0].field, "record_ids");
    assert_eq!(
        zero.violations[0].kind,
        ViolationKind::TooFewItems { min: 1, actual: 0 }
    );
    assert_eq!(
        zero.to_string(),
        "invalid BatchDelRequest: record_ids: needs at least 1 item (min_items), got 0"
    );

    let eleven = build(ids(11)).unwrap_err();
    assert_eq!(eleven.violations.len(), 1);
    assert_eq!(
        eleven.violations[0].kind,
        ViolationKind::TooManyItems { max: 10, actual: 11 }
    );
}

#[test]
fn an_empty_or_non_numeric_id_names_its_index() {
    let error = build(vec!["6709359313699356941".into(), String::new(), "67x".into()]).unwrap_err();
    let found: Vec<(&str, &ViolationKind)> = error.violations.iter().map(|v| (v.field.as_str(), &v.kind)).collect();
    assert_eq!(
        found,
        [
            ("record_ids[1]", &ViolationKind::TooShort { min: 1, actual: 0 }),
            ("record_ids[1]", &ViolationKind::PatternMismatch { pattern: "^[0-9]+$" }),
            ("record_ids[2]", &ViolationKind::PatternMismatch { pattern: "^[0-9]+$" }),
        ]
    );
}

#[test]
fn record_ids_are_required() {
    let error = BatchDelRequest::builder().build().unwrap_err();
    assert_eq!(error.violations.len(), 1);
    assert_eq!(
        (error.violations[0].field.as_str(), &error.violations[0].kind),
        ("record_ids", &ViolationKind::Missing)
    );
}

#[test]
fn the_request_example_round_trips() {
    let example = json!({ "record_ids": ["6709359313699356941"] });
    let request = BatchDelRequest::builder()
        .record_ids(["6709359313699356941"])
        .build()
        .unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), example);
}

#[test]
fn the_response_example_round_trips() {
    let envelope = json!({
        "code": 0,
        "msg": "success",
        "data": {
            "success_record_ids": ["6709359313699356941"],
            "fail_record_ids": ["6709359313699356941"]
        }
    });
    let data: BatchDelResponse = serde_json::from_value(envelope["data"].clone()).unwrap();
    assert_eq!(data.succeeded_ids(), ["6709359313699356941"]);
    assert_eq!(data.failed_ids(), ["6709359313699356941"]);
    assert_eq!(serde_json::to_value(&data).unwrap(), envelope["data"]);
}

#[test]
fn missing_or_null_lists_decode_as_absent() {
    let data: BatchDelResponse = serde_json::from_value(json!({"fail_record_ids": null, "extra": 1})).unwrap();
    assert_eq!(data, BatchDelResponse::default());
    assert!(data.failed_ids().is_empty());
    assert!(data.succeeded_ids().is_empty());
}

#[test]
fn every_documented_code_maps_to_its_variant() {
    let table = [
        (1220001, BatchDelError::ParamInvalid, 400, "param is invalid", false),
        (1220002, BatchDelError::TenantIdEmpty, 400, "tenant_id is empty", false),
        (
            1220003,
            BatchDelError::UserIdTypeInvalid,
            400,
            "user_id type is not employee_id or employee_no",
            false,
        ),
        (
            1220006,
            BatchDelError::NoPrivilege,
            400,
            "enterprise tenant app has no privilege",
            false,
        ),
        (1225000, BatchDelError::SystemError, 500, "system error", true),
        (
            1227000,
            BatchDelError::ManagementServiceError,
            500,
            "management service error",
            true,
        ),
    ];
    for (code, variant, status, message, retryable) in table {
        let error = BatchDelError::from_code(code);
        assert_eq!(error, variant);
        assert_eq!(error.code(), code);
        assert_eq!(error.http_status(), Some(status));
        assert_eq!(error.message(), Some(message));
        assert_eq!(error.is_retryable(), retryable, "{code}");
        assert!(
            error.advice().is_some_and(|advice| !advice.is_empty()),
            "{code} has no advice"
        );
        assert_eq!(error.to_string(), format!("{message} (code {code}, HTTP {status})"));
        // The runtime sees the same facts through the trait.
        assert_eq!(DocumentedError::is_retryable(&error), retryable);
    }
    assert_eq!(
        BatchDelError::SystemError.advice(),
        Some("系统错误 — a server fault; retry, or ask technical support.")
    );
}

#[test]
fn an_undocumented_code_is_kept_not_guessed() {
    let error = BatchDelError::from_code(99991663);
    assert_eq!(error, BatchDelError::Undocumented(99991663));
    assert_eq!(
        (error.code(), error.http_status(), error.message(), error.advice()),
        (99991663, None, None, None)
    );
    assert!(!error.is_retryable());
    assert_eq!(
        error.to_string(),
        "error code 99991663 is not documented for this endpoint"
    );
}

#[test]
fn metadata_is_the_reference_page() {
    let metadata = BatchDelRequest::METADATA;
    assert_eq!(metadata.method, HttpMethod::Post);
    assert_eq!(metadata.path_template, "/open-apis/attendance/v1/user_flows/batch_del");
    assert_eq!(metadata.access_tokens, [AccessTokenKind::Tenant]);
    assert_eq!(metadata.app_types, [AppType::Custom, AppType::Isv]);
    assert_eq!(metadata.scopes, ["attendance:task"]);
    assert_eq!(
        metadata.rate_limits,
        [RateLimit {
            requests: 10,
            period_seconds: 1
        }],
        "the reference page documents 10 calls a second"
    );
    assert_eq!(metadata.envelope, Envelope::Data);
    let request = build(ids(1)).unwrap();
    assert_eq!(request.path(), metadata.path_template);
    assert!(request.query().is_empty());
}

mod failure_reasons {
    use super::*;

    fn data(failed: &[&str]) -> BatchDelResponse {
        BatchDelResponse {
            success_record_ids: Some(vec!["1".into()]),
            fail_record_ids: Some(failed.iter().map(|id| id.to_string()).collect()),
        }
    }

    fn failure(id: &str, reason: Option<&str>) -> RecordFailure {
        RecordFailure {
            id: id.into(),
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn a_map_gives_each_failed_id_its_reason() {
        let msg =
            r#"{"6709359313699356941": "record not found", "6709359313699356942": "not imported by open platform"}"#;
        assert_eq!(
            data(&["6709359313699356941", "6709359313699356942"]).failures(msg),
            [
                failure("6709359313699356941", Some("record not found")),
                failure("6709359313699356942", Some("not imported by open platform")),
            ]
        );
    }

    #[test]
    fn success_means_no_reasons() {
        assert_eq!(data(&[]).failures("success"), []);
        assert_eq!(data(&["7"]).failures("success"), [failure("7", None)]);
    }

    #[test]
    fn a_msg_that_is_not_json_never_panics() {
        for msg in ["{not json", "", "\u{0}", "[\"7\"]", "null", "{\"7\": "] {
            assert_eq!(data(&["7"]).failures(msg), [failure("7", None)], "{msg:?}");
        }
    }

    #[test]
    fn ids_missing_from_the_map_keep_their_place_without_a_reason() {
        let msg = r#"{"8": "locked", "9": "not listed as failed"}"#;
        assert_eq!(
            data(&["7", "8"]).failures(msg),
            [failure("7", None), failure("8", Some("locked"))]
        );
    }
}
