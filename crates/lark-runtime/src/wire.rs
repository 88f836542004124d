//! Wire formats shared by generated code: 64-bit integers carried as strings, query values, path
//! parameters and lenient decoding of `null`.

use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 64-bit integer that JSON carries as a string, as the platform does for ids. Reads a string or a
/// number; writes a string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StringI64(pub i64);

impl From<i64> for StringI64 {
    fn from(value: i64) -> Self {
        Self(value)
    }
}

impl From<StringI64> for i64 {
    fn from(value: StringI64) -> Self {
        value.0
    }
}

impl fmt::Display for StringI64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for StringI64 {
    type Err = std::num::ParseIntError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Self)
    }
}

impl Serialize for StringI64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for StringI64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Number(i64),
            Text(String),
        }
        match Wire::deserialize(deserializer)? {
            Wire::Number(value) => Ok(Self(value)),
            Wire::Text(text) => text.parse().map(Self).map_err(|_| {
                serde::de::Error::custom(format_args!("expected a 64-bit integer in a string, got {text:?}"))
            }),
        }
    }
}

impl From<StringI64> for crate::validate::Number {
    fn from(value: StringI64) -> Self {
        Self::Int(value.0)
    }
}

/// A request's path and query parameters as text, in spec order: what a generated
/// [`Endpoint::parameters`](crate::Endpoint::parameters) fills in, one call per parameter.
#[derive(Debug, Default)]
pub struct Parameters {
    path: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
}

impl Parameters {
    /// Sets the path parameter `name`; it is percent-encoded when the path is filled in.
    pub fn path(&mut self, name: &'static str, value: &dyn fmt::Display) {
        self.path.push((name, value.to_string()));
    }

    /// Adds the query parameter `name` once per value: none for an unset optional, one per item of a list.
    pub fn query<'a, T: fmt::Display + 'a>(&mut self, name: &'static str, values: impl IntoIterator<Item = &'a T>) {
        self.query
            .extend(values.into_iter().map(|value| (name, value.to_string())));
    }

    /// `template` with its `:name` segments filled in and percent-encoded.
    pub fn fill(&self, template: &str) -> String {
        fill_path(template, &self.path)
    }

    /// The query pairs, in order.
    pub fn into_query(self) -> Vec<(&'static str, String)> {
        self.query
    }
}

/// A value that can stand in a query string or a path.
pub trait WireText {
    /// The value as text on the wire.
    fn wire_text(&self) -> String;
}

macro_rules! wire_text_by_display {
    ($($ty:ty),*) => {$(
        impl WireText for $ty {
            fn wire_text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

wire_text_by_display!(String, bool, i32, i64, f64, StringI64);

/// Characters left as they are in a path segment (RFC 3986 unreserved); everything else is escaped,
/// `/` included, so a parameter cannot change the path.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Fills the `:name` segments of a path template with percent-encoded values.
pub fn fill_path(template: &str, parameters: &[(&str, String)]) -> String {
    template
        .split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) => match parameters.iter().find(|(key, _)| *key == name) {
                Some((_, value)) => utf8_percent_encode(value, PATH_SEGMENT).to_string(),
                None => segment.to_owned(),
            },
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads `null` as the type's default, for servers that send `null` where a list belongs.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_i64_reads_strings_and_numbers_and_writes_strings() {
        let from_text: StringI64 = serde_json::from_str("\"6709359313699356941\"").unwrap();
        let from_number: StringI64 = serde_json::from_str("6709359313699356941").unwrap();
        assert_eq!(from_text, StringI64(6709359313699356941));
        assert_eq!(from_number, from_text);
        assert_eq!(serde_json::to_string(&from_text).unwrap(), "\"6709359313699356941\"");
        assert!(serde_json::from_str::<StringI64>("\"12x\"").is_err());
    }

    #[test]
    fn path_parameters_are_escaped_whole() {
        let path = fill_path(
            "/open-apis/attendance/v1/user_flows/:user_flow_id",
            &[("user_flow_id", "a/b c?".into())],
        );
        assert_eq!(path, "/open-apis/attendance/v1/user_flows/a%2Fb%20c%3F");
    }
}
