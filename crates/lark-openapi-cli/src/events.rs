//! `lark events listen`: a local callback URL that verifies and decrypts deliveries and prints each
//! event as one JSON line, its body typed by the event's spec.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use lark_runtime::events::{EventDispatcher, EventHeader, axum::into_response};
use serde_json::{Value, json};

/// Events subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    /// Serve a callback URL on 127.0.0.1: its address goes to stderr first, then each event to stdout as
    /// one JSON line. The Verification Token and Encrypt Key come from LARK_VERIFICATION_TOKEN and
    /// LARK_ENCRYPT_KEY only; a delivery that fails verification gets a 4xx and a warning on stderr.
    Listen {
        /// Port on 127.0.0.1; 0 picks a free one.
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

impl EventsCommand {
    /// Runs the subcommand until Ctrl-C.
    pub async fn run(self) -> ExitCode {
        let Self::Listen { port } = self;
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
