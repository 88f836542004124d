//! An event page's facts: the event type, the body's fields (the `event` object) and the example.

use serde_json::{Value, json};

use crate::draft::{Node, Place, field_map, write_node};
use crate::fields::{PageField, field_tree};
use crate::markdown::Page;
use crate::report::Undecided;
use crate::shared::SharedTypes;
use crate::yaml::Yaml;

/// Everything the importer reads from an event page.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    /// `im.message.receive_v1`.
    pub event_type: String,
    /// The page's title.
    pub title: String,
    /// Where the page was published.
    pub docs_url: Option<String>,
    /// `2.0` when the body table has `schema` and `header`, else `1.0`.
    pub schema: &'static str,
    /// The fields of the delivery's `event` object.
    pub payload: Vec<PageField>,
    /// The delivery example.
    pub example: Option<Value>,
    /// Why the page's example is not in the draft, when it is there but not JSON.
    pub example_left_out: Option<String>,
    /// What the importer could not decide.
    pub undecided: Vec<Undecided>,
}

impl EventPage {
    /// Reads an event page; `None` when the front matter names no event type.
    pub fn read(page: &Page) -> Option<EventPage> {
        let event_type = page.front.event_type.clone()?;
        let mut undecided = Vec::new();
        let table = page.sections.iter().flat_map(|section| &section.tables).find(|table| {
            // 2.0 pages head the column 名称 ("name"), the older 1.0 pages 字段 ("field").
            table
                .header
                .first()
                .is_some_and(|cell| cell == "名称" || cell == "字段")
                && table.rows.iter().any(|row| row.cells[0].replace('`', "") == "event")
        });
        let top = match table {
            Some(table) => field_tree(&table.rows, None, &mut undecided),
            None => {
                undecided.push(Undecided::new(0, "no body table with an `event` row"));
                Vec::new()
            }
        };
        let schema = if top.iter().any(|field| field.name == "header") {
            "2.0"
        } else {
            "1.0"
        };
        let mut payload = top
            .into_iter()
            .find(|field| field.name == "event")
            .map(|field| field.children)
            .unwrap_or_default();
        let block = page
            .sections
            .iter()
            .flat_map(|section| &section.code_blocks)
            .find(|block| block.language == "json");
        let (example, example_left_out) = match block {
            Some(block) => crate::endpoint::parse_example(block, &mut undecided),
            None => (None, None),
        };
        let example_left_out = example_left_out.map(|why| format!("the page's {}", why.trim_start_matches("the ")));
        // Millisecond times typed `int`: the example shows when they need 64 bits.
        if let Some(event) = example.as_ref().and_then(|example| example.get("event")) {
            crate::fields::widen_ints_by_example(&mut payload, event, &mut undecided);
        }
        Some(EventPage {
            event_type,
            title: page.front.title.clone(),
            docs_url: page.front.source_url.clone(),
            schema,
            payload,
            example,
            example_left_out,
            undecided,
        })
    }

    /// The module name: the event type without its service, `im.message.receive_v1` →
    /// `message_receive_v1`; a 1.0 event type names no service (`approval_instance`) and is kept whole.
    pub fn module_name(&self) -> String {
        match self.event_type.split_once('.') {
            Some((_, rest)) => rest.replace('.', "_"),
            None => self.event_type.clone(),
        }
    }
}

/// Writes an event page as a draft event spec of `service`/`version`.
pub fn event_yaml(
    page: &EventPage,
    service: &str,
    version: &str,
    shared: &SharedTypes,
    undecided: &mut Vec<Undecided>,
) -> String {
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
        &format!(
            "{service}/{version}/events/{}.md; review it, then write the descriptions.",
            page.event_type
        ),
    );
    yaml.word(0, "kind", "event");
    yaml.word(0, "service", service);
    yaml.word(0, "version", version);
    yaml.word(0, "name", &page.module_name());
    yaml.value(0, "event_type", &json!(page.event_type));
    yaml.value(0, "schema", &json!(page.schema));
    yaml.value(0, "summary", &json!(page.title));
    // A page without a source address has an empty one in its front matter: no `docs_url` then.
    if let Some(url) = page.docs_url.as_ref().filter(|url| !url.is_empty()) {
        yaml.value(0, "docs_url", &json!(url));
    }
    if !page.payload.is_empty() {
        yaml.blank();
        write_node(
            &mut yaml,
            0,
            "payload",
            &Node::Map(field_map(&page.payload, Place::Answer, shared, undecided)),
        );
    }
    if let Some(example) = &page.example {
        yaml.blank();
        yaml.value(0, "example", example);
    }
    if let Some(why) = &page.example_left_out {
        yaml.blank();
        yaml.value(0, "example_left_out", &json!(why));
    }
    yaml.finish()
}
