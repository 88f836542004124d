//! App credentials and access tokens: secrets that never print.

use std::fmt;

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
/// `Authorization` header.
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl AccessToken {
    /// Wraps a token value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}
