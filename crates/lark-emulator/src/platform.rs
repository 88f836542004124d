//! The punch-record family through the platform's own endpoints: import (`user_flows/batch_create`),
//! read (`user_flows/query`, `user_flows/:user_flow_id`), delete (`user_flows/batch_del`) and task
//! results (`user_tasks/query`). Requests arrive already decoded and validated by their generated types
//! (see [`crate::answer`]); answers are built from the generated response types.

use chrono::NaiveDate;
use lark_openapi::attendance::v1::types::{
    CheckResult as WireCheckResult, EmployeeType, FlowType, ResultSupplement, TaskCheckResult, TaskResult as WireTask,
    TaskShiftType, UserFlow, UserTask,
};
use lark_openapi::attendance::v1::user_flow::batch_create::{
    BatchCreateError, BatchCreateRequest, BatchCreateResponse,
};
use lark_openapi::attendance::v1::user_flow::batch_del::{BatchDelRequest, BatchDelResponse};
use lark_openapi::attendance::v1::user_flow::get::{GetError, GetRequest};
use lark_openapi::attendance::v1::user_flow::query::{QueryError, QueryRequest, QueryResponse};
use lark_openapi::attendance::v1::user_task::query::{
    QueryError as TaskQueryError, QueryRequest as TaskQueryRequest, QueryResponse as TaskQueryResponse,
};
use serde_json::Value;

use std::collections::BTreeSet;

use crate::answer::Answer;
use crate::attendance::{Attendance, Check, CheckResult, NewPunch, PunchRecord, TaskResult, day_of, yyyymmdd};
use crate::employees::{IdKind, Roster};
use crate::events;
use crate::shared::{Shared, lock};

/// Imports before this moment are refused per record (the import page: only punches after 2022-01-01).
const EARLIEST_IMPORT: i64 = 1_640_966_400; // 2022-01-01T00:00:00+08:00
/// The longest range of days one task query may ask for.
const MAX_TASK_DAYS: i64 = 366;
/// The emulated tenant's one attendance group and shift.
const GROUP_ID: &str = "7000000000000000001";
const SHIFT_ID: &str = "7000000000000000002";

fn id_kind(employee_type: &EmployeeType) -> IdKind {
    match employee_type {
        EmployeeType::EmployeeNo => IdKind::EmployeeNo,
        _ => IdKind::EmployeeId,
    }
}

