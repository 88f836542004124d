//! Every rule of the spec format, each reported with line, column and field, all at once.

#![allow(missing_docs)]

use std::fs;

use lark_spec::SpecSet;

const HEADER: &str = "\
service: fixture
version: v1
resource: things
name: remove
summary: Removes things.
http:
  method: POST
  path: /open-apis/fixture/v1/things/remove
auth:
  tokens: [tenant]
";

/// Loads `files` (relative path, text) from a scratch `specs/` and returns each problem as
/// `file:line:column: field: message` with the file relative to the scratch folder.
fn problems(files: &[(&str, &str)]) -> Vec<String> {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("specs");
    for (relative, text) in files {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    match SpecSet::load_dir(&root) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|error| {
                let mut error = error.clone();
                error.file = error.file.strip_prefix(&root).unwrap().to_path_buf();
                error.to_string()
            })
            .collect(),
    }
}

fn endpoint(rest: &str) -> Vec<String> {
    problems(&[("fixture/v1/things/remove.yaml", &format!("{HEADER}{rest}"))])
}

#[test]
fn the_real_specs_are_valid() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let set = SpecSet::load_dir(&root).unwrap_or_else(|errors| panic!("{errors}"));
    assert!(set.endpoints.iter().any(|e| e.spec.name == "batch_del"));
}

#[test]
fn a_valid_minimal_spec_has_no_problems() {
    assert_eq!(endpoint(""), Vec::<String>::new());
}

#[test]
fn a_service_file_sits_in_its_folder_and_describes_only_resources_it_has() {
    let spec = HEADER;
    let described = "service: fixture\ndescription: Things.\nresources:\n  things: Things.\n  thingz: Typo.\n";
    let elsewhere = "service: other\ndescription: Lost.\n";
    let found = problems(&[
        ("fixture/v1/things/remove.yaml", spec),
        ("fixture/service.yaml", described),
        ("fixture/v1/service.yaml", elsewhere),
    ]);
    assert_eq!(
        found,
        [
            "fixture/service.yaml:5:3: resources.thingz: no endpoint of `fixture` has the resource `thingz`",
            "fixture/v1/service.yaml:1:1: service: the descriptions of `other` belong in other/service.yaml",
        ]
    );
    let unknown_key = problems(&[
        ("fixture/v1/things/remove.yaml", spec),
        (
            "fixture/service.yaml",
            "service: fixture\ndescription: Things.\nabout: x\n",
        ),
    ]);
    assert_eq!(unknown_key.len(), 1, "{unknown_key:?}");
    assert!(
        unknown_key[0].starts_with("fixture/service.yaml:3:1: about:"),
        "{unknown_key:?}"
    );
}

#[test]
fn bounds_in_the_wrong_order() {
    let found = endpoint(
        "request:\n  body:\n    ids:\n      type: array\n      min_items: 3\n      max_items: 2\n      items:\n        type: string\n        min_length: 5\n        max_length: 1\n    n:\n      type: int32\n      minimum: 10\n      maximum: -1\n",
    );
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:15:7: request.body.ids.min_items: min_items (3) is greater than max_items (2)",
            "fixture/v1/things/remove.yaml:19:9: request.body.ids.items.min_length: min_length (5) is greater than max_length (1)",
            "fixture/v1/things/remove.yaml:23:7: request.body.n.minimum: minimum (10) is greater than maximum (-1)",
        ]
    );
}

#[test]
fn path_parameters_used_but_not_declared_or_declared_but_unused() {
    let text = HEADER.replace("things/remove", "things/:thing_id")
        + "request:\n  path:\n    other_id: { type: string, required: true }\n";
    let found = problems(&[("fixture/v1/things/remove.yaml", &text)]);
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:8:3: http.path: path parameter `:thing_id` is not declared under `request.path`",
            "fixture/v1/things/remove.yaml:13:5: request.path.other_id: declared but `http.path` has no `:other_id`",
        ]
    );
}

