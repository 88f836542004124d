//! The event dispatcher on any callback request: the first byte picks how the rest arrives (as the raw
//! body; encrypted with the app's Encrypt Key and signed; encrypted but unsigned). Whatever arrives is
//! answered, with a typed refusal or after routing the body to every event's typed decoding; it never
//! panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lark_runtime::events::{EncryptKey, EventDispatcher, EventHeader, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

const KEY: &str = "fuzz-encrypt-key";

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else { return };
    let key = EncryptKey::new(KEY);
    let mut headers = HeaderMap::new();
    let body = match mode % 3 {
        0 => rest.to_vec(),
        sealed => {
            let body = serde_json::json!({ "encrypt": key.encrypt(rest, [7; 16]) }).to_string().into_bytes();
            if sealed == 1 {
                let timestamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |elapsed| elapsed.as_secs())
                    .to_string();
                let signature = key.signature(&timestamp, "n", &body);
                for (name, value) in [(TIMESTAMP_HEADER, timestamp), (NONCE_HEADER, "n".to_owned()), (SIGNATURE_HEADER, signature)] {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        headers.insert(name, value);
                    }
                }
            }
            body
        }
    };
    let dispatcher = EventDispatcher::builder()
        .verification_token("fuzz-token")
        .encrypt_key(KEY)
        .fallback(|header: EventHeader, body: Value| async move {
            if let Some(entry) = lark_openapi::EVENTS.iter().find(|entry| entry.event_type == header.event_type) {
                let _ = (entry.decode)(body);
            }
        })
        .build();
    let reply = futures::executor::block_on(dispatcher.handle(&headers, &body));
    assert!(matches!(reply.status, 200 | 400 | 401 | 500), "status {}", reply.status);
});