/// `user_flows/batch_create`: each record is stored (or, with a known idempotency key, found); records
/// the platform would not import are listed in `msg` as `[user_id-creator_id, ...]`.
pub(crate) fn batch_create(shared: &Shared, request: BatchCreateRequest) -> Answer {
    let kind = id_kind(request.employee_type());
    let mut roster = lock(&shared.roster);
    let mut punches = Vec::new();
    let mut failed = Vec::new();
    for (index, flow) in request.flow_records().iter().enumerate() {
        let user = roster
            .find_or_enroll(kind, &flow.user_id)
            .map(|e| e.employee_id.clone());
        let creator = roster
            .find_or_enroll(kind, &flow.creator_id)
            .map(|e| e.employee_id.clone());
        let (Some(user), Some(creator)) = (user, creator) else {
            let unknown = format!(
                "flow_records[{index}]: user {} or creator {}",
                flow.user_id, flow.creator_id
            );
            return Answer::documented(
                &BatchCreateError::UserNotFoundOrNoPermission,
                format!("user_id is not exist or does not have permission: {unknown}"),
            );
        };
        let Ok(check_time) = flow.check_time.trim().parse::<i64>() else {
            return Answer::documented(
                &BatchCreateError::ParamInvalid,
                format!("param is invalid: flow_records[{index}].check_time: not Unix seconds"),
            );
        };
        if check_time < EARLIEST_IMPORT {
            failed.push(format!("{}-{}", flow.user_id, flow.creator_id));
            continue;
        }
        punches.push((flow, user, creator, check_time));
    }
    let mut attendance = lock(&shared.attendance);
    let days: BTreeSet<(String, u32)> = punches
        .iter()
        .map(|(_, user, _, check_time)| (user.clone(), day_of(*check_time, attendance.zone())))
        .collect();
    let before = tasks(&attendance, &days);
    let live_before = attendance.live_records();
    let mut created = Vec::new();
    let imported: Vec<UserFlow> = punches
        .into_iter()
        .map(|(flow, user, creator, check_time)| {
            let punch = NewPunch {
                location_name: Some(flow.location_name.clone()),
                creator_id: Some(creator),
                comment: Some(flow.comment.clone()),
                external_id: flow.external_id.clone(),
                idempotent_id: flow.idempotent_id.clone(),
                ..NewPunch::new(user, check_time)
            };
            let id = attendance.import([punch]).remove(0);
            let record = attendance.record(&id).cloned();
            created.push(id);
            record.map_or_else(|| flow.clone(), |record| user_flow(&record, &roster, kind))
        })
        .collect();
    // A repeated idempotency key creates nothing, and the platform pushes nothing for it.
    if attendance.live_records() > live_before {
        for record in created.iter().filter_map(|id| attendance.record(id)) {
            let employee_no = employee_no(&roster, &record.punch.user_id);
            shared.outbox.send(&events::flow_created(record, &employee_no));
        }
    }
    announce_changes(shared, &attendance, &roster, &before);
    let msg = if failed.is_empty() {
        "success".to_owned()
    } else {
        format!("[{}]", failed.join(", "))
    };
    let data = BatchCreateResponse {
        flow_records: Some(imported),
    };
    Answer::ok(msg, to_value(&data))
}

/// `user_flows/batch_del`: each id deleted, or answered with its reason in `msg`.
pub(crate) fn batch_del(shared: &Shared, request: BatchDelRequest) -> Answer {
    let roster = lock(&shared.roster);
    let mut attendance = lock(&shared.attendance);
    let days: BTreeSet<(String, u32)> = request
        .record_ids()
        .iter()
        .filter_map(|id| attendance.record(id))
        .map(|record| {
            (
                record.punch.user_id.clone(),
                day_of(record.punch.check_time, attendance.zone()),
            )
        })
        .collect();
    let before = tasks(&attendance, &days);
    let deletion = attendance.delete(request.record_ids());
    for (user_id, day) in &deletion.recomputed {
        tracing::debug!(user_id, day, "task result recomputed");
    }
    announce_changes(shared, &attendance, &roster, &before);
    let reasons: serde_json::Map<String, Value> = deletion
        .failed
        .iter()
        .map(|(id, failure)| (id.clone(), Value::from(failure.reason())))
        .collect();
    let data = BatchDelResponse {
        success_record_ids: Some(deletion.deleted),
        fail_record_ids: Some(deletion.failed.into_iter().map(|(id, _)| id).collect()),
    };
    // The reference page: when fail_record_ids is not empty, msg maps each failed id to its reason.
    let msg = if reasons.is_empty() {
        "success".to_owned()
    } else {
        Value::Object(reasons).to_string()
    };
    Answer::ok(msg, to_value(&data))
}

/// The task results of these (user, day) pairs.
fn tasks(attendance: &Attendance, days: &BTreeSet<(String, u32)>) -> Vec<TaskResult> {
    days.iter().map(|(user, day)| attendance.task(user, *day)).collect()
}

/// Pushes `user_task.updated_v1` for each task whose results differ from `before`.
fn announce_changes(shared: &Shared, attendance: &Attendance, roster: &Roster, before: &[TaskResult]) {
    for was in before {
        let now = attendance.task(&was.user_id, was.day);
        let employee_no = employee_no(roster, &was.user_id);
        if let Some(event) = events::task_updated(was, &now, &employee_no, (GROUP_ID, SHIFT_ID)) {
            shared.outbox.send(&event);
        }
    }
}

