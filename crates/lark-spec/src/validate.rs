//! Checks that a parsed spec means something: every rule here becomes a located problem, and all of them
//! are reported together.

use std::collections::{BTreeSet, HashSet};

use crate::model::{
    EndpointSpec, EventSchema, EventSpec, Number, PartialFailureSpec, ReasonsIn, ResponseKind, Schema, TypeName,
    TypesSpec,
};
use crate::path::FieldPath;

/// One problem found in a document, before it is given a line and column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub path: FieldPath,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            path,
            message: message.into(),
        }
    }
}

/// How deep an example may nest through named types before we stop following it (recursive types).
const MAX_EXAMPLE_DEPTH: usize = 32;

/// Names that generated code uses unqualified: the standard library's prelude, serde's derives and the
/// runtime's common items.
pub const RESERVED_TYPE_NAMES: [&str; 32] = [
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Serialize",
    "Deserialize",
    "FieldPath",
    "Violations",
    "AccessTokenKind",
    "AppType",
    "DocumentedError",
    "Endpoint",
    "EndpointMetadata",
    "Envelope",
    "ErrorFacts",
    "HttpMethod",
    "Incoming",
    "IncomingRequest",
    "RateLimit",
    "RequestBody",
    "ResponseKind",
    "Validate",
    "ValidationError",
    "Parameters",
    "Accessors",
    "DeserializeFields",
    "Page",
    "Paged",
];

/// Rust words that cannot name a module even as raw identifiers.
const RESERVED_MODULE_NAMES: [&str; 4] = ["self", "super", "crate", "Self"];

struct Checker<'a> {
    types: Option<&'a TypesSpec>,
    problems: Vec<Problem>,
}

/// Where a field is read: what may appear there differs.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    PathParameter,
    QueryParameter,
    /// A field of the request body itself (not nested): the only place a `file` may stand.
    BodyField,
    Other,
}

/// Every problem of an endpoint spec; `types` are the named types of its service version.
pub(crate) fn endpoint(spec: &EndpointSpec, types: Option<&TypesSpec>) -> Vec<Problem> {
    let mut check = Checker {
        types,
        problems: Vec::new(),
    };
    let root = FieldPath::root();
    for (key, value) in [
        ("service", &spec.service),
        ("version", &spec.version),
        ("resource", &spec.resource),
        ("name", &spec.name),
    ] {
        check.module_name(&root.key(key), value);
    }
    if spec.summary.trim().is_empty() {
        check.push(&root.key("summary"), "must not be empty");
    }
    check.http(spec);
    check.auth(spec);
    check.rate_limit(spec);
    let request = root.key("request");
    check.fields(&request.key("path"), &spec.request.path, Place::PathParameter);
    check.fields(&request.key("query"), &spec.request.query, Place::QueryParameter);
    check.fields(&request.key("body"), &spec.request.body, Place::BodyField);
    check.multipart(spec);
    check.response(spec);
    check.errors(spec);
    check.problems
}

/// Every problem of a service version's named types.
pub(crate) fn types(spec: &TypesSpec) -> Vec<Problem> {
    let mut check = Checker {
        types: Some(spec),
        problems: Vec::new(),
    };
    let root = FieldPath::root();
    check.module_name(&root.key("service"), &spec.service);
    check.module_name(&root.key("version"), &spec.version);
    for (name, schema) in spec.types.iter() {
        let path = root.key("types").key(name);
        check.type_name(&path, name);
        if schema.name.is_some() {
            check.push(
                &path.key("name"),
                "a named type is already named by its key; remove `name`",
            );
        }
        check.schema(&path, schema, Place::Other);
    }
    check.generated_names(spec, &root);
    check.problems
}

/// Every type the generator defines for a schema of the types module: its own name, then those of its
/// inline objects and enums (`<Owner><Field>`, `<Name>Item`, `<Name>Value`, unless it gives `name`).
fn generated_names(name: String, schema: &Schema, path: FieldPath, named: bool, out: &mut Vec<(String, FieldPath)>) {
    use heck::ToUpperCamelCase;
    if schema.reference.is_some() {
        return;
    }
    let name = schema.name.clone().unwrap_or(name);
    if named || schema.values.is_some() || schema.fields.is_some() {
        out.push((name.clone(), path.clone()));
    }
    for (field, inner) in schema.fields.iter().flat_map(|fields| fields.iter()) {
        let hint = format!("{name}{}", field.to_upper_camel_case());
        generated_names(hint, inner, path.key("fields").key(field), false, out);
    }
    if let Some(items) = &schema.items {
        generated_names(format!("{name}Item"), items, path.key("items"), false, out);
    }
    if let Some(values) = &schema.map_values {
        generated_names(format!("{name}Value"), values, path.key("values"), false, out);
    }
}

