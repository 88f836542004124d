//! Lenient decoding of scalars in answers and events: the platform sometimes sends a 64-bit number
//! where its page says string (an id, a timestamp), or a string of digits where it says integer.
//!
//! The runtime reads every answer and event through [`LenientDeserializer`], a deserializer adapter
//! that accepts both spellings at any depth and keeps the declared Rust type. Doing it in the
//! deserializer rather than with a `deserialize_with` attribute on each field keeps the generated
//! types plain derives: a per-field attribute makes serde emit a wrapper type per field, which was
//! about 40 % of the client's compile time.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde::{Deserialize, de::DeserializeOwned};

/// Reads `T` from JSON bytes, scalars leniently: what the runtime does with every answer.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(LenientDeserializer(&mut deserializer))?;
    deserializer.end()?;
    Ok(value)
}

/// Reads `T` from a JSON value, scalars leniently: what the runtime does with every event.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> serde_json::Result<T> {
    T::deserialize(LenientDeserializer(value))
}

/// For `#[serde(deserialize_with = "lenient")]` on a field read outside the adapter (a multipart
/// request's text parts, which arrive as strings whatever their type).
pub fn lenient<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<T, D::Error> {
    T::deserialize(LenientDeserializer(deserializer))
}

/// A deserializer that reads a number where a string is asked for and a string of digits where a
/// number is asked for, and hands the same leniency to everything nested in what it reads.
#[derive(Debug)]
pub struct LenientDeserializer<D>(pub D);

/// What the value being read was declared as: the other spelling it may arrive in.
#[derive(Clone, Copy, PartialEq)]
enum Asked {
    /// Anything else: read as it comes, nested values leniently.
    Other,
    /// A string: a number arrives as its digits.
    Text,
    /// An integer: a string arrives holding its digits.
    Integer,
    /// A floating-point number: a string arrives holding it.
    Float,
}

/// Wraps the visitor the type gave, converting the other spelling and wrapping what is nested.
struct Lenient<V> {
    visitor: V,
    asked: Asked,
}

impl<V> Lenient<V> {
    fn new(visitor: V, asked: Asked) -> Self {
        Self { visitor, asked }
    }
}

macro_rules! forward_scalars {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.0.$visit(Lenient::new(visitor, Asked::Other))
        }
    )*};
}

