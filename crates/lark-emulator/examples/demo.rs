//! The demo behind `cargo xtask demo`: a day of punches in a local emulator, task results before and
//! after deleting some records through the generated client, a partial failure and its reasons.
//! No credentials, no network.

use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, NaiveDate};
use lark_emulator::{Emulator, RunningEmulator, TaskResult, demo};
use lark_openapi::Api;
use lark_openapi::attendance::v1::user_flows::batch_del::BatchDelRequest;

/// A record id the emulator never issued, to show a partial failure.
const MISSING_ID: &str = "7399999999999999999";

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

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let zone = FixedOffset::east_opt(8 * 3600).ok_or("UTC+8 is a time zone")?;
    let date = chrono::Utc::now().with_timezone(&zone).date_naive();
    let emulator = Emulator::builder().zone(zone).start().await?;
    println!("Local Feishu attendance emulator at {}", emulator.base_url());
    println!(
        "(demo app `{}`, shift 09:00-18:00, UTC+08:00)\n",
        emulator.app_credentials().app_id()
    );

    let punches = demo::punches(date, zone);
    let ids = emulator.import(punches.clone());
    println!("Imported {} punch records for {date}.", ids.len());
    print_results(&emulator, date, zone, "Task results");

    let client = emulator.client_builder().build()?;
    // E1001's check-out, E1003's check-out, E1004's device punch (not deletable) and an unknown id.
    let to_delete = [ids[1].as_str(), ids[6].as_str(), ids[7].as_str(), MISSING_ID];
    let request = BatchDelRequest::builder().record_ids(to_delete).build()?;
    println!(
        "Deleting {} records: client.attendance().v1().user_flows().batch_del(..)",
        to_delete.len()
    );
    let answer = client.attendance().v1().user_flows().batch_del(request).await?;
    let failures = answer.failures();
    for id in to_delete {
        let whose = ids
            .iter()
            .position(|known| known == id)
            .map(|index| format!("{} {}", punches[index].user_id, clock(punches[index].check_time, zone)))
            .unwrap_or_else(|| "(no such record)".to_owned());
        let outcome = match failures.iter().find(|failure| failure.id == id) {
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
    print_results(&emulator, date, zone, "Task results, recomputed after the deletion");
    emulator.shutdown().await;
    Ok(())
}

fn print_results(emulator: &RunningEmulator, date: NaiveDate, zone: FixedOffset, title: &str) {
    let day = lark_emulator::attendance::yyyymmdd(date);
    println!("\n{title} ({date}):");
    println!("  {:<20} {:<16} check-out", "employee", "check-in");
    for task in emulator.tasks_of_day(day) {
        println!(
            "  {:<20} {:<16} {}",
            employee(&task),
            check(&task.check_in, zone),
            check(&task.check_out, zone)
        );
    }
    println!();
}

fn employee(task: &TaskResult) -> String {
    let name = demo::EMPLOYEES
        .iter()
        .find(|(id, _)| *id == task.user_id)
        .map_or("", |(_, name)| name);
    format!("{} {name}", task.user_id)
}

fn check(check: &lark_emulator::attendance::Check, zone: FixedOffset) -> String {
    let time = check
        .check_time
        .map_or_else(|| "--:--".to_owned(), |at| clock(at, zone));
    format!("{time} {}", check.result)
}

fn clock(check_time: i64, zone: FixedOffset) -> String {
    DateTime::from_timestamp(check_time, 0)
        .unwrap_or_default()
        .with_timezone(&zone)
        .format("%H:%M")
        .to_string()
}