/// Every problem of an event spec; `types` are the named types of its service version.
pub(crate) fn event(spec: &EventSpec, types: Option<&TypesSpec>) -> Vec<Problem> {
    let mut check = Checker {
        types,
        problems: Vec::new(),
    };
    let root = FieldPath::root();
    for (key, value) in [
        ("service", &spec.service),
        ("version", &spec.version),
        ("name", &spec.name),
    ] {
        check.module_name(&root.key(key), value);
    }
    if spec.summary.trim().is_empty() {
        check.push(&root.key("summary"), "must not be empty");
    }
    let event_type = &spec.event_type;
    if event_type.is_empty() || event_type.contains(char::is_whitespace) {
        check.push(&root.key("event_type"), format!("`{event_type}` is not an event type"));
    }
    check.fields(&root.key("payload"), &spec.payload, Place::Other);
    match (&spec.example, &spec.example_left_out) {
        (Some(_), Some(_)) => check.push(
            &root.key("example_left_out"),
            "an event with an `example` has none left out",
        ),
        (None, Some(reason)) if reason.trim().is_empty() => {
            check.push(&root.key("example_left_out"), "say why the page's example is left out")
        }
        _ => {}
    }
    if let Some(example) = &spec.example
        && let Err(message) = event_example_fits(spec, example)
    {
        check.push(&root.key("example"), format!("example does not fit: {message}"));
    }
    check.problems
}

/// A delivery example must have its schema's envelope and name this spec's event type (its payload is
/// checked by decoding it in the client's tests, as answers are).
fn event_example_fits(spec: &EventSpec, example: &serde_json::Value) -> Result<(), String> {
    let text = |pointer: &str| example.pointer(pointer).and_then(serde_json::Value::as_str);
    let (type_at, id_at) = match spec.schema {
        EventSchema::V2 => {
            if text("/schema") != Some("2.0") {
                return Err("a 2.0 delivery has `\"schema\": \"2.0\"`".to_owned());
            }
            ("/header/event_type", "/header/event_id")
        }
        EventSchema::V1 => ("/event/type", "/uuid"),
    };
    if text(type_at) != Some(spec.event_type.as_str()) {
        return Err(format!("`{type_at}` must be \"{}\"", spec.event_type));
    }
    if text(id_at).is_none() {
        return Err(format!("`{id_at}` (the event's id) is missing"));
    }
    if !example.get("event").is_some_and(serde_json::Value::is_object) {
        return Err("`event` must be an object".to_owned());
    }
    Ok(())
}

