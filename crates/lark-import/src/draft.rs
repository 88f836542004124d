//! A page's facts as a draft spec: the spec format's keys, every fact of the page, no sentence of it.

use heck::ToUpperCamelCase;
use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::endpoint::{Answer, EndpointPage, ErrorRow};
use crate::fields::{PageField, PageType};
use crate::report::Undecided;
use crate::shared::SharedTypes;
use crate::yaml::Yaml;

/// A draft spec's tree: mappings in the order they are written, JSON values and bare words.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A block mapping.
    Map(IndexMap<String, Node>),
    /// A JSON value.
    Value(Value),
    /// A bare word of the format (`string`, `POST`).
    Word(String),
}

/// A mapping being built.
pub type Map = IndexMap<String, Node>;

/// Where a field stands, which decides what the format allows there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `request.path`: always required.
    Path,
    /// `request.query`.
    Query,
    /// `request.body`.
    Body,
    /// `response.data`, an event's payload: never required (answers decode leniently).
    Answer,
}

/// Writes an endpoint page as a draft spec; `shared` names the objects that go to `types.yaml`.
pub fn endpoint_yaml(page: &EndpointPage, shared: &SharedTypes, undecided: &mut Vec<Undecided>) -> String {
    let (service, version, resource, name) = catalog_parts(&page.catalog_name);
    let mut yaml = Yaml::default();
    yaml.comment(
        0,
        &format!(
            "{} — drafted by `cargo xtask import` from the reference page",
            page.title
        ),
    );
    yaml.comment(
        0,
        &format!("{service}/{version}/{resource}/{name}.md; review it, then write the descriptions."),
    );
    for (key, value) in [
        ("service", service),
        ("version", version),
        ("resource", resource.as_str()),
        ("name", name),
    ] {
        yaml.word(0, key, value);
    }
    yaml.value(0, "summary", &json!(page.title));
    // A page without a source address has an empty one in its front matter: no `docs_url` then.
    if let Some(url) = page.docs_url.as_ref().filter(|url| !url.is_empty()) {
        yaml.value(0, "docs_url", &json!(url));
    }
    yaml.blank();
    yaml.open(0, "http");
    yaml.word(1, "method", &page.method);
    yaml.value(1, "path", &json!(page.path));
    yaml.blank();
    yaml.open(0, "auth");
    yaml.value(1, "tokens", &json!(page.tokens));
    yaml.value(1, "app_types", &json!(page.app_types));
    yaml.value(1, "scopes", &json!(page.scopes));
    write_rate_limit(&mut yaml, page);
    write_request(&mut yaml, page, shared, undecided);
    write_response(&mut yaml, page, shared, undecided);
    write_errors(&mut yaml, &page.errors, undecided);
    yaml.finish()
}

/// `im.v1.message.create` → (`im`, `v1`, `message`, `create`); a sub-resource joins with `_`.
pub fn catalog_parts(catalog_name: &str) -> (&str, &str, String, &str) {
    let parts: Vec<&str> = catalog_name.split('.').collect();
    match parts.as_slice() {
        [service, version, resource @ .., name] if !resource.is_empty() => (service, version, resource.join("_"), name),
        _ => ("", "", String::new(), ""),
    }
}

fn write_rate_limit(yaml: &mut Yaml, page: &EndpointPage) {
    let limit = &page.rate_limit;
    if limit.windows.is_empty() && !limit.special {
        return;
    }
    yaml.blank();
    yaml.open(0, "rate_limit");
    for window in &limit.windows {
        let per = match window.per_seconds {
            1 => "second",
            60 => "minute",
            _ => "hour",
        };
        yaml.item(1, &json!({ "requests": window.requests, "per": per }));
    }
    if limit.special {
        yaml.item(1, &json!({ "special": true }));
    }
}

