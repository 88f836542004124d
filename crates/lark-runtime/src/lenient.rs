//! Lenient decoding of scalars in answers: the platform sometimes sends a 64-bit number where its page
//! says string (an id, a timestamp), or a string of digits where it says integer. Generated response
//! types read such fields with [`lenient`], which accepts both and keeps the declared Rust type.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// Reads a field of a generated response type, accepting a number for a string and a string of digits
/// for an integer, in optional fields and lists too.
pub fn lenient<'de, D: Deserializer<'de>, T: Lenient>(deserializer: D) -> Result<T, D::Error> {
    T::deserialize_lenient(deserializer)
}

/// A type [`lenient`] can read.
pub trait Lenient: Sized {
    /// Reads the value, accepting the platform's other spelling of it.
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// A value read leniently, so that containers can read their items the same way.
struct LenientValue<T>(T);

impl<'de, T: Lenient> Deserialize<'de> for LenientValue<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_lenient(deserializer).map(LenientValue)
    }
}

impl<T: Lenient> Lenient for Option<T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<LenientValue<T>>::deserialize(deserializer)?.map(|value| value.0))
    }
}

impl<T: Lenient> Lenient for Vec<T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<LenientValue<T>>::deserialize(deserializer)?;
        Ok(items.into_iter().map(|item| item.0).collect())
    }
}

impl Lenient for String {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (or a number standing for one)")
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        Ok(value.to_owned())
    }
    fn visit_string<E: de::Error>(self, value: String) -> Result<String, E> {
        Ok(value)
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<String, E> {
        Ok(value.to_string())
    }
}

macro_rules! lenient_integer {
    ($($ty:ty),*) => {$(
        impl Lenient for $ty {
            fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(IntegerVisitor::<$ty>(PhantomData))
            }
        }
    )*};
}

lenient_integer!(i32, i64);

struct IntegerVisitor<T>(PhantomData<T>);

impl<T> Visitor<'_> for IntegerVisitor<T>
where
    T: TryFrom<i64> + TryFrom<u64> + std::str::FromStr,
{
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an integer that fits {} (or a string of its digits)",
            std::any::type_name::<T>()
        )
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Signed(value), &self))
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        value
            .trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(value), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Record {
        #[serde(deserialize_with = "lenient")]
        id: String,
        #[serde(default, deserialize_with = "lenient")]
        day: Option<i32>,
        #[serde(default, deserialize_with = "lenient")]
        ids: Option<Vec<String>>,
    }

    #[test]
    fn numbers_read_as_strings_and_digit_strings_as_integers() {
        let record: Record =
            serde_json::from_str(r#"{"id": 6709359313699356941, "day": "20261125", "ids": [1, "2"]}"#).unwrap();
        assert_eq!(record.id, "6709359313699356941");
        assert_eq!(record.day, Some(20261125));
        assert_eq!(record.ids, Some(vec!["1".to_owned(), "2".to_owned()]));
        let missing: Record = serde_json::from_str(r#"{"id": "a", "day": null}"#).unwrap();
        assert_eq!((missing.day, missing.ids), (None, None));
    }

    #[test]
    fn what_fits_neither_spelling_is_an_error() {
        assert!(serde_json::from_str::<Record>(r#"{"id": true}"#).is_err());
        assert!(serde_json::from_str::<Record>(r#"{"id": "a", "day": "20x"}"#).is_err());
        assert!(serde_json::from_str::<Record>(r#"{"id": "a", "day": 99999999999}"#).is_err());
        assert!(serde_json::from_str::<Record>(r#"{"id": 1.5}"#).is_err());
    }
}
