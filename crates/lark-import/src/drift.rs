//! Drift between a spec and its page: facts the page has and the spec lacks, or the reverse, or that
//! differ. Examples and descriptions are not compared (the spec's are written by people).

use std::collections::BTreeMap;
use std::fmt;

use lark_spec::model::{
    AccessTokenKind, EndpointSpec, Envelope, EventSpec, Fields, Number, ResponseKind, Schema, TypeName, TypesSpec,
};

use crate::endpoint::{Answer, EndpointPage};
use crate::event::EventPage;
use crate::fields::{PageField, PageType};

/// One difference between a spec and its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The fact, e.g. `request.body.record_ids` or `errors`.
    pub fact: String,
    /// What the page says.
    pub page: String,
    /// What the spec says.
    pub spec: String,
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the page has {}, the spec has {}",
            self.fact, self.page, self.spec
        )
    }
}

/// A field's facts compared between page and spec.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldFacts {
    kind: String,
    /// Reached through a named type, which serves several pages: a page may show only some of its fields.
    shared: bool,
    /// The spec says why this field differs from its page (`page_differs`): its drift is not reported.
    differs: bool,
    required: bool,
    values: Vec<String>,
    bounds: String,
}

impl fmt::Display for FieldFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        if self.required {
            f.write_str(", required")?;
        }
        if !self.values.is_empty() {
            write!(f, ", values {}", self.values.join("|"))?;
        }
        if !self.bounds.is_empty() {
            write!(f, ", {}", self.bounds)?;
        }
        Ok(())
    }
}

/// Facts by field path.
type Facts = BTreeMap<String, FieldFacts>;

/// Drift between an endpoint page and its spec; `types` resolves the spec's `ref`s.
pub fn drift(page: &EndpointPage, spec: &EndpointSpec, types: Option<&TypesSpec>) -> Vec<Drift> {
    let mut out = Vec::new();
    let mut compare = |fact: &str, page: String, spec: String| {
        if page != spec {
            out.push(Drift {
                fact: fact.to_owned(),
                page,
                spec,
            });
        }
    };
    compare("http.method", page.method.clone(), spec.http.method.as_str().to_owned());
    compare("http.path", page.path.clone(), spec.http.path.clone());
    let mut page_tokens: Vec<&str> = page.tokens.clone();
    page_tokens.sort_unstable();
    let mut spec_tokens: Vec<&str> = spec.auth.tokens.iter().map(|kind| token_word(*kind)).collect();
    spec_tokens.sort_unstable();
    compare("auth.tokens", format!("{page_tokens:?}"), format!("{spec_tokens:?}"));
    // A page naming its scope by title only has no scope to compare.
    if page.scope_title.is_none() {
        compare(
            "auth.scopes",
            sorted_list(page.scopes.iter().cloned()),
            sorted_list(spec.auth.scopes.iter().cloned()),
        );
    }
    compare("rate_limit", page_rate(page), spec_rate(spec));
    let answer = match (spec.response.kind, spec.response.envelope) {
        (ResponseKind::Binary, _) => Answer::Binary,
        (_, Envelope::Flat) => Answer::Flat,
        _ => Answer::Data,
    };
    // A flat answer with no fields and a `data` answer with none are the same answer.
    let empty = page.data.is_empty() && spec.response.data.is_empty() && spec.response.data_ref.is_none();
    if !(empty && page.answer != Answer::Binary && answer != Answer::Binary) {
        compare("response.kind", format!("{:?}", page.answer), format!("{answer:?}"));
    }
    let page_codes = sorted_list(page.errors.iter().map(|row| row.code.to_string()));
    let spec_codes = sorted_list(spec.errors.iter().map(|error| error.code.to_string()));
    compare("errors", page_codes, spec_codes);
    for (place, page_fields, spec_fields, answer) in [
        ("request.path", &page.path_params, &spec.request.path, false),
        ("request.query", &page.query, &spec.request.query, false),
        ("request.body", &page.body, &spec.request.body, false),
        ("response.data", &page.data, &data_fields(spec, types), true),
    ] {
        let shared = answer && spec.response.data_ref.is_some();
        out.extend(field_drift(place, page_fields, spec_fields, types, answer, shared));
    }
    out
}

/// Drift between an event page and its spec.
pub fn event_drift(page: &EventPage, spec: &EventSpec, types: Option<&TypesSpec>) -> Vec<Drift> {
    let mut out = Vec::new();
    if page.event_type != spec.event_type {
        out.push(Drift {
            fact: "event_type".to_owned(),
            page: page.event_type.clone(),
            spec: spec.event_type.clone(),
        });
    }
    out.extend(field_drift("payload", &page.payload, &spec.payload, types, true, false));
    out
}

fn data_fields(spec: &EndpointSpec, types: Option<&TypesSpec>) -> Fields {
    match (&spec.response.data_ref, types) {
        (Some(name), Some(types)) => types
            .types
            .get(name)
            .and_then(|schema| schema.fields.clone())
            .unwrap_or_default(),
        _ => spec.response.data.clone(),
    }
}

