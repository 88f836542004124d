//! The importer on fixture pages written in the reference pages' layout, and on the real pages when
//! they are beside the workspace (`../shared/reference`).

#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use lark_import::{EndpointPage, Page, drift, import_service};
use lark_spec::SpecSet;
use lark_spec::model::TypeName;

fn fixture(name: &str) -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pages").join(name);
    (name.to_owned(), std::fs::read_to_string(path).unwrap())
}

/// The drafts of the fixture service, loaded and validated as specs.
fn drafted() -> (lark_import::ServiceImport, SpecSet) {
    let pages = [
        fixture("thing_create.md"),
        fixture("thing_list.md"),
        fixture("thing_changed.md"),
    ];
    let import = import_service(&pages, "demo", "v1", None);
    let mut texts: Vec<(String, String)> = import
        .drafts
        .iter()
        .map(|draft| (draft.spec.clone(), draft.yaml.clone()))
        .collect();
    if let Some(types) = &import.types_yaml {
        texts.push(("demo/v1/types.yaml".to_owned(), types.clone()));
    }
    let borrowed: Vec<(&str, &str)> = texts
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let set = SpecSet::load_texts(&borrowed)
        .unwrap_or_else(|errors| panic!("the drafts do not validate:\n{errors}\n{texts:#?}"));
    (import, set)
}

