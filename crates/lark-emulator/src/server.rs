//! The HTTP side: the platform's endpoints (envelope, statuses, log ids, tokens, rate limits, faults)
//! and the emulator's own control API under `/__emulator/`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use lark_openapi::attendance::v1::user_flows::batch_create::{BatchCreateError, BatchCreateRequest};
use lark_openapi::attendance::v1::user_flows::batch_del::{BatchDelError, BatchDelRequest};
use lark_openapi::attendance::v1::user_flows::get::{GetError, GetRequest};
use lark_openapi::attendance::v1::user_flows::query::{QueryError, QueryRequest};
use lark_openapi::attendance::v1::user_tasks::query::{QueryError as TaskQueryError, QueryRequest as TaskQueryRequest};
use lark_openapi::auth::v3::tenant_access_token::internal::InternalRequest;
use lark_openapi::runtime::{
    DocumentedError, Endpoint, EndpointMetadata, HttpMethod, Incoming, IncomingRequest, ValidationError,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::EmulatorConfig;
use crate::attendance::{Attendance, NewPunch};
use crate::employees::{IdKind, Roster};
use crate::events::Outbox;
use crate::faults::{Fault, FaultAction, Faults};
use crate::limits::{Limits, RATE_LIMITED};
use crate::tokens::{EXPIRED_TOKEN, INVALID_TOKEN, TokenCheck, Tokens};
use crate::{platform, token_endpoints};

/// Path of the tenant access token endpoint for self-built apps.
pub const TOKEN_PATH: &str = InternalRequest::METADATA.path_template;
/// The platform's code for an app id or secret that does not match (token endpoint).
pub const APP_SECRET_INVALID: i64 = 10014;
/// The header that carries a response's log id.
pub const LOG_ID_HEADER: &str = "x-tt-logid";

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) attendance: Mutex<Attendance>,
    pub(crate) roster: Mutex<Roster>,
    pub(crate) tokens: Mutex<Tokens>,
    /// App access tokens of the app as a store app.
    pub(crate) app_tokens: Mutex<Tokens>,
    /// `app_ticket`s pushed so far (the latest is last); the store token endpoint accepts any of them.
    pub(crate) app_tickets: Mutex<Vec<String>>,
    pub(crate) outbox: Outbox,
    pub(crate) faults: Mutex<Faults>,
    limits: Limits,
    log_ids: AtomicU64,
    calls: Mutex<BTreeMap<String, u64>>,
}

/// A lock that survives a panicked holder: the emulator's state stays readable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig) -> Self {
        Self {
            attendance: Mutex::new(Attendance::new(config.shift, config.zone)),
            roster: Mutex::new(config.roster.clone()),
            tokens: Mutex::default(),
            app_tokens: Mutex::default(),
            app_tickets: Mutex::default(),
            outbox: Outbox::start(config.events.clone(), &config.app_id, crate::DEMO_TENANT_KEY),
            faults: Mutex::default(),
            limits: Limits::new(config.rate_limits),
            log_ids: AtomicU64::new(1),
            calls: Mutex::default(),
            config,
        }
    }

    /// Calls received so far by request path (platform endpoints only).
    pub(crate) fn calls(&self) -> BTreeMap<String, u64> {
        lock(&self.calls).clone()
    }

    pub(crate) fn next_log_id(&self) -> String {
        // Shaped like the platform's: a timestamp and a serial number, unique per emulator.
        let serial = self.log_ids.fetch_add(1, Ordering::Relaxed);
        format!("{}{serial:012X}", chrono::Utc::now().format("%Y%m%d%H%M%S"))
    }
}

