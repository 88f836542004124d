//! How the emulator answers a platform endpoint: the envelope, statuses and log ids, injected faults, the
//! bearer token, rate limits, and the request decoded and validated by its generated type. Routes use it.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodFilter;
use lark_openapi::auth::v3::tenant_access_token::internal::InternalRequest;
use lark_openapi::runtime::{
    AccessTokenKind, DocumentedError, Endpoint, EndpointMetadata, HttpMethod, ValidationError,
};
use serde_json::{Value, json};

use crate::faults::FaultAction;
use crate::limits::RATE_LIMITED;
use crate::shared::{Shared, lock};
use crate::tokens::{Bearer, EXPIRED_TOKEN, INVALID_TOKEN, TokenCheck, USER_TOKEN_REFUSED};

/// Path of the tenant access token endpoint for self-built apps.
pub const TOKEN_PATH: &str = InternalRequest::METADATA.path_template;
/// The platform's code for an app id or secret that does not match (token endpoint).
pub const APP_SECRET_INVALID: i64 = 10014;
/// The header that carries a response's log id.
pub const LOG_ID_HEADER: &str = "x-tt-logid";

/// A spec's path template (`/x/:id`) in axum's route syntax (`/x/{id}`).
pub(crate) fn axum_route(template: &str) -> String {
    let segments: Vec<String> = template
        .split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => segment.to_owned(),
        })
        .collect();
    segments.join("/")
}

/// A platform answer: HTTP status and JSON body; the log id is added when it is sent.
pub(crate) struct Answer {
    status: StatusCode,
    body: Value,
    /// A file's bytes and content type, sent instead of `body`.
    file: Option<(Bytes, &'static str)>,
    headers: Vec<(&'static str, String)>,
}

impl Answer {
    pub(crate) fn ok(msg: impl Into<String>, data: Value) -> Self {
        Self::new(StatusCode::OK, json!({"code": 0, "msg": msg.into(), "data": data}))
    }

    /// One of the endpoint's documented errors, with its documented HTTP status.
    pub(crate) fn documented(error: &impl DocumentedError, msg: impl Into<String>) -> Self {
        Self::error(error.http_status().unwrap_or(400), error.code(), msg)
    }

    pub(crate) fn error(status: u16, code: i64, msg: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self::new(status, json!({"code": code, "msg": msg.into()}))
    }

    pub(crate) fn new(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body,
            file: None,
            headers: Vec::new(),
        }
    }

    /// A whole answer as the page shows it (`code`, `msg` and the payload).
    pub(crate) fn json(body: Value) -> Self {
        Self::new(StatusCode::OK, body)
    }

    /// A successful download.
    pub(crate) fn file(bytes: Bytes, content_type: &'static str) -> Self {
        Self {
            file: Some((bytes, content_type)),
            ..Self::new(StatusCode::OK, json!({"code": 0}))
        }
    }

    pub(crate) fn code(&self) -> i64 {
        self.body.get("code").and_then(Value::as_i64).unwrap_or_default()
    }

    pub(crate) fn into_response(self, log_id: &str, dropped: bool) -> Response {
        let mut response = if dropped {
            // Headers go out, then the connection breaks before the body: the caller cannot tell whether
            // the call was applied.
            let broken = futures::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by an injected fault"))
            });
            (self.status, Body::from_stream(broken)).into_response()
        } else if let Some((bytes, _)) = &self.file {
            (self.status, bytes.clone()).into_response()
        } else {
            (self.status, axum::Json(self.body)).into_response()
        };
        let content_type = self
            .file
            .map_or("application/json; charset=utf-8", |(_, content_type)| content_type);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Ok(value) = HeaderValue::from_str(log_id) {
            headers.insert(LOG_ID_HEADER, value);
        }
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// What an injected fault leaves of a call.
pub(crate) enum Faulted {
    Answer(Answer),
    Serve { drop_connection: bool },
}

pub(crate) async fn apply_fault(shared: &Shared, path: &str) -> Faulted {
    *lock(&shared.calls).entry(path.to_owned()).or_default() += 1;
    let action = lock(&shared.faults).next(path);
    match action {
        None => Faulted::Serve { drop_connection: false },
        Some(FaultAction::Fail { http_status, code, msg }) => Faulted::Answer(Answer::error(http_status, code, msg)),
        Some(FaultAction::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            Faulted::Serve { drop_connection: false }
        }
        Some(FaultAction::DropConnection) => Faulted::Serve { drop_connection: true },
    }
}

/// How the emulator refuses a request its endpoint's generated type rejects: the page's code for an
/// invalid parameter (1220001 on the attendance pages), or the platform's general 99992402.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Invalid {
    pub(crate) http_status: u16,
    pub(crate) code: i64,
    pub(crate) message: &'static str,
}

