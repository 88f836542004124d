//! Requests seen from the server's side: decoding what a client sent (path parameters, query string,
//! JSON body) into a generated request type, with the same validation the builder applies.
//!
//! The local emulator answers with this, and so can a user's own test server: a request the decoder
//! rejects is one the platform would reject, and the error names the field.

use serde::de::DeserializeOwned;

use crate::files::UploadFile;

use crate::endpoint::Endpoint;
use crate::validate::{FieldPath, ValidationError, Violation, ViolationKind, Violations};

/// A generated request type that can be read back from the HTTP request a client sent.
pub trait Incoming: Endpoint + Sized {
    /// Decodes and validates: every missing field, wrong type and violated constraint is reported.
    fn from_incoming(request: &IncomingRequest<'_>) -> Result<Self, ValidationError>;
}

/// The parts of an HTTP request that carry an endpoint's parameters.
#[derive(Debug, Clone, Copy)]
pub struct IncomingRequest<'a> {
    path_params: &'a [(String, String)],
    query: &'a [(String, String)],
    body: &'a [u8],
    files: &'a [(String, UploadFile)],
}

impl<'a> IncomingRequest<'a> {
    /// Path parameters (already percent-decoded, by name), query pairs (decoded, in order) and the raw body.
    pub fn new(path_params: &'a [(String, String)], query: &'a [(String, String)], body: &'a [u8]) -> Self {
        Self {
            path_params,
            query,
            body,
            files: &[],
        }
    }

    /// The same request with the file parts of a multipart/form-data body, by field name.
    pub fn with_files(self, files: &'a [(String, UploadFile)]) -> Self {
        Self { files, ..self }
    }

    /// The file part named `name`, if the body has one.
    pub fn file(&self, name: &str) -> Option<UploadFile> {
        self.files
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, file)| file.clone())
    }

    /// The JSON body as `T`; an empty body reads as `{}`. A body that is not JSON, or a value of the wrong
    /// type, is recorded at the path where decoding stopped, and gives `None`: nothing more can be said of
    /// its fields.
    pub fn body<T: DeserializeOwned>(&self, violations: &mut Violations) -> Option<T> {
        let text: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            self.body
        };
        let mut deserializer = serde_json::Deserializer::from_slice(text);
        let decoded = serde_path_to_error::deserialize::<_, T>(&mut deserializer);
        match decoded {
            Ok(value) => match deserializer.end() {
                Ok(()) => Some(value),
                Err(error) => {
                    violations.malformed("body", error.to_string());
                    None
                }
            },
            Err(error) => {
                let path = error.path().to_string();
                let field = if path == "." { "body".to_owned() } else { path };
                violations.malformed(field, error.into_inner().to_string());
                None
            }
        }
    }

    /// The path parameter `name`, parsed as `T`; recorded as malformed when it does not parse.
    pub fn path_param<T: DeserializeOwned>(&self, name: &'static str, violations: &mut Violations) -> Option<T> {
        let value = self.path_params.iter().find(|(key, _)| key == name)?;
        parse_text(&FieldPath::root().field(name), &value.1, violations)
    }

    /// The first value of the query parameter `name`, parsed as `T`.
    pub fn query_one<T: DeserializeOwned>(&self, name: &'static str, violations: &mut Violations) -> Option<T> {
        let value = self.query.iter().find(|(key, _)| key == name)?;
        parse_text(&FieldPath::root().field(name), &value.1, violations)
    }

    /// Every value of the repeated query parameter `name`, parsed as `T`; `None` when it is absent.
    pub fn query_all<T: DeserializeOwned>(&self, name: &'static str, violations: &mut Violations) -> Option<Vec<T>> {
        let root = FieldPath::root();
        let at = root.field(name);
        let values: Vec<T> = self
            .query
            .iter()
            .filter(|(key, _)| key == name)
            .enumerate()
            .filter_map(|(index, (_, value))| parse_text(&at.index(index), value, violations))
            .collect();
        (!values.is_empty()).then_some(values)
    }
}

/// The result of decoding: the builder's verdict, with what decoding found wrong before it. A field that
/// could not be read is reported as malformed, not also as missing.
pub fn finish<T>(decoding: Violations, built: Result<T, ValidationError>) -> Result<T, ValidationError> {
    let type_name = crate::validate::short_type_name::<T>();
    let decoding = match decoding.into_result(type_name) {
        Ok(()) => return built,
        Err(error) => error,
    };
    let mut violations = decoding.violations;
    if let Err(built) = built {
        let already = |field: &str| violations.iter().any(|v| v.field == field);
        let more: Vec<Violation> = built
            .violations
            .into_iter()
            .filter(|v| !(v.kind == ViolationKind::Missing && already(&v.field)))
            .collect();
        violations.extend(more);
    }
    Err(ValidationError { type_name, violations })
}

/// Text from a URL as a typed value: strings (and enums and string-carried ids) as they are, numbers and
/// booleans by their JSON spelling.
fn parse_text<T: DeserializeOwned>(at: &FieldPath<'_>, text: &str, violations: &mut Violations) -> Option<T> {
    let as_string = serde_json::Value::String(text.to_owned());
    if let Ok(value) = serde_json::from_value::<T>(as_string) {
        return Some(value);
    }
    match serde_json::from_str::<T>(text.trim()) {
        Ok(value) => Some(value),
        Err(_) => {
            violations.malformed(at.to_string(), format!("`{text}` is not a value of the expected type"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        #[serde(default)]
        ids: Option<Vec<String>>,
    }

    fn violations_of(run: impl FnOnce(&mut Violations)) -> Vec<String> {
        let mut violations = Violations::default();
        run(&mut violations);
        match violations.into_result("T") {
            Ok(()) => Vec::new(),
            Err(error) => error.violations.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_wrong_type_names_the_field_and_index() {
        let found = violations_of(|v| {
            let body: Option<Body> = IncomingRequest::new(&[], &[], br#"{"ids": ["1", 2]}"#).body(v);
            assert_eq!(body, None);
        });
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("ids[1]: is malformed: invalid type: integer `2`"),
            "{found:?}"
        );
    }

    #[test]
    fn an_empty_body_is_an_empty_object_and_garbage_is_reported() {
        assert!(
            violations_of(|v| {
                let body: Option<Body> = IncomingRequest::new(&[], &[], b"  ").body(v);
                assert_eq!(body, Some(Body { ids: None }));
            })
            .is_empty()
        );
        let found = violations_of(|v| {
            let _: Option<Body> = IncomingRequest::new(&[], &[], b"{\"ids\": []} trailing").body(v);
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("body: is malformed: trailing characters"),
            "{found:?}"
        );
    }

    #[test]
    fn url_text_parses_as_strings_numbers_and_booleans() {
        let query = [("flag".to_owned(), "true".to_owned()), ("n".to_owned(), "x".to_owned())];
        let request = IncomingRequest::new(&[], &query, b"");
        let found = violations_of(|v| {
            assert_eq!(request.query_one::<bool>("flag", v), Some(true));
            assert_eq!(request.query_one::<String>("flag", v).as_deref(), Some("true"));
            assert_eq!(request.query_one::<i32>("n", v), None);
            assert_eq!(request.query_one::<i32>("absent", v), None);
        });
        assert_eq!(found, ["n: is malformed: `x` is not a value of the expected type"]);
    }
}
