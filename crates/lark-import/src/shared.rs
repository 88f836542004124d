//! Objects several pages of a service share: one named type in the service's `types.yaml`, by the
//! page's type name, for the shape that most places naming it give it (two at least). A place that gives
//! the name another shape (a request's required flags, an answer with more fields) keeps its own object. Id-kind query parameters
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
    /// Page type name → Rust name and the shared shape (examples aside), for the shared ones.
    names: BTreeMap<String, (String, Map)>,
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
    /// more give it; `existing` is the service's `types.yaml`, whose names may not be redefined.
    pub fn decide(&self, existing: Option<&TypesSpec>) -> SharedTypes {
        let taken: Vec<String> = existing
            .map(|types| types.types.keys().cloned().collect())
            .unwrap_or_default();
        let mut shared = SharedTypes::default();
        let mut chosen: BTreeMap<&str, usize> = BTreeMap::new();
        for (type_name, places) in &self.shapes {
            let rust_name = type_name.replace('.', "_").to_upper_camel_case();
            let free = !taken.contains(&rust_name) && !lark_spec::RESERVED_TYPE_NAMES.contains(&rust_name.as_str());
            if let (true, Some((index, shape))) = (free, most_common_shape(places)) {
                shared.names.insert(type_name.clone(), (rust_name, shape));
                chosen.insert(type_name, index);
            }
        }
        // The shared types' own fields refer to the other shared types.
        for (type_name, index) in chosen {
            let (place, _, fields) = &self.shapes[type_name][index];
            let schema = field_map(fields, *place, &shared, &mut Vec::new());
            let mut object = Map::new();
            object.insert("type".to_owned(), Node::Word("object".to_owned()));
            object.insert("fields".to_owned(), Node::Map(schema));
            let rust_name = shared.rust_name(type_name);
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

/// The shape (examples aside) most places give, with the index of its first place, when two places or
/// more give it; the earliest such shape on a tie.
fn most_common_shape(places: &[(Place, Map, Vec<PageField>)]) -> Option<(usize, Map)> {
    let shapes: Vec<Map> = places.iter().map(|(_, shape, _)| without_examples(shape)).collect();
    let count = |shape: &Map| shapes.iter().filter(|other| *other == shape).count();
    let mut best: Option<(usize, usize)> = None;
    for (index, shape) in shapes.iter().enumerate() {
        let places = count(shape);
        if places >= 2 && best.is_none_or(|(_, most)| places > most) {
            best = Some((index, places));
        }
    }
    best.map(|(index, _)| (index, shapes[index].clone()))
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
    /// Whether an object named `type_name` with these fields, at `place`, is the shared type of that name.
    pub fn is_shared(&self, type_name: &str, place: Place, fields: &[PageField]) -> bool {
        self.names.get(type_name).is_some_and(|(_, shape)| {
            without_examples(&field_map(fields, place, &SharedTypes::default(), &mut Vec::new())) == *shape
        })
    }

    /// The Rust name of a shared type.
    pub fn rust_name(&self, type_name: &str) -> String {
        self.names
            .get(type_name)
            .map(|(name, _)| name.clone())
            .unwrap_or_default()
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
