//! The first half of a user's OAuth sign-in: the authorization page's address, with `state` and PKCE
//! (S256) always on, and the check of the redirect the browser comes back with.
//!
//! ```
//! use lark_runtime::sign_in::SignIn;
//!
//! let pending = SignIn::new("cli_a5d611352af9d00b", "http://127.0.0.1:8400/callback")
//!     .scope("contact:contact.base:readonly")
//!     .scope("offline_access")
//!     .start()?;
//! // Send the user to `pending.url()`; the browser comes back to the redirect address with the code.
//! let redirect = format!("http://127.0.0.1:8400/callback?code=abc&state={}", pending.state_for_tests());
//! let code = pending.accept_redirect(&redirect)?;
//! assert_eq!(code.expose(), "abc");
//! # Ok::<(), lark_runtime::sign_in::SignInError>(())
//! ```
//!
//! The code then goes, with [`PendingSignIn::code_verifier`], to the token endpoint (`authen/v2/oauth/token`).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use url::Url;

/// The platform's authorization page (`authen/v1/authorize`).
pub const AUTHORIZE_URL: &str = "https://accounts.feishu.cn/open-apis/authen/v1/authorize";

/// The most scopes the authorization page takes at once.
pub const MAX_SCOPES: usize = 50;

/// What the page is asked for: the app, where the browser comes back, and the scopes the user grants.
#[derive(Debug, Clone)]
#[must_use]
pub struct SignIn {
    authorize_url: String,
    app_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    consent: bool,
}

impl SignIn {
    /// A sign-in for the app `app_id` (its App ID) that comes back to `redirect_uri`, which must be one of
    /// the redirect addresses configured for the app.
    pub fn new(app_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            authorize_url: AUTHORIZE_URL.to_owned(),
            app_id: app_id.into(),
            redirect_uri: redirect_uri.into(),
            scopes: Vec::new(),
            consent: false,
        }
    }

    /// Another authorization page: the emulator's, for tests.
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = url.into();
        self
    }

    /// A scope the user is asked to grant on top of what they granted before (`offline_access` is what
    /// makes the token endpoint hand out a refresh token).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Shows the consent page even where the platform would skip it (`prompt=consent`).
    pub fn ask_consent(mut self) -> Self {
        self.consent = true;
        self
    }

    /// The page's address with a fresh `state` and PKCE verifier, kept to check the redirect.
    pub fn start(self) -> Result<PendingSignIn, SignInError> {
        if self.scopes.len() > MAX_SCOPES {
            return Err(SignInError::TooManyScopes(self.scopes.len()));
        }
        if let Some(scope) = self.scopes.iter().find(|scope| scope.is_empty() || scope.contains(' ')) {
            return Err(SignInError::BadScope(scope.clone()));
        }
        let mut url = Url::parse(&self.authorize_url)
            .map_err(|error| SignInError::BadAuthorizeUrl(format!("{}: {error}", self.authorize_url)))?;
        Url::parse(&self.redirect_uri)
            .map_err(|error| SignInError::BadRedirectUri(format!("{}: {error}", self.redirect_uri)))?;
        let state = random_token(16)?;
        let verifier = random_token(32)?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &self.app_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", &self.redirect_uri);
            if !self.scopes.is_empty() {
                query.append_pair("scope", &self.scopes.join(" "));
            }
            query
                .append_pair("state", &state)
                .append_pair("code_challenge", &code_challenge(&verifier))
                .append_pair("code_challenge_method", "S256");
            if self.consent {
                query.append_pair("prompt", "consent");
            }
        }
        Ok(PendingSignIn {
            url,
            redirect_uri: self.redirect_uri,
            state: SecretString::from(state),
            verifier: SecretString::from(verifier),
        })
    }
}