#[test]
fn an_endpoint_page_becomes_a_spec_with_every_fact() {
    let (import, set) = drafted();
    let create = set
        .endpoints
        .iter()
        .find(|spec| spec.relative == "demo/v1/thing/create.yaml")
        .expect("create drafted")
        .spec
        .clone();
    assert_eq!(create.http.path, "/open-apis/demo/v1/shelves/:shelf_id/things");
    assert_eq!(create.auth.scopes, ["demo:thing", "demo:thing:create"]);
    assert_eq!(create.auth.tokens.len(), 2);
    let windows: Vec<(u32, u32)> = create
        .rate_limit
        .windows
        .iter()
        .map(|w| (w.requests, w.per.seconds()))
        .collect();
    // The table's two windows; of 50 a second and the tip's 20 a second, the stricter holds.
    assert_eq!(windows, [(1000, 60), (20, 1)]);
    assert!(create.request.path["shelf_id"].required);
    let id_type = &create.request.query["id_type"];
    let values: Vec<String> = id_type
        .values
        .iter()
        .flatten()
        .map(|v| v.value.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(values, ["open_id", "user_id"]);
    assert_eq!(id_type.default, Some(serde_json::json!("open_id")));
    let name = &create.request.body["name"];
    assert_eq!(
        (name.required, name.min_length, name.max_length),
        (true, Some(1), Some(20))
    );
    assert_eq!(create.request.body["count"].ty, Some(TypeName::Int32));
    assert_eq!(create.request.body["labels"].ty, Some(TypeName::Map));
    let parts = &create.request.body["parts"];
    assert_eq!(
        (parts.min_items, parts.max_items),
        (None, Some(5)),
        "a lower bound of 0 is no bound"
    );
    assert_eq!(parts.items.as_deref().unwrap().reference.as_deref(), Some("PartInput"));
    let part = &set.types_of("demo", "v1").unwrap().spec.types["PartInput"];
    assert!(part.fields.as_ref().unwrap()["kind"].required);
    assert_eq!(part.fields.as_ref().unwrap()["size"].ty, Some(TypeName::Float64));
    assert!(create.request.body_example.is_some());
    let codes: Vec<(i64, bool)> = create.errors.iter().map(|e| (e.code, e.retryable)).collect();
    // The second table continues the list (its header says nothing).
    assert_eq!(codes, [(1990001, false), (1990002, true), (1990003, true)]);
    assert_eq!(create.errors[0].name, "ParamIsInvalid");
    let draft = import
        .drafts
        .iter()
        .find(|draft| draft.spec == "demo/v1/thing/create.yaml")
        .unwrap();
    assert!(
        draft.undecided.iter().any(|item| item.what.contains("not a number")),
        "{:?}",
        draft.undecided
    );
    assert!(
        !draft.yaml.contains("A fixture page written"),
        "the page's sentences stay out"
    );
}

#[test]
fn objects_shared_by_pages_become_one_named_type() {
    let (_, set) = drafted();
    let types = set.types_of("demo", "v1").expect("a types.yaml");
    // `thing` has one shape in both answers, and so has `part`, which the request's two places give
    // another shape (required-keyed): the answers share `Part`, the request's places `PartInput`.
    // `user_id_type` has the same values on two pages; `id_type` is not an id-kind name.
    let names: Vec<&String> = types.spec.types.keys().collect();
    assert_eq!(names, ["Part", "PartInput", "Thing", "UserIdType"]);
    let input_kind = &types.spec.types["PartInput"].fields.as_ref().unwrap()["kind"];
    assert!(input_kind.required, "the request's shape keeps its required flag");
    assert!(!types.spec.types["Part"].fields.as_ref().unwrap()["kind"].required);
    let thing_fields = types.spec.types["Thing"].fields.as_ref().unwrap();
    assert_eq!(
        thing_fields["parts"].items.as_ref().unwrap().reference.as_deref(),
        Some("Part")
    );
    let kinds = types.spec.types["UserIdType"].values.as_ref().unwrap();
    let kinds: Vec<&str> = kinds.iter().filter_map(|value| value.value.as_str()).collect();
    assert_eq!(kinds, ["open_id", "union_id", "user_id"]);
    let list = &set
        .endpoints
        .iter()
        .find(|spec| spec.relative == "demo/v1/thing/list.yaml")
        .unwrap()
        .spec;
    assert_eq!(list.pagination.as_ref().map(|p| p.items.as_str()), Some("items"));
    assert!(list.rate_limit.special && list.rate_limit.windows.is_empty());
    assert_eq!(list.auth.tokens.len(), 1);
    let user_id_type = &list.request.query["user_id_type"];
    assert_eq!(user_id_type.reference.as_deref(), Some("UserIdType"));
    assert_eq!(user_id_type.default, Some(serde_json::json!("open_id")));
    let create = &set
        .endpoints
        .iter()
        .find(|spec| spec.relative == "demo/v1/thing/create.yaml")
        .unwrap()
        .spec;
    assert_eq!(create.request.query["id_type"].reference, None);
    assert!(create.request.query["id_type"].values.is_some());
    let request_parts = create.request.body["parts"].items.as_ref().unwrap();
    assert_eq!(request_parts.reference.as_deref(), Some("PartInput"));
    assert_eq!(create.request.body["spare"].reference.as_deref(), Some("PartInput"));
}

#[test]
fn an_id_kind_parameter_refers_to_the_services_type_only_with_the_same_values() {
    let (import, set) = drafted();
    let types_yaml = import.types_yaml.unwrap();
    let existing = &set.types_of("demo", "v1").unwrap().spec;
    let (name, text) = fixture("thing_list.md");
    let query_of = |text: String| {
        let import = import_service(&[(name.clone(), text)], "demo", "v1", Some(existing));
        assert!(import.types_yaml.is_none(), "nothing new to share");
        let draft = &import.drafts[0];
        let set = SpecSet::load_texts(&[
            (draft.spec.as_str(), draft.yaml.as_str()),
            ("demo/v1/types.yaml", types_yaml.as_str()),
        ])
        .unwrap_or_else(|errors| panic!("{errors}\n{}", draft.yaml));
        set.endpoints[0].spec.request.query["user_id_type"].clone()
    };
    assert_eq!(query_of(text.clone()).reference.as_deref(), Some("UserIdType"));
    let fewer = text.replace(" - `union_id`: a second kind", "");
    let inline = query_of(fewer);
    assert_eq!(inline.reference, None);
    assert_eq!(inline.values.map(|values| values.len()), Some(2));
}

#[test]
fn an_event_page_becomes_an_event_spec() {
    let (_, set) = drafted();
    let event = &set.events[0].spec;
    assert_eq!(event.event_type, "demo.thing.changed_v1");
    assert_eq!(event.name, "thing_changed_v1");
    let changes = &event.payload["changes"];
    assert_eq!(changes.ty, Some(TypeName::Array));
    assert!(
        changes
            .items
            .as_deref()
            .unwrap()
            .fields
            .as_ref()
            .unwrap()
            .contains_key("field")
    );
}

#[test]
fn a_one_point_zero_event_page_keeps_its_dotless_type_as_its_name() {
    let import = import_service(&[fixture("thing_legacy_event.md")], "demo", "v1", None);
    let [draft] = import.drafts.as_slice() else {
        panic!("one draft: {:?}", import.drafts);
    };
    let set = SpecSet::load_texts(&[(draft.spec.as_str(), draft.yaml.as_str())])
        .unwrap_or_else(|errors| panic!("{errors}\n{}", draft.yaml));
    let event = &set.events[0].spec;
    assert_eq!(
        (event.name.as_str(), event.event_type.as_str()),
        ("thing_approval", "thing_approval")
    );
    assert_eq!(event.schema, lark_spec::model::EventSchema::V1);
    let fields: Vec<&String> = event.payload.0.keys().collect();
    assert_eq!(fields, ["thing_code", "status"]);
}

#[test]
fn drift_lists_what_the_page_and_the_spec_do_not_share() {
    let (_, set) = drafted();
    let (_, text) = fixture("thing_create.md");
    let page = EndpointPage::read(&Page::parse(&text)).unwrap();
    let mut spec = set
        .endpoints
        .iter()
        .find(|spec| spec.relative == "demo/v1/thing/create.yaml")
        .unwrap()
        .spec
        .clone();
    let types = set.types_of("demo", "v1").map(|types| &types.spec);
    assert_eq!(drift(&page, &spec, types), [], "a fresh draft does not drift");
    spec.request.body.0.shift_remove("count");
    spec.errors.pop();
    let found: Vec<String> = drift(&page, &spec, types).into_iter().map(|d| d.fact).collect();
    assert_eq!(found, ["errors", "request.body.count"]);
    // A field that knowingly differs (here: any JSON instead of the page's parts) hides what is under it.
    let parts = spec.request.body.0.get_mut("parts").unwrap();
    (parts.ty, parts.reference, parts.items) = (Some(TypeName::Json), None, None);
    let found: Vec<String> = drift(&page, &spec, types).into_iter().map(|d| d.fact).collect();
    assert!(
        found.iter().any(|fact| fact == "request.body.parts[].kind"),
        "{found:?}"
    );
    spec.request.body.0.get_mut("parts").unwrap().page_differs = Some("the page's parts are any JSON".into());
    let found: Vec<String> = drift(&page, &spec, types).into_iter().map(|d| d.fact).collect();
    assert_eq!(found, ["errors", "request.body.count"]);
}

fn reference() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
    path.join("catalog.tsv").is_file().then_some(path)
}