fn write_request(yaml: &mut Yaml, page: &EndpointPage, shared: &SharedTypes, undecided: &mut Vec<Undecided>) {
    let mut request = Map::new();
    for (key, fields, place) in [
        ("path", &page.path_params, Place::Path),
        ("query", &page.query, Place::Query),
        ("body", &page.body, Place::Body),
    ] {
        if !fields.is_empty() {
            request.insert(key.to_owned(), Node::Map(field_map(fields, place, shared, undecided)));
        }
    }
    if let Some(example) = &page.body_example {
        request.insert("body_example".to_owned(), Node::Value(example.clone()));
    }
    // A multipart body has no JSON example to leave out: its page shows a form.
    let left_out = page
        .examples_left_out
        .body
        .as_ref()
        .filter(|_| !crate::endpoint::has_file(&page.body));
    if request.is_empty() {
        if let Some(why) = left_out {
            yaml.blank();
            yaml.comment(0, &format!("request.body_example left out: {why}."));
        }
        return;
    }
    yaml.blank();
    write_node(yaml, 0, "request", &Node::Map(request));
    if let Some(why) = left_out {
        yaml.comment(1, &format!("body_example left out: {why}."));
    }
}

fn write_response(yaml: &mut Yaml, page: &EndpointPage, shared: &SharedTypes, undecided: &mut Vec<Undecided>) {
    let mut response = Map::new();
    match page.answer {
        Answer::Binary => {
            response.insert("kind".to_owned(), Node::Word("binary".to_owned()));
        }
        Answer::Flat => {
            response.insert("envelope".to_owned(), Node::Word("flat".to_owned()));
        }
        Answer::Data => {}
    }
    if !page.data.is_empty() {
        response.insert(
            "data".to_owned(),
            Node::Map(field_map(&page.data, Place::Answer, shared, undecided)),
        );
    }
    if let Some(example) = &page.response_example {
        response.insert("example".to_owned(), Node::Value(example.clone()));
    }
    let depth = usize::from(!response.is_empty());
    if !response.is_empty() {
        yaml.blank();
        write_node(yaml, 0, "response", &Node::Map(response));
    }
    if let Some(why) = &page.examples_left_out.response {
        let key = if depth == 0 { "response.example" } else { "example" };
        yaml.comment(depth, &format!("{key} left out: {why}."));
    }
    if let Some(items) = pagination_items(page, undecided) {
        yaml.blank();
        yaml.open(0, "pagination");
        yaml.word(1, "items", &items);
    }
}

/// The array that holds a page's items, when the endpoint pages with `page_token` and `has_more`.
fn pagination_items(page: &EndpointPage, undecided: &mut Vec<Undecided>) -> Option<String> {
    let takes_token = page
        .query
        .iter()
        .chain(&page.body)
        .any(|field| field.name == "page_token");
    let answers_token = page.data.iter().any(|field| field.name == "page_token")
        && page.data.iter().any(|field| field.name == "has_more");
    if !(takes_token && answers_token) {
        return None;
    }
    let arrays: Vec<&PageField> = page
        .data
        .iter()
        .filter(|field| matches!(field.ty, PageType::Array(_)))
        .collect();
    match arrays.as_slice() {
        [items] => Some(items.name.clone()),
        _ => {
            let line = page.data.first().map_or(0, |field| field.line);
            undecided.push(Undecided::new(
                line,
                format!(
                    "pages with `page_token` but has {} array fields: which holds the items is left to the reviewer",
                    arrays.len()
                ),
            ));
            None
        }
    }
}

/// The fields of a table as the format's `fields` mapping.
pub fn field_map(fields: &[PageField], place: Place, shared: &SharedTypes, undecided: &mut Vec<Undecided>) -> Map {
    let mut map = Map::new();
    for field in fields {
        if map.contains_key(&field.name) {
            undecided.push(Undecided::new(
                field.line,
                format!("field `{}` is listed twice; the first row is kept", field.name),
            ));
            continue;
        }
        let mut schema = schema(field, &field.ty, place, shared, undecided);
        if field.required || place == Place::Path {
            schema.insert("required".to_owned(), Node::Value(json!(true)));
            schema.move_index(schema.len() - 1, 1.min(schema.len() - 1));
        }
        map.insert(field.name.clone(), Node::Map(schema));
    }
    map
}