/// A sign-in waiting for its redirect: the address to send the user to, and the `state` and verifier
/// that only this side knows. Neither shows in `Debug`.
pub struct PendingSignIn {
    url: Url,
    redirect_uri: String,
    state: SecretString,
    verifier: SecretString,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("redirect_uri", &self.redirect_uri)
            .field("state", &"[redacted]")
            .field("verifier", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl PendingSignIn {
    /// The authorization page's address to send the user to. It holds the `state` and the verifier's
    /// hash, not the verifier.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The redirect address the code exchange must name again.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The PKCE verifier the code exchange sends (`code_verifier`).
    pub fn code_verifier(&self) -> &SecretString {
        &self.verifier
    }

    /// The `state` sent to the page, for tests that play the browser.
    #[doc(hidden)]
    pub fn state_for_tests(&self) -> &str {
        self.state.expose_secret()
    }

    /// The authorization code of the redirect the browser came back with (its full address, or only
    /// its query), once its `state` is the one this sign-in sent.
    pub fn accept_redirect(&self, redirect: &str) -> Result<AuthorizationCode, SignInError> {
        let query = match redirect.split_once('?') {
            Some((_, query)) => query,
            None => redirect,
        };
        // A redirect address with a fragment keeps it after the query (`?code=..&state=..#/login`).
        let query = query.split('#').next().unwrap_or_default();
        let (mut code, mut state, mut error) = (None, None, None);
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "code" => code = Some(value.into_owned()),
                "state" => state = Some(value.into_owned()),
                "error" => error = Some(value.into_owned()),
                _ => {}
            }
        }
        let sent = self.state.expose_secret().as_bytes();
        let state_matches = state.is_some_and(|state| bool::from(state.as_bytes().ct_eq(sent)));
        if !state_matches {
            return Err(SignInError::StateMismatch);
        }
        if let Some(error) = error {
            return Err(SignInError::Denied(error));
        }
        match code {
            Some(code) if !code.is_empty() => Ok(AuthorizationCode(SecretString::from(code))),
            _ => Err(SignInError::MissingCode),
        }
    }
}

/// The code the authorization page hands back: valid for five minutes and for one exchange only.
pub struct AuthorizationCode(SecretString);

impl AuthorizationCode {
    /// The code itself, for the token endpoint's `code`.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationCode([redacted])")
    }
}

/// Why a sign-in could not start, or its redirect was refused. No variant holds the code or `state`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// More scopes than the page takes at once.
    #[error("{0} scopes asked for; the authorization page takes at most {MAX_SCOPES} at once")]
    TooManyScopes(usize),
    /// A scope that is empty or holds a space (scopes are sent space-separated).
    #[error("scope {0:?} is empty or holds a space")]
    BadScope(String),
    /// The authorization page's address is not a URL.
    #[error("the authorization page's address is not a URL: {0}")]
    BadAuthorizeUrl(String),
    /// The redirect address is not a URL.
    #[error("the redirect address is not a URL: {0}")]
    BadRedirectUri(String),
    /// The OS gave no random bytes for the `state` and verifier.
    #[error("no random bytes for the sign-in's state and verifier: {0}")]
    NoRandomness(String),
    /// The redirect's `state` is missing or not the one sent: it may be forged, so it is refused.
    #[error("the redirect's state is missing or is not the one this sign-in sent; refused")]
    StateMismatch,
    /// The user declined (the page's `error`, `access_denied` today).
    #[error("the user did not authorize the app ({0})")]
    Denied(String),
    /// The redirect carries neither a code nor an error.
    #[error("the redirect carries no authorization code")]
    MissingCode,
}