/// Every page of these services drafts into specs that validate, but for the multipart bodies with more
/// than a file, which the format cannot say yet.
#[test]
fn real_pages_of_im_contact_and_attendance_draft_into_valid_specs() {
    let Some(reference) = reference() else {
        eprintln!("skipped: no reference pages beside the workspace");
        return;
    };
    let catalog = std::fs::read_to_string(reference.join("catalog.tsv")).unwrap();
    for service in [
        "im/v1",
        "im/v2",
        "contact/v3",
        "attendance/v1",
        "calendar/v4",
        "approval/v4",
    ] {
        let pages: Vec<(String, String)> = catalog
            .lines()
            .filter_map(|line| line.split('\t').nth(7))
            .filter(|page| page.starts_with(&format!("{service}/")))
            .map(|page| (page.to_owned(), std::fs::read_to_string(reference.join(page)).unwrap()))
            .collect();
        assert!(pages.len() >= 12, "{service}: {} pages", pages.len());
        let (name, version) = service.split_once('/').unwrap();
        let import = import_service(&pages, name, version, None);
        // A page in the older layout (tables without a leading `|`) is listed as skipped, never dropped.
        assert_eq!(
            import.drafts.len() + import.skipped.len(),
            pages.len(),
            "{service}: every page accounted for"
        );
        assert!(import.skipped.len() <= 1, "{service}: skipped {:?}", import.skipped);
        let mut texts: Vec<(String, String)> = import.drafts.iter().map(|d| (d.spec.clone(), d.yaml.clone())).collect();
        texts.extend(
            import
                .types_yaml
                .iter()
                .map(|types| (format!("{service}/types.yaml"), types.clone())),
        );
        let borrowed: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        if let Err(errors) = SpecSet::load_texts(&borrowed) {
            let unexpected: Vec<String> = errors
                .0
                .iter()
                .map(ToString::to_string)
                .filter(|e| !e.contains("a multipart body holds its `file` field only"))
                // A page whose example contradicts its table: `cargo xtask import` comments it out.
                .filter(|e| !e.contains("example does not fit"))
                .collect();
            assert!(unexpected.is_empty(), "{service}:\n{}", unexpected.join("\n"));
        }
    }
}

