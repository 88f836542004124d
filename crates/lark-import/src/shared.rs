//! Objects several pages of a service share: one named type in the service's `types.yaml`, by the
//! page's type name, for the shape that most places naming it give it (two at least). The next most
//! common shape, when two places give it and they are all requests (or all answers), is a second type
//! with `Input` (or `Output`) after the name: a request's required flags make its object differ from the
//! answer's, and docx repeats both hundreds of times. A place with any other shape keeps its own object. Id-kind query parameters
//! (`user_id_type`, `department_id_type`, any `…_id_type`) mean the same on every page of a service, so
//! one with the same named values on two pages (or matching the service's type of that name) is shared too.

use std::collections::BTreeMap;

use heck::ToUpperCamelCase;

use lark_spec::model::TypesSpec;

use crate::draft::{Map, Node, Place, enum_values, field_map};
use crate::fields::{Bounds, PageField, PageType};

/// The type names of a service that become named types, and their schemas.
#[derive(Debug, Clone, Default)]
pub struct SharedTypes {
    /// Page type name → the Rust name and shape (examples aside) of each of its shared types.
    names: BTreeMap<String, Vec<(String, Map)>>,
    /// Rust name → the type's schema, for `types.yaml`.
    pub types: BTreeMap<String, Map>,
    /// Id-kind query parameter → its shared values (sorted) and the Rust name of their type.
    id_kinds: BTreeMap<String, (Vec<String>, String)>,
}

/// Every object a service's pages name, by type name, with each place's shape.
#[derive(Debug, Default)]
pub struct Occurrences {
    shapes: BTreeMap<String, Vec<(Place, Map, Vec<PageField>)>>,
    /// Id-kind query parameters by name, as each page gives them.
    id_kinds: BTreeMap<String, Vec<PageField>>,
}