#[test]
fn duplicate_error_codes_and_names() {
    let found = endpoint(
        "errors:\n  - { code: 7, http_status: 400, name: Bad, message: bad, retryable: false }\n  - { code: 7, http_status: 600, name: Bad, message: worse, retryable: false }\n",
    );
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:13:7: errors[1].code: error code 7 is documented twice",
            "fixture/v1/things/remove.yaml:13:16: errors[1].http_status: 600 is not an HTTP status (100 to 599)",
            "fixture/v1/things/remove.yaml:13:34: errors[1].name: variant name `Bad` is used twice",
        ]
    );
}

#[test]
fn unknown_types_list_what_exists() {
    let types = "service: fixture\nversion: v1\ntypes:\n  Location:\n    type: object\n    fields: {}\n";
    let text = format!("{HEADER}request:\n  body:\n    at: {{ ref: Place }}\n");
    let found = problems(&[
        ("fixture/v1/types.yaml", types),
        ("fixture/v1/things/remove.yaml", &text),
    ]);
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:13:11: request.body.at.ref: unknown type `Place`; types.yaml defines: Location"
        ]
    );
}

#[test]
fn two_types_of_a_module_with_one_generated_name_are_reported() {
    // `Member.type` is an inline enum, generated as `MemberType`: the name of another type of the file.
    let types = "service: fixture\nversion: v1\ntypes:\n  Member:\n    type: object\n    fields:\n      type:\n        type: string\n        enum: [{ value: user, name: User }]\n  MemberType:\n    type: string\n    enum: [{ value: open_id, name: OpenId }]\n";
    let found = problems(&[("fixture/v1/types.yaml", types)]);
    assert_eq!(
        found,
        [
            "fixture/v1/types.yaml:10:3: types.MemberType: generates the type `MemberType`, which `types.Member.fields.type` generates too; give one of them a `name`"
        ]
    );
}

#[test]
fn examples_must_satisfy_their_own_constraints() {
    let found = endpoint(
        "request:\n  body:\n    ids:\n      type: array\n      max_items: 1\n      items: { type: string, pattern: '^[0-9]+$' }\n      example: [\"1\", \"x\"]\n    kind:\n      type: string\n      enum: [{ value: a, name: A }]\n      example: b\n",
    );
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:17:7: request.body.ids.example: example does not fit: 2 items, more than max_items 1",
            "fixture/v1/things/remove.yaml:17:22: request.body.ids.example[1]: example does not fit: \"x\" does not match pattern `^[0-9]+$`",
            "fixture/v1/things/remove.yaml:21:7: request.body.kind.example: example does not fit: \"b\" is not one of \"a\"",
        ]
    );
}

#[test]
fn constraints_that_do_not_fit_the_type() {
    let found = endpoint(
        "request:\n  body:\n    flag:\n      type: boolean\n      max_length: 3\n    list:\n      type: array\n    obj:\n      type: string\n      fields: {}\n    both:\n      type: string\n      ref: Thing\n    none:\n      description: no type\n",
    );
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:15:7: request.body.flag.max_length: does not apply to type `boolean`",
            "fixture/v1/things/remove.yaml:16:5: request.body.list: an array needs `items`",
            "fixture/v1/things/remove.yaml:20:7: request.body.obj.fields: only objects have `fields`, not type `string`",
            "fixture/v1/things/remove.yaml:21:5: request.body.both: give either `type` or `ref`, not both",
            "fixture/v1/things/remove.yaml:24:5: request.body.none: give a `type` (string, boolean, int32, int64, int64_string, float64, array, object, map) or a `ref`",
        ]
    );
}