fn employee_no(roster: &Roster, employee_id: &str) -> String {
    roster
        .find(IdKind::EmployeeId, employee_id)
        .map(|employee| employee.employee_no.clone())
        .unwrap_or_default()
}

/// `user_flows/query`: the live records of known users in a time range.
pub(crate) fn query(shared: &Shared, request: QueryRequest) -> Answer {
    let kind = id_kind(request.employee_type());
    let roster = lock(&shared.roster);
    let range = (
        request.check_time_from().parse::<i64>(),
        request.check_time_to().parse::<i64>(),
    );
    let (Ok(from), Ok(to)) = range else {
        return Answer::documented(
            &QueryError::ParamInvalid,
            "param is invalid: check_time_from and check_time_to are Unix seconds",
        );
    };
    let (known, unknown) = resolve(&roster, kind, request.user_ids());
    if !unknown.is_empty() {
        return unknown_users(&QueryError::UserNotFoundOrNoPermission, &unknown);
    }
    let attendance = lock(&shared.attendance);
    let results = known
        .iter()
        .flat_map(|user| attendance.records_between(user, from, to))
        .map(|record| user_flow(record, &roster, kind))
        .collect();
    let data = QueryResponse {
        user_flow_results: Some(results),
    };
    Answer::ok("success", to_value(&data))
}

/// `user_flows/:user_flow_id`: one live record.
pub(crate) fn get(shared: &Shared, request: GetRequest) -> Answer {
    let kind = id_kind(request.employee_type());
    let attendance = lock(&shared.attendance);
    match attendance.record(request.user_flow_id()) {
        Some(record) => Answer::ok("success", to_value(&user_flow(record, &lock(&shared.roster), kind))),
        None => Answer::documented(
            &GetError::ParamInvalid,
            format!("param is invalid: user_flow_id: no record {}", request.user_flow_id()),
        ),
    }
}

/// `user_tasks/query`: each known user's task result for each day of the range, from the live records.
pub(crate) fn user_tasks(shared: &Shared, request: TaskQueryRequest) -> Answer {
    let kind = id_kind(request.employee_type());
    let roster = lock(&shared.roster);
    let Some(days) = days_between(*request.check_date_from(), *request.check_date_to()) else {
        return Answer::documented(
            &TaskQueryError::ParamInvalid,
            format!(
                "param is invalid: check_date_from..check_date_to must be yyyyMMdd days, at most {MAX_TASK_DAYS} apart"
            ),
        );
    };
    let (known, unknown) = resolve(&roster, kind, request.user_ids());
    if !unknown.is_empty() && request.ignore_invalid_users() != Some(&true) {
        return unknown_users(&TaskQueryError::UserNotFoundOrNoPermission, &unknown);
    }
    let attendance = lock(&shared.attendance);
    let results = known
        .iter()
        .flat_map(|user| days.iter().map(move |day| (user, *day)))
        .map(|(user, day)| user_task(&attendance, &roster, kind, user, day))
        .collect();
    let data = TaskQueryResponse {
        user_task_results: Some(results),
        invalid_user_ids: Some(unknown),
        unauthorized_user_ids: Some(Vec::new()),
    };
    Answer::ok("success", to_value(&data))
}

/// The platform's refusal of user ids it does not know (code 1220004 on these pages).
fn unknown_users(error: &impl lark_openapi::runtime::DocumentedError, unknown: &[String]) -> Answer {
    Answer::documented(
        error,
        format!(
            "user_id is not exist or does not have permission: {}",
            unknown.join(", ")
        ),
    )
}

/// The employee ids of the users the tenant knows, and the given ids it does not.
fn resolve(roster: &Roster, kind: IdKind, user_ids: &[String]) -> (Vec<String>, Vec<String>) {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for id in user_ids {
        match roster.find(kind, id) {
            Some(employee) if !known.contains(&employee.employee_id) => known.push(employee.employee_id.clone()),
            Some(_) => {}
            None => unknown.push(id.clone()),
        }
    }
    (known, unknown)
}

