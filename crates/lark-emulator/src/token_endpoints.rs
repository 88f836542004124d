//! The auth endpoints, modeled: a self-built app's tokens for its id and secret; a store app's
//! `app_ticket` pushed as an event on request, traded with id and secret for an app access token, and
//! that for a tenant access token per tenant. Requests are decoded by their generated types; the pages
//! document no codes of their own, so refusals carry the platform's general codes.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{MethodRouter, post};
use lark_openapi::auth::v3::app_access_token::internal::InternalRequest as AppInternalRequest;
use lark_openapi::auth::v3::app_access_token::store::StoreRequest as AppStoreRequest;
use lark_openapi::auth::v3::app_ticket::resend::ResendRequest;
use lark_openapi::auth::v3::events::app_ticket::AppTicket;
use lark_openapi::auth::v3::tenant_access_token::internal::InternalRequest;
use lark_openapi::auth::v3::tenant_access_token::store::StoreRequest as TenantStoreRequest;
use lark_openapi::runtime::{Endpoint, Incoming, IncomingRequest};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::answer::{APP_SECRET_INVALID, Answer, Faulted, apply_fault};
use crate::shared::{Shared, lock};
use crate::tokens::TokenCheck;

/// The platform's code for an app access token that cannot be had (here: an unknown `app_ticket`).
pub const APP_TOKEN_FAILED: i64 = 10012;
/// The platform's code for an app access token that is not valid.
pub const INVALID_APP_TOKEN: i64 = 99991664;

/// The route of one token endpoint `E`, answered by `issue`.
pub(crate) fn route<E: Endpoint + Incoming + 'static>(
    issue: fn(&Shared, E) -> Answer,
) -> (&'static str, MethodRouter<Arc<Shared>>) {
    let path = E::METADATA.path_template;
    let handler = move |State(shared): State<Arc<Shared>>, body: Bytes| async move {
        let log_id = shared.next_log_id();
        let answer = match apply_fault(&shared, path).await {
            Faulted::Answer(answer) => answer,
            Faulted::Serve { .. } => match E::from_incoming(&IncomingRequest::new(&[], &[], &body)) {
                Ok(request) => issue(&shared, request),
                Err(error) => Answer::error(400, APP_SECRET_INVALID, format!("not a valid request: {error}")),
            },
        };
        tracing::info!(endpoint = E::METADATA.id, code = answer.code(), %log_id, "call");
        answer.into_response(&log_id, false)
    };
    (path, post(handler))
}

fn credentials_match(shared: &Shared, app_id: &str, app_secret: &str) -> bool {
    let config = &shared.config;
    app_id == config.app_id && app_secret == config.app_secret.expose_secret()
}

fn wrong_credentials() -> Answer {
    Answer::error(
        400,
        APP_SECRET_INVALID,
        "app secret invalid: the app id or app secret is wrong",
    )
}

fn flat(fields: Value) -> Answer {
    let mut body = json!({"code": 0, "msg": "ok"});
    if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
        body.extend(fields.clone());
    }
    Answer::new(StatusCode::OK, body)
}

/// `tenant_access_token/internal`.
pub(crate) fn tenant_internal(shared: &Shared, request: InternalRequest) -> Answer {
    if !credentials_match(shared, request.app_id(), request.app_secret().expose_secret()) {
        return wrong_credentials();
    }
    let ttl = shared.config.token_ttl;
    let token = lock(&shared.tokens).issue(&shared.config.app_id, ttl);
    flat(json!({"tenant_access_token": token, "expire": ttl.as_secs()}))
}

/// `app_access_token/internal`: the app token, and the tenant token beside it.
pub(crate) fn app_internal(shared: &Shared, request: AppInternalRequest) -> Answer {
    if !credentials_match(shared, request.app_id(), request.app_secret().expose_secret()) {
        return wrong_credentials();
    }
    let (app_id, ttl) = (&shared.config.app_id, shared.config.token_ttl);
    let app_token = lock(&shared.app_tokens).issue_prefixed("a-", app_id, ttl);
    let tenant_token = lock(&shared.tokens).issue(app_id, ttl);
    flat(json!({"app_access_token": app_token, "tenant_access_token": tenant_token, "expire": ttl.as_secs()}))
}

/// `app_ticket/resend`: a new ticket, pushed as the `app_ticket` event.
pub(crate) fn resend(shared: &Shared, request: ResendRequest) -> Answer {
    if !credentials_match(shared, request.app_id(), request.app_secret().expose_secret()) {
        return wrong_credentials();
    }
    let ticket = format!("tk-{:032x}", rand::random::<u128>());
    lock(&shared.app_tickets).push(ticket.clone());
    let event = AppTicket {
        app_id: Some(shared.config.app_id.clone()),
        app_ticket: Some(ticket.into()),
        r#type: Some("app_ticket".to_owned()),
    };
    shared.outbox.send_v1(&event);
    Answer::new(StatusCode::OK, json!({"code": 0, "msg": "success"}))
}

/// `app_access_token` (store): id, secret and a ticket the emulator pushed.
pub(crate) fn app_store(shared: &Shared, request: AppStoreRequest) -> Answer {
    if !credentials_match(shared, request.app_id(), request.app_secret().expose_secret()) {
        return wrong_credentials();
    }
    let ticket = request.app_ticket().expose_secret();
    if !lock(&shared.app_tickets).iter().any(|issued| issued == ticket) {
        return Answer::error(
            400,
            APP_TOKEN_FAILED,
            "get app access token fail: the app_ticket is not valid",
        );
    }
    let (app_id, ttl) = (&shared.config.app_id, shared.config.token_ttl);
    let token = lock(&shared.app_tokens).issue_prefixed("a-", app_id, ttl);
    flat(json!({"app_access_token": token, "expire": ttl.as_secs()}))
}

/// `tenant_access_token` (store): an app token this emulator issued, for any tenant key.
pub(crate) fn tenant_store(shared: &Shared, request: TenantStoreRequest) -> Answer {
    let app_id = match lock(&shared.app_tokens).check(request.app_access_token().expose_secret()) {
        TokenCheck::Valid(bearer) => bearer.app_id,
        TokenCheck::Expired | TokenCheck::Unknown => {
            return Answer::error(400, INVALID_APP_TOKEN, "invalid app token");
        }
    };
    let ttl = shared.config.token_ttl;
    let token = lock(&shared.tokens).issue(&app_id, ttl);
    tracing::debug!(
        tenant_key = request.tenant_key(),
        "issued a store app's tenant access token"
    );
    flat(json!({"tenant_access_token": token, "expire": ttl.as_secs()}))
}