#[test]
fn every_problem_of_every_file_is_reported_at_once() {
    let bad_a = format!(
        "{HEADER}colour: red\nerrors:\n  - {{ code: 0, http_status: 400, name: bad, message: '', retryable: false }}\n"
    );
    let bad_b = HEADER
        .replace("name: remove", "name: Remove-It")
        .replace("/open-apis/", "/apis/");
    let found = problems(&[
        ("fixture/v1/things/a.yaml", &bad_a),
        ("fixture/v1/things/b.yaml", &bad_b),
    ]);
    assert_eq!(
        found,
        [
            "fixture/v1/things/a.yaml:11:1: colour: unknown key `colour`; expected one of: service, version, resource, name, summary, description, docs_url, http, auth, rate_limit, request, response, errors, pagination",
            "fixture/v1/things/a.yaml:13:7: errors[0].code: 0 means success; it is not an error code",
            "fixture/v1/things/a.yaml:13:34: errors[0].name: `bad` is not a PascalCase name (expected e.g. `UserFlow`)",
            "fixture/v1/things/a.yaml:13:45: errors[0].message: must not be empty",
            "fixture/v1/things/b.yaml:4:1: name: `Remove-It` is not a snake_case name (expected lowercase letters, digits and `_`)",
            "fixture/v1/things/b.yaml:8:3: http.path: `/apis/fixture/v1/things/remove` must start with `/open-apis/`",
        ]
    );
}

#[test]
fn a_key_written_twice_is_an_error_not_a_silent_overwrite() {
    let found = endpoint("request:\n  body:\n    ids: { type: string }\n    ids: { type: int32 }\n");
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("`ids` is written twice"), "{found:?}");
}

#[test]
fn a_value_of_the_wrong_type_names_its_position() {
    let found = endpoint("errors:\n  - { code: seven, http_status: 400, name: A, message: a, retryable: false }\n");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("fixture/v1/things/remove.yaml:12:13: errors[0].code: invalid type"),
        "{found:?}"
    );
}

#[test]
fn partial_failure_must_name_a_string_list() {
    let found = endpoint(
        "response:\n  data:\n    failed: { type: string }\n  partial_failure: { failed_ids: failed, succeeded_ids: missing, reasons_in: msg }\n",
    );
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:14:22: response.partial_failure.failed_ids: `failed` must name an array-of-string field of `response.data`",
            "fixture/v1/things/remove.yaml:14:42: response.partial_failure.succeeded_ids: `missing` must name an array-of-string field of `response.data`",
        ]
    );
}

#[test]
fn files_pages_binary_answers_and_secrets_are_checked_where_they_stand() {
    let found = endpoint(
        "pagination: { items: shifts }\nrequest:\n  query:\n    upload: { type: file }\n  body:\n    photo: { type: file }\n    note: { type: array, items: { type: string } }\n    code: { type: int32, secret: true }\nresponse:\n  kind: binary\n  data:\n    shifts: { type: string }\n",
    );
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:11:1: pagination: a paged request declares a string `page_token` in `request.query` or `request.body`",
            "fixture/v1/things/remove.yaml:11:1: pagination: a paged answer declares a boolean `has_more` and a string `page_token` in `response.data`",
            "fixture/v1/things/remove.yaml:11:15: pagination.items: `shifts` must name an array field of `response.data`",
            "fixture/v1/things/remove.yaml:14:5: request.query.upload: a `file` can only be a field of `request.body` (a multipart/form-data part)",
            "fixture/v1/things/remove.yaml:17:5: request.body.note: a multipart body holds files and scalars only (each scalar is a text part)",
            "fixture/v1/things/remove.yaml:18:26: request.body.code.secret: only a plain `string` can be a secret",
            "fixture/v1/things/remove.yaml:21:3: response.data: a binary answer (`kind: binary`) has no JSON payload",
        ]
    );
}

#[test]
fn list_form_partial_failures_name_their_items_and_keys() {
    let found = endpoint(
        "request:\n  body:\n    records:\n      type: array\n      items: { type: object, fields: { user: { type: string } } }\nresponse:\n  partial_failure: { reasons_in: msg_list, request_items: records, item_key: [user, nobody] }\n",
    );
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:17:79: response.partial_failure.item_key[0]: `user` must be a required string field of the `records` items",
            "fixture/v1/things/remove.yaml:17:85: response.partial_failure.item_key[1]: `nobody` must be a required string field of the `records` items",
        ]
    );
}

const EVENT: &str = "\
kind: event
service: fixture
version: v1
name: thing_changed_v1
event_type: fixture.thing.changed_v1
schema: \"2.0\"
summary: A thing changed.
";

