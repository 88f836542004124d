//! Objects several pages of a service share: one named type in the service's `types.yaml`, by the
//! page's type name, when every place that names it gives it the same shape.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;

use crate::draft::{Map, Node, Place, field_map};
use crate::fields::{PageField, PageType};

/// The type names of a service that become named types, and their schemas.
#[derive(Debug, Clone, Default)]
pub struct SharedTypes {
    /// Page type name → Rust name, for the shared ones.
    names: BTreeMap<String, String>,
    /// Rust name → the type's schema, for `types.yaml`.
    pub types: BTreeMap<String, Map>,
}

/// Every object a service's pages name, by type name, with each place's shape.
#[derive(Debug, Default)]
pub struct Occurrences {
    shapes: BTreeMap<String, Vec<(Place, Map, Vec<PageField>)>>,
}

impl Occurrences {
    /// Records every named object of a field tree.
    pub fn record(&mut self, fields: &[PageField], place: Place) {
        for field in fields {
            if let Some(type_name) = object_name(&field.ty)
                && !field.children.is_empty()
            {
                let shape = field_map(&field.children, place, &SharedTypes::default(), &mut Vec::new());
                self.shapes
                    .entry(type_name.to_owned())
                    .or_default()
                    .push((place, shape, field.children.clone()));
            }
            self.record(&field.children, place);
        }
    }

    /// The names given in two places or more, each time with the same shape (examples aside), shared;
    /// `taken` are Rust names that may not be used (the service's existing named types).
    pub fn decide(&self, taken: &[String]) -> SharedTypes {
        let mut shared = SharedTypes::default();
        for (type_name, places) in &self.shapes {
            let first = without_examples(&places[0].1);
            let same = places.iter().all(|(_, shape, _)| without_examples(shape) == first);
            let rust_name = type_name.replace('.', "_").to_upper_camel_case();
            let free = !taken.contains(&rust_name) && !lark_spec::RESERVED_TYPE_NAMES.contains(&rust_name.as_str());
            if places.len() >= 2 && same && free {
                shared.names.insert(type_name.clone(), rust_name);
            }
        }
        // The shared types' own fields refer to the other shared types.
        for (type_name, places) in &self.shapes {
            if let Some(rust_name) = shared.names.get(type_name).cloned() {
                let (place, _, fields) = &places[0];
                let schema = field_map(fields, *place, &shared, &mut Vec::new());
                let mut object = Map::new();
                object.insert("type".to_owned(), Node::Word("object".to_owned()));
                object.insert("fields".to_owned(), Node::Map(schema));
                shared.types.insert(rust_name, object);
            }
        }
        shared
    }
}

fn object_name(ty: &PageType) -> Option<&str> {
    match ty {
        PageType::Object(Some(name)) => Some(name),
        PageType::Array(item) => object_name(item),
        _ => None,
    }
}

fn without_examples(map: &Map) -> Map {
    map.iter()
        .filter(|(key, _)| key.as_str() != "example")
        .map(|(key, node)| match node {
            Node::Map(inner) => (key.clone(), Node::Map(without_examples(inner))),
            other => (key.clone(), other.clone()),
        })
        .collect()
}

impl SharedTypes {
    /// Whether `type_name` is a named type here.
    pub fn is_shared(&self, type_name: &str, _place: Place) -> bool {
        self.names.contains_key(type_name)
    }

    /// The Rust name of a shared type.
    pub fn rust_name(&self, type_name: &str) -> String {
        self.names.get(type_name).cloned().unwrap_or_default()
    }
}
