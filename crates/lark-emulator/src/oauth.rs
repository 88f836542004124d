//! The authorization server: the authorization page signs a user in at once (no browser: it redirects
//! with a code straight away), and the OAuth token endpoint exchanges a code for a user's tokens (PKCE
//! and the redirect address checked, each code once) or refreshes them with rotation: the refresh token
//! sent is spent, and sending it again is refused, as the platform does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lark_openapi::auth::v1::events::user_access_token_revoked_v4::{
    UserAccessTokenRevokedV4, UserAccessTokenRevokedV4RevokeReason, UserAccessTokenRevokedV4RevokeTokenType,
};
use lark_openapi::authen::v2::oauth::token::TokenRequest;
use lark_openapi::authen::v2::oauth::token_refresh::TokenRefreshRequest;
use lark_openapi::runtime::sign_in::code_challenge;
use lark_openapi::runtime::{Endpoint, Incoming, IncomingRequest};
use rand::Rng;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::answer::Answer;
use crate::shared::{Shared, lock};

/// The authorization page's path (on the accounts host on the platform; on the emulator's own here).
pub const AUTHORIZE_PATH: &str = "/open-apis/authen/v1/authorize";
/// How long a code can be exchanged, as on the platform.
const CODE_TTL: Duration = Duration::from_secs(300);
/// How long a refresh token lives: the page's example value.
const REFRESH_TTL: Duration = Duration::from_secs(604_800);
/// The user signed in when a test names none.
pub const DEFAULT_USER: &str = "ou_emulator_user";

/// Codes and refresh tokens issued, and whom the authorization page signs in next.
#[derive(Debug)]
pub(crate) struct OAuth {
    signing_in: String,
    codes: HashMap<String, CodeGrant>,
    refresh_tokens: HashMap<String, RefreshGrant>,
}

impl Default for OAuth {
    fn default() -> Self {
        Self {
            signing_in: DEFAULT_USER.to_owned(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
        }
    }
}

#[derive(Debug)]
struct CodeGrant {
    open_id: String,
    scopes: String,
    redirect_uri: String,
    challenge: Option<String>,
    expires_at: Instant,
    used: bool,
}

#[derive(Debug)]
struct RefreshGrant {
    open_id: String,
    scopes: String,
    expires_at: Instant,
    spent: bool,
    revoked: bool,
}

impl OAuth {
    /// Whom the authorization page signs in from now on.
    pub(crate) fn sign_in_as(&mut self, open_id: &str) {
        open_id.clone_into(&mut self.signing_in);
    }

    /// Revokes every refresh token of `open_id`; how many there were.
    pub(crate) fn revoke(&mut self, open_id: &str) -> usize {
        let grants = self
            .refresh_tokens
            .values_mut()
            .filter(|grant| grant.open_id == open_id && !grant.revoked);
        grants.map(|grant| grant.revoked = true).count()
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize))
        .route(TokenRequest::METADATA.path_template, post(token))
        .route("/__emulator/users/revoke", post(revoke_route))
}

/// Revokes the refresh tokens of `open_id`, as the user withdrawing consent does, and sends
/// `auth.user_access_token.revoked_v4` when there were any; how many there were.
pub(crate) fn revoke(shared: &Shared, open_id: &str) -> usize {
    let revoked = lock(&shared.oauth).revoke(open_id);
    if revoked > 0 {
        shared.outbox.send(&UserAccessTokenRevokedV4 {
            revoke_token_type: Some(UserAccessTokenRevokedV4RevokeTokenType::RefreshToken),
            revoke_reason: Some(UserAccessTokenRevokedV4RevokeReason::User),
            open_id: Some(open_id.to_owned()),
            ..UserAccessTokenRevokedV4::default()
        });
    }
    revoked
}

#[derive(serde::Deserialize)]
struct RevokeRequest {
    open_id: String,
}

async fn revoke_route(State(shared): State<Arc<Shared>>, axum::Json(request): axum::Json<RevokeRequest>) -> Response {
    axum::Json(json!({ "revoked": revoke(&shared, &request.open_id) })).into_response()
}

/// The OAuth endpoint's failure: HTTP 400 (or the code's own status) with `code`, `error` and
/// `error_description`, as the page shows.
fn refused(status: u16, code: i64, error: &str, description: &str) -> Answer {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    Answer::new(
        status,
        json!({"code": code, "error": error, "error_description": description}),
    )
}

fn random_token(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::rng().random::<u128>())
}

/// Signs the chosen user in and redirects to `redirect_uri` with a code and the caller's `state`.
async fn authorize(State(shared): State<Arc<Shared>>, Query(query): Query<HashMap<String, String>>) -> Response {
    let field = |name: &str| query.get(name).map(String::as_str);
    if field("client_id") != Some(shared.config.app_id.as_str()) {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    }
    let Some(redirect) = field("redirect_uri").and_then(|uri| url::Url::parse(uri).ok()) else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is missing or not a URL").into_response();
    };
    let challenge = field("code_challenge").map(str::to_owned);
    if challenge.is_some() && field("code_challenge_method") != Some("S256") {
        return (StatusCode::BAD_REQUEST, "only the S256 code challenge method is served").into_response();
    }
    let code = random_token("c-");
    let mut oauth = lock(&shared.oauth);
    let grant = CodeGrant {
        open_id: oauth.signing_in.clone(),
        scopes: field("scope").unwrap_or_default().to_owned(),
        redirect_uri: redirect.as_str().to_owned(),
        challenge,
        expires_at: Instant::now() + CODE_TTL,
        used: false,
    };
    oauth.codes.insert(code.clone(), grant);
    let mut location = redirect;
    location.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = field("state") {
        location.query_pairs_mut().append_pair("state", state);
    }
    (StatusCode::FOUND, [(header::LOCATION, location.to_string())]).into_response()
}

