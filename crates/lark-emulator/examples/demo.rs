//! The demo behind `cargo xtask demo`: a local emulator, and through the generated client a day of
//! punches imported (`user_flows/batch_create`), task results read (`user_tasks/query`), some records
//! deleted with a partial failure and its reasons (`user_flows/batch_del`), and the recomputed results.
//! No credentials, no network.

use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, NaiveDate};
use lark_emulator::attendance::yyyymmdd;
use lark_emulator::{Emulator, NewPunch, RecordSource, demo};
use lark_openapi::attendance::v1::types::{EmployeeType, TaskCheckResult, UserFlow, UserTask};
use lark_openapi::attendance::v1::user_flow::batch_create::BatchCreateRequest;
use lark_openapi::attendance::v1::user_flow::batch_del::BatchDelRequest;
use lark_openapi::attendance::v1::user_task::query::QueryRequest as TaskQuery;
use lark_openapi::{Api, Client};

/// A record id the emulator never issued, to show a partial failure.
const MISSING_ID: &str = "7399999999999999999";

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    let zone = FixedOffset::east_opt(8 * 3600).ok_or("UTC+8 is a time zone")?;
    let date = chrono::Utc::now().with_timezone(&zone).date_naive();
    let emulator = Emulator::builder().zone(zone).roster(demo::employees()).start().await?;
    println!("Local Feishu attendance emulator at {}", emulator.base_url());
    println!(
        "(demo app `{}`, 4 employees, shift 09:00-18:00, UTC+08:00; each endpoint at its documented rate limit)\n",
        emulator.app_credentials().app_id()
    );
    let client = emulator.client_builder().build()?;

    // One punch was made on a device, not through the platform: the tenant has it already.
    let punches = demo::punches(date, zone);
    let (device, imported): (Vec<NewPunch>, Vec<NewPunch>) = punches
        .into_iter()
        .partition(|punch| punch.source == RecordSource::Device);
    let device_ids = emulator.import(device.clone());
    let records = import(&client, &imported).await?;
    println!(
        "Imported {} punch records for {date}: client.attendance().v1().user_flow().batch_create(..)",
        records.len()
    );
    print_results(
        &client,
        date,
        "Task results: client.attendance().v1().user_task().query(..)",
    )
    .await?;

    // E1001's check-out, E1003's check-out, E1004's device punch (not deletable) and an unknown id.
    let id_of = |flow: &UserFlow| flow.record_id.clone().unwrap_or_default();
    let to_delete = [
        id_of(&records[1]),
        id_of(&records[6]),
        device_ids[0].clone(),
        MISSING_ID.to_owned(),
    ];
    let request = BatchDelRequest::builder().record_ids(to_delete.clone()).build()?;
    println!(
        "Deleting {} records: client.attendance().v1().user_flow().batch_del(..)",
        to_delete.len()
    );
    let answer = client.attendance().v1().user_flow().batch_del(request).await?;
    let failures = answer.failures();
    for id in &to_delete {
        let punch = records
            .iter()
            .find(|flow| &id_of(flow) == id)
            .map(|flow| (flow.user_id.clone(), flow.check_time.parse().unwrap_or(0)))
            .or_else(|| (id == &device_ids[0]).then(|| (device[0].user_id.clone(), device[0].check_time)));
        let whose = punch.map_or_else(
            || "(no such record)".to_owned(),
            |(user, at)| format!("{user} {}", clock(at, zone)),
        );
        let outcome = match failures.iter().find(|failure| &failure.id == id) {
            None => "deleted".to_owned(),
            Some(failure) => format!(
                "not deleted: {}",
                failure.reason.as_deref().unwrap_or("no reason given")
            ),
        };
        println!("  {id}  {whose:<16}  {outcome}");
    }
    println!(
        "  {} deleted, {} not deleted (log id {})",
        answer.data.success_record_ids.as_ref().map_or(0, Vec::len),
        failures.len(),
        answer.log_id.as_deref().unwrap_or("-"),
    );
    print_results(&client, date, "Task results, recomputed after the deletion").await?;
    emulator.shutdown().await;
    Ok(())
}

/// Imports punches through the platform's endpoint and returns the records it created, in order.
async fn import(client: &Client, punches: &[NewPunch]) -> Result<Vec<UserFlow>, Failure> {
    let flows: Vec<UserFlow> = punches
        .iter()
        .map(|punch| UserFlow {
            idempotent_id: Some(format!("demo-{}-{}", punch.user_id, punch.check_time)),
            ..demo::user_flow(punch, "imported by the demo")
        })
        .collect();
    let request = BatchCreateRequest::builder()
        .employee_type(EmployeeType::EmployeeId)
        .flow_records(flows)
        .build()?;
    let answer = client
        .attendance()
        .v1()
        .user_flow()
        .batch_create(request.clone())
        .await?;
    let failed = request.failed_flow_records(&answer.msg);
    if !failed.is_empty() {
        return Err(format!("{} punches were not imported: {}", failed.len(), answer.msg).into());
    }
    Ok(answer.data.flow_records.unwrap_or_default())
}

async fn print_results(client: &Client, date: NaiveDate, title: &str) -> Result<(), Failure> {
    let day = i32::try_from(yyyymmdd(date))?;
    let users = demo::EMPLOYEES.iter().map(|(id, _, _)| *id);
    let request = TaskQuery::builder()
        .employee_type(EmployeeType::EmployeeId)
        .user_ids(users)
        .check_date_from(day)
        .check_date_to(day)
        .build()?;
    let answer = client.attendance().v1().user_task().query(request).await?;
    println!("\n{title} ({date}):");
    println!("  {:<20} {:<16} check-out", "employee", "check-in");
    for task in answer.data.user_task_results.unwrap_or_default() {
        println!("  {}", row(&task));
    }
    println!();
    Ok(())
}

fn row(task: &UserTask) -> String {
    let employee = format!(
        "{} {}",
        task.user_id.as_deref().unwrap_or("?"),
        task.employee_name.as_deref().unwrap_or("")
    );
    let Some(result) = task.records.as_ref().and_then(|records| records.first()) else {
        return format!("{employee:<20} (no shift)");
    };
    let zone = FixedOffset::east_opt(8 * 3600);
    let check = |record: &Option<UserFlow>, outcome: &Option<TaskCheckResult>| {
        let time = record
            .as_ref()
            .and_then(|flow| flow.check_time.parse().ok())
            .zip(zone)
            .map_or_else(|| "--:--".to_owned(), |(at, zone)| clock(at, zone));
        let outcome = outcome.as_ref().map_or_else(|| "?".to_owned(), ToString::to_string);
        format!("{time} {outcome}")
    };
    format!(
        "{employee:<20} {:<16} {}",
        check(&result.check_in_record, &result.check_in_result),
        check(&result.check_out_record, &result.check_out_result)
    )
}

fn clock(check_time: i64, zone: FixedOffset) -> String {
    DateTime::from_timestamp(check_time, 0)
        .unwrap_or_default()
        .with_timezone(&zone)
        .format("%H:%M")
        .to_string()
}