/// The schema of a field (or of an array's items, with the item type as `ty`).
fn schema(field: &PageField, ty: &PageType, place: Place, shared: &SharedTypes, undecided: &mut Vec<Undecided>) -> Map {
    let mut out = Map::new();
    let word = |word: &str| Node::Word(word.to_owned());
    let shared_name = match ty {
        PageType::Object(Some(type_name)) => shared.shared_name(type_name, place, &field.children),
        _ => None,
    };
    if let Some(name) = shared_name {
        out.insert("ref".to_owned(), word(name));
        return out;
    }
    match ty {
        PageType::Object(_) => {
            out.insert("type".to_owned(), word("object"));
            if field.children.is_empty() {
                undecided.push(Undecided::new(
                    field.line,
                    format!("object `{}` lists no fields", field.name),
                ));
            }
            out.insert(
                "fields".to_owned(),
                Node::Map(field_map(&field.children, place, shared, undecided)),
            );
            return out;
        }
        PageType::Array(item) => {
            out.insert("type".to_owned(), word("array"));
            if let Some(low) = field.bounds.min_length.filter(|low| *low > 0) {
                out.insert("min_items".to_owned(), Node::Value(json!(low)));
            }
            if let Some(high) = field.bounds.max_length {
                out.insert("max_items".to_owned(), Node::Value(json!(high)));
            }
            let item_field = PageField {
                bounds: Default::default(),
                example: None,
                default: None,
                required: false,
                ..field.clone()
            };
            out.insert(
                "items".to_owned(),
                Node::Map(schema(&item_field, item, place, shared, undecided)),
            );
            insert_example(&mut out, field, ty, undecided);
            return out;
        }
        PageType::Map(value) => {
            out.insert("type".to_owned(), word("map"));
            let value_field = PageField {
                bounds: Default::default(),
                example: None,
                default: None,
                required: false,
                ..field.clone()
            };
            out.insert(
                "values".to_owned(),
                Node::Map(schema(&value_field, value, place, shared, undecided)),
            );
            return out;
        }
        _ => {}
    }
    let scalar = scalar_type(field, ty, undecided);
    if place == Place::Query
        && let Some(name) = shared.id_kind(field)
    {
        out.insert("ref".to_owned(), word(&name));
        insert_example(&mut out, field, ty, undecided);
        insert_default(&mut out, field, ty, scalar, undecided);
        return out;
    }
    out.insert("type".to_owned(), word(scalar));
    let bounds = &field.bounds;
    if scalar == "string" {
        for (key, bound) in [
            ("min_length", bounds.min_length.filter(|low| *low > 0)),
            ("max_length", bounds.max_length),
        ] {
            if let Some(bound) = bound {
                out.insert(key.to_owned(), Node::Value(json!(bound)));
            }
        }
        if let Some(pattern) = &bounds.pattern {
            let pattern = anchored(pattern);
            match regex::Regex::new(&pattern) {
                Ok(_) => {
                    out.insert("pattern".to_owned(), Node::Value(json!(pattern)));
                }
                // Another engine's syntax (`[^[\]]`, an unescaped `[` in a class): the reviewer translates it.
                Err(_) => undecided.push(Undecided::new(
                    field.line,
                    format!(
                        "field `{}`: pattern `{pattern}` is not Rust regex syntax; left out",
                        field.name
                    ),
                )),
            }
        }
        if bounds.minimum.is_some() || bounds.maximum.is_some() {
            undecided.push(Undecided::new(
                field.line,
                format!("field `{}`: a value range on a string; left out", field.name),
            ));
        }
    } else if matches!(scalar, "int32" | "int64" | "float64") {
        for (key, bound) in [("minimum", bounds.minimum), ("maximum", bounds.maximum)] {
            if let Some(bound) = bound {
                out.insert(key.to_owned(), Node::Value(json!(bound)));
            }
        }
    }
    if !field.values.is_empty() && matches!(scalar, "string" | "int32" | "int64") {
        out.insert("enum".to_owned(), Node::Value(enum_values(field, scalar, undecided)));
    }
    insert_example(&mut out, field, ty, undecided);
    insert_default(&mut out, field, ty, scalar, undecided);
    out
}