/// The token endpoint: `grant_type` says whether the body exchanges a code or a refresh token.
async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let log_id = shared.next_log_id();
    let grant_type = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| body.get("grant_type")?.as_str().map(str::to_owned));
    let incoming = IncomingRequest::new(&[], &[], &body);
    let answer = match grant_type.as_deref() {
        Some("authorization_code") => match TokenRequest::from_incoming(&incoming) {
            Ok(request) => exchange(&shared, &request),
            Err(error) => refused(400, 20063, "invalid_request", &error.to_string()),
        },
        Some("refresh_token") => match TokenRefreshRequest::from_incoming(&incoming) {
            Ok(request) => refresh(&shared, &request),
            Err(error) => refused(400, 20063, "invalid_request", &error.to_string()),
        },
        _ => refused(
            400,
            20036,
            "unsupported_grant_type",
            "The specified grant_type is not supported.",
        ),
    };
    tracing::info!(endpoint = "authen.v2.oauth.token", code = answer.code(), %log_id, "call");
    answer.into_response(&log_id, false)
}

fn client_matches(shared: &Shared, client_id: &str, client_secret: &str) -> bool {
    client_id == shared.config.app_id && client_secret == shared.config.app_secret.expose_secret()
}

fn exchange(shared: &Shared, request: &TokenRequest) -> Answer {
    if !client_matches(shared, request.client_id(), request.client_secret().expose_secret()) {
        return refused(400, 20002, "invalid_client", "The client secret is invalid.");
    }
    let mut oauth = lock(&shared.oauth);
    let Some(grant) = oauth.codes.get_mut(request.code().expose_secret()) else {
        return refused(400, 20003, "invalid_grant", "The authorization code is not found.");
    };
    if grant.used {
        return refused(400, 20065, "invalid_grant", "The authorization code has been used.");
    }
    if grant.expires_at <= Instant::now() {
        return refused(400, 20004, "invalid_grant", "The authorization code has expired.");
    }
    if request.redirect_uri().is_some_and(|uri| *uri != grant.redirect_uri) {
        return refused(400, 20071, "invalid_grant", "The provided redirect URI does not match.");
    }
    if let Some(challenge) = &grant.challenge {
        let verifier = request.code_verifier().map(|verifier| verifier.expose_secret());
        if verifier.is_none_or(|verifier| code_challenge(verifier) != *challenge) {
            return refused(400, 20049, "invalid_grant", "PKCE code challenge failed.");
        }
    }
    grant.used = true;
    let (open_id, scopes) = (grant.open_id.clone(), grant.scopes.clone());
    drop(oauth);
    issue(shared, &open_id, &scopes)
}

fn refresh(shared: &Shared, request: &TokenRefreshRequest) -> Answer {
    if !client_matches(shared, request.client_id(), request.client_secret().expose_secret()) {
        return refused(400, 20002, "invalid_client", "The client secret is invalid.");
    }
    let mut oauth = lock(&shared.oauth);
    let Some(grant) = oauth.refresh_tokens.get_mut(request.refresh_token().expose_secret()) else {
        return refused(400, 20026, "invalid_grant", "The refresh token passed is invalid.");
    };
    if grant.revoked {
        return refused(400, 20064, "invalid_grant", "The refresh token has been revoked.");
    }
    if grant.spent {
        return refused(400, 20073, "invalid_grant", "The refresh token has been used.");
    }
    if grant.expires_at <= Instant::now() {
        return refused(400, 20037, "invalid_grant", "The refresh token passed has expired.");
    }
    grant.spent = true;
    let (open_id, scopes) = (grant.open_id.clone(), grant.scopes.clone());
    drop(oauth);
    issue(shared, &open_id, &scopes)
}

/// A user access token the other endpoints accept, and a refresh token when `offline_access` was
/// granted.
fn issue(shared: &Shared, open_id: &str, scopes: &str) -> Answer {
    let ttl = shared.config.token_ttl;
    let access_token = lock(&shared.tokens).issue_user(&shared.config.app_id, open_id, ttl);
    let mut body = json!({
        "code": 0,
        "access_token": access_token,
        "expires_in": ttl.as_secs(),
        "scope": scopes,
        "token_type": "Bearer",
    });
    if scopes.split_whitespace().any(|scope| scope == "offline_access") {
        let refresh_token = random_token("ur-");
        let grant = RefreshGrant {
            open_id: open_id.to_owned(),
            scopes: scopes.to_owned(),
            expires_at: Instant::now() + REFRESH_TTL,
            spent: false,
            revoked: false,
        };
        lock(&shared.oauth).refresh_tokens.insert(refresh_token.clone(), grant);
        body["refresh_token"] = json!(refresh_token);
        body["refresh_token_expires_in"] = json!(REFRESH_TTL.as_secs());
    }
    Answer::new(StatusCode::OK, body)
}
