//! The demo behind `cargo xtask demo --bot`: a small bot on the long connection, end to end against the
//! emulator. No public URL, no credentials, no network: the bot opens the long connection, the platform
//! pushes each imported punch to it, and the bot answers through the generated client, reading the
//! employee's task result for the day; then a user clicks a card, and the bot's toast goes back in the
//! acknowledgement.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, NaiveTime};
use lark_emulator::attendance::{unix_time, yyyymmdd};
use lark_emulator::{Emulator, NewPunch, RunningEmulator, demo};
use lark_openapi::attendance::v1::events::user_flow_created_v1::UserFlowCreatedV1;
use lark_openapi::attendance::v1::types::EmployeeType;
use lark_openapi::attendance::v1::user_flow::batch_create::BatchCreateRequest;
use lark_openapi::attendance::v1::user_task::query::QueryRequest;
use lark_openapi::runtime::events::card::{CardAction, CardActionReply, ToastKind};
use lark_openapi::runtime::events::long_connection::Status;
use lark_openapi::runtime::events::{EventDispatcher, EventHeader, HandlerError};
use lark_openapi::{Api, Client};
use serde_json::json;
use tokio::sync::mpsc;

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
    let emulator = Emulator::builder().start().await?;
    println!(
        "Local platform at {} (long connection: /callback/ws/endpoint)\n",
        emulator.base_url()
    );
    let client = emulator.client_builder().build()?;
    let (said, mut replies) = mpsc::unbounded_channel();
    let dispatcher = EventDispatcher::builder()
        .on(move |_: EventHeader, punch: UserFlowCreatedV1| answer_punch(client.clone(), punch, said.clone()))
        .on(|_: EventHeader, click: CardAction| async move {
            let who = click.operator.and_then(|operator| operator.open_id).unwrap_or_default();
            CardActionReply::toast(ToastKind::Success, format!("Thanks {who}, your correction is filed"))
        })
        .build();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bot = emulator
        .long_connection_builder()
        .dispatcher(Arc::new(dispatcher))
        .on_status(|status| {
            if let Status::Connected { device_id } = status {
                println!("bot: connected over the long connection (connection {device_id})");
            }
        })
        .build();
    let running = tokio::spawn(bot.run_until(async {
        let _ = stopped.await;
    }));
    wait_until_connected(&emulator).await?;

    import_two_punches(&emulator).await?;
    for _ in 0..2 {
        let line = tokio::time::timeout(Duration::from_secs(10), replies.recv()).await?;
        println!("bot: {}", line.ok_or("the bot stopped")?);
    }

    println!("\nA user clicks the bot's card (card.action.trigger over the long connection):");
    let click =
        json!({"operator": {"open_id": "ou_demo_user"}, "action": {"tag": "button", "value": {"ask": "correct"}}});
    let ack = emulator.send_card_action(click, "card").await?;
    println!(
        "  the platform got code {} and {}",
        ack.code,
        ack.data.unwrap_or_default()
    );

    let _ = stop.send(());
    running.await??;
    println!(
        "\nbot: stopped ({} pings, {} acknowledgements)",
        emulator.long_connection_stats().pings,
        emulator.long_connection_stats().acks
    );
    emulator.shutdown().await;
    Ok(())
}

/// The bot's handler: the punch's day read back through the generated client.
async fn answer_punch(
    client: Client,
    punch: UserFlowCreatedV1,
    said: mpsc::UnboundedSender<String>,
) -> Result<(), HandlerError> {
    let user = punch.employee_id.clone().unwrap_or_default();
    let at: i64 = punch.check_time.as_deref().unwrap_or("0").parse()?;
    let zone = FixedOffset::east_opt(8 * 3600).ok_or("UTC+8")?;
    let day = chrono::DateTime::from_timestamp(at, 0)
        .ok_or("a time")?
        .with_timezone(&zone);
    let date = i32::try_from(yyyymmdd(day.date_naive()))?;
    let request = QueryRequest::builder()
        .employee_type(EmployeeType::EmployeeId)
        .user_ids([user.clone()])
        .check_date_from(date)
        .check_date_to(date)
        .build()?;
    let tasks = client.attendance().v1().user_task().query(request).await?;
    let result = tasks
        .data
        .user_task_results
        .and_then(|tasks| tasks.into_iter().next())
        .and_then(|task| task.records)
        .and_then(|records| records.into_iter().next())
        .and_then(|record| record.check_in_result)
        .map_or_else(|| "no result yet".to_owned(), |result| result.to_string());
    said.send(format!(
        "{user} punched at {} -> user_tasks().query(..) says check-in {result}",
        day.format("%H:%M")
    ))?;
    Ok(())
}

async fn wait_until_connected(emulator: &RunningEmulator) -> Result<(), Failure> {
    for _ in 0..200 {
        if emulator.long_connection_stats().open > 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err("the bot did not connect".into())
}

/// Two punches imported through the platform, as an HR system would: each is pushed to the bot.
async fn import_two_punches(emulator: &RunningEmulator) -> Result<(), Failure> {
    let zone = FixedOffset::east_opt(8 * 3600).ok_or("UTC+8")?;
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    let punch = |user: &str, hour, minute| {
        let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default();
        demo::user_flow(
            &NewPunch::new(user, unix_time(today, time, zone)),
            "imported by the bot demo",
        )
    };
    let request = BatchCreateRequest::builder()
        .employee_type(EmployeeType::EmployeeId)
        .flow_records([punch("E1001", 8, 52), punch("E1002", 9, 17)])
        .build()?;
    let client = emulator.client_builder().build()?;
    client.attendance().v1().user_flow().batch_create(request).await?;
    println!("HR system: imported 2 punches through client.attendance().v1().user_flow().batch_create(..)");
    Ok(())
}
