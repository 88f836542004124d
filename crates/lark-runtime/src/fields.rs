//! What `#[derive(DeserializeFields)]` expands to calls: serde's `Deserialize` for a struct with named
//! fields, read from a map only.
//!
//! serde's own derive writes, for every struct, a field enum with its own `Deserialize` impl and visitor,
//! and a sequence reader besides the map reader; over a thousand generated structs that was 45 % of the
//! client's expanded source, and its largest compile cost. Here the field names are one table per struct,
//! looked up by a key reader that exists once per deserializer, and a struct's own code is one `match`
//! over field positions. The wire behaves as with serde's derive on a map: unknown fields are skipped,
//! a field given twice or a required field missing is an error naming it, `null` reads as `None`.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// A struct readable field by field from a map: what `DeserializeFields` implements.
pub trait FromFields<'de>: Sized {
    /// The struct's name, for error messages.
    const NAME: &'static str;
    /// The fields' names on the wire; a key's position here is what [`FromFields::from_fields`] matches.
    const FIELDS: &'static [&'static str];

    /// Reads every entry of `map`, then builds the struct.
    fn from_fields<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// `Deserialize::deserialize` of a [`FromFields`] struct.
pub fn deserialize<'de, T: FromFields<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_struct(T::NAME, T::FIELDS, StructVisitor(PhantomData))
}

struct StructVisitor<T>(PhantomData<T>);

impl<'de, T: FromFields<'de>> Visitor<'de> for StructVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_fields(map)
    }
}

/// Position of an unknown key: no field has it.
pub const UNKNOWN: usize = usize::MAX;

/// The next key's position in `fields` ([`UNKNOWN`] when none has it), or `None` after the last entry.
pub fn next_key<'de, A: MapAccess<'de>>(
    map: &mut A,
    fields: &'static [&'static str],
) -> Result<Option<usize>, A::Error> {
    map.next_key_seed(Key(fields))
}

/// Reads a key as an identifier and finds it in the field table.
struct Key(&'static [&'static str]);

impl Key {
    fn position(&self, key: &str) -> usize {
        self.0.iter().position(|field| *field == key).unwrap_or(UNKNOWN)
    }
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = usize;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<usize, E> {
        Ok(self.position(key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<usize, E> {
        Ok(std::str::from_utf8(key).map_or(UNKNOWN, |key| self.position(key)))
    }
}

/// Reads the current entry's value into `slot`; a second value for the same field is an error.
pub fn value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the current entry's value (an unknown field).
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}

/// A required field's value, or the error naming it.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the derive writes for `struct Point { x: i64, #[serde(default)] label: Option<String> }`.
    #[derive(Debug, PartialEq)]
    struct Point {
        x: i64,
        label: Option<String>,
    }

    impl<'de> FromFields<'de> for Point {
        const NAME: &'static str = "Point";
        const FIELDS: &'static [&'static str] = &["x", "label"];

        fn from_fields<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut x: Option<i64> = None;
            let mut label: Option<Option<String>> = None;
            while let Some(position) = next_key(&mut map, Self::FIELDS)? {
                match position {
                    0 => value(&mut map, &mut x, "x")?,
                    1 => value(&mut map, &mut label, "label")?,
                    _ => skip(&mut map)?,
                }
            }
            Ok(Point {
                x: required(x, "x")?,
                label: label.unwrap_or_default(),
            })
        }
    }

    impl<'de> Deserialize<'de> for Point {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer)
        }
    }

    #[test]
    fn reads_known_fields_skips_unknown_ones_and_reads_null_as_none() {
        let point: Point = serde_json::from_str(r#"{"extra":{"a":[1]},"label":null,"x":3}"#).unwrap();
        assert_eq!(point, Point { x: 3, label: None });
        let point: Point = serde_json::from_str(r#"{"x":-1,"label":"origin"}"#).unwrap();
        assert_eq!(
            point,
            Point {
                x: -1,
                label: Some("origin".to_owned())
            }
        );
    }

    #[test]
    fn keys_that_cannot_be_borrowed_are_found_too() {
        // An escaped key, and a key from a `Value`, arrive as owned strings.
        let point: Point = serde_json::from_str(r#"{"\u0078":5}"#).unwrap();
        assert_eq!(point.x, 5);
        let point = Point::deserialize(serde_json::json!({"x": 7, "label": "seven"})).unwrap();
        assert_eq!(
            point,
            Point {
                x: 7,
                label: Some("seven".to_owned())
            }
        );
    }

    #[test]
    fn a_missing_required_field_a_repeated_field_and_a_non_map_are_errors_that_say_which() {
        let missing = serde_json::from_str::<Point>(r#"{"label":"a"}"#).unwrap_err();
        assert!(missing.to_string().contains("missing field `x`"), "{missing}");
        let twice = serde_json::from_str::<Point>(r#"{"x":1,"x":2}"#).unwrap_err();
        assert!(twice.to_string().contains("duplicate field `x`"), "{twice}");
        let list = serde_json::from_str::<Point>("[1]").unwrap_err();
        assert!(list.to_string().contains("expected struct Point"), "{list}");
    }
}
