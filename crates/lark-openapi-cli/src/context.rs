//! What every generated subcommand shares: the client from the environment, and how outcomes are printed.

use std::future::Future;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use lark_runtime::{
    AppCredentials, BulkOptions, BulkReport, Client, DocumentedError, Download, Error, PartialFailure, Response,
    UploadFile, ValidationError,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

/// Exit code of a call that failed.
const CALL_FAILED: u8 = 1;
/// Exit code of invalid input: nothing was sent.
const INVALID_INPUT: u8 = 2;

/// Settings from the command line; the client is made only when a call is about to be sent.
#[derive(Debug)]
pub struct Context {
    base_url: String,
    concurrency: usize,
    timeout: Duration,
}

impl Context {
    /// Settings for this run.
    pub fn new(base_url: String, concurrency: usize, timeout: Duration) -> Self {
        Self {
            base_url,
            concurrency,
            timeout,
        }
    }

    fn client(&self) -> Result<Client, ExitCode> {
        let (Ok(app_id), Ok(app_secret)) = (std::env::var("LARK_APP_ID"), std::env::var("LARK_APP_SECRET")) else {
            eprintln!(
                "error: set LARK_APP_ID and LARK_APP_SECRET in the environment (credentials are never taken from flags)"
            );
            return Err(ExitCode::from(INVALID_INPUT));
        };
        Client::builder()
            .base_url(&self.base_url)
            .app_credentials(AppCredentials::new(app_id, app_secret))
            .operation_timeout(self.timeout)
            .build()
            .map_err(|error| {
                eprintln!("error: {error}");
                ExitCode::from(INVALID_INPUT)
            })
    }

    /// Input the request builder refused: nothing was sent.
    pub fn invalid(&self, error: &ValidationError) -> ExitCode {
        eprintln!("error: {error}");
        ExitCode::from(INVALID_INPUT)
    }

    /// A field given as JSON, in `--<name>-json TEXT` or in the file of `--<name>-file PATH` (`-` for
    /// standard input); `None` when neither was given.
    pub fn json_arg<T: DeserializeOwned>(
        &self,
        name: &str,
        text: Option<String>,
        file: Option<PathBuf>,
    ) -> Result<Option<T>, ExitCode> {
        let (flag, text) = match (text, file) {
            (Some(text), _) => (format!("--{name}-json"), text),
            (None, Some(path)) => match crate::input::read_text(&path) {
                Ok(text) => (format!("--{name}-file {}", path.display()), text),
                Err(error) => {
                    eprintln!("error: --{name}-file: cannot read {}: {error}", path.display());
                    return Err(ExitCode::from(INVALID_INPUT));
                }
            },
            (None, None) => return Ok(None),
        };
        let mut deserializer = serde_json::Deserializer::from_str(&text);
        serde_path_to_error::deserialize(&mut deserializer)
            .map(Some)
            .map_err(|error| {
                let at = error.path().to_string();
                let at = if at == "." { String::new() } else { format!(" at {at}") };
                eprintln!("error: {flag}: not valid JSON for this field{at}: {}", error.inner());
                ExitCode::from(INVALID_INPUT)
            })
    }

    /// Sends a call and prints its data as JSON.
    pub async fn finish<D, E, F, Fut>(&self, call: F) -> ExitCode
    where
        D: Serialize,
        E: DocumentedError,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<Response<D>, Error<E>>>,
    {
        match self.send(call).await {
            Ok(response) => print_json(&json!({"data": response.data, "log_id": response.log_id})),
            Err(code) => code,
        }
    }

    /// Sends a batch call, prints its data and failure reasons as JSON and lists the failures on stderr.
    pub async fn finish_partial<D, E, F, Fut>(&self, call: F) -> ExitCode
    where
        D: Serialize + PartialFailure,
        E: DocumentedError,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<Response<D>, Error<E>>>,
    {
        match self.send(call).await {
            Ok(response) => {
                let failures = response.failures();
                for failure in &failures {
                    eprintln!(
                        "failed: {}: {}",
                        failure.id,
                        failure.reason.as_deref().unwrap_or("no reason given")
                    );
                }
                let failures: Vec<_> = failures
                    .iter()
                    .map(|f| json!({"id": f.id, "reason": f.reason}))
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
            Err(code) => code,
        }
    }

    /// A file to upload, read from `path`.
    pub async fn upload_file(&self, path: &Path) -> Result<UploadFile, ExitCode> {
        UploadFile::from_path(path).await.map_err(|error| {
            eprintln!("error: cannot read {}: {error}", path.display());
            ExitCode::from(INVALID_INPUT)
        })
    }

    /// Sends a download and writes the file to `output` (`-` for standard output), chunk by chunk.
    pub async fn finish_download<E, F, Fut>(&self, output: &Path, call: F) -> ExitCode
    where
        E: DocumentedError,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<Download, Error<E>>>,
    {
        let download = match self.send(call).await {
            Ok(download) => download,
            Err(code) => return code,
        };
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

    /// Follows every page of a paged call and prints all items as one JSON array.
    pub async fn finish_all<T, E, F, Fut>(&self, call: F) -> ExitCode
    where
        T: Serialize,
        E: DocumentedError,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<Vec<T>, Error<E>>>,
    {
        match self.send(call).await {
            Ok(items) => print_json(&json!({ "items": items })),
            Err(code) => code,
        }
    }

    /// Sends a call whose `msg` lists the request items that failed (`[a-b, c-d]`), prints its data and
    /// those items as JSON and lists them on stderr.
    pub async fn finish_listed<D, E, F, Fut>(&self, call: F) -> ExitCode
    where
        D: Serialize,
        E: DocumentedError,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<Response<D>, Error<E>>>,
    {
        match self.send(call).await {
            Ok(response) => {
                let failed = lark_runtime::partial_failure::listed_keys(&response.msg).unwrap_or_default();
                for key in &failed {
                    eprintln!("failed: {key}");
                }
                print_json(&json!({"data": response.data, "failed": failed, "log_id": response.log_id}))
            }
            Err(code) => code,
        }
    }

    /// Makes the client, runs `call` with it, and prints a failure: the outcome, or the exit code.
    async fn send<T, E, F, Fut>(&self, call: F) -> Result<T, ExitCode>
    where
        E: DocumentedError,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, Error<E>>>,
    {
        let client = self.client()?;
        call(client).await.map_err(|error| {
            eprintln!("error: {error}");
            ExitCode::from(CALL_FAILED)
        })
    }

    /// Bulk mode: reads ids from `path`, runs them through the endpoint's bulk method with a progress
    /// bar on a terminal, and prints the report.
    pub async fn bulk<F, Fut>(&self, path: &Path, names: BulkNames, run: F) -> ExitCode
    where
        F: FnOnce(Client, Vec<String>, BulkOptions) -> Fut,
        Fut: Future<Output = BulkReport>,
    {
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
pub struct BulkNames {
    /// E.g. `success_record_ids`.
    pub succeeded: &'static str,
    /// E.g. `fail_record_ids`.
    pub failed: &'static str,
}

fn print_json(value: &serde_json::Value) -> ExitCode {
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