impl Occurrences {
    /// Records every named object of a field tree, and the id-kind parameters of a query.
    pub fn record(&mut self, fields: &[PageField], place: Place) {
        for field in fields.iter().filter(|field| place == Place::Query && is_id_kind(field)) {
            self.id_kinds.entry(field.name.clone()).or_default().push(field.clone());
        }
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

    /// For each name, the shape most of its places give it (examples aside), shared when two places or
    /// more give it, and the next one of one side (below the module's docs); `existing` is the service's
    /// `types.yaml`, whose names may not be redefined.
    pub fn decide(&self, existing: Option<&TypesSpec>) -> SharedTypes {
        let mut taken: Vec<String> = existing
            .map(|types| types.types.keys().cloned().collect())
            .unwrap_or_default();
        taken.extend(lark_spec::RESERVED_TYPE_NAMES.iter().map(|name| (*name).to_owned()));
        // A variant's name must not be another page type's name either.
        let plain: Vec<String> = self.shapes.keys().map(|name| rust_name_of(name)).collect();
        let mut shared = SharedTypes::default();
        let mut chosen: Vec<(&str, String, usize)> = Vec::new();
        for (type_name, places) in &self.shapes {
            let base = rust_name_of(type_name);
            for (index, shape, suffix) in shared_shapes(places) {
                let rust_name = format!("{base}{suffix}");
                let free = !taken.contains(&rust_name) && (suffix.is_empty() || !plain.contains(&rust_name));
                if free {
                    shared
                        .names
                        .entry(type_name.clone())
                        .or_default()
                        .push((rust_name.clone(), shape));
                    chosen.push((type_name, rust_name, index));
                }
            }
        }
        // The shared types' own fields refer to the other shared types.
        for (type_name, rust_name, index) in chosen {
            let (place, _, fields) = &self.shapes[type_name][index];
            let schema = field_map(fields, *place, &shared, &mut Vec::new());
            let mut object = Map::new();
            object.insert("type".to_owned(), Node::Word("object".to_owned()));
            object.insert("fields".to_owned(), Node::Map(schema));
            shared.types.insert(rust_name, object);
        }
        self.decide_id_kinds(existing, &mut shared);
        shared
    }

    /// An id-kind parameter refers to the service's type of its name when their values are the same;
    /// otherwise the value set most pages give (two at least) becomes a new type of that name.
    fn decide_id_kinds(&self, existing: Option<&TypesSpec>, shared: &mut SharedTypes) {
        for (param, fields) in &self.id_kinds {
            let rust_name = param.to_upper_camel_case();
            let named = existing.and_then(|types| types.types.get(&rust_name));
            if let Some(named) = named {
                if let Some(values) = string_values(named) {
                    shared.id_kinds.insert(param.clone(), (values, rust_name));
                }
                continue;
            }
            let free =
                !shared.types.contains_key(&rust_name) && !lark_spec::RESERVED_TYPE_NAMES.contains(&rust_name.as_str());
            let mut counts: BTreeMap<Vec<String>, (usize, &PageField)> = BTreeMap::new();
            for field in fields {
                counts.entry(sorted_values(field)).or_insert((0, field)).0 += 1;
            }
            let most = counts
                .into_iter()
                .filter(|(_, (count, _))| *count >= 2)
                .max_by_key(|(_, (count, _))| *count);
            if let (true, Some((values, (_, field)))) = (free, most) {
                let mut schema = Map::new();
                schema.insert("type".to_owned(), Node::Word("string".to_owned()));
                schema.insert(
                    "enum".to_owned(),
                    Node::Value(enum_values(field, "string", &mut Vec::new())),
                );
                shared.types.insert(rust_name.clone(), schema);
                shared.id_kinds.insert(param.clone(), (values, rust_name));
            }
        }
    }
}

/// The shapes of a name that are shared, each with the index of its first place and the suffix of its
/// type's name: the one most places give (two at least; on a tie an answer's, then the earliest), with no
/// suffix; then the most common other one that two places give, all requests (`Input`) or all answers
/// (`Output`).
fn shared_shapes(places: &[(Place, Map, Vec<PageField>)]) -> Vec<(usize, Map, &'static str)> {
    let shapes: Vec<Map> = places.iter().map(|(_, shape, _)| without_examples(shape)).collect();
    // On a tie the answers' shape wins: the plain name goes to what the server sends.
    let most_common = |skip: Option<&Map>| {
        let mut best: Option<(usize, (usize, bool))> = None;
        for (index, shape) in shapes.iter().enumerate() {
            let rank = (
                shapes.iter().filter(|other| *other == shape).count(),
                places[index].0 == Place::Answer,
            );
            if rank.0 >= 2 && Some(shape) != skip && best.is_none_or(|(_, most)| rank > most) {
                best = Some((index, rank));
            }
        }
        best.map(|(index, _)| index)
    };
    let Some(first) = most_common(None) else {
        return Vec::new();
    };
    let mut shared = vec![(first, shapes[first].clone(), "")];
    if let Some(second) = most_common(Some(&shapes[first])) {
        let sides: Vec<bool> = (0..places.len())
            .filter(|index| shapes[*index] == shapes[second])
            .map(|index| places[index].0 == Place::Answer)
            .collect();
        match (sides.iter().all(|answer| !answer), sides.iter().all(|answer| *answer)) {
            (true, _) => shared.push((second, shapes[second].clone(), "Input")),
            (_, true) => shared.push((second, shapes[second].clone(), "Output")),
            _ => {}
        }
    }
    shared
}

/// The Rust name of a page's type name (`text_style` → `TextStyle`).
fn rust_name_of(type_name: &str) -> String {
    type_name.replace('.', "_").to_upper_camel_case()
}

/// A query parameter naming which kind of id other parameters or the answer use.
fn is_id_kind(field: &PageField) -> bool {
    field.name.ends_with("_id_type")
        && !field.values.is_empty()
        && field.children.is_empty()
        && field.bounds == Bounds::default()
        && matches!(field.ty, PageType::String | PageType::Enum)
}

fn sorted_values(field: &PageField) -> Vec<String> {
    let mut values = field.values.clone();
    values.sort();
    values
}

/// The values of a named string enum, sorted.
fn string_values(schema: &lark_spec::model::Schema) -> Option<Vec<String>> {
    let mut values: Vec<String> = schema
        .values
        .as_ref()?
        .iter()
        .map(|value| value.value.as_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    values.sort();
    Some(values)
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
    /// The shared type an object named `type_name` with these fields, at `place`, is, if any.
    pub fn shared_name(&self, type_name: &str, place: Place, fields: &[PageField]) -> Option<&str> {
        let variants = self.names.get(type_name)?;
        let shape = without_examples(&field_map(fields, place, &SharedTypes::default(), &mut Vec::new()));
        variants
            .iter()
            .find(|(_, shared)| *shared == shape)
            .map(|(name, _)| name.as_str())
    }

    /// The shared type of an id-kind query parameter, when it has the shared values.
    pub fn id_kind(&self, field: &PageField) -> Option<String> {
        if !is_id_kind(field) {
            return None;
        }
        let (values, name) = self.id_kinds.get(&field.name)?;
        (*values == sorted_values(field)).then(|| name.clone())
    }
}
