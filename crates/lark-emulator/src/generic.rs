//! Every endpoint the emulator does not model with state, answered from its spec: the request is decoded
//! and validated by its generated type (an invalid one gets the page's code and a message naming the
//! field), then the answer is the page's own example. A paged endpoint pages through the example's
//! items; a download answers with a small file. A new spec is served with no code here.

use std::collections::HashSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::on;
use lark_openapi::ENDPOINTS;
use lark_openapi::runtime::{EndpointEntry, EndpointMetadata, IncomingRequest, RequestBody, ResponseKind, UploadFile};
use serde_json::{Map, Value, json};

use crate::answer::{Answer, Invalid, axum_route, method_filter, serve};
use crate::shared::Shared;

/// Routes for every endpoint of the bindings whose id is not in `modeled`.
pub(crate) fn routes(router: Router<Arc<Shared>>, modeled: &HashSet<&str>) -> Router<Arc<Shared>> {
    ENDPOINTS
        .iter()
        .filter(|entry| !modeled.contains(entry.metadata.id))
        .fold(router, |router, entry| {
            let path = axum_route(entry.metadata.path_template);
            let method = method_filter(entry.metadata.method);
            match entry.metadata.request_body {
                RequestBody::Multipart => {
                    router.route(&path, on(method, move |s, p, q, h, m| multipart(entry, s, p, q, h, m)))
                }
                _ => router.route(&path, on(method, move |s, p, q, h, b| plain(entry, s, p, q, h, b))),
            }
        })
}

type PathParams = Option<Path<Vec<(String, String)>>>;

async fn plain(
    entry: &'static EndpointEntry,
    State(shared): State<Arc<Shared>>,
    path: PathParams,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = path.map(|Path(params)| params).unwrap_or_default();
    let request = IncomingRequest::new(&path, &query, &body);
    let decode = || (entry.decode_request)(&request);
    serve(
        &shared,
        &headers,
        entry.metadata,
        Invalid::of(entry.documented),
        decode,
        |_, _, body| example_answer(entry, &query, &body),
    )
    .await
}

async fn multipart(
    entry: &'static EndpointEntry,
    State(shared): State<Arc<Shared>>,
    path: PathParams,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let path = path.map(|Path(params)| params).unwrap_or_default();
    // A body that is not multipart decodes as having no file parts: the generated type says what is missing.
    let (files, texts) = match form {
        Ok(form) => read_parts(form).await,
        Err(_) => (Vec::new(), Map::new()),
    };
    // The text parts are the body's other fields; the generated type reads numbers from their text.
    let body = serde_json::to_vec(&texts).unwrap_or_default();
    let request = IncomingRequest::new(&path, &query, &body).with_files(&files);
    let decode = || (entry.decode_request)(&request);
    serve(
        &shared,
        &headers,
        entry.metadata,
        Invalid::of(entry.documented),
        decode,
        |_, _, body| example_answer(entry, &query, &body),
    )
    .await
}

/// The parts of a multipart body: file parts (those with a file name) with their names and types as
/// sent, and the text parts by name.
async fn read_parts(mut form: Multipart) -> (Vec<(String, UploadFile)>, Map<String, Value>) {
    let mut files = Vec::new();
    let mut texts = Map::new();
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().unwrap_or("application/octet-stream").to_owned();
        let Ok(bytes) = field.bytes().await else { break };
        match file_name {
            Some(file_name) => files.push((name, UploadFile::new(file_name, content_type, bytes))),
            None => {
                texts.insert(name, Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    (files, texts)
}

/// The page's example answer; one page of its items for a paged endpoint; a small file for a download.
fn example_answer(entry: &EndpointEntry, query: &[(String, String)], body: &Value) -> Answer {
    let metadata = entry.metadata;
    if metadata.response_kind == ResponseKind::Binary {
        let file = format!("emulated file of {}\n", metadata.id);
        return Answer::file(Bytes::from(file), "application/octet-stream");
    }
    let Some(mut answer) = response_example(metadata) else {
        return Answer::ok("success", json!({}));
    };
    if let (Some(items), Some(data)) = (metadata.pagination_items, answer.get_mut("data")) {
        let parameter = |name: &str| {
            let from_query = query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone());
            from_query.or_else(|| {
                body.get(name)
                    .map(|value| value.as_str().map_or(value.to_string(), str::to_owned))
            })
        };
        page_of(data, items, parameter("page_token"), parameter("page_size"));
    }
    Answer::json(answer)
}

/// The page's whole answer example (`code`, `msg`, `data`), when the spec has one.
pub(crate) fn response_example(metadata: &EndpointMetadata) -> Option<Value> {
    metadata
        .response_example
        .and_then(|text| serde_json::from_str(text).ok())
}

/// The prefix of the page tokens the emulator issues (`emulated-page-<offset>`). Any other token, such as
/// the one a page's example request carries, starts from the first item.
const PAGE_TOKEN_PREFIX: &str = "emulated-page-";

/// Cuts `data[items]` to the page after `page_token` (an offset) of `page_size` items (all when unset).
fn page_of(data: &mut Value, items: &str, page_token: Option<String>, page_size: Option<String>) {
    let Some(all) = data.get(items).and_then(Value::as_array).cloned() else {
        return;
    };
    let start = page_token
        .and_then(|token| token.strip_prefix(PAGE_TOKEN_PREFIX)?.parse::<usize>().ok())
        .unwrap_or(0)
        .min(all.len());
    let size = page_size
        .and_then(|size| size.parse::<usize>().ok())
        .filter(|size| *size > 0)
        .unwrap_or(all.len());
    let end = (start + size).min(all.len());
    data[items] = Value::Array(all[start..end].to_vec());
    let has_more = end < all.len();
    data["has_more"] = Value::Bool(has_more);
    match has_more {
        true => data["page_token"] = Value::String(format!("{PAGE_TOKEN_PREFIX}{end}")),
        // The pages: without more items the answer carries no page token.
        false => {
            if let Some(object) = data.as_object_mut() {
                object.remove("page_token");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_example_items_and_end_without_a_token() {
        let example = json!({"items": [1, 2, 3], "has_more": false, "page_token": "x"});
        let mut first = example.clone();
        page_of(&mut first, "items", None, Some("2".into()));
        assert_eq!(
            first,
            json!({"items": [1, 2], "has_more": true, "page_token": "emulated-page-2"})
        );
        let mut last = example.clone();
        page_of(&mut last, "items", Some("emulated-page-2".into()), Some("2".into()));
        assert_eq!(last, json!({"items": [3], "has_more": false}));
        let mut foreign = example.clone();
        page_of(&mut foreign, "items", Some("3".into()), None);
        assert_eq!(
            foreign["items"],
            json!([1, 2, 3]),
            "a token the emulator did not issue starts over"
        );
        let mut all = example;
        page_of(&mut all, "items", None, None);
        assert_eq!(all["items"], json!([1, 2, 3]));
    }
}
