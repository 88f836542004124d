//! Finds the line and column of a [`FieldPath`] in YAML text.
//!
//! serde_yaml keeps no positions after a successful parse, but it stamps every error with the position
//! of the node being read. So to find a node we read the text again with a seed that walks to that
//! node and fails there on purpose; the error's position is the node's. Specs are small and this only
//! runs for files that have problems.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::path::{FieldPath, Segment};

/// A one-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

const FOUND: &str = "lark-spec locate: found";

/// The position of the key that ends `path` (or of the item, for an index), falling back to the nearest
/// ancestor that exists; the start of the text when nothing matches.
pub fn locate(text: &str, path: &FieldPath) -> Location {
    let mut path = Some(path.clone());
    while let Some(current) = path {
        if let Some(location) = locate_exact(text, current.segments()) {
            return location;
        }
        path = current.parent();
    }
    Location { line: 1, column: 1 }
}

fn locate_exact(text: &str, path: &[Segment]) -> Option<Location> {
    let error = Probe { path }
        .deserialize(serde_yaml::Deserializer::from_str(text))
        .err()?;
    if !error.to_string().contains(FOUND) {
        return None;
    }
    let location = error.location()?;
    Some(Location {
        line: location.line(),
        column: location.column(),
    })
}

/// Walks to `path` and fails there. A path ending in a key fails while reading that key.
struct Probe<'a> {
    path: &'a [Segment],
}

impl Probe<'_> {
    fn found_here<E: de::Error>(&self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(FOUND))
        } else {
            Ok(())
        }
    }
}

impl<'de> DeserializeSeed<'de> for Probe<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Probe<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.found_here()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.found_here()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.found_here()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.found_here()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.found_here()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.found_here()
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let Segment::Key(wanted) = first else { return Ok(()) };
        let fail_on_key = rest.is_empty().then_some(wanted.as_str());
        while let Some(key) = map.next_key_seed(KeyProbe { fail_on: fail_on_key })? {
            if key == *wanted {
                return map.next_value_seed(Probe { path: rest });
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let Segment::Index(wanted) = first else { return Ok(()) };
        for _ in 0..*wanted {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        seq.next_element_seed(Probe { path: rest }).map(|_| ())
    }
}

/// Reads a mapping key, failing on the one being looked for.
struct KeyProbe<'a> {
    fail_on: Option<&'a str>,
}

impl<'de> DeserializeSeed<'de> for KeyProbe<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeyProbe<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<String, E> {
        if self.fail_on == Some(key) {
            Err(E::custom(FOUND))
        } else {
            Ok(key.to_owned())
        }
    }
    fn visit_i64<E: de::Error>(self, key: i64) -> Result<String, E> {
        self.visit_str(&key.to_string())
    }
    fn visit_u64<E: de::Error>(self, key: u64) -> Result<String, E> {
        self.visit_str(&key.to_string())
    }
    fn visit_bool<E: de::Error>(self, key: bool) -> Result<String, E> {
        self.visit_str(&key.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
service: attendance
request:
  body:
    record_ids:
      type: array
      max_items: 10
      items: { type: string, min_length: 1 }
      example: [\"1\", \"2\"]
errors:
  - code: 1
  - code: 2
";

    fn path(keys: &[&str]) -> FieldPath {
        keys.iter()
            .fold(FieldPath::root(), |path, key| match key.parse::<usize>() {
                Ok(index) => path.index(index),
                Err(_) => path.key(*key),
            })
    }

    fn at(line: usize, column: usize) -> Location {
        Location { line, column }
    }

    #[test]
    fn finds_keys_in_block_and_flow_mappings() {
        assert_eq!(
            locate(TEXT, &path(&["request", "body", "record_ids", "max_items"])),
            at(6, 7)
        );
        assert_eq!(
            locate(TEXT, &path(&["request", "body", "record_ids", "items", "min_length"])),
            at(7, 30)
        );
        assert_eq!(locate(TEXT, &path(&["errors", "1", "code"])), at(11, 5));
    }

    #[test]
    fn finds_sequence_items() {
        assert_eq!(
            locate(TEXT, &path(&["request", "body", "record_ids", "example", "1"])),
            at(8, 22)
        );
    }

    #[test]
    fn falls_back_to_the_nearest_existing_ancestor() {
        assert_eq!(
            locate(TEXT, &path(&["request", "body", "record_ids", "nope"])),
            at(4, 5)
        );
        assert_eq!(locate(TEXT, &path(&["nothing", "here"])), at(1, 1));
    }
}