/// The endpoints the emulator models with state (by endpoint id); every other endpoint of the bindings is
/// answered from its spec.
pub const MODELED_ENDPOINTS: [&str; 10] = [
    "auth.v3.tenant_access_token.internal",
    "auth.v3.app_access_token.internal",
    "auth.v3.app_access_token.store",
    "auth.v3.tenant_access_token.store",
    "auth.v3.app_ticket.resend",
    "attendance.v1.user_flows.batch_create",
    "attendance.v1.user_flows.batch_del",
    "attendance.v1.user_flows.query",
    "attendance.v1.user_flows.get",
    "attendance.v1.user_tasks.query",
];

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let modeled = MODELED_ENDPOINTS.into_iter().collect();
    let token_routes = [
        token_endpoints::route(token_endpoints::tenant_internal),
        token_endpoints::route(token_endpoints::app_internal),
        token_endpoints::route(token_endpoints::app_store),
        token_endpoints::route(token_endpoints::tenant_store),
        token_endpoints::route(token_endpoints::resend),
    ];
    let platform = token_routes
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route))
        .route(
            &axum_route(BatchCreateRequest::METADATA.path_template),
            platform_route(BatchCreateError::ParamInvalid, platform::batch_create),
        )
        .route(
            &axum_route(BatchDelRequest::METADATA.path_template),
            platform_route(BatchDelError::ParamInvalid, platform::batch_del),
        )
        .route(
            &axum_route(QueryRequest::METADATA.path_template),
            platform_route(QueryError::ParamInvalid, platform::query),
        )
        .route(
            &axum_route(GetRequest::METADATA.path_template),
            platform_route(GetError::ParamInvalid, platform::get),
        )
        .route(
            &axum_route(TaskQueryRequest::METADATA.path_template),
            platform_route(TaskQueryError::ParamInvalid, platform::user_tasks),
        );
    crate::generic::routes(platform, &modeled)
        .route("/__emulator/punches", post(import_punches))
        .route("/__emulator/tasks", get(tasks))
        .route("/__emulator/faults", post(add_fault).delete(clear_faults))
        .route("/__emulator/tokens/expire", post(expire_tokens))
        .route("/__emulator/stats", get(stats))
        .fallback(not_found)
        .with_state(shared)
}

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
/// validated as its spec says (`decode`), then `handle`.
pub(crate) async fn serve<T>(
    shared: &Shared,
    headers: &HeaderMap,
    metadata: &'static EndpointMetadata,
    invalid: Invalid,
    decode: impl FnOnce() -> Result<T, ValidationError>,
    handle: impl FnOnce(&Shared, T) -> Answer,
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
    handle: impl FnOnce(&Shared, T) -> Answer,
) -> Answer {
    let app_id = match authorize(shared, headers) {
        Ok(app_id) => app_id,
        Err(answer) => return answer,
    };
    if let Err(over) = shared.limits.check(&app_id, metadata) {
        let reset = over.retry_after.as_secs_f64().ceil().max(1.0);
        let mut answer = Answer::error(429, RATE_LIMITED, "request trigger frequency limit");
        answer.headers = vec![
            ("x-ogw-ratelimit-limit", over.limit.requests.to_string()),
            ("x-ogw-ratelimit-reset", format!("{reset:.0}")),
        ];
        return answer;
    }
    match decode() {
        Ok(request) => handle(shared, request),
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

/// The app that holds the bearer token, or the platform's answer to a missing, unknown or expired one.
fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<String, Answer> {
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
    match lock(&shared.tokens).check(token) {
        TokenCheck::Valid { app_id } => Ok(app_id),
        TokenCheck::Expired => Err(Answer::error(400, EXPIRED_TOKEN, "access token expired")),
        TokenCheck::Unknown => Err(Answer::error(400, INVALID_TOKEN, "invalid access token")),
    }
}

/// The route of a platform endpoint whose request type is generated from its spec: path parameters,
/// query and body go to the generated decoder, then to `handle`.
fn platform_route<E>(invalid: E::Error, handle: fn(&Shared, E) -> Answer) -> MethodRouter<Arc<Shared>>
where
    E: Incoming + 'static,
    E::Error: Copy + Send + Sync + 'static,
{
    let invalid = Invalid {
        http_status: invalid.http_status().unwrap_or(400),
        code: invalid.code(),
        message: invalid.message().unwrap_or("invalid request"),
    };
    let handler = move |State(shared): State<Arc<Shared>>,
                        path: Option<Path<Vec<(String, String)>>>,
                        Query(query): Query<Vec<(String, String)>>,
                        headers: HeaderMap,
                        body: Bytes| async move {
        let path = path.map(|Path(params)| params).unwrap_or_default();
        let request = IncomingRequest::new(&path, &query, &body);
        serve(
            &shared,
            &headers,
            E::METADATA,
            invalid,
            || E::from_incoming(&request),
            handle,
        )
        .await
    };
    on(method_filter(E::METADATA.method), handler)
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

#[derive(Deserialize)]
struct ImportRequest {
    punches: Vec<NewPunch>,
}

async fn import_punches(State(shared): State<Arc<Shared>>, axum::Json(request): axum::Json<ImportRequest>) -> Response {
    {
        let mut roster = lock(&shared.roster);
        for punch in &request.punches {
            roster.find_or_enroll(IdKind::EmployeeId, &punch.user_id);
        }
    }
    let record_ids = lock(&shared.attendance).import(request.punches);
    axum::Json(json!({ "record_ids": record_ids })).into_response()
}

#[derive(Deserialize)]
struct TasksQuery {
    day: u32,
    user_id: Option<String>,
}

async fn tasks(State(shared): State<Arc<Shared>>, Query(query): Query<TasksQuery>) -> Response {
    let attendance = lock(&shared.attendance);
    let tasks = match &query.user_id {
        Some(user_id) => vec![attendance.task(user_id, query.day)],
        None => attendance.tasks_of_day(query.day),
    };
    axum::Json(json!({ "tasks": tasks })).into_response()
}

async fn add_fault(State(shared): State<Arc<Shared>>, axum::Json(fault): axum::Json<Fault>) -> StatusCode {
    lock(&shared.faults).add(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    lock(&shared.faults).clear();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(shared): State<Arc<Shared>>) -> StatusCode {
    lock(&shared.tokens).expire_all();
    StatusCode::NO_CONTENT
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let live_records = lock(&shared.attendance).live_records();
    let counts = &shared.outbox.counts;
    let deliveries = json!({
        "delivered": counts.delivered.load(Ordering::Relaxed),
        "failed": counts.failed.load(Ordering::Relaxed),
    });
    axum::Json(json!({ "calls": shared.calls(), "live_records": live_records, "event_deliveries": deliveries }))
        .into_response()
}

async fn not_found(State(shared): State<Arc<Shared>>) -> Response {
    let answer = Answer::error(404, 404, "the emulator does not serve this path");
    answer.into_response(&shared.next_log_id(), false)
}