fn insert_default(schema: &mut Map, field: &PageField, ty: &PageType, scalar: &str, undecided: &mut Vec<Undecided>) {
    let Some(default) = &field.default else { return };
    match typed_value(default, ty, scalar) {
        Some(value) => {
            schema.insert("default".to_owned(), Node::Value(value));
        }
        None => undecided.push(Undecided::new(
            field.line,
            format!("field `{}`: default `{default}` does not fit `{scalar}`", field.name),
        )),
    }
}

/// A page's pattern as the whole value must match it (the runtime matches anywhere): kept as it is when
/// the page anchors both ends, wrapped otherwise.
fn anchored(pattern: &str) -> String {
    // `\$` at the end is a literal dollar, not an anchor.
    let ends_anchored = pattern.ends_with('$') && !pattern.ends_with("\\$");
    match pattern.starts_with('^') && ends_anchored {
        true => pattern.to_owned(),
        false => format!("^(?:{pattern})$"),
    }
}

/// The format's scalar type for a page type.
fn scalar_type(field: &PageField, ty: &PageType, undecided: &mut Vec<Undecided>) -> &'static str {
    match ty {
        PageType::String => "string",
        PageType::Boolean => "boolean",
        PageType::Float => "float64",
        PageType::File => "file",
        PageType::Json => "json",
        PageType::Int64 => "int64",
        PageType::Int => {
            let wide = |number: i64| i32::try_from(number).is_err();
            let example_wide = field
                .example
                .as_deref()
                .and_then(|text| text.trim_matches('"').parse::<i64>().ok())
                .is_some_and(wide);
            let bound_wide = field.bounds.minimum.is_some_and(wide) || field.bounds.maximum.is_some_and(wide);
            if example_wide || bound_wide {
                undecided.push(Undecided::new(
                    field.line,
                    format!(
                        "field `{}`: `int` with a value past 32 bits, drafted as int64",
                        field.name
                    ),
                ));
                "int64"
            } else {
                "int32"
            }
        }
        PageType::Enum => {
            if !field.values.is_empty() && field.values.iter().all(|value| value.parse::<i64>().is_ok()) {
                "int32"
            } else {
                "string"
            }
        }
        PageType::Object(_) | PageType::Array(_) | PageType::Map(_) => "string",
    }
}

/// `{value, name}` for each named value; names are the values in PascalCase.
pub(crate) fn enum_values(field: &PageField, scalar: &str, undecided: &mut Vec<Undecided>) -> Value {
    let mut names: Vec<String> = Vec::new();
    let mut values = Vec::new();
    for value in &field.values {
        let mut name = match value.strip_prefix('-') {
            // `-1` beside `1`: the sign must not vanish into the name.
            Some(digits) if digits.parse::<u64>().is_ok() => format!("ValueMinus{digits}"),
            _ => value.replace(['.', '-', '/'], "_").to_upper_camel_case(),
        };
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            name = format!("Value{name}");
        }
        if lark_spec::RESERVED_TYPE_NAMES.contains(&name.as_str()) || name == "Unknown" {
            name.push_str("Value");
        }
        if names.contains(&name) {
            undecided.push(Undecided::new(
                field.line,
                format!(
                    "field `{}`: values `{value}` and another give the same name `{name}`; the second is left out",
                    field.name
                ),
            ));
            continue;
        }
        let typed = if scalar == "string" {
            json!(value)
        } else {
            json!(value.parse::<i64>().ok())
        };
        if typed.is_null() {
            undecided.push(Undecided::new(
                field.line,
                format!("field `{}`: value `{value}` is not an integer", field.name),
            ));
            continue;
        }
        names.push(name.clone());
        values.push(json!({ "value": typed, "name": name }));
    }
    Value::Array(values)
}

