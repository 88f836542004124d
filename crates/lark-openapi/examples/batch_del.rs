//! Deletes punch records in one batch call and prints the partial failure: the ids deleted and, for each
//! id that was not, the platform's reason. Against a local emulator, so it needs no credentials:
//!
//! ```sh
//! cargo run -p lark-openapi --example batch_del
//! ```

use lark_emulator::{Emulator, NewPunch, RecordSource, RunningEmulator};
use lark_openapi::attendance::v1::user_flow::batch_del::BatchDelRequest;
use lark_openapi::{Api, Client};

type Failure = Box<dyn std::error::Error>;

/// An id the emulator never issued.
const MISSING_ID: &str = "7399999999999999999";

/// What one `batch_del` call answered.
#[derive(Debug)]
struct Outcome {
    /// The ids deleted.
    deleted: Vec<String>,
    /// Each id not deleted, with the reason the platform gave.
    not_deleted: Vec<(String, String)>,
    /// The log id support asks for.
    log_id: Option<String>,
}

/// Deletes `record_ids` in one call; a partial failure is an answer, not an error.
async fn delete(client: &Client, record_ids: Vec<String>) -> Result<Outcome, Failure> {
    // 1 to 10 ids, each a string of digits: anything else is refused here, before any I/O.
    let request = BatchDelRequest::builder().record_ids(record_ids).build()?;
    let answer = client.attendance().v1().user_flow().batch_del(request).await?;
    let not_deleted = answer
        .failures()
        .into_iter()
        .map(|failure| (failure.id, failure.reason.unwrap_or_else(|| "no reason given".into())))
        .collect();
    Ok(Outcome {
        deleted: answer.data.success_record_ids.clone().unwrap_or_default(),
        not_deleted,
        log_id: answer.log_id.clone(),
    })
}

/// One punch imported through the platform and one made on a device (which the platform will not
/// delete), then a batch that names both and an id that does not exist.
async fn scenario(emulator: &RunningEmulator) -> Result<Outcome, Failure> {
    let mut ids = emulator.import([
        NewPunch::new("E1001", 1_795_483_800),
        NewPunch::new("E1002", 1_795_484_100).with_source(RecordSource::Device),
    ]);
    ids.push(MISSING_ID.to_owned());
    let client = emulator.client_builder().build()?;
    delete(&client, ids).await
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let emulator = Emulator::builder().start().await?;
    let outcome = scenario(&emulator).await?;
    for id in &outcome.deleted {
        println!("{id}  deleted");
    }
    for (id, reason) in &outcome.not_deleted {
        println!("{id}  not deleted: {reason}");
    }
    println!("log id {}", outcome.log_id.as_deref().unwrap_or("-"));
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn deletes_what_it_may_and_gives_a_reason_for_the_rest() {
        let emulator = lark_emulator::Emulator::builder().start().await.unwrap();
        let outcome = super::scenario(&emulator).await.unwrap();
        assert_eq!(outcome.deleted.len(), 1);
        let reasons: Vec<&str> = outcome.not_deleted.iter().map(|(_, reason)| reason.as_str()).collect();
        assert_eq!(
            reasons,
            ["record was not imported through the open platform", "record not found"]
        );
        assert_eq!(outcome.not_deleted[1].0, super::MISSING_ID);
        assert!(outcome.log_id.is_some());
    }
}