/// The platform's general code for a missing or wrong request parameter.
const PARAMETER_INVALID: i64 = 99992402;

impl Invalid {
    /// The endpoint's documented 1220001, when its page documents it.
    pub(crate) fn of(documented: fn(i64) -> Option<(u16, &'static str)>) -> Self {
        match documented(1220001) {
            Some((http_status, message)) => Self {
                http_status,
                code: 1220001,
                message,
            },
            None => Self {
                http_status: 400,
                code: PARAMETER_INVALID,
                message: "invalid request parameter",
            },
        }
    }
}

/// Serves one call to a platform endpoint: faults, token, rate limit, then the request decoded and
/// validated as its spec says (`decode`), then `handle`, for the token's bearer.
pub(crate) async fn serve<T>(
    shared: &Shared,
    headers: &HeaderMap,
    metadata: &'static EndpointMetadata,
    invalid: Invalid,
    decode: impl FnOnce() -> Result<T, ValidationError>,
    handle: impl FnOnce(&Shared, &Bearer, T) -> Answer,
) -> Response {
    let log_id = shared.next_log_id();
    let (answer, dropped) = match apply_fault(shared, metadata.path_template).await {
        Faulted::Answer(answer) => (answer, false),
        Faulted::Serve { drop_connection } => (
            checked(shared, headers, metadata, invalid, decode, handle),
            drop_connection,
        ),
    };
    tracing::info!(endpoint = metadata.id, status = answer.status.as_u16(), code = answer.code(), %log_id, dropped, "call");
    answer.into_response(&log_id, dropped)
}

fn checked<T>(
    shared: &Shared,
    headers: &HeaderMap,
    metadata: &'static EndpointMetadata,
    invalid: Invalid,
    decode: impl FnOnce() -> Result<T, ValidationError>,
    handle: impl FnOnce(&Shared, &Bearer, T) -> Answer,
) -> Answer {
    let bearer = match authorize(shared, headers, metadata) {
        Ok(bearer) => bearer,
        Err(answer) => return answer,
    };
    if let Err(over) = shared.limits.check(&bearer.app_id, metadata) {
        let reset = over.retry_after.as_secs_f64().ceil().max(1.0);
        let mut answer = Answer::error(429, RATE_LIMITED, "request trigger frequency limit");
        answer.headers = vec![
            ("x-ogw-ratelimit-limit", over.limit.requests.to_string()),
            ("x-ogw-ratelimit-reset", format!("{reset:.0}")),
        ];
        return answer;
    }
    match decode() {
        Ok(request) => handle(shared, &bearer, request),
        Err(error) => {
            let details: Vec<String> = error.violations.iter().map(ToString::to_string).collect();
            Answer::error(
                invalid.http_status,
                invalid.code,
                format!("{}: {}", invalid.message, details.join("; ")),
            )
        }
    }
}

/// Who holds the bearer token, or the platform's answer to a missing, unknown or expired one, or to one
/// of a kind the endpoint does not take.
fn authorize(shared: &Shared, headers: &HeaderMap, metadata: &EndpointMetadata) -> Result<Bearer, Answer> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = token else {
        return Err(Answer::error(
            400,
            INVALID_TOKEN,
            "missing access token: send `Authorization: Bearer <tenant_access_token>`",
        ));
    };
    let bearer = match lock(&shared.tokens).check(token) {
        TokenCheck::Valid(bearer) => bearer,
        TokenCheck::Expired => return Err(Answer::error(400, EXPIRED_TOKEN, "access token expired")),
        TokenCheck::Unknown => return Err(Answer::error(400, INVALID_TOKEN, "invalid access token")),
    };
    let takes = |kind| metadata.access_tokens.contains(&kind);
    // The platform's generic codes: 99991663 also covers an endpoint that takes no tenant token.
    match &bearer.open_id {
        Some(_) if !takes(AccessTokenKind::User) => Err(Answer::error(
            400,
            USER_TOKEN_REFUSED,
            "this endpoint takes no user_access_token",
        )),
        None if !takes(AccessTokenKind::Tenant) && !takes(AccessTokenKind::App) => Err(Answer::error(
            400,
            INVALID_TOKEN,
            "this endpoint takes no tenant_access_token",
        )),
        _ => Ok(bearer),
    }
}

/// The route filter of a spec's HTTP method.
pub(crate) fn method_filter(method: HttpMethod) -> MethodFilter {
    match method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Patch => MethodFilter::PATCH,
        HttpMethod::Delete => MethodFilter::DELETE,
    }
}