fn field_drift(
    place: &str,
    page: &[PageField],
    spec: &Fields,
    types: Option<&TypesSpec>,
    answer: bool,
    shared: bool,
) -> Vec<Drift> {
    let mut page_facts = Facts::new();
    page_fields(place, page, answer, &mut page_facts);
    let mut spec_facts = Facts::new();
    spec_fields_in(place, spec, types, answer, &mut spec_facts, 0, shared);
    let mut out = Vec::new();
    for (fact, on_page) in &page_facts {
        match spec_facts.get(fact) {
            // A field that knowingly differs differs with everything under it.
            None if under_differing(fact, &spec_facts) => {}
            None => out.push(Drift {
                fact: fact.clone(),
                page: on_page.to_string(),
                spec: "nothing".to_owned(),
            }),
            Some(in_spec) if !in_spec.differs && !agrees(on_page, in_spec) => out.push(Drift {
                fact: fact.clone(),
                page: on_page.to_string(),
                spec: in_spec.to_string(),
            }),
            Some(_) => {}
        }
    }
    for (fact, in_spec) in &spec_facts {
        if !page_facts.contains_key(fact) && !in_spec.shared && !in_spec.differs {
            out.push(Drift {
                fact: fact.clone(),
                page: "nothing".to_owned(),
                spec: in_spec.to_string(),
            });
        }
    }
    out
}

/// Whether a field above `fact` (`a.b[]` above `a.b[].c`) says it differs from its page.
fn under_differing(fact: &str, spec_facts: &Facts) -> bool {
    fact.match_indices('.').any(|(end, _)| {
        let above = fact[..end].trim_end_matches("[]");
        spec_facts.get(above).is_some_and(|facts| facts.differs)
    })
}

/// Whether the spec says what the page says. Named values and bounds the page does not give (or gives
/// only in prose the importer cannot read) are the spec's own; only what the page gives must match.
fn agrees(page: &FieldFacts, spec: &FieldFacts) -> bool {
    page.kind == spec.kind
        && page.required == spec.required
        && (page.values.is_empty() || page.values == spec.values)
        && (page.bounds.is_empty() || page.bounds == spec.bounds)
}

fn page_fields(prefix: &str, fields: &[PageField], answer: bool, out: &mut Facts) {
    for field in fields {
        let path = format!("{prefix}.{}", field.name);
        let (kind, item_path) = page_kind(field, &field.ty, &path);
        let required = !answer && (field.required || prefix == "request.path");
        out.insert(
            path.clone(),
            describe(&kind, required, &page_values(field, &field.ty), &page_bounds(field)),
        );
        page_fields(&item_path, &field.children, answer, out);
    }
}

/// The coarse kind of a page type, and the path its children hang under (`a[]` for arrays).
fn page_kind(field: &PageField, ty: &PageType, path: &str) -> (String, String) {
    match ty {
        PageType::String => ("string".into(), path.into()),
        PageType::Boolean => ("boolean".into(), path.into()),
        PageType::Int | PageType::Int64 => ("integer".into(), path.into()),
        PageType::Float => ("number".into(), path.into()),
        PageType::File => ("file".into(), path.into()),
        PageType::Json => ("json".into(), path.into()),
        PageType::Enum if field.values.iter().all(|value| value.parse::<i64>().is_ok()) && !field.values.is_empty() => {
            ("integer".into(), path.into())
        }
        PageType::Enum => ("string".into(), path.into()),
        PageType::Object(_) => ("object".into(), path.into()),
        PageType::Map(value) => {
            let (inner, _) = page_kind(field, value, path);
            (format!("map of {inner}"), format!("{path}{{}}"))
        }
        PageType::Array(item) => {
            let (inner, inner_path) = page_kind(field, item, &format!("{path}[]"));
            (format!("array of {inner}"), inner_path)
        }
    }
}

fn page_values(field: &PageField, ty: &PageType) -> Vec<String> {
    match ty {
        PageType::String | PageType::Enum | PageType::Int | PageType::Int64 => field.values.clone(),
        PageType::Array(item) => page_values(field, item),
        _ => Vec::new(),
    }
}

fn page_bounds(field: &PageField) -> String {
    let bounds = &field.bounds;
    let mut parts = Vec::new();
    let numeric = matches!(field.ty, PageType::Int | PageType::Int64 | PageType::Float);
    if !numeric {
        // A lower bound of 0 on a length says nothing.
        parts.extend(
            bounds
                .min_length
                .filter(|low| *low > 0)
                .map(|low| format!("at least {low}")),
        );
        parts.extend(bounds.max_length.map(|high| format!("at most {high}")));
    }
    if numeric {
        parts.extend(bounds.minimum.map(|low| format!("≥ {low}")));
        parts.extend(bounds.maximum.map(|high| format!("≤ {high}")));
    }
    parts.join(", ")
}

const MAX_DEPTH: usize = 12;

