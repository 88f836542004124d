//! Reads one YAML document into the model, collecting every unknown key instead of stopping at the first.

use std::fmt;

use serde::de::{self, DeserializeOwned, Visitor};

use crate::locate::Location;
use crate::model::{
    AuthSpec, EndpointSpec, EnumValue, ErrorSpec, EventSpec, HttpSpec, PartialFailureSpec, RateLimitItem, RequestSpec,
    ResponseSpec, Schema, ServiceSpec, TypesSpec,
};
use crate::path::{FieldPath, Segment};
use crate::validate::Problem;

/// A document that could not be read at all: bad YAML syntax, or a value of the wrong type.
pub(crate) struct Unreadable {
    pub location: Location,
    pub field: String,
    pub message: String,
}

/// The kinds of document under `specs/`.
#[derive(Clone, Copy)]
pub(crate) enum DocumentKind {
    Endpoint,
    Types,
    Event,
    Service,
}

/// Whether `text` declares itself an event spec (`kind: event` at the top). A document that does not
/// parse at all is not one: the endpoint parse then reports why.
pub(crate) fn declares_event(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(default)]
        kind: Option<String>,
    }
    serde_yaml::from_str::<Kind>(text).is_ok_and(|doc| doc.kind.as_deref() == Some("event"))
}

/// Parses `text`; unknown keys come back as problems beside the value.
pub(crate) fn parse<T: DeserializeOwned>(text: &str, kind: DocumentKind) -> Result<(T, Vec<Problem>), Unreadable> {
    let mut unknown = Vec::new();
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let value =
        serde_ignored::deserialize(deserializer, |path| unknown.push(to_field_path(&path))).map_err(unreadable)?;
    let problems = unknown
        .into_iter()
        .map(|path| {
            let key = match path.segments().last() {
                Some(Segment::Key(key)) => key.clone(),
                _ => String::new(),
            };
            let expected = path
                .parent()
                .map(|parent| expected_keys(&parent, kind))
                .unwrap_or_default();
            Problem::new(
                path,
                format!("unknown key `{key}`; expected one of: {}", expected.join(", ")),
            )
        })
        .collect();
    Ok((value, problems))
}

fn unreadable(error: serde_yaml::Error) -> Unreadable {
    let location = error
        .location()
        .map(|l| Location {
            line: l.line(),
            column: l.column(),
        })
        .unwrap_or(Location { line: 1, column: 1 });
    // serde_yaml writes "<path>: <message> at line L column C"; we report path and position on their own.
    let mut message = error.to_string();
    if let Some(l) = error.location() {
        let suffix = format!(" at line {} column {}", l.line(), l.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_owned();
        }
    }
    let (field, message) = match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') => (path.to_owned(), rest.to_owned()),
        _ => (String::new(), message),
    };
    Unreadable {
        location,
        field,
        message,
    }
}

fn to_field_path(path: &serde_ignored::Path<'_>) -> FieldPath {
    use serde_ignored::Path;
    match path {
        Path::Root => FieldPath::root(),
        Path::Seq { parent, index } => to_field_path(parent).index(*index),
        Path::Map { parent, key } => to_field_path(parent).key(key.clone()),
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            to_field_path(parent)
        }
    }
}

/// The keys a mapping at `parent` may have, read from the model's own serde field lists.
fn expected_keys(parent: &FieldPath, kind: DocumentKind) -> Vec<&'static str> {
    let keys: Vec<&str> = parent
        .segments()
        .iter()
        .map(|s| match s {
            Segment::Key(key) => key.as_str(),
            Segment::Index(_) => "[]",
        })
        .collect();
    let fields = match (kind, keys.as_slice()) {
        (DocumentKind::Endpoint, []) => struct_fields::<EndpointSpec>(),
        (DocumentKind::Types, []) => struct_fields::<TypesSpec>(),
        (DocumentKind::Event, []) => struct_fields::<EventSpec>(),
        (DocumentKind::Service, []) => struct_fields::<ServiceSpec>(),
        (DocumentKind::Endpoint, ["http"]) => struct_fields::<HttpSpec>(),
        (DocumentKind::Endpoint, ["auth"]) => struct_fields::<AuthSpec>(),
        (DocumentKind::Endpoint, ["rate_limit", "[]"]) => struct_fields::<RateLimitItem>(),
        (DocumentKind::Endpoint, ["request"]) => struct_fields::<RequestSpec>(),
        (DocumentKind::Endpoint, ["response"]) => struct_fields::<ResponseSpec>(),
        (DocumentKind::Endpoint, ["response", "partial_failure"]) => struct_fields::<PartialFailureSpec>(),
        (DocumentKind::Endpoint, ["errors", "[]"]) => struct_fields::<ErrorSpec>(),
        (_, [.., "enum", "[]"]) => struct_fields::<EnumValue>(),
        _ => struct_fields::<Schema>(),
    };
    fields.to_vec()
}

/// The field names serde derives for `T`, taken from its `deserialize_struct` call.
fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields = None;
    let _ = T::deserialize(FieldRecorder { fields: &mut fields });
    fields.unwrap_or(&[])
}

struct FieldRecorder<'a> {
    fields: &'a mut Option<&'static [&'static str]>,
}

#[derive(Debug)]
struct Recorded;

impl fmt::Display for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names recorded")
    }
}

impl std::error::Error for Recorded {}

impl de::Error for Recorded {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Recorded
    }
}

impl<'de> de::Deserializer<'de> for FieldRecorder<'_> {
    type Error = Recorded;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Recorded> {
        Err(Recorded)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Recorded> {
        *self.fields = Some(fields);
        Err(Recorded)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_model_fields() {
        assert_eq!(struct_fields::<HttpSpec>(), ["method", "path"]);
        assert!(struct_fields::<Schema>().contains(&"max_items"));
    }

    #[test]
    fn reports_every_unknown_key_with_its_path() {
        let text = "code: 1\nhttp_status: 400\nname: A\nmessage: m\nretryable: false\ncolour: red\nsize: 3\n";
        let (_, problems) = parse::<ErrorSpec>(text, DocumentKind::Endpoint).ok().unwrap();
        let paths: Vec<String> = problems.iter().map(|p| p.path.to_string()).collect();
        assert_eq!(paths, ["colour", "size"]);
    }

    #[test]
    fn a_wrong_type_is_unreadable_with_its_position() {
        let Err(error) = parse::<ErrorSpec>("code: one\n", DocumentKind::Endpoint) else {
            panic!("parsed")
        };
        assert_eq!((error.location.line, error.location.column), (1, 7));
        assert_eq!(error.field, "code");
        assert!(error.message.contains("invalid type"), "{}", error.message);
    }
}