/// `bytes` random bytes in base64url without padding: 16 give a 22-character `state`, 32 give the
/// 43-character verifier RFC 7636 recommends.
fn random_token(bytes: usize) -> Result<String, SignInError> {
    let mut buffer = vec![0_u8; bytes];
    getrandom::fill(&mut buffer).map_err(|error| SignInError::NoRandomness(error.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

/// The S256 challenge of a verifier: base64url (no padding) of its SHA-256.
pub fn code_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> PendingSignIn {
        SignIn::new("cli_a5d611352af9d00b", "https://example.com/api/oauth/callback")
            .scope("bitable:app:readonly")
            .scope("contact:contact")
            .start()
            .unwrap()
    }

    fn query_of(url: &Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect()
    }

    #[test]
    fn the_challenge_is_the_base64url_sha256_of_the_verifier() {
        // Computed apart from this code (Python's hashlib and base64.urlsafe_b64encode, padding stripped).
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r2mW5gSR1pFYqE"),
            "8Cpj3iJIc-XFa6FrJQgYTKCVsSjjoTtyZDJuiz_PNBA"
        );
    }

    #[test]
    fn the_url_names_the_app_the_redirect_the_scopes_and_the_verifiers_hash() {
        let pending = pending();
        let query = query_of(pending.url());
        let value = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(pending.url().as_str().split('?').next(), Some(AUTHORIZE_URL));
        assert_eq!(value("client_id"), Some("cli_a5d611352af9d00b"));
        assert_eq!(value("response_type"), Some("code"));
        assert_eq!(value("redirect_uri"), Some("https://example.com/api/oauth/callback"));
        assert_eq!(value("scope"), Some("bitable:app:readonly contact:contact"));
        assert_eq!(value("state"), Some(pending.state_for_tests()));
        assert_eq!(value("code_challenge_method"), Some("S256"));
        let verifier = pending.code_verifier().expose_secret();
        assert_eq!(verifier.len(), 43);
        assert_eq!(value("code_challenge"), Some(code_challenge(verifier).as_str()));
        assert!(
            !pending.url().as_str().contains(verifier),
            "the verifier never travels to the page"
        );
        assert_eq!(value("prompt"), None);
    }

    #[test]
    fn each_sign_in_has_its_own_state_and_verifier() {
        let (first, second) = (pending(), pending());
        assert_ne!(first.state_for_tests(), second.state_for_tests());
        assert_ne!(
            first.code_verifier().expose_secret(),
            second.code_verifier().expose_secret()
        );
    }

    #[test]
    fn a_redirect_with_the_sent_state_gives_its_code() {
        let pending = pending();
        let state = pending.state_for_tests().to_owned();
        let redirect = format!("https://example.com/api/oauth/callback?code=2Wd5g-3W5_K&state={state}#/login");
        assert_eq!(pending.accept_redirect(&redirect).unwrap().expose(), "2Wd5g-3W5_K");
        assert_eq!(
            pending
                .accept_redirect(&format!("state={state}&code=c"))
                .unwrap()
                .expose(),
            "c"
        );
    }

    #[test]
    fn a_wrong_or_missing_state_is_refused_before_anything_else() {
        let pending = pending();
        for redirect in [
            "?code=c&state=forged",
            "?code=c",
            "?error=access_denied&state=forged",
            "",
        ] {
            assert_eq!(
                pending.accept_redirect(redirect).unwrap_err(),
                SignInError::StateMismatch,
                "{redirect}"
            );
        }
    }

    #[test]
    fn a_declined_sign_in_and_a_redirect_without_a_code_are_typed() {
        let pending = pending();
        let state = pending.state_for_tests().to_owned();
        assert_eq!(
            pending
                .accept_redirect(&format!("?error=access_denied&state={state}"))
                .unwrap_err(),
            SignInError::Denied("access_denied".to_owned())
        );
        assert_eq!(
            pending.accept_redirect(&format!("?state={state}&code=")).unwrap_err(),
            SignInError::MissingCode
        );
    }

    #[test]
    fn what_the_page_refuses_is_refused_before_the_user_sees_it() {
        let many = (0..=MAX_SCOPES).fold(SignIn::new("cli_x", "http://127.0.0.1/cb"), |sign_in, index| {
            sign_in.scope(format!("scope:{index}"))
        });
        assert_eq!(many.start().unwrap_err(), SignInError::TooManyScopes(MAX_SCOPES + 1));
        let spaced = SignIn::new("cli_x", "http://127.0.0.1/cb").scope("a b").start();
        assert_eq!(spaced.unwrap_err(), SignInError::BadScope("a b".to_owned()));
        let relative = SignIn::new("cli_x", "/callback").start();
        assert!(matches!(relative.unwrap_err(), SignInError::BadRedirectUri(_)));
    }

    #[test]
    fn secrets_stay_out_of_debug_output_and_errors() {
        let pending = pending();
        let state = pending.state_for_tests().to_owned();
        let verifier = pending.code_verifier().expose_secret().to_owned();
        let shown = format!("{pending:?}");
        assert!(!shown.contains(&state) && !shown.contains(&verifier), "{shown}");
        let code = pending
            .accept_redirect(&format!("?code=secret-code&state={state}"))
            .unwrap();
        assert!(!format!("{code:?}").contains("secret-code"));
        let refused = pending.accept_redirect("?code=secret-code&state=forged").unwrap_err();
        assert!(!refused.to_string().contains("secret-code") && !refused.to_string().contains("forged"));
    }
}
