//! App credentials and access tokens: secrets that never print.

use std::fmt;
use std::sync::Arc;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// The app id and app secret of a self-built app. `Debug` shows the id only.
#[derive(Clone)]
pub struct AppCredentials {
    app_id: String,
    app_secret: SecretString,
}

impl AppCredentials {
    /// Credentials from the developer console's "Credentials & Basic Info" page.
    pub fn new(app_id: impl Into<String>, app_secret: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret: SecretString::from(app_secret.into()),
        }
    }

    /// The app id (not a secret).
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    pub(crate) fn app_secret(&self) -> &str {
        self.app_secret.expose_secret()
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("app_secret", &"[redacted]")
            .finish()
    }
}

/// An access token. `Debug` and `Display` never show it; it leaves the process only in the
/// `Authorization` header, which is made once per token (marked sensitive) and shared by every call.
#[derive(Clone)]
pub struct AccessToken(Arc<TokenInner>);

struct TokenInner {
    secret: SecretString,
    /// `Bearer <token>`, or `None` when the token holds bytes a header cannot carry.
    header: Option<HeaderValue>,
}

impl AccessToken {
    /// Wraps a token value.
    pub fn new(value: impl Into<String>) -> Self {
        Self::from_secret(SecretString::from(value.into()))
    }

    fn from_secret(secret: SecretString) -> Self {
        let header = HeaderValue::from_str(&format!("Bearer {}", secret.expose_secret()))
            .ok()
            .map(|mut value| {
                value.set_sensitive(true);
                value
            });
        Self(Arc::new(TokenInner { secret, header }))
    }

    /// The token itself, for a request you send yourself. Named like `secrecy`'s accessor so that
    /// each place a token leaves its wrapper is easy to find; never log it.
    pub fn expose_secret(&self) -> &str {
        self.0.secret.expose_secret()
    }

    /// The `Authorization` header value.
    pub(crate) fn authorization(&self) -> Option<&HeaderValue> {
        self.0.header.as_ref()
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// A string field that holds a credential (an app secret, an access token) in generated requests and
/// responses. It is sent and read as a plain JSON string, but `Debug` never shows it.
#[derive(Clone)]
pub struct SecretText(SecretString);

impl SecretText {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret itself: use it, do not log it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for SecretText {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretText {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl PartialEq for SecretText {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl serde::Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> serde::Deserialize<'de> for SecretText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

impl crate::wire::WireText for SecretText {
    fn wire_text(&self) -> String {
        self.expose_secret().to_owned()
    }
}

impl From<SecretText> for AccessToken {
    fn from(value: SecretText) -> Self {
        Self::from_secret(value.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_travel_as_plain_strings_but_never_print() {
        let secret: SecretText = serde_json::from_str(r#""s3cr3t""#).unwrap();
        assert_eq!(serde_json::to_string(&secret).unwrap(), r#""s3cr3t""#);
        assert_eq!(format!("{secret:?}"), "[redacted]");
        let credentials = AppCredentials::new("cli_1", "s3cr3t");
        assert!(!format!("{credentials:?}").contains("s3cr3t"));
    }
}