impl Checker<'_> {
    fn push(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.problems.push(Problem::new(path.clone(), message));
    }

    /// Two types of the module with one name would not compile: the later one is reported.
    fn generated_names(&mut self, spec: &TypesSpec, root: &FieldPath) {
        let mut names = Vec::new();
        for (name, schema) in spec.types.iter() {
            generated_names(name.clone(), schema, root.key("types").key(name), true, &mut names);
        }
        for (index, (name, path)) in names.iter().enumerate() {
            if let Some((_, first)) = names[..index].iter().find(|(earlier, _)| earlier == name) {
                self.push(
                    path,
                    format!("generates the type `{name}`, which `{first}` generates too; give one of them a `name`"),
                );
            }
        }
    }

    fn module_name(&mut self, path: &FieldPath, value: &str) {
        if !is_snake_identifier(value) || RESERVED_MODULE_NAMES.contains(&value) {
            self.push(
                path,
                format!("`{value}` is not a snake_case name (expected lowercase letters, digits and `_`)"),
            );
        }
    }

    fn type_name(&mut self, path: &FieldPath, value: &str) {
        if !is_pascal_identifier(value) {
            self.push(
                path,
                format!("`{value}` is not a PascalCase name (expected e.g. `UserFlow`)"),
            );
        } else if RESERVED_TYPE_NAMES.contains(&value) {
            self.push(
                path,
                format!("`{value}` is reserved: generated code uses the standard library's, serde's or the runtime's `{value}`"),
            );
        }
    }

    fn http(&mut self, spec: &EndpointSpec) {
        let path = FieldPath::root().key("http").key("path");
        let url = &spec.http.path;
        if !url.starts_with("/open-apis/") {
            self.push(&path, format!("`{url}` must start with `/open-apis/`"));
        }
        let mut used = Vec::new();
        for segment in url.split('/').filter_map(|s| s.strip_prefix(':')) {
            if !is_field_identifier(segment) {
                self.push(&path, format!("path parameter `:{segment}` is not a valid name"));
            }
            if used.contains(&segment) {
                self.push(&path, format!("path parameter `:{segment}` appears twice"));
            }
            used.push(segment);
            if !spec.request.path.contains_key(segment) {
                self.push(
                    &path,
                    format!("path parameter `:{segment}` is not declared under `request.path`"),
                );
            }
        }
        for name in spec.request.path.keys() {
            if !used.contains(&name.as_str()) {
                self.push(
                    &FieldPath::root().key("request").key("path").key(name),
                    format!("declared but `http.path` has no `:{name}`"),
                );
            }
        }
    }

    fn auth(&mut self, spec: &EndpointSpec) {
        let path = FieldPath::root().key("auth");
        // An empty list is legitimate: the token endpoints themselves take no access token.
        let duplicated = [
            ("tokens", has_duplicates(&spec.auth.tokens)),
            ("app_types", has_duplicates(&spec.auth.app_types)),
            ("scopes", has_duplicates(&spec.auth.scopes)),
        ];
        for (list, _) in duplicated.into_iter().filter(|(_, duplicated)| *duplicated) {
            self.push(&path.key(list), "lists the same value twice");
        }
        for (i, scope) in spec.auth.scopes.iter().enumerate() {
            if scope.trim().is_empty() || scope.contains(char::is_whitespace) {
                self.push(&path.key("scopes").index(i), format!("`{scope}` is not a scope name"));
            }
        }
    }

    fn response(&mut self, spec: &EndpointSpec) {
        let path = FieldPath::root().key("response");
        self.fields(&path.key("data"), &spec.response.data, Place::Other);
        if let Some(name) = &spec.response.data_ref {
            let data_ref = path.key("data_ref");
            if !spec.response.data.is_empty() {
                self.push(&data_ref, "give either `data` or `data_ref`, not both");
            }
            let is_object = self
                .types
                .and_then(|types| types.types.get(name))
                .is_some_and(|schema| schema.ty == Some(TypeName::Object));
            if !is_object {
                self.push(&data_ref, format!("`{name}` must name an object type of `types.yaml`"));
            }
        }
        self.examples(spec);
        self.pagination(spec);
        self.binary(spec);
        if let Some(partial) = &spec.response.partial_failure {
            self.partial_failure(spec, partial, &path.key("partial_failure"));
        }
    }

    /// The page's whole request and answer examples: the body must fit the body's fields; the answer must
    /// be an object with an integer `code` (its payload is checked by decoding it in the client's tests).
    fn examples(&mut self, spec: &EndpointSpec) {
        if let Some(example) = &spec.request.body_example {
            let body = Schema {
                ty: Some(TypeName::Object),
                fields: Some(spec.request.body.clone()),
                ..Schema::default()
            };
            let mut problems = Vec::new();
            let path = FieldPath::root().key("request").key("body_example");
            self.example(&path, example, &body, 0, &mut problems);
            self.problems.extend(problems);
        }
        if let Some(example) = &spec.response.example
            && !example.get("code").is_some_and(serde_json::Value::is_i64)
        {
            self.push(
                &FieldPath::root().key("response").key("example"),
                "example does not fit: expected an object with an integer `code`",
            );
        }
    }

    /// Each item is a window (`requests` ≥ 1 and `per`) or `special: true`, never both or half.
    fn rate_limit(&mut self, spec: &EndpointSpec) {
        let path = FieldPath::root().key("rate_limit");
        for (index, item) in spec.rate_limit.items.iter().enumerate() {
            let at = path.index(index);
            match (item.requests, item.per, item.special) {
                (Some(0), Some(_), false) => self.push(&at.key("requests"), "must be at least 1"),
                (Some(_), Some(_), false) | (None, None, true) => {}
                (_, _, true) => self.push(&at.key("special"), "a special limit has no `requests` or `per`"),
                (None, _, false) => self.push(&at, "a window needs `requests` (and `per`), or say `special: true`"),
                (Some(_), None, false) => self.push(&at, "a window needs `per` (second, minute or hour)"),
            }
        }
        let windows = &spec.rate_limit.windows;
        if has_duplicates(&windows.iter().map(|window| window.per).collect::<Vec<_>>()) {
            self.push(&path, "two windows with the same `per`");
        }
    }

    /// A body with a `file` is multipart/form-data: beside its files it holds only scalars, sent as
    /// text parts.
    fn multipart(&mut self, spec: &EndpointSpec) {
        let body = &spec.request.body;
        if !body.values().any(|schema| schema.ty == Some(TypeName::File)) {
            return;
        }
        for (name, schema) in body.iter() {
            let scalar = schema.reference.is_none()
                && !matches!(
                    schema.ty,
                    Some(TypeName::Array | TypeName::Object | TypeName::Map | TypeName::Json)
                );
            if !scalar {
                self.push(
                    &FieldPath::root().key("request").key("body").key(name),
                    "a multipart body holds files and scalars only (each scalar is a text part)",
                );
            }
        }
    }

    fn pagination(&mut self, spec: &EndpointSpec) {
        let Some(pagination) = &spec.pagination else { return };
        let path = FieldPath::root().key("pagination");
        let is = |schema: Option<&Schema>, ty: TypeName| schema.is_some_and(|s| s.ty == Some(ty) && s.values.is_none());
        let request = &spec.request;
        let token = request
            .query
            .get("page_token")
            .or_else(|| request.body.get("page_token"));
        if !is(token, TypeName::String) {
            self.push(
                &path,
                "a paged request declares a string `page_token` in `request.query` or `request.body`",
            );
        }
        let data = &spec.response.data;
        if !is(data.get("has_more"), TypeName::Boolean) || !is(data.get("page_token"), TypeName::String) {
            self.push(
                &path,
                "a paged answer declares a boolean `has_more` and a string `page_token` in `response.data`",
            );
        }
        if !is(data.get(&pagination.items), TypeName::Array) {
            self.push(
                &path.key("items"),
                format!("`{}` must name an array field of `response.data`", pagination.items),
            );
        }
    }

    /// A binary answer has no JSON payload to describe.
    fn binary(&mut self, spec: &EndpointSpec) {
        let response = &spec.response;
        if response.kind != ResponseKind::Binary {
            return;
        }
        let path = FieldPath::root().key("response");
        let json_keys = [
            ("data", !response.data.is_empty()),
            ("data_ref", response.data_ref.is_some()),
            ("partial_failure", response.partial_failure.is_some()),
            ("example", response.example.is_some()),
        ];
        for (key, _) in json_keys.into_iter().filter(|(_, given)| *given) {
            self.push(&path.key(key), "a binary answer (`kind: binary`) has no JSON payload");
        }
    }

    fn partial_failure(&mut self, spec: &EndpointSpec, partial: &PartialFailureSpec, path: &FieldPath) {
        if let Some(field) = &partial.request_ids {
            self.request_ids(spec, &path.key("request_ids"), field);
        }
        match partial.reasons_in {
            ReasonsIn::Msg if partial.failed_ids.is_none() => {
                self.push(&path.key("failed_ids"), "required with `reasons_in: msg`");
            }
            ReasonsIn::MsgList => self.item_key(spec, partial, path),
            ReasonsIn::Msg => {}
        }
        let named = [
            ("failed_ids", partial.failed_ids.as_ref()),
            ("succeeded_ids", partial.succeeded_ids.as_ref()),
        ];
        for (key, field) in named {
            let Some(field) = field else { continue };
            let is_string_list = spec.response.data.get(field).is_some_and(|schema| {
                schema.ty == Some(TypeName::Array)
                    && schema
                        .items
                        .as_ref()
                        .is_some_and(|items| items.ty == Some(TypeName::String))
            });
            if !is_string_list {
                self.push(
                    &path.key(key),
                    format!("`{field}` must name an array-of-string field of `response.data`"),
                );
            }
        }
    }

    /// `msg_list` names failed request items by key fields: the items must be objects holding them.
    fn item_key(&mut self, spec: &EndpointSpec, partial: &PartialFailureSpec, path: &FieldPath) {
        let Some(items_field) = &partial.request_items else {
            return self.push(&path.key("request_items"), "required with `reasons_in: msg_list`");
        };
        let item = spec
            .request
            .body
            .get(items_field)
            .filter(|schema| schema.ty == Some(TypeName::Array))
            .and_then(|schema| schema.items.as_deref())
            .and_then(|items| object_fields(self.types, items));
        let Some(item_fields) = item else {
            return self.push(
                &path.key("request_items"),
                format!("`{items_field}` must name an array-of-object field of `request.body`"),
            );
        };
        if partial.item_key.is_empty() {
            self.push(&path.key("item_key"), "name at least one field of the request items");
        }
        for (i, key) in partial.item_key.iter().enumerate() {
            let is_required_string = item_fields.get(key).is_some_and(|schema| {
                schema.required && schema.ty == Some(TypeName::String) && schema.values.is_none()
            });
            if !is_required_string {
                self.push(
                    &path.key("item_key").index(i),
                    format!("`{key}` must be a required string field of the `{items_field}` items"),
                );
            }
        }
    }

    /// `request_ids` names the body list a bulk call fills; nothing else may be required.
    fn request_ids(&mut self, spec: &EndpointSpec, path: &FieldPath, field: &str) {
        let fits = spec.request.body.get(field).is_some_and(|schema| {
            schema.ty == Some(TypeName::Array)
                && schema.max_items.is_some()
                && schema
                    .items
                    .as_ref()
                    .is_some_and(|items| items.ty == Some(TypeName::String) && items.values.is_none())
        });
        if !fits {
            self.push(
                path,
                format!("`{field}` must name an array-of-string field of `request.body` with `max_items`"),
            );
        }
        let request = &spec.request;
        let others = request
            .path
            .iter()
            .chain(request.query.iter())
            .chain(request.body.iter());
        for (name, _) in others.filter(|(name, schema)| schema.required && name.as_str() != field) {
            self.push(
                path,
                format!("a bulk call sets only `{field}`, but `{name}` is required too"),
            );
        }
    }

    fn errors(&mut self, spec: &EndpointSpec) {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for (i, error) in spec.errors.iter().enumerate() {
            let path = FieldPath::root().key("errors").index(i);
            if error.code == 0 {
                self.push(&path.key("code"), "0 means success; it is not an error code");
            }
            if !codes.insert(error.code) {
                self.push(
                    &path.key("code"),
                    format!("error code {} is documented twice", error.code),
                );
            }
            self.type_name(&path.key("name"), &error.name);
            if error.name == "Undocumented" {
                self.push(
                    &path.key("name"),
                    "`Undocumented` is the generated variant for codes not listed here",
                );
            }
            if !names.insert(error.name.as_str()) {
                self.push(
                    &path.key("name"),
                    format!("variant name `{}` is used twice", error.name),
                );
            }
            if !(100..=599).contains(&error.http_status) {
                self.push(
                    &path.key("http_status"),
                    format!("{} is not an HTTP status (100 to 599)", error.http_status),
                );
            }
            if error.message.trim().is_empty() {
                self.push(&path.key("message"), "must not be empty");
            }
        }
    }

    fn fields(&mut self, path: &FieldPath, fields: &crate::model::Fields, place: Place) {
        for (name, schema) in fields.iter() {
            let field_path = path.key(name);
            if !is_field_name(name) {
                self.push(
                    &field_path,
                    format!("`{name}` is not a valid field name (letters, digits, `_`, and `-` after the first)"),
                );
            }
            if schema
                .page_differs
                .as_deref()
                .is_some_and(|reason| reason.trim().is_empty())
            {
                self.push(
                    &field_path.key("page_differs"),
                    "say why the field differs from its page",
                );
            }
            if place == Place::PathParameter && !schema.required {
                self.push(&field_path.key("required"), "a path parameter is always required");
            }
            self.schema(&field_path, schema, place);
        }
    }

    fn schema(&mut self, path: &FieldPath, schema: &Schema, place: Place) {
        match (schema.ty, &schema.reference) {
            (Some(_), Some(_)) => self.push(path, "give either `type` or `ref`, not both"),
            (None, None) => self.push(
                path,
                "give a `type` (string, boolean, int32, int64, int64_string, float64, array, object, map) or a `ref`",
            ),
            (None, Some(name)) => self.reference(path, name, schema),
            (Some(ty), None) => self.typed(path, ty, schema, place),
        }
        for (key, value) in [("example", &schema.example), ("default", &schema.default)] {
            if let Some(value) = value {
                let mut problems = Vec::new();
                self.example(&path.key(key), value, schema, 0, &mut problems);
                self.problems.extend(problems);
            }
        }
    }

    fn reference(&mut self, path: &FieldPath, name: &str, schema: &Schema) {
        match self.types {
            None => self.push(
                &path.key("ref"),
                format!("unknown type `{name}`: this service version has no types.yaml"),
            ),
            Some(types) if !types.types.contains_key(name) => {
                let known: Vec<&str> = types.types.keys().map(String::as_str).collect();
                self.push(
                    &path.key("ref"),
                    format!("unknown type `{name}`; types.yaml defines: {}", known.join(", ")),
                );
            }
            Some(_) => {}
        }
        let constrained = constraint_keys(schema);
        for key in constrained.iter().chain(schema.name.iter().map(|_| &"name")) {
            self.push(&path.key(*key), "belongs on the named type, not on a `ref`");
        }
        if schema.items.is_some() {
            self.push(&path.key("items"), "belongs on the named type, not on a `ref`");
        }
        if schema.fields.is_some() {
            self.push(&path.key("fields"), "belongs on the named type, not on a `ref`");
        }
        if schema.map_values.is_some() {
            self.push(&path.key("values"), "belongs on the named type, not on a `ref`");
        }
        if schema.secret {
            self.push(&path.key("secret"), "belongs on the named type, not on a `ref`");
        }
    }

    fn typed(&mut self, path: &FieldPath, ty: TypeName, schema: &Schema, place: Place) {
        let ty_word = ty.as_str();
        let allowed: &[&str] = match ty {
            TypeName::String => &["min_length", "max_length", "pattern", "enum"],
            TypeName::Int32 | TypeName::Int64 => &["minimum", "maximum", "enum"],
            TypeName::Int64String | TypeName::Float64 => &["minimum", "maximum"],
            TypeName::Array => &["min_items", "max_items"],
            TypeName::Boolean | TypeName::Object | TypeName::Map | TypeName::File | TypeName::Json => &[],
        };
        if ty == TypeName::File && place != Place::BodyField {
            self.push(
                path,
                "a `file` can only be a field of `request.body` (a multipart/form-data part)",
            );
        }
        for key in constraint_keys(schema) {
            if !allowed.contains(&key) {
                self.push(&path.key(key), format!("does not apply to type `{ty_word}`"));
            }
        }
        self.bounds(
            path,
            ("min_length", schema.min_length),
            ("max_length", schema.max_length),
        );
        self.bounds(path, ("min_items", schema.min_items), ("max_items", schema.max_items));
        if let (Some(min), Some(max)) = (schema.minimum, schema.maximum)
            && min.as_f64() > max.as_f64()
        {
            self.push(
                &path.key("minimum"),
                format!("minimum ({}) is greater than maximum ({})", show(min), show(max)),
            );
        }
        for (key, bound) in [("minimum", schema.minimum), ("maximum", schema.maximum)] {
            if let Some(Number::Float(value)) = bound
                && ty.is_integer()
            {
                self.push(
                    &path.key(key),
                    format!("{value} is not a whole number, but the type is `{ty_word}`"),
                );
            }
        }
        if schema.secret && (ty != TypeName::String || schema.values.is_some()) {
            self.push(&path.key("secret"), "only a plain `string` can be a secret");
        }
        if let Some(pattern) = &schema.pattern
            && let Err(error) = regex::Regex::new(pattern)
        {
            self.push(&path.key("pattern"), format!("not a valid regular expression: {error}"));
        }
        if let Some(values) = &schema.values {
            self.enum_values(&path.key("enum"), ty, values);
        }
        if let Some(name) = &schema.name {
            if ty == TypeName::Object || schema.values.is_some() {
                self.type_name(&path.key("name"), name);
            } else {
                self.push(&path.key("name"), "only inline objects and enums get a type name");
            }
        }
        match (ty, &schema.items) {
            (TypeName::Array, None) => self.push(path, "an array needs `items`"),
            (TypeName::Array, Some(items)) => {
                let item_place = if place == Place::QueryParameter {
                    Place::QueryParameter
                } else {
                    Place::Other
                };
                if place == Place::QueryParameter && matches!(items.ty, Some(TypeName::Array | TypeName::Object)) {
                    self.push(
                        &path.key("items"),
                        "a query parameter holds scalars or a list of scalars",
                    );
                }
                self.schema(&path.key("items"), items, item_place);
            }
            (_, Some(_)) => self.push(
                &path.key("items"),
                format!("only arrays have `items`, not type `{ty_word}`"),
            ),
            (_, None) => {}
        }
        match (ty, &schema.map_values) {
            (TypeName::Map, None) => self.push(path, "a map needs `values`"),
            (TypeName::Map, Some(values)) => {
                if matches!(place, Place::PathParameter | Place::QueryParameter) {
                    self.push(path, "path and query parameters cannot be maps");
                }
                self.schema(&path.key("values"), values, Place::Other);
            }
            (_, Some(_)) => self.push(
                &path.key("values"),
                format!("only maps have `values`, not type `{ty_word}`"),
            ),
            (_, None) => {}
        }
        match (ty, &schema.fields) {
            (TypeName::Object, None) => self.push(path, "an object needs `fields`"),
            (TypeName::Object, Some(fields)) => {
                if matches!(place, Place::PathParameter | Place::QueryParameter) {
                    self.push(path, "path and query parameters cannot be objects");
                }
                self.fields(&path.key("fields"), fields, Place::Other);
            }
            (_, Some(_)) => self.push(
                &path.key("fields"),
                format!("only objects have `fields`, not type `{ty_word}`"),
            ),
            (_, None) => {}
        }
        if place == Place::PathParameter && matches!(ty, TypeName::Array | TypeName::Object | TypeName::Boolean) {
            self.push(path, format!("a path parameter cannot be of type `{ty_word}`"));
        }
    }

    fn bounds(&mut self, path: &FieldPath, (min_key, min): (&str, Option<u64>), (max_key, max): (&str, Option<u64>)) {
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.push(
                &path.key(min_key),
                format!("{min_key} ({min}) is greater than {max_key} ({max})"),
            );
        }
    }

    fn enum_values(&mut self, path: &FieldPath, ty: TypeName, values: &[crate::model::EnumValue]) {
        if values.is_empty() {
            self.push(path, "list at least one value");
        }
        let mut seen_values = BTreeSet::new();
        let mut seen_names = HashSet::new();
        for (i, value) in values.iter().enumerate() {
            let item = path.index(i);
            let fits = match ty {
                TypeName::String => value.value.is_string(),
                TypeName::Int32 => value.value.as_i64().is_some_and(|v| i32::try_from(v).is_ok()),
                _ => value.value.as_i64().is_some(),
            };
            if !fits {
                self.push(
                    &item.key("value"),
                    format!("{} is not a `{}` value", value.value, ty.as_str()),
                );
            }
            if !seen_values.insert(value.value.to_string()) {
                self.push(&item.key("value"), format!("{} is listed twice", value.value));
            }
            self.type_name(&item.key("name"), &value.name);
            if value.name == "Unknown" {
                self.push(
                    &item.key("name"),
                    "`Unknown` is the generated variant for values not listed here",
                );
            }
            if !seen_names.insert(value.name.as_str()) {
                self.push(
                    &item.key("name"),
                    format!("variant name `{}` is used twice", value.name),
                );
            }
        }
    }

    /// Checks an example against its schema, following named types.
    fn example(
        &self,
        path: &FieldPath,
        value: &serde_json::Value,
        schema: &Schema,
        depth: usize,
        out: &mut Vec<Problem>,
    ) {
        if depth > MAX_EXAMPLE_DEPTH {
            return;
        }
        let here = |message: String| Problem::new(path.clone(), format!("example does not fit: {message}"));
        if let Some(name) = &schema.reference {
            if let Some(named) = self.types.and_then(|t| t.types.get(name)) {
                self.example(path, value, named, depth + 1, out);
            }
            return;
        }
        let Some(ty) = schema.ty else { return };
        let number = match ty {
            TypeName::File => return out.push(here("a file has no example".to_owned())),
            // Any value fits.
            TypeName::Json => return,
            TypeName::String => {
                let Some(text) = value.as_str() else {
                    return out.push(here(format!("expected a string, got {value}")));
                };
                let chars = text.chars().count() as u64;
                if let Some(min) = schema.min_length.filter(|min| chars < *min) {
                    out.push(here(format!(
                        "{value} has {chars} characters, fewer than min_length {min}"
                    )));
                }
                if let Some(max) = schema.max_length.filter(|max| chars > *max) {
                    out.push(here(format!(
                        "{value} has {chars} characters, more than max_length {max}"
                    )));
                }
                if let Some(pattern) = &schema.pattern
                    && regex::Regex::new(pattern).is_ok_and(|re| !re.is_match(text))
                {
                    out.push(here(format!("{value} does not match pattern `{pattern}`")));
                }
                None
            }
            TypeName::Boolean => {
                if !value.is_boolean() {
                    out.push(here(format!("expected true or false, got {value}")));
                }
                None
            }
            TypeName::Int32 => match value.as_i64().filter(|v| i32::try_from(*v).is_ok()) {
                Some(v) => Some(v as f64),
                None => return out.push(here(format!("expected a 32-bit integer, got {value}"))),
            },
            TypeName::Int64 => match value.as_i64() {
                Some(v) => Some(v as f64),
                None => return out.push(here(format!("expected a 64-bit integer, got {value}"))),
            },
            TypeName::Int64String => match value.as_str().and_then(|s| s.parse::<i64>().ok()) {
                Some(v) => Some(v as f64),
                None => {
                    return out.push(here(format!(
                        "expected a 64-bit integer written as a string, got {value}"
                    )));
                }
            },
            TypeName::Float64 => match value.as_f64() {
                Some(v) => Some(v),
                None => return out.push(here(format!("expected a number, got {value}"))),
            },
            TypeName::Array => {
                let Some(items) = value.as_array() else {
                    return out.push(here(format!("expected an array, got {value}")));
                };
                let count = items.len() as u64;
                if let Some(min) = schema.min_items.filter(|min| count < *min) {
                    out.push(here(format!("{count} items, fewer than min_items {min}")));
                }
                if let Some(max) = schema.max_items.filter(|max| count > *max) {
                    out.push(here(format!("{count} items, more than max_items {max}")));
                }
                if let Some(item_schema) = &schema.items {
                    for (i, item) in items.iter().enumerate() {
                        self.example(&path.index(i), item, item_schema, depth + 1, out);
                    }
                }
                None
            }
            TypeName::Map => {
                let Some(object) = value.as_object() else {
                    return out.push(here(format!("expected an object, got {value}")));
                };
                if let Some(values) = &schema.map_values {
                    for (key, item) in object {
                        self.example(&path.key(key), item, values, depth + 1, out);
                    }
                }
                None
            }
            TypeName::Object => {
                let Some(object) = value.as_object() else {
                    return out.push(here(format!("expected an object, got {value}")));
                };
                if let Some(fields) = &schema.fields {
                    for (key, field_value) in object {
                        match fields.get(key) {
                            Some(field_schema) => {
                                self.example(&path.key(key), field_value, field_schema, depth + 1, out)
                            }
                            None => out.push(Problem::new(
                                path.key(key),
                                format!("example does not fit: `{key}` is not a field"),
                            )),
                        }
                    }
                }
                None
            }
        };
        if let Some(number) = number {
            if let Some(min) = schema.minimum.filter(|min| number < min.as_f64()) {
                out.push(here(format!("{value} is less than minimum {}", show(min))));
            }
            if let Some(max) = schema.maximum.filter(|max| number > max.as_f64()) {
                out.push(here(format!("{value} is greater than maximum {}", show(max))));
            }
        }
        if let Some(values) = &schema.values
            && !values.iter().any(|v| &v.value == value)
        {
            let listed: Vec<String> = values.iter().map(|v| v.value.to_string()).collect();
            out.push(here(format!("{value} is not one of {}", listed.join(", "))));
        }
    }
}

