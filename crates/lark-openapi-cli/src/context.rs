//! Running an endpoint's command: the client from the environment, the call through the registry, and how
//! outcomes are printed.

use std::future::Future;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::ArgMatches;
use indicatif::{ProgressBar, ProgressStyle};
use lark_runtime::{
    Answered, AppCredentials, BulkCall, BulkOptions, CallFailure, Client, Download, FailureReasons, Response,
};
use serde_json::{Value, json};

use crate::commands::{ALL_PAGES, Chosen, OUTPUT, file_flag};
use crate::table::Output;

/// Exit code of a call that failed.
const CALL_FAILED: u8 = 1;
/// Exit code of invalid input: nothing was sent.
const INVALID_INPUT: u8 = 2;

/// The app's credentials, from the environment only.
fn credentials() -> Result<AppCredentials, ExitCode> {
    let (Ok(app_id), Ok(app_secret)) = (std::env::var("LARK_APP_ID"), std::env::var("LARK_APP_SECRET")) else {
        eprintln!(
            "error: set LARK_APP_ID and LARK_APP_SECRET in the environment (credentials are never taken from flags)"
        );
        return Err(ExitCode::from(INVALID_INPUT));
    };
    Ok(AppCredentials::new(app_id, app_secret))
}

/// Settings from the command line; the client is made only when a call is about to be sent.
#[derive(Debug)]
pub struct Context {
    base_url: String,
    concurrency: usize,
    timeout: Duration,
    as_user: bool,
}

impl Context {
    /// Settings for this run.
    pub fn new(base_url: String, concurrency: usize, timeout: Duration, as_user: bool) -> Self {
        Self {
            base_url,
            concurrency,
            timeout,
            as_user,
        }
    }

    /// The platform's address.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Runs `lark auth …`.
    pub async fn auth(&self, command: crate::auth::AuthCommand) -> ExitCode {
        match (credentials(), self.app_client()) {
            (Ok(credentials), Ok(client)) => command.run(client, credentials, &self.base_url).await,
            (Err(code), _) | (_, Err(code)) => code,
        }
    }

    /// The app's client, acting for the signed-in user with `--as-user`.
    fn client(&self) -> Result<Client, ExitCode> {
        let client = self.app_client()?;
        if !self.as_user {
            return Ok(client);
        }
        crate::auth::as_user(&client, credentials()?).map_err(|message| {
            eprintln!("error: {message}");
            ExitCode::from(INVALID_INPUT)
        })
    }

    fn app_client(&self) -> Result<Client, ExitCode> {
        Client::builder()
            .base_url(&self.base_url)
            .app_credentials(credentials()?)
            .operation_timeout(self.timeout)
            .build()
            .map_err(|error| {
                eprintln!("error: {error}");
                ExitCode::from(INVALID_INPUT)
            })
    }

    /// Sends the chosen endpoint's call and prints its outcome.
    pub async fn run(&self, chosen: Chosen<'_>) -> ExitCode {
        let Chosen { row, entry, matches } = chosen;
        if let Output::Partial {
            succeeded,
            failed,
            bulk_ids: Some(ids),
        } = row.output
            && let (Some(bulk), Some(path)) = (entry.bulk, one::<PathBuf>(matches, &file_flag(ids)))
        {
            return self.bulk(path, BulkNames { succeeded, failed }, bulk).await;
        }
        let parts = match crate::request::parts(row.fields, matches).await {
            Ok(parts) => parts,
            Err(message) => return invalid(&message),
        };
        // Checked before the credentials are needed: invalid input is invalid with or without them.
        if let Err(error) = (entry.decode_request)(&parts.incoming()) {
            return invalid(&error.to_string());
        }
        if let Some(all_pages) = entry.call_all_pages
            && one::<bool>(matches, ALL_PAGES).copied().unwrap_or(false)
        {
            return match self.send(|client| all_pages(client, parts)).await {
                Ok(items) => print_json(&json!({ "items": items })),
                Err(code) => code,
            };
        }
        let answered = match self.send(|client| (entry.call)(client, parts)).await {
            Ok(answered) => answered,
            Err(code) => return code,
        };
        match (answered, row.output) {
            (Answered::File(download), _) => {
                let output = one::<PathBuf>(matches, OUTPUT).cloned().unwrap_or_else(|| "-".into());
                write_download(&output, download).await
            }
            (Answered::Data(response), Output::Data) => {
                print_json(&json!({"data": response.data, "log_id": response.log_id}))
            }
            (Answered::Data(response), Output::Partial { failed, .. }) => print_partial(&response, failed),
            (Answered::Data(response), Output::Listed) => print_listed(&response),
        }
    }

    /// Makes the client, runs `call` with it, and prints a failure: the outcome, or the exit code.
    async fn send<T, F, Fut>(&self, call: F) -> Result<T, ExitCode>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, CallFailure>>,
    {
        let client = self.client()?;
        call(client).await.map_err(|failure| match failure {
            CallFailure::Invalid(error) => invalid(&error.to_string()),
            CallFailure::Failed(error) => {
                eprintln!("error: {error}");
                ExitCode::from(CALL_FAILED)
            }
        })
    }