/// The days from `from` to `to` (`yyyyMMdd`, both included), or `None` for nonsense or a too long range.
fn days_between(from: i32, to: i32) -> Option<Vec<NaiveDate>> {
    let date = |day: i32| NaiveDate::from_ymd_opt(day / 10_000, (day / 100 % 100) as u32, (day % 100) as u32);
    let (from, to) = (date(from)?, date(to)?);
    let span = (to - from).num_days();
    if !(0..MAX_TASK_DAYS).contains(&span) {
        return None;
    }
    Some(from.iter_days().take(span as usize + 1).collect())
}

fn user_task(attendance: &Attendance, roster: &Roster, kind: IdKind, user: &str, date: NaiveDate) -> UserTask {
    let day = yyyymmdd(date);
    let task = attendance.task(user, day);
    let shift = attendance.shift();
    let shift_time = |time| crate::attendance::unix_time(date, time, attendance.zone()).to_string();
    let record = |check: &Check| {
        let record = check.record_id.as_deref().and_then(|id| attendance.record(id));
        record.map(|record| user_flow(record, roster, kind))
    };
    let result = WireTask {
        check_in_record_id: task.check_in.record_id.clone(),
        check_in_record: record(&task.check_in),
        check_out_record_id: task.check_out.record_id.clone(),
        check_out_record: record(&task.check_out),
        check_in_result: Some(task_result(task.check_in.result)),
        check_out_result: Some(task_result(task.check_out.result)),
        check_in_result_supplement: Some(ResultSupplement::NoSupplement),
        check_out_result_supplement: Some(ResultSupplement::NoSupplement),
        check_in_shift_time: Some(shift_time(shift.on_duty)),
        check_out_shift_time: Some(shift_time(shift.off_duty)),
        task_shift_type: Some(TaskShiftType::Normal),
    };
    UserTask {
        result_id: Some(format!("{day}{:0>8}", user.len())),
        user_id: Some(roster.present(user, kind)),
        employee_name: roster.by_id(user).map(|employee| employee.name.clone()),
        day: i32::try_from(day).ok(),
        group_id: Some(GROUP_ID.to_owned()),
        shift_id: Some(SHIFT_ID.to_owned()),
        records: Some(vec![result]),
    }
}

fn task_result(result: CheckResult) -> TaskCheckResult {
    match result {
        CheckResult::Normal => TaskCheckResult::Normal,
        CheckResult::Early => TaskCheckResult::Early,
        CheckResult::Late => TaskCheckResult::Late,
        CheckResult::Lack => TaskCheckResult::Lack,
    }
}

/// A stored record as the platform shows it, its user ids written as `kind`.
fn user_flow(record: &PunchRecord, roster: &Roster, kind: IdKind) -> UserFlow {
    let punch = &record.punch;
    let creator = punch.creator_id.as_deref().unwrap_or(&punch.user_id);
    UserFlow {
        user_id: roster.present(&punch.user_id, kind),
        creator_id: roster.present(creator, kind),
        location_name: punch.location_name.clone().unwrap_or_default(),
        check_time: punch.check_time.to_string(),
        comment: punch.comment.clone().unwrap_or_default(),
        record_id: Some(record.record_id.clone()),
        longitude: None,
        latitude: None,
        ssid: None,
        bssid: None,
        is_field: Some(false),
        is_wifi: Some(false),
        r#type: Some(FlowType::OpenPlatformImport),
        photo_urls: None,
        device_id: None,
        // The reading pages: records show `PendingApproval`; results come from user_tasks/query.
        check_result: Some(WireCheckResult::PendingApproval),
        external_id: punch.external_id.clone(),
        idempotent_id: punch.idempotent_id.clone(),
        create_time: Some(punch.check_time.to_string()),
    }
}

fn to_value(data: &impl serde::Serialize) -> Value {
    serde_json::to_value(data).unwrap_or_default()
}