/// The fields of an object schema, following a `ref`.
fn object_fields<'s>(types: Option<&'s TypesSpec>, schema: &'s Schema) -> Option<&'s crate::model::Fields> {
    let target = match &schema.reference {
        Some(name) => types?.types.get(name)?,
        None => schema,
    };
    target.fields.as_ref().filter(|_| target.ty == Some(TypeName::Object))
}

/// The constraint keys a schema sets, in spec order.
fn constraint_keys(schema: &Schema) -> Vec<&'static str> {
    [
        ("min_length", schema.min_length.is_some()),
        ("max_length", schema.max_length.is_some()),
        ("pattern", schema.pattern.is_some()),
        ("min_items", schema.min_items.is_some()),
        ("max_items", schema.max_items.is_some()),
        ("minimum", schema.minimum.is_some()),
        ("maximum", schema.maximum.is_some()),
        ("enum", schema.values.is_some()),
    ]
    .into_iter()
    .filter_map(|(key, set)| set.then_some(key))
    .collect()
}

fn has_duplicates<T: PartialEq>(items: &[T]) -> bool {
    items.iter().enumerate().any(|(i, item)| items[..i].contains(item))
}

fn show(number: Number) -> String {
    match number {
        Number::Int(v) => v.to_string(),
        Number::Float(v) => v.to_string(),
    }
}

fn is_snake_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_field_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A field's wire name: an identifier, or one with `-` inside (`zh-CN`), which the Rust name writes `_`.
fn is_field_name(value: &str) -> bool {
    !value.starts_with('-') && is_field_identifier(&value.replace('-', "_"))
}

fn is_pascal_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}