    /// Bulk mode: reads ids from `path`, runs them through the endpoint's bulk method with a progress
    /// bar on a terminal, and prints the report.
    async fn bulk(&self, path: &Path, names: BulkNames, run: BulkCall) -> ExitCode {
        let ids = match crate::input::read_ids(path) {
            Ok(ids) => ids,
            Err(error) => {
                eprintln!("error: cannot read ids from {}: {error}", path.display());
                return ExitCode::from(INVALID_INPUT);
            }
        };
        if ids.is_empty() {
            eprintln!("error: {} holds no ids", path.display());
            return ExitCode::from(INVALID_INPUT);
        }
        let client = match self.client() {
            Ok(client) => client,
            Err(code) => return code,
        };
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} ids {elapsed_precise}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let progress = bar.clone();
        let options = BulkOptions {
            concurrency: self.concurrency,
            on_progress: Some(Arc::new(move |p| {
                progress.set_length(p.total as u64);
                progress.set_position(p.done as u64);
            })),
            ..BulkOptions::default()
        };
        let report = run(client, ids, options).await;
        bar.finish_and_clear();
        for failure in &report.failed {
            eprintln!("failed: {}: {}", failure.id, failure.reason);
        }
        for unknown in &report.unknown {
            eprintln!("unknown: {}: {}", unknown.id, unknown.reason);
        }
        let with_reasons = |failures: &[lark_runtime::BulkFailure]| -> Vec<serde_json::Value> {
            failures
                .iter()
                .map(|f| json!({"id": f.id, "reason": f.reason}))
                .collect()
        };
        let failed_ids: Vec<&str> = report.failed.iter().map(|f| f.id.as_str()).collect();
        let mut data = serde_json::Map::new();
        data.insert(names.succeeded.to_owned(), json!(report.succeeded));
        data.insert(names.failed.to_owned(), json!(failed_ids));
        let printed = print_json(&json!({
            "data": data,
            "failures": with_reasons(&report.failed),
            "unknown": with_reasons(&report.unknown),
            "duplicates": report.duplicates,
        }));
        if report.unknown.is_empty() {
            printed
        } else {
            ExitCode::from(CALL_FAILED)
        }
    }
}

/// The names a batch endpoint's answer gives its succeeded and failed id lists; a bulk report uses them
/// too, so that its output reads like a single call's.
#[derive(Debug, Clone, Copy)]
struct BulkNames {
    /// E.g. `success_record_ids`.
    pub succeeded: &'static str,
    /// E.g. `fail_record_ids`.
    pub failed: &'static str,
}

/// A batch call's data and failure reasons as JSON, with the failures and the ids left without an
/// outcome on stderr; exit 1 when any id's outcome is unknown.
fn print_partial(response: &Response<Value>, failed_field: &str) -> ExitCode {
    let reasons = FailureReasons::parse(&response.msg);
    let failed = response.data.get(failed_field).and_then(Value::as_array);
    let failures: Vec<Value> = failed
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|id| {
            let reason = reasons.reason(id);
            eprintln!("failed: {id}: {}", reason.unwrap_or("no reason given"));
            json!({"id": id, "reason": reason})
        })
        .collect();
    // Ids the answer leaves without an outcome (or names without being sent) are unknown.
    let accounting = response.accounting.clone().unwrap_or_default();
    for id in &accounting.no_outcome {
        eprintln!("unknown: {id}: the answer gives no outcome for it");
    }
    for id in &accounting.not_sent {
        eprintln!("unknown: {id}: the answer reports it, but it was never sent");
    }
    let printed = print_json(&json!({
        "data": response.data,
        "failures": failures,
        "unknown": {"no_outcome": accounting.no_outcome, "not_sent": accounting.not_sent},
        "log_id": response.log_id,
    }));
    if accounting.is_complete() {
        printed
    } else {
        ExitCode::from(CALL_FAILED)
    }
}

/// A call whose `msg` lists the request items that failed (`[a-b, c-d]`): its data and those items as
/// JSON, and the items on stderr.
fn print_listed(response: &Response<Value>) -> ExitCode {
    let failed = lark_runtime::partial_failure::listed_keys(&response.msg).unwrap_or_default();
    for key in &failed {
        eprintln!("failed: {key}");
    }
    print_json(&json!({"data": response.data, "failed": failed, "log_id": response.log_id}))
}

/// Writes a download to `output` (`-` for standard output), chunk by chunk.
async fn write_download(output: &Path, download: Download) -> ExitCode {
    let log_id = download.log_id.clone();
    let written = if output.as_os_str() == "-" {
        download.write_to(&mut tokio::io::stdout()).await
    } else {
        match tokio::fs::File::create(output).await {
            Ok(mut file) => download.write_to(&mut file).await,
            Err(error) => {
                eprintln!("error: cannot create {}: {error}", output.display());
                return ExitCode::from(INVALID_INPUT);
            }
        }
    };
    match written {
        Ok(bytes) => {
            eprintln!("wrote {bytes} bytes (log id {})", log_id.as_deref().unwrap_or("-"));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(CALL_FAILED)
        }
    }
}

/// Input that makes no valid request: nothing was sent.
fn invalid(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(INVALID_INPUT)
}

/// An argument's value, if the command has the argument and it was given.
fn one<'a, T: Clone + Send + Sync + 'static>(matches: &'a ArgMatches, id: &str) -> Option<&'a T> {
    matches.try_get_one::<T>(id).ok().flatten()
}

fn print_json(value: &Value) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: cannot print the result: {error}");
            ExitCode::from(CALL_FAILED)
        }
    }
}