#[test]
fn a_page_in_the_older_layout_reads_like_a_newer_one() {
    let import = import_service(&[fixture("thing_register.md")], "demo", "v1", None);
    let [draft] = import.drafts.as_slice() else {
        panic!("one draft: {:?}", import.drafts);
    };
    let set = SpecSet::load_texts(&[(draft.spec.as_str(), draft.yaml.as_str())])
        .unwrap_or_else(|errors| panic!("the draft does not validate:\n{errors}\n{}", draft.yaml));
    let spec = &set.endpoints[0].spec;
    assert_eq!(
        (spec.http.path.as_str(), spec.auth.tokens.len()),
        ("/open-apis/demo/v1/things", 1)
    );
    assert_eq!(spec.auth.scopes, ["demo:thing"]);
    assert_eq!(spec.auth.app_types.len(), 1);
    assert_eq!(spec.rate_limit.windows[0].requests, 100);
    let name = &spec.request.body["name"];
    assert_eq!((name.required, name.min_length), (true, Some(1)));
    assert_eq!(name.example, Some(serde_json::json!("widget")));
    let kinds = spec.request.body["kind"].values.as_ref().map(Vec::len);
    assert_eq!(kinds, Some(2));
    assert_eq!(spec.request.body["note"].default, None, "a prose default is no default");
    let slot = spec.request.body["slots"].items.as_deref().expect("a list");
    let slot_fields = slot.fields.as_ref().expect("nested from the example");
    assert_eq!(slot_fields.keys().collect::<Vec<_>>(), ["shelf", "position"]);
    assert!(!spec.request.body.contains_key("shelf"));
    assert_eq!(spec.errors[0].code, 1990001);
    assert_eq!(spec.response.data.keys().collect::<Vec<_>>(), ["thing_id"]);
    assert!(
        draft.undecided.iter().any(|item| item.what.contains("prose")),
        "{:?}",
        draft.undecided
    );
}

#[test]
fn a_page_in_the_oldest_layout_reads_too() {
    let (_, text) = fixture("thing_search.md");
    let page = EndpointPage::read(&Page::parse(&text)).expect("an endpoint page");
    assert_eq!(
        page.path, "/open-apis/demo/v1/things/search",
        "the path naming the endpoint's version"
    );
    assert_eq!(page.tokens, ["user"]);
    assert_eq!((page.scopes.len(), page.scope_title.as_deref()), (0, Some("查看物品")));
    let items = &page.data[0];
    assert_eq!(items.name, "items");
    let nested: Vec<&str> = items.children.iter().map(|field| field.name.as_str()).collect();
    assert_eq!(nested, ["thing_id"], "one `&nbsp; ` a level");
    assert_eq!(page.data[1].name, "has_more");
    assert!(
        page.undecided.iter().any(|note| note.what.contains("differ")),
        "{:?}",
        page.undecided
    );
}