fn spec_fields_in(
    prefix: &str,
    fields: &Fields,
    types: Option<&TypesSpec>,
    answer: bool,
    out: &mut Facts,
    depth: usize,
    shared: bool,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (name, schema) in fields.iter() {
        let path = format!("{prefix}.{name}");
        let (kind, values, bounds, children, child_path) = spec_kind(schema, types, &path, depth);
        let mut facts = describe(&kind, !answer && schema.required, &values, &bounds);
        facts.shared = shared;
        let named = schema.reference.as_ref().and_then(|name| types?.types.get(name));
        facts.differs = schema.page_differs.is_some() || named.is_some_and(|named| named.page_differs.is_some());
        out.insert(path.clone(), facts);
        if let Some(children) = children {
            let through_ref = shared || refers(schema);
            spec_fields_in(&child_path, &children, types, answer, out, depth + 1, through_ref);
        }
    }
}

/// Whether a schema (or its array items, at any depth) names a shared type.
fn refers(schema: &Schema) -> bool {
    schema.reference.is_some()
        || schema.items.as_deref().is_some_and(refers)
        || schema.map_values.as_deref().is_some_and(refers)
}

type SpecKind = (String, Vec<String>, String, Option<Fields>, String);

fn spec_kind(schema: &Schema, types: Option<&TypesSpec>, path: &str, depth: usize) -> SpecKind {
    let resolved = match (&schema.reference, types) {
        (Some(name), Some(types)) if depth <= MAX_DEPTH => types.types.get(name).cloned(),
        _ => None,
    };
    let schema = resolved.as_ref().unwrap_or(schema);
    let values = schema
        .values
        .iter()
        .flatten()
        .map(|value| {
            value
                .value
                .as_str()
                .map_or_else(|| value.value.to_string(), str::to_owned)
        })
        .collect();
    let mut bounds = Vec::new();
    let lengths = [
        (
            schema.min_length.or(schema.min_items).filter(|low| *low > 0),
            "at least",
        ),
        (schema.max_length.or(schema.max_items), "at most"),
    ];
    bounds.extend(
        lengths
            .iter()
            .filter_map(|(bound, word)| bound.map(|bound| format!("{word} {bound}"))),
    );
    bounds.extend(schema.minimum.map(|low| format!("≥ {}", exact(low))));
    bounds.extend(schema.maximum.map(|high| format!("≤ {}", exact(high))));
    let bounds = bounds.join(", ");
    let kind = match schema.ty {
        Some(TypeName::String | TypeName::Int64String) => "string",
        Some(TypeName::Int32 | TypeName::Int64) => "integer",
        Some(TypeName::Float64) => "number",
        Some(TypeName::Boolean) => "boolean",
        Some(TypeName::File) => "file",
        Some(TypeName::Json) => "json",
        Some(TypeName::Object) => return ("object".into(), values, bounds, schema.fields.clone(), path.into()),
        Some(TypeName::Array) | Some(TypeName::Map) => {
            let (word, mark, inner) = if schema.ty == Some(TypeName::Array) {
                ("array", "[]", &schema.items)
            } else {
                ("map", "{}", &schema.map_values)
            };
            let Some(inner) = inner else {
                return (word.into(), values, bounds, None, path.into());
            };
            let (inner_kind, inner_values, _, children, child_path) =
                spec_kind(inner, types, &format!("{path}{mark}"), depth + 1);
            return (
                format!("{word} of {inner_kind}"),
                inner_values,
                bounds,
                children,
                child_path,
            );
        }
        None => "unknown",
    };
    (kind.into(), values, bounds, None, path.into())
}

fn token_word(kind: AccessTokenKind) -> &'static str {
    match kind {
        AccessTokenKind::Tenant => "tenant",
        AccessTokenKind::App => "app",
        AccessTokenKind::User => "user",
    }
}

fn describe(kind: &str, required: bool, values: &[String], bounds: &str) -> FieldFacts {
    let mut values = values.to_vec();
    values.sort();
    FieldFacts {
        kind: kind.to_owned(),
        shared: false,
        differs: false,
        required,
        values,
        bounds: bounds.to_owned(),
    }
}

fn sorted_list(items: impl Iterator<Item = String>) -> String {
    let mut items: Vec<String> = items.collect();
    items.sort();
    items.dedup();
    format!("[{}]", items.join(", "))
}

fn page_rate(page: &EndpointPage) -> String {
    let windows = page
        .rate_limit
        .windows
        .iter()
        .map(|window| (window.requests, window.per_seconds));
    rate_text(windows, page.rate_limit.special)
}

fn spec_rate(spec: &EndpointSpec) -> String {
    let windows = spec
        .rate_limit
        .windows
        .iter()
        .map(|window| (window.requests, window.per.seconds()));
    rate_text(windows, spec.rate_limit.special)
}

/// The windows (calls, seconds) and the special mark, in one order, for comparing page and spec.
fn rate_text(windows: impl Iterator<Item = (u32, u32)>, special: bool) -> String {
    let mut words: Vec<String> = windows
        .map(|(requests, seconds)| format!("{requests}/{seconds}s"))
        .collect();
    if special {
        words.push("special".to_owned());
    }
    words.sort();
    words.join(" and ")
}

/// A bound as written: a whole number exactly (an `i64` bound near its limit does not survive `f64`).
fn exact(bound: Number) -> String {
    match bound {
        Number::Int(whole) => whole.to_string(),
        Number::Float(number) => number.to_string(),
    }
}