macro_rules! numbers_from_text {
    ($($method:ident => $asked:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.0.deserialize_any(Lenient::new(visitor, Asked::$asked))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for LenientDeserializer<D> {
    type Error = D::Error;

    numbers_from_text! {
        deserialize_i8 => Integer, deserialize_i16 => Integer, deserialize_i32 => Integer,
        deserialize_i64 => Integer, deserialize_i128 => Integer, deserialize_u8 => Integer,
        deserialize_u16 => Integer, deserialize_u32 => Integer, deserialize_u64 => Integer,
        deserialize_u128 => Integer, deserialize_f32 => Float, deserialize_f64 => Float,
        deserialize_str => Text, deserialize_string => Text,
    }

    forward_scalars! {
        deserialize_any => deserialize_any, deserialize_bool => deserialize_bool,
        deserialize_char => deserialize_char, deserialize_bytes => deserialize_bytes,
        deserialize_byte_buf => deserialize_byte_buf, deserialize_option => deserialize_option,
        deserialize_unit => deserialize_unit, deserialize_seq => deserialize_seq,
        deserialize_map => deserialize_map,
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_unit_struct(name, Lenient::new(visitor, Asked::Other))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_newtype_struct(name, Lenient::new(visitor, Asked::Other))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Lenient::new(visitor, Asked::Other))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, Lenient::new(visitor, Asked::Other))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, Lenient::new(visitor, Asked::Other))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_enum(name, variants, Lenient::new(visitor, Asked::Other))
    }

    // Field names and skipped values hold nothing to convert.
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_identifier(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_ignored_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visits {
    ($($visit:ident($ty:ty)),* $(,)?) => {$(
        fn $visit<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.visitor.$visit(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Lenient<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(formatter)
    }

    forward_visits! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i128(i128), visit_u8(u8),
        visit_u16(u16), visit_u32(u32), visit_u128(u128), visit_f32(f32), visit_char(char),
        visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<V::Value, E> {
        match self.asked {
            Asked::Text => self.visitor.visit_string(value.to_string()),
            _ => self.visitor.visit_i64(value),
        }
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<V::Value, E> {
        match self.asked {
            Asked::Text => self.visitor.visit_string(value.to_string()),
            _ => self.visitor.visit_u64(value),
        }
    }

    // A fraction is not an id: a string field given 1.5 stays an error.
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<V::Value, E> {
        self.visitor.visit_f64(value)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<V::Value, E> {
        match self.asked {
            Asked::Integer | Asked::Float => visit_number_text(self.visitor, self.asked, value),
            _ => self.visitor.visit_str(value),
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<V::Value, E> {
        match self.asked {
            Asked::Integer | Asked::Float => visit_number_text(self.visitor, self.asked, value),
            _ => self.visitor.visit_borrowed_str(value),
        }
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<V::Value, E> {
        match self.asked {
            Asked::Integer | Asked::Float => visit_number_text(self.visitor, self.asked, &value),
            _ => self.visitor.visit_string(value),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(LenientDeserializer(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(LenientDeserializer(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(LenientDeserializer(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(LenientDeserializer(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(LenientDeserializer(data))
    }
}

/// A number that arrived as text: its value if the text holds one, else the text as it came (so the
/// type's own error names what it expected).
fn visit_number_text<'de, V: Visitor<'de>, E: de::Error>(visitor: V, asked: Asked, text: &str) -> Result<V::Value, E> {
    let trimmed = text.trim();
    if asked == Asked::Integer {
        if let Ok(value) = trimmed.parse::<i64>() {
            return visitor.visit_i64(value);
        }
        if let Ok(value) = trimmed.parse::<u64>() {
            return visitor.visit_u64(value);
        }
    } else if let Ok(value) = trimmed.parse::<f64>() {
        return visitor.visit_f64(value);
    }
    visitor.visit_str(text)
}

/// Each item of a list, read leniently.
impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for LenientDeserializer<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(LenientDeserializer(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// Each key and value of an object, read leniently.
impl<'de, A: MapAccess<'de>> MapAccess<'de> for LenientDeserializer<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(LenientDeserializer(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(LenientDeserializer(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A nested value's seed: it gets the lenient deserializer.
impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for LenientDeserializer<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(LenientDeserializer(deserializer))
    }
}

/// An enum's variant, its content read leniently.
impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for LenientDeserializer<A> {
    type Error = A::Error;
    type Variant = LenientDeserializer<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(seed)?;
        Ok((value, LenientDeserializer(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for LenientDeserializer<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(LenientDeserializer(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Lenient::new(visitor, Asked::Other))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Lenient::new(visitor, Asked::Other))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Record {
        id: String,
        #[serde(default)]
        day: Option<i32>,
        #[serde(default)]
        ids: Option<Vec<String>>,
        #[serde(default)]
        nested: Option<Vec<Inner>>,
        #[serde(default)]
        by_name: BTreeMap<String, i64>,
        #[serde(default)]
        ratio: Option<f64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        user_id: String,
        count: u32,
    }

    fn both<T: DeserializeOwned>(text: &str) -> (serde_json::Result<T>, serde_json::Result<T>) {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        (from_slice(text.as_bytes()), from_value(value))
    }

    #[test]
    fn numbers_read_as_strings_and_digit_strings_as_numbers_at_any_depth() {
        let text = r#"{"id": 6709359313699356941, "day": "20261125", "ids": [1, "2"],
            "nested": [{"user_id": 42, "count": " 7"}], "by_name": {"a": "-3"}, "ratio": "0.5"}"#;
        let (from_bytes, from_json) = both::<Record>(text);
        let record = from_bytes.unwrap();
        assert_eq!(record, from_json.unwrap());
        assert_eq!(record.id, "6709359313699356941");
        assert_eq!(record.day, Some(20261125));
        assert_eq!(record.ids, Some(vec!["1".to_owned(), "2".to_owned()]));
        assert_eq!(
            record.nested,
            Some(vec![Inner {
                user_id: "42".to_owned(),
                count: 7
            }])
        );
        assert_eq!(record.by_name["a"], -3);
        assert_eq!(record.ratio, Some(0.5));
        let (missing, _) = both::<Record>(r#"{"id": "a", "day": null}"#);
        let missing = missing.unwrap();
        assert_eq!((missing.day, missing.ids), (None, None));
    }

    #[test]
    fn what_fits_neither_spelling_is_an_error_that_names_the_expected_type() {
        for text in [
            r#"{"id": true}"#,
            r#"{"id": "a", "day": "20x"}"#,
            r#"{"id": "a", "day": 99999999999}"#,
            r#"{"id": "a", "day": "99999999999"}"#,
            r#"{"id": 1.5}"#,
            r#"{"id": "a", "nested": [{"user_id": "u", "count": -1}]}"#,
        ] {
            let (from_bytes, from_json) = both::<Record>(text);
            assert!(from_bytes.is_err() && from_json.is_err(), "{text}");
        }
        let error = from_slice::<Record>(br#"{"id": "a", "day": "20x"}"#).unwrap_err();
        assert!(error.to_string().contains("i32"), "{error}");
    }

    #[test]
    fn trailing_bytes_after_the_value_are_an_error() {
        assert!(from_slice::<Record>(br#"{"id": "a"} x"#).is_err());
    }

    #[test]
    fn untyped_values_and_enums_keep_their_shape() {
        #[derive(Debug, Deserialize, PartialEq)]
        enum Shape {
            Dot,
            Line(String),
            Box { side: i32 },
        }
        let value: serde_json::Value = from_slice(br#"{"a": [1, "2", null]}"#).unwrap();
        assert_eq!(value, serde_json::json!({"a": [1, "2", null]}));
        let shapes: Vec<Shape> = from_slice(br#"["Dot", {"Line": 5}, {"Box": {"side": "3"}}]"#).unwrap();
        assert_eq!(
            shapes,
            [Shape::Dot, Shape::Line("5".to_owned()), Shape::Box { side: 3 }]
        );
    }

    #[test]
    fn the_field_attribute_reads_the_same_way() {
        #[derive(Deserialize)]
        struct Part {
            #[serde(deserialize_with = "lenient")]
            size: i64,
        }
        let part: Part = serde_json::from_str(r#"{"size": "12"}"#).unwrap();
        assert_eq!(part.size, 12);
    }
}