fn event(rest: &str) -> Vec<String> {
    problems(&[("fixture/v1/events/thing_changed.yaml", &format!("{EVENT}{rest}"))])
}

#[test]
fn event_specs_are_read_as_events_and_checked_where_they_stand() {
    assert_eq!(event("payload:\n  id: { type: string }\n"), Vec::<String>::new());
    assert_eq!(
        event("colour: red\npayload:\n  id: { type: string, minimum: 1 }\n"),
        [
            "fixture/v1/events/thing_changed.yaml:8:1: colour: unknown key `colour`; expected one of: kind, service, version, name, event_type, schema, summary, description, docs_url, payload, example, example_left_out",
            "fixture/v1/events/thing_changed.yaml:10:23: payload.id.minimum: does not apply to type `string`",
        ]
    );
    assert_eq!(
        event("payload:\n  id: { type: strin }\n"),
        [
            "fixture/v1/events/thing_changed.yaml:9:15: payload.id.type: unknown variant `strin`, expected one of `string`, `boolean`, `int32`, `int64`, `int64_string`, `float64`, `array`, `object`, `map`, `file`, `json`"
        ]
    );
    let wrong_type = event(
        "example: {\"schema\": \"2.0\", \"header\": {\"event_id\": \"e\", \"event_type\": \"other\"}, \"event\": {}}\n",
    );
    assert_eq!(wrong_type.len(), 1, "{wrong_type:?}");
    assert!(
        wrong_type[0]
            .contains("example: example does not fit: `/header/event_type` must be \"fixture.thing.changed_v1\""),
        "{wrong_type:?}"
    );
    assert_eq!(
        event("example_left_out: \"Not JSON on the page.\"\n"),
        Vec::<String>::new()
    );
    assert_eq!(
        event("example_left_out: \" \"\n"),
        ["fixture/v1/events/thing_changed.yaml:8:1: example_left_out: say why the page's example is left out"]
    );
    let unknown_schema = problems(&[("fixture/v1/events/e.yaml", &EVENT.replace("\"2.0\"", "\"3.0\""))]);
    assert_eq!(unknown_schema.len(), 1, "{unknown_schema:?}");
    assert!(
        unknown_schema[0].starts_with("fixture/v1/events/e.yaml:6:9: schema:"),
        "{unknown_schema:?}"
    );
}

#[test]
fn two_specs_of_one_event_type_are_an_error() {
    let found = problems(&[
        ("fixture/v1/events/a.yaml", EVENT),
        (
            "fixture/v1/events/b.yaml",
            &EVENT.replace("thing_changed_v1", "other_name"),
        ),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("already defines event `fixture.thing.changed_v1`"),
        "{found:?}"
    );
}

#[test]
fn rate_limit_windows_maps_and_defaults_are_checked() {
    let found = endpoint(
        "rate_limit:\n  - { requests: 0, per: second }\n  - { requests: 5 }\n  - { special: true, per: minute }\nrequest:\n  body:\n    labels:\n      type: map\n    tags:\n      type: map\n      values: { type: string, max_length: 2 }\n      default: { a: \"long\" }\n    size:\n      type: string\n      values: { type: string }\n      page_differs: \"\"\n",
    );
    assert_eq!(
        found,
        [
            "fixture/v1/things/remove.yaml:12:7: rate_limit[0].requests: must be at least 1",
            "fixture/v1/things/remove.yaml:13:5: rate_limit[1]: a window needs `per` (second, minute or hour)",
            "fixture/v1/things/remove.yaml:14:7: rate_limit[2].special: a special limit has no `requests` or `per`",
            "fixture/v1/things/remove.yaml:17:5: request.body.labels: a map needs `values`",
            "fixture/v1/things/remove.yaml:22:18: request.body.tags.default.a: example does not fit: \"long\" has 4 characters, more than max_length 2",
            "fixture/v1/things/remove.yaml:25:7: request.body.size.values: only maps have `values`, not type `string`",
            "fixture/v1/things/remove.yaml:26:7: request.body.size.page_differs: say why the field differs from its page",
        ]
    );
}
