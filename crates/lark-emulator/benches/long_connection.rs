//! Events delivered and acknowledged over one long connection on loopback, against a raw WebSocket echo
//! on the same machine as the floor. Both sides do one round trip at a time with the same bytes: the
//! emulator sends an event frame and waits for its acknowledgement, which the client sends after its
//! dispatcher has routed the event to a typed handler; the raw side sends the same frame to an echo
//! server and waits for it to come back. Rounds alternate between the two so that drift on a 2-core
//! machine falls on both; the ratio is the median of the rounds' ratios.

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use lark_emulator::{Emulator, RunningEmulator};
use lark_openapi::runtime::events::long_connection::frame::{Frame, Header, METHOD_DATA, keys};
use lark_openapi::runtime::events::{EventDispatcher, EventHeader};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const EVENTS_PER_ROUND: usize = 2_000;
const ROUNDS: usize = 7;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let emulator = Emulator::builder().start().await.expect("the emulator starts");
        let handled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&handled);
        let dispatcher = EventDispatcher::builder()
            .fallback(move |_: EventHeader, _: Value| {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                async {}
            })
            .build();
        let connection = emulator
            .long_connection_builder()
            .dispatcher(Arc::new(dispatcher))
            .build();
        tokio::spawn(connection.run());
        while emulator.long_connection_stats().open == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let echo = echo_server().await;
        let (mut socket, _) = tokio_tungstenite::connect_async(echo)
            .await
            .expect("the echo server answers");
        let frame = event_frame().to_bytes();

        let mut ratios = Vec::new();
        let (mut connection_rates, mut raw_rates) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            // Which side goes first alternates too.
            let (connection, raw) = if round % 2 == 0 {
                let connection = long_connection_round(&emulator).await;
                (connection, raw_round(&mut socket, &frame).await)
            } else {
                let raw = raw_round(&mut socket, &frame).await;
                (long_connection_round(&emulator).await, raw)
            };
            connection_rates.push(connection);
            raw_rates.push(raw);
            ratios.push(connection / raw);
        }
        assert_eq!(
            handled.load(std::sync::atomic::Ordering::Relaxed),
            ROUNDS * EVENTS_PER_ROUND
        );
        println!("long_connection/events_acknowledged_one_at_a_time ({EVENTS_PER_ROUND} a round, {ROUNDS} rounds)");
        println!(
            "  long connection: median {:.0} events/s ({})",
            median(&mut connection_rates),
            list(&connection_rates, 0)
        );
        println!(
            "  raw echo:        median {:.0} round trips/s ({})",
            median(&mut raw_rates),
            list(&raw_rates, 0)
        );
        println!(
            "  ratio: median {:.3} of the raw echo ({})",
            median(&mut ratios.clone()),
            list(&ratios, 3)
        );
    });
}

async fn long_connection_round(emulator: &RunningEmulator) -> f64 {
    let started = Instant::now();
    for _ in 0..EVENTS_PER_ROUND {
        let ack = emulator
            .send_over_long_connection("bench.event_v1", json!({"n": 1}), "event")
            .await
            .expect("every event is acknowledged");
        assert_eq!(ack.code, 200);
    }
    EVENTS_PER_ROUND as f64 / started.elapsed().as_secs_f64()
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn raw_round(socket: &mut Socket, frame: &[u8]) -> f64 {
    let started = Instant::now();
    for _ in 0..EVENTS_PER_ROUND {
        socket.send(Message::Binary(frame.to_vec().into())).await.expect("sent");
        match socket.next().await {
            Some(Ok(Message::Binary(echoed))) => assert_eq!(echoed.len(), frame.len()),
            other => panic!("no echo: {other:?}"),
        }
    }
    EVENTS_PER_ROUND as f64 / started.elapsed().as_secs_f64()
}

/// A WebSocket server on 127.0.0.1 that sends every binary message back; gives its URL.
async fn echo_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("ws://{}/", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(message)) = socket.next().await {
                    if message.is_binary() && socket.send(message).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    url
}

/// A frame of the size the emulator sends for the long-connection side's event.
fn event_frame() -> Frame {
    let envelope = json!({
        "schema": "2.0",
        "header": {"event_id": "0".repeat(32), "event_type": "bench.event_v1", "create_time": "1795483800000",
                   "app_id": "cli_emulator", "tenant_key": "tenant_emulator"},
        "event": {"n": 1},
    });
    Frame {
        method: METHOD_DATA,
        headers: vec![
            Header::new(keys::TYPE, "event"),
            Header::new(keys::MESSAGE_ID, &"0".repeat(32)),
            Header::new(keys::SUM, "1"),
            Header::new(keys::SEQ, "0"),
        ],
        payload: Some(envelope.to_string().into_bytes()),
        ..Frame::default()
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The values with `decimals` digits after the point, comma-separated.
fn list(values: &[f64], decimals: usize) -> String {
    values
        .iter()
        .map(|value| format!("{value:.decimals$}"))
        .collect::<Vec<_>>()
        .join(", ")
}
