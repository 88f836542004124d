//! Access tokens the emulator issued (tenant, app and user tokens): who holds each one and until when.

use std::collections::HashMap;
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

/// The platform's code for a token it does not know (missing, malformed, never issued).
pub const INVALID_TOKEN: i64 = 99991663;
/// The platform's code for a user access token it cannot accept (here: on an endpoint that takes none).
pub const USER_TOKEN_REFUSED: i64 = 99991668;
/// The platform's code for a token that has expired.
pub const EXPIRED_TOKEN: i64 = 99991677;

/// Who holds a valid token: the app, and the signed-in user for a user access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bearer {
    pub(crate) app_id: String,
    /// The user's open_id; `None` for an app's or tenant's token.
    pub(crate) open_id: Option<String>,
}

/// What a presented token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Issued and still valid.
    Valid(Bearer),
    /// Issued, but its lifetime is over (or every token was expired on purpose).
    Expired,
    /// Never issued here.
    Unknown,
}

#[derive(Debug)]
struct Issued {
    bearer: Bearer,
    expires_at: Instant,
}

/// Issued tokens; expired ones are kept for a while so that they are answered as expired, not unknown.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    issued: HashMap<String, Issued>,
}

/// How long an expired token is still recognised as one of ours.
const REMEMBER_EXPIRED: Duration = Duration::from_secs(3600);

impl Tokens {
    /// A new tenant access token for `app_id`, valid for `ttl`.
    pub(crate) fn issue(&mut self, app_id: &str, ttl: Duration) -> String {
        self.issue_prefixed("t-", app_id, ttl)
    }

    /// A new token starting with `prefix` (`t-` tenant, `a-` app), valid for `ttl`.
    pub(crate) fn issue_prefixed(&mut self, prefix: &str, app_id: &str, ttl: Duration) -> String {
        let bearer = Bearer {
            app_id: app_id.to_owned(),
            open_id: None,
        };
        self.insert(prefix, bearer, ttl)
    }

    /// A new user access token of `open_id`, signed in to `app_id`, valid for `ttl`.
    pub(crate) fn issue_user(&mut self, app_id: &str, open_id: &str, ttl: Duration) -> String {
        let bearer = Bearer {
            app_id: app_id.to_owned(),
            open_id: Some(open_id.to_owned()),
        };
        self.insert("u-", bearer, ttl)
    }

    fn insert(&mut self, prefix: &str, bearer: Bearer, ttl: Duration) -> String {
        let now = Instant::now();
        self.issued
            .retain(|_, issued| issued.expires_at + REMEMBER_EXPIRED > now);
        let token = format!("{prefix}{:032x}", rand::rng().random::<u128>());
        self.issued.insert(
            token.clone(),
            Issued {
                bearer,
                expires_at: now + ttl,
            },
        );
        token
    }

    pub(crate) fn check(&self, token: &str) -> TokenCheck {
        match self.issued.get(token) {
            None => TokenCheck::Unknown,
            Some(issued) if issued.expires_at <= Instant::now() => TokenCheck::Expired,
            Some(issued) => TokenCheck::Valid(issued.bearer.clone()),
        }
    }

    /// Every token issued so far expires now.
    pub(crate) fn expire_all(&mut self) {
        let now = Instant::now();
        for issued in self.issued.values_mut() {
            issued.expires_at = issued.expires_at.min(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_valid_until_they_expire() {
        let mut tokens = Tokens::default();
        let token = tokens.issue("cli_a", Duration::from_secs(60));
        assert!(token.starts_with("t-") && token.len() == 34);
        let app = Bearer {
            app_id: "cli_a".into(),
            open_id: None,
        };
        assert_eq!(tokens.check(&token), TokenCheck::Valid(app));
        let user = tokens.issue_user("cli_a", "ou_1", Duration::from_secs(60));
        assert!(user.starts_with("u-"));
        let TokenCheck::Valid(bearer) = tokens.check(&user) else {
            panic!("a user token just issued is valid");
        };
        assert_eq!(bearer.open_id.as_deref(), Some("ou_1"));
        assert_eq!(tokens.check("t-forged"), TokenCheck::Unknown);
        tokens.expire_all();
        assert_eq!(tokens.check(&token), TokenCheck::Expired);
        let short = tokens.issue("cli_a", Duration::ZERO);
        assert_eq!(tokens.check(&short), TokenCheck::Expired);
    }
}