fn insert_example(schema: &mut Map, field: &PageField, ty: &PageType, undecided: &mut Vec<Undecided>) {
    let Some(text) = &field.example else { return };
    if matches!(ty, PageType::File | PageType::Object(_) | PageType::Map(_)) {
        return;
    }
    let scalar = match ty {
        PageType::Array(_) => "array",
        other => scalar_type(field, other, &mut Vec::new()),
    };
    match typed_value(text, ty, scalar) {
        Some(value) => {
            schema.insert("example".to_owned(), Node::Value(value));
        }
        None => undecided.push(Undecided::new(
            field.line,
            format!(
                "field `{}`: example `{text}` does not fit its type; left out",
                field.name
            ),
        )),
    }
}

/// A value the page writes (`"text"`, `` `10` ``, `open_id`, `["a"]`) as JSON of the field's type.
fn typed_value(text: &str, ty: &PageType, scalar: &str) -> Option<Value> {
    let text = text.trim();
    let unquoted = serde_json::from_str::<String>(text)
        .ok()
        .unwrap_or_else(|| text.to_owned());
    let plain = unquoted.trim().trim_matches('`').to_owned();
    match (ty, scalar) {
        (PageType::Array(item), _) => {
            if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(text) {
                return Some(Value::Array(items));
            }
            let item_scalar = scalar_type(&PageField::bare(), item, &mut Vec::new());
            if matches!(**item, PageType::Object(_) | PageType::Array(_) | PageType::Map(_)) {
                return None;
            }
            let items = plain
                .split(',')
                .map(|part| typed_value(part.trim(), item, item_scalar))
                .collect::<Option<Vec<_>>>()?;
            Some(Value::Array(items))
        }
        (_, "string") => Some(Value::String(plain)),
        (_, "boolean") => plain.parse::<bool>().ok().map(Value::Bool),
        (_, "int32" | "int64") => plain.parse::<i64>().ok().map(Value::from),
        (_, "float64") => plain
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        _ => None,
    }
}

fn write_errors(yaml: &mut Yaml, errors: &[ErrorRow], undecided: &mut Vec<Undecided>) {
    if errors.is_empty() {
        return;
    }
    yaml.blank();
    yaml.open(0, "errors");
    let mut codes = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for row in errors {
        if codes.contains(&row.code) {
            undecided.push(Undecided::new(
                row.line,
                format!("error {} is listed twice; the first row is kept", row.code),
            ));
            continue;
        }
        codes.push(row.code);
        let mut name = error_name(&row.message).unwrap_or_else(|| format!("Code{}", row.code));
        if names.contains(&name) || lark_spec::RESERVED_TYPE_NAMES.contains(&name.as_str()) || name == "Undocumented" {
            name = format!("{name}{}", row.code);
        }
        names.push(name.clone());
        yaml.line_item(1, &format!("code: {}", row.code));
        yaml.word(2, "http_status", &row.http_status.to_string());
        yaml.word(2, "name", &name);
        yaml.value(2, "message", &json!(row.message));
        yaml.word(2, "retryable", if retryable(row) { "true" } else { "false" });
    }
}

/// A variant name from an English message's first words: `param is invalid` → `ParamIsInvalid`. A
/// message in Chinese gives none (its English words are ids or links, not what went wrong).
fn error_name(message: &str) -> Option<String> {
    if !message.trim_start().starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    // `can't` is one word (`Cant`), not `CanT`.
    let message = message.replace(['\'', '’'], "");
    let words: Vec<&str> = message
        .split_whitespace()
        .take_while(|word| !word.contains("://"))
        .flat_map(|word| word.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| !word.is_empty())
        .take(6)
        .collect();
    let name = words.join("_").to_upper_camel_case();
    name.starts_with(|c: char| c.is_ascii_alphabetic()).then_some(name)
}

