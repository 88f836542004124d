//! Every reference page's examples through the generated types, for every endpoint of the bindings: the
//! request example (with the spec's path and query examples) decodes as a server would decode it and
//! writes back as the same body; the answer example decodes into the data type and writes back as the
//! same payload. A spec that drops, renames or mistypes a field the page's example carries fails here.

#![allow(missing_docs)]

use lark_openapi::ENDPOINTS;
use lark_openapi::runtime::{AccessTokenKind, Envelope, IncomingRequest, RequestBody, ResponseKind};
use serde_json::Value;

/// JSON equality in which `1` and `1.0` are the same number (a `float64` field writes `1` back as `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        // A `null` says no more than a missing key: an optional field read as `None` writes nothing.
        (Value::Object(x), Value::Object(y)) => {
            present(x) == present(y)
                && x.iter()
                    .filter(|(_, value)| !value.is_null())
                    .all(|(key, value)| y.get(key).is_some_and(|other| same(value, other)))
        }
        _ => a == b,
    }
}

/// How many keys of an object hold something (not `null`).
fn present(map: &serde_json::Map<String, Value>) -> usize {
    map.values().filter(|value| !value.is_null()).count()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The payload of an answer example: `data`, or the flat answer without `code` and `msg`.
fn payload(answer: &Value, envelope: Envelope) -> Value {
    match envelope {
        Envelope::Data => answer
            .get("data")
            .cloned()
            .unwrap_or_else(|| Value::Object(Default::default())),
        Envelope::Flat => {
            let mut flat = answer.clone();
            if let Some(object) = flat.as_object_mut() {
                object.retain(|key, _| key != "code" && key != "msg");
            }
            flat
        }
    }
}

#[test]
fn every_request_example_decodes_and_writes_back_as_the_same_body() {
    let mut problems = Vec::new();
    for entry in ENDPOINTS {
        let metadata = entry.metadata;
        let (path, query) = (owned(metadata.path_example), owned(metadata.query_example));
        let body = metadata.request_example.unwrap_or_default();
        let request = IncomingRequest::new(&path, &query, body.as_bytes());
        match ((entry.decode_request)(&request), metadata.request_example) {
            (Err(error), _) if metadata.request_body != RequestBody::Multipart => {
                problems.push(format!("{}: the page's request does not decode: {error}", metadata.id));
            }
            (Ok(written), Some(example)) => {
                let example: Value = serde_json::from_str(example).unwrap();
                if !same(&written, &example) {
                    problems.push(format!(
                        "{}: the request writes back as {written}, not {example}",
                        metadata.id
                    ));
                }
            }
            _ => {}
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_answer_example_decodes_and_writes_back_as_the_same_payload() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for entry in ENDPOINTS {
        let metadata = entry.metadata;
        let Some(example) = metadata.response_example else {
            if metadata.response_kind == ResponseKind::Json {
                problems.push(format!("{}: the spec has no answer example", metadata.id));
            }
            continue;
        };
        let answer: Value = serde_json::from_str(example).unwrap();
        let payload = payload(&answer, metadata.envelope);
        checked += 1;
        match (entry.decode_data)(payload.clone()) {
            // Answers are read leniently: digits in a string for an integer field come back a number.
            Ok(written) if same_scalar_text(&written, &payload) => {}
            Ok(written) => problems.push(format!(
                "{}: the answer writes back as {written}, not {payload}",
                metadata.id
            )),
            Err(error) => problems.push(format!("{}: the page's answer does not decode: {error}", metadata.id)),
        }
    }
    assert!(checked >= 1);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Every endpoint over HTTP, through the generated client, against the emulator: the page's example
/// request goes out, and an endpoint the emulator does not model answers with the page's example, which
/// the client decodes to the same payload (a paged one: the example's first page of items).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_over_http_from_its_spec() {
    let emulator = lark_emulator::Emulator::builder().start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let as_user = client.as_user(emulator.user_access_token());
    let mut problems = Vec::new();
    let answered_from_specs: Vec<_> = ENDPOINTS
        .iter()
        .filter(|e| !lark_emulator::MODELED_ENDPOINTS.contains(&e.metadata.id))
        .collect();
    assert_eq!(
        answered_from_specs.len(),
        ENDPOINTS.len() - lark_emulator::MODELED_ENDPOINTS.len()
    );
    for entry in answered_from_specs {
        let metadata = entry.metadata;
        // An endpoint that takes only a user's token is called as a signed-in user.
        let user_only = metadata.access_tokens == [AccessTokenKind::User];
        let caller = if user_only { &as_user } else { &client };
        let answer = match entry.call_example(caller.clone()).await {
            Ok(answer) => answer,
            Err(error) => {
                problems.push(format!("{}: {error}", metadata.id));
                continue;
            }
        };
        let Some(example) = metadata.response_example else {
            assert!(
                answer.as_u64().is_some_and(|bytes| bytes > 0),
                "{}: an empty download",
                metadata.id
            );
            continue;
        };
        let expected = payload(&serde_json::from_str(example).unwrap(), metadata.envelope);
        // A paged answer is the example's first page: as many of its items as the request's page size.
        let (answer, expected) = match metadata.pagination_items {
            Some(items) => {
                let answered = answer[items].as_array().map_or(0, Vec::len);
                if answered == 0 && expected[items].as_array().is_some_and(|all| !all.is_empty()) {
                    problems.push(format!("{}: answered no items, the example has some", metadata.id));
                }
                let first_page: Vec<Value> = expected[items]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .take(answered)
                    .cloned()
                    .collect();
                (answer[items].clone(), Value::Array(first_page))
            }
            None => (answer, expected),
        };
        if !same_scalar_text(&answer, &expected) {
            problems.push(format!("{}: answered {answer}, not {expected}", metadata.id));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Like [`same`], but a number and a string with the same text are the same value: pages' tables and
/// examples disagree on a few scalars, and answers and event bodies are read leniently.
fn same_scalar_text(a: &Value, b: &Value) -> bool {
    let text = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_scalar_text(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            present(x) == present(y)
                && x.iter()
                    .filter(|(_, value)| !value.is_null())
                    .all(|(key, value)| y.get(key).is_some_and(|other| same_scalar_text(value, other)))
        }
        _ => same(a, b) || text(a).is_some_and(|a| Some(a) == text(b)),
    }
}

#[test]
fn every_event_example_names_its_type_and_its_body_decodes_without_losing_a_field() {
    let mut problems = Vec::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let specs = lark_spec::SpecSet::load_dir(&root).unwrap();
    let left_out = |event_type: &str| {
        let spec = specs.events.iter().find(|spec| spec.spec.event_type == event_type);
        spec.and_then(|spec| spec.spec.example_left_out.clone())
    };
    for entry in lark_openapi::EVENTS {
        let Some(example) = entry.example else {
            match left_out(entry.event_type) {
                Some(reason) => eprintln!("{}: no example: {reason}", entry.event_type),
                None => problems.push(format!("{}: no delivery example", entry.event_type)),
            }
            continue;
        };
        let delivery: Value = serde_json::from_str(example).unwrap();
        let named = match entry.schema {
            lark_openapi::runtime::events::EventSchema::V2 => delivery.pointer("/header/event_type"),
            lark_openapi::runtime::events::EventSchema::V1 => delivery.pointer("/event/type"),
        };
        if named.and_then(Value::as_str) != Some(entry.event_type) {
            problems.push(format!("{}: the example names {named:?}", entry.event_type));
        }
        let body = delivery.get("event").cloned().unwrap_or(Value::Null);
        match (entry.decode)(body.clone()) {
            Ok(written) if same_scalar_text(&body, &written) => {}
            Ok(written) => problems.push(format!("{}: wrote back {written}, not {body}", entry.event_type)),
            Err(error) => problems.push(format!(
                "{}: the page's body does not decode: {error}",
                entry.event_type
            )),
        }
    }
    assert!(
        lark_openapi::EVENTS.len() >= 3,
        "attendance's two events and app_ticket"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
