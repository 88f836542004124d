//! Receives events: a callback URL served with axum, an `EventDispatcher` that verifies, decrypts and
//! routes each delivery to a typed handler, and a local emulator as the platform sending them. Punches
//! imported through the platform arrive as `attendance.user_flow.created_v1`, one event each:
//!
//! ```sh
//! cargo run -p lark-openapi --example receive_events
//! ```

use std::sync::Arc;
use std::time::Duration;

use lark_emulator::{Emulator, EventSubscription, NewPunch, demo};
use lark_openapi::attendance::v1::events::user_flow_created_v1::UserFlowCreatedV1;
use lark_openapi::attendance::v1::types::EmployeeType;
use lark_openapi::attendance::v1::user_flow::batch_create::BatchCreateRequest;
use lark_openapi::runtime::events::{EventDispatcher, EventHeader};
use lark_openapi::{Api, Client};
use tokio::sync::mpsc;

type Failure = Box<dyn std::error::Error>;

/// The app's secrets for its callback, as set in the developer console.
const VERIFICATION_TOKEN: &str = "example-verification-token";
const ENCRYPT_KEY: &str = "example-encrypt-key";

/// Serves a dispatcher that sends every punch it is told of to `punches`; gives the callback URL.
async fn serve_callback(punches: mpsc::UnboundedSender<(EventHeader, UserFlowCreatedV1)>) -> Result<String, Failure> {
    let dispatcher = EventDispatcher::builder()
        .verification_token(VERIFICATION_TOKEN)
        .encrypt_key(ENCRYPT_KEY)
        .on(move |header: EventHeader, punch: UserFlowCreatedV1| {
            let punches = punches.clone();
            // An error answers 500, and the platform delivers again.
            async move { punches.send((header, punch)) }
        })
        .build();
    let route = lark_openapi::runtime::events::axum::callback(Arc::new(dispatcher));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhook/event", listener.local_addr()?);
    let app = axum::Router::new().route("/webhook/event", route);
    tokio::spawn(axum::serve(listener, app).into_future());
    Ok(url)
}

/// Imports one punch for each `(user, Unix time)` through the platform's `batch_create`.
async fn import(client: &Client, punches: &[(&str, i64)]) -> Result<(), Failure> {
    // The records as the platform takes them; the emulator's demo helper fills in the rest.
    let flows = punches
        .iter()
        .map(|(user, at)| demo::user_flow(&NewPunch::new(*user, *at), "imported by the example"));
    let request = BatchCreateRequest::builder()
        .employee_type(EmployeeType::EmployeeId)
        .flow_records(flows)
        .build()?;
    client.attendance().v1().user_flow().batch_create(request).await?;
    Ok(())
}

/// Imports `punches` and gives the events the callback received for them, in order.
async fn scenario(punches: &[(&str, i64)]) -> Result<Vec<(EventHeader, UserFlowCreatedV1)>, Failure> {
    let (sender, mut received) = mpsc::unbounded_channel();
    let url = serve_callback(sender).await?;
    let subscription = EventSubscription::new(url, VERIFICATION_TOKEN).encrypt_key(ENCRYPT_KEY);
    let emulator = Emulator::builder().events(subscription).start().await?;
    import(&emulator.client_builder().build()?, punches).await?;
    let mut events = Vec::new();
    while events.len() < punches.len() {
        let next = tokio::time::timeout(Duration::from_secs(10), received.recv()).await;
        events.push(next?.ok_or("the callback stopped")?);
    }
    Ok(events)
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    for (header, punch) in scenario(&[("E1001", 1_795_483_800), ("E1002", 1_795_484_100)]).await? {
        println!(
            "{} {}: record {} of {} at {}",
            header.event_type,
            header.event_id,
            punch.record_id.as_deref().unwrap_or("?"),
            punch.employee_id.as_deref().unwrap_or("?"),
            punch.check_time.as_deref().unwrap_or("?"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn each_imported_punch_arrives_as_one_typed_event() {
        let events = super::scenario(&[("E1001", 1_795_483_800), ("E1002", 1_795_484_100)])
            .await
            .unwrap();
        let punches: Vec<_> = events
            .iter()
            .map(|(header, punch)| {
                (
                    header.event_type.as_str(),
                    punch.employee_id.as_deref(),
                    punch.check_time.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            punches,
            [
                ("attendance.user_flow.created_v1", Some("E1001"), Some("1795483800")),
                ("attendance.user_flow.created_v1", Some("E1002"), Some("1795484100")),
            ]
        );
        assert_ne!(events[0].0.event_id, events[1].0.event_id);
    }
}