/// Writes a node under `key` at `depth`.
pub fn write_node(yaml: &mut Yaml, depth: usize, key: &str, node: &Node) {
    match node {
        Node::Map(map) => {
            if map.is_empty() {
                yaml.value(depth, key, &json!({}));
                return;
            }
            yaml.open(depth, key);
            for (child, value) in map {
                write_node(yaml, depth + 1, child, value);
            }
        }
        Node::Value(value) => yaml.value(depth, key, value),
        Node::Word(word) => yaml.word(depth, key, word),
    }
}

/// Whether sending the same request again can succeed: server faults, the rate limit, and the codes
/// whose message or advice asks to try again later (approval's 1395001 comes with HTTP 400), unless the
/// page says not to retry.
fn retryable(row: &ErrorRow) -> bool {
    let text = format!("{} {}", row.message, row.advice).to_ascii_lowercase();
    let never = ["请勿重试", "不要重试", "无需重试", "不可重试", "do not retry"];
    // A bare 重试 ("retry") is not enough: "reduce the content and retry" is the caller's to change.
    let later = [
        "try again later",
        "retry later",
        "稍后重试",
        "稍后再试",
        "请次日",
        // A server fault whatever the status (200, 400 and 409 come with it too).
        "internal error",
        "internal server error",
        "服务内部错误",
        "服务器内部错误",
        "系统繁忙",
        "系统错误",
        "系统异常",
        "network anomaly",
        "可重新请求",
    ];
    if never.iter().any(|word| text.contains(word)) {
        return false;
    }
    row.http_status >= 500 || row.http_status == 429 || later.iter().any(|word| text.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_matches_the_whole_value_with_the_pages_own_anchors_kept() {
        assert_eq!(anchored("^[a-z0-9]{1,64}$"), "^[a-z0-9]{1,64}$");
        assert_eq!(anchored("[a-z]+"), "^(?:[a-z]+)$");
        assert_eq!(anchored("^a|b$"), "^a|b$");
        assert_eq!(anchored("^cost\\$"), "^(?:^cost\\$)$");
    }

    #[test]
    fn an_error_is_named_from_an_english_message_only() {
        assert_eq!(error_name("param is invalid").as_deref(), Some("ParamIsInvalid"));
        assert_eq!(
            error_name("the name can't be empty").as_deref(),
            Some("TheNameCantBeEmpty")
        );
        assert_eq!(error_name("请求参数错误，如提供的清单GUID不合法。"), None);
        assert_eq!(
            error_name("no permission, see https://open.feishu.cn/x").as_deref(),
            Some("NoPermissionSee")
        );
    }

    #[test]
    fn a_retry_can_succeed_where_the_page_says_so_and_never_where_it_says_not_to() {
        let row = |http_status, message: &str, advice: &str| ErrorRow {
            line: 1,
            http_status,
            code: 1,
            message: message.to_owned(),
            advice: advice.to_owned(),
        };
        assert!(retryable(&row(500, "internal error", "")));
        assert!(retryable(&row(400, "lock contention", "请稍后重试")));
        assert!(!retryable(&row(500, "internal err", "请勿重试，联系技术支持")));
        assert!(!retryable(&row(400, "param is invalid", "检查参数")));
        assert!(!retryable(&row(400, "content too large", "请减少内容后重试")));
        assert!(retryable(&row(200, "internal error.", "服务内部错误，请联系技术支持")));
        assert!(retryable(&row(200, "系统错误", "请根据实际报错信息定位或咨询技术支持")));
        assert!(retryable(&row(
            200,
            "network anomaly, please try again",
            "后端服务异常或网络异常，可重新请求"
        )));
    }

    #[test]
    fn a_negative_value_keeps_its_sign_in_its_name() {
        let field = PageField {
            values: vec!["-1".to_owned(), "1".to_owned()],
            ..PageField::bare()
        };
        let names = enum_values(&field, "int32", &mut Vec::new());
        let names: Vec<&str> = names
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["name"].as_str())
            .collect();
        assert_eq!(names, ["ValueMinus1", "Value1"]);
    }
}
