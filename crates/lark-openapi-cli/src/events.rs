//! `lark events listen`: a local callback URL that verifies and decrypts deliveries, or (`--ws`) the
//! platform's long connection, and each event printed as one JSON line, its body typed by the event's spec.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use lark_runtime::AppCredentials;
use lark_runtime::events::long_connection::{LongConnection, Status};
use lark_runtime::events::{EventDispatcher, EventHeader, axum::into_response};
use serde_json::{Value, json};

/// Events subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    /// Serve a callback URL on 127.0.0.1: its address goes to stderr first, then each event to stdout as
    /// one JSON line. The Verification Token and Encrypt Key come from LARK_VERIFICATION_TOKEN and
    /// LARK_ENCRYPT_KEY only; a delivery that fails verification gets a 4xx and a warning on stderr.
    /// With --ws, open the platform's long connection instead (credentials: LARK_APP_ID and
    /// LARK_APP_SECRET): stderr says when it connects and reconnects.
    Listen {
        /// Port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 0, conflicts_with = "ws")]
        port: u16,
        /// Receive over the long connection (a WebSocket to the platform) rather than a callback URL.
        #[arg(long)]
        ws: bool,
    },
}

impl EventsCommand {
    /// Runs the subcommand until Ctrl-C (or, with `--ws`, until the connection ends for good).
    pub async fn run(self, base_url: &str) -> ExitCode {
        let Self::Listen { port, ws } = self;
        if ws {
            return long_connection(base_url).await;
        }
        let listener = match tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("error: cannot listen on 127.0.0.1:{port}: {error}");
                return ExitCode::FAILURE;
            }
        };
        let dispatcher = Arc::new(dispatcher());
        let app = axum::Router::new().route(
            "/",
            post(move |headers: HeaderMap, body: Bytes| {
                let dispatcher = Arc::clone(&dispatcher);
                async move {
                    let outcome = dispatcher.dispatch(&headers, &body).await;
                    if let Err(error) = &outcome {
                        eprintln!("warning: refused a delivery (HTTP {}): {error}", error.http_status());
                    }
                    into_response(EventDispatcher::reply(&outcome))
                }
            }),
        );
        match listener.local_addr() {
            Ok(address) => eprintln!("http://{address}/"),
            Err(error) => eprintln!("warning: cannot read the listening address: {error}"),
        }
        let serve = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        });
        match serve.await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: the listener stopped: {error}");
                ExitCode::FAILURE
            }
        }
    }
}

/// Receives over the long connection until Ctrl-C or a fatal answer.
async fn long_connection(base_url: &str) -> ExitCode {
    let (Ok(app_id), Ok(app_secret)) = (std::env::var("LARK_APP_ID"), std::env::var("LARK_APP_SECRET")) else {
        eprintln!(
            "error: set LARK_APP_ID and LARK_APP_SECRET in the environment (credentials are never taken from flags)"
        );
        return ExitCode::from(2);
    };
    let Ok(base_url) = url::Url::parse(base_url) else {
        eprintln!("error: --base-url {base_url} is not a URL");
        return ExitCode::from(2);
    };
    let printer = EventDispatcher::builder()
        .fallback(|header: EventHeader, body: Value| async move { print_event(&header, body) })
        .build();
    let connection = LongConnection::builder(AppCredentials::new(app_id, app_secret))
        .base_url(base_url)
        .dispatcher(Arc::new(printer))
        .on_status(|status| match status {
            Status::Connected { device_id } => eprintln!("connected (connection {device_id})"),
            Status::Disconnected { reason } => eprintln!("disconnected: {reason}"),
            Status::Reconnecting { attempt, delay, reason } => {
                eprintln!(
                    "reconnecting in {:.1} s (attempt {attempt}): {reason}",
                    delay.as_secs_f64()
                );
            }
            other => eprintln!("{other:?}"),
        })
        .build();
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match connection.run_until(stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A dispatcher with the environment's secrets that prints every event.
fn dispatcher() -> EventDispatcher {
    let mut builder = EventDispatcher::builder();
    if let Some(token) = secret_from_env("LARK_VERIFICATION_TOKEN") {
        builder = builder.verification_token(token);
    }
    if let Some(key) = secret_from_env("LARK_ENCRYPT_KEY") {
        builder = builder.encrypt_key(key);
    }
    builder
        .fallback(|header: EventHeader, body: Value| async move { print_event(&header, body) })
        .build()
}

fn secret_from_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// One line: the header's facts and the body, typed when a spec knows the event type.
fn print_event(header: &EventHeader, body: Value) {
    let entry = lark_openapi::EVENTS
        .iter()
        .find(|entry| entry.event_type == header.event_type);
    let (event, typed) = match entry.map(|entry| (entry.decode)(body.clone())) {
        Some(Ok(typed)) => (typed, true),
        Some(Err(reason)) => {
            eprintln!(
                "warning: event {} does not fit its spec ({reason}); printing it as sent",
                header.event_id
            );
            (body, false)
        }
        None => (body, false),
    };
    let line = json!({
        "event_type": header.event_type,
        "event_id": header.event_id,
        "schema": header.schema,
        "create_time": header.create_time,
        "app_id": header.app_id,
        "tenant_key": header.tenant_key,
        "typed": typed,
        "event": event,
    });
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
