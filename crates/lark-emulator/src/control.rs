//! The emulator's own control API under `/__emulator/`: import punches made outside the platform, read
//! task results, inject and clear faults, expire tokens, count calls, decide approval instances.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::answer::Answer;
use crate::approvals::{self, ApprovalDecision};
use crate::attendance::NewPunch;
use crate::employees::IdKind;
use crate::faults::Fault;
use crate::shared::{Shared, lock};

/// The control API's routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__emulator/punches", post(import_punches))
        .route("/__emulator/tasks", get(tasks))
        .route("/__emulator/faults", post(add_fault).delete(clear_faults))
        .route("/__emulator/tokens/expire", post(expire_tokens))
        .route("/__emulator/stats", get(stats))
        .route("/__emulator/approvals/decide", post(decide_approval))
}

#[derive(Deserialize)]
struct DecideRequest {
    instance_code: String,
    /// `APPROVED` or `REJECTED`.
    status: String,
}

async fn decide_approval(
    State(shared): State<Arc<Shared>>,
    axum::Json(request): axum::Json<DecideRequest>,
) -> Response {
    let decision = match request.status.as_str() {
        "APPROVED" => ApprovalDecision::Approved,
        "REJECTED" => ApprovalDecision::Rejected,
        other => {
            let message = format!("status {other:?} is neither APPROVED nor REJECTED");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    match approvals::decide(&shared, &request.instance_code, decision) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(reason) => (StatusCode::CONFLICT, reason).into_response(),
    }
}

/// The answer to a path the emulator does not serve.
pub(crate) async fn not_found(State(shared): State<Arc<Shared>>) -> Response {
    let answer = Answer::error(404, 404, "the emulator does not serve this path");
    answer.into_response(&shared.next_log_id(), false)
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
