//! Importing the pages of one service version together, so the objects they share become named types.

use lark_spec::model::TypesSpec;

use crate::draft::{Node, Place, catalog_parts, endpoint_yaml, write_node};
use crate::endpoint::EndpointPage;
use crate::event::{EventPage, event_yaml};
use crate::markdown::Page;
use crate::report::Undecided;
use crate::shared::{Occurrences, SharedTypes};
use crate::yaml::Yaml;

/// One page's draft.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The page, as the caller named it.
    pub page: String,
    /// Where the spec goes below `specs/`: `im/v1/message/create.yaml`.
    pub spec: String,
    /// The draft's YAML.
    pub yaml: String,
    /// What the importer could not decide, by page line.
    pub undecided: Vec<Undecided>,
}

/// The drafts of a service version's pages and the named types they share.
#[derive(Debug, Clone, Default)]
pub struct ServiceImport {
    /// A draft per page read.
    pub drafts: Vec<Draft>,
    /// Pages that are neither endpoint nor event pages, or name no endpoint.
    pub skipped: Vec<String>,
    /// The whole `types.yaml` text (service and version from the first page), when there are shared types.
    pub types_yaml: Option<String>,
}

enum Read {
    Endpoint(Box<EndpointPage>),
    Event(EventPage),
}

/// Drafts every page (`(name, text)` pairs) of one service version; `existing` is the service's
/// `types.yaml`, whose types drafts may refer to and may not redefine.
pub fn import_service(
    pages: &[(String, String)],
    service: &str,
    version: &str,
    existing: Option<&TypesSpec>,
) -> ServiceImport {
    let mut import = ServiceImport::default();
    let mut read = Vec::new();
    let mut occurrences = Occurrences::default();
    for (name, text) in pages {
        let page = Page::parse(text);
        if let Some(endpoint) = EndpointPage::read(&page).filter(|endpoint| !endpoint.catalog_name.is_empty()) {
            for (fields, place) in [
                (&endpoint.path_params, Place::Path),
                (&endpoint.query, Place::Query),
                (&endpoint.body, Place::Body),
                (&endpoint.data, Place::Answer),
            ] {
                occurrences.record(fields, place);
            }
            read.push((name, Read::Endpoint(Box::new(endpoint))));
        } else if let Some(event) = EventPage::read(&page) {
            occurrences.record(&event.payload, Place::Answer);
            read.push((name, Read::Event(event)));
        } else {
            import.skipped.push(name.clone());
        }
    }
    let shared = occurrences.decide(existing);
    for (name, page) in read {
        import.drafts.push(draft(name, &page, service, version, &shared));
    }
    import.types_yaml = types_yaml(&shared, service, version);
    import
}

fn draft(name: &str, page: &Read, service: &str, version: &str, shared: &SharedTypes) -> Draft {
    match page {
        Read::Endpoint(endpoint) => {
            let mut undecided = endpoint.undecided.clone();
            let yaml = endpoint_yaml(endpoint, shared, &mut undecided);
            let (service, version, resource, method) = catalog_parts(&endpoint.catalog_name);
            Draft {
                page: name.to_owned(),
                spec: format!("{service}/{version}/{resource}/{method}.yaml"),
                yaml,
                undecided: sorted(undecided),
            }
        }
        Read::Event(event) => {
            let mut undecided = event.undecided.clone();
            let yaml = event_yaml(event, service, version, shared, &mut undecided);
            Draft {
                page: name.to_owned(),
                spec: format!("{service}/{version}/events/{}.yaml", event.event_type),
                yaml,
                undecided: sorted(undecided),
            }
        }
    }
}

fn sorted(mut undecided: Vec<Undecided>) -> Vec<Undecided> {
    undecided.sort_by_key(|item| item.line);
    undecided.dedup();
    undecided
}

fn types_yaml(shared: &SharedTypes, service: &str, version: &str) -> Option<String> {
    if shared.types.is_empty() {
        return None;
    }
    let mut yaml = Yaml::default();
    yaml.comment(
        0,
        "Objects several reference pages of this service share, drafted by `cargo xtask import`.",
    );
    yaml.word(0, "service", service);
    yaml.word(0, "version", version);
    yaml.open(0, "types");
    for (name, schema) in &shared.types {
        write_node(&mut yaml, 1, name, &Node::Map(schema.clone()));
    }
    Some(yaml.finish())
}
