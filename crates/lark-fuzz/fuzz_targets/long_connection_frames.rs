//! The long connection's input: WebSocket messages read as pbbp2 frames, pong payloads read as client
//! configurations, and data frames fed to fragment reassembly with a moving clock. The input is a run of
//! messages, each prefixed by its length in one byte. Nothing panics, what decodes encodes back to the
//! same frame, and reassembly never holds more than its byte limit.
#![no_main]

use std::time::{Duration, Instant};

use lark_runtime::events::long_connection::ClientConfig;
use lark_runtime::events::long_connection::fragments::Fragments;
use lark_runtime::events::long_connection::frame::{Frame, keys};
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let mut fragments = Fragments::new(Duration::from_secs(10), LIMIT);
    let start = Instant::now();
    let mut rest = data;
    let mut step = 0;
    while let Some((&length, tail)) = rest.split_first() {
        let (message, next) = tail.split_at(usize::from(length).min(tail.len()));
        rest = next;
        step += 1;
        let Ok(frame) = Frame::from_bytes(message) else { continue };
        assert_eq!(Frame::from_bytes(&frame.to_bytes()).as_ref(), Ok(&frame));
        let ack = frame.acknowledgement(step, b"{\"code\":200}".to_vec());
        assert_eq!((ack.seq_id, ack.log_id, ack.headers.len()), (frame.seq_id, frame.log_id, frame.headers.len() + 1));
        if let Some(payload) = &frame.payload {
            let _ = serde_json::from_slice::<ClientConfig>(payload);
        }
        let message_id = frame.header(keys::MESSAGE_ID).unwrap_or_default();
        let sum = frame.number(keys::SUM).unwrap_or(1);
        let seq = frame.number(keys::SEQ).unwrap_or(0);
        let now = start + Duration::from_millis(step as u64 * 700);
        let payload = frame.payload.clone().unwrap_or_default();
        if let Ok(Some(whole)) = fragments.add(message_id, sum, seq, payload, now) {
            assert!(sum <= 1 || whole.len() <= LIMIT, "a reassembled delivery fits the limit");
        }
    }
});
