//! Answer decoding for every generated endpoint (one target over all of them, through the generated
//! registry): the first byte picks the endpoint, the second the HTTP status class, the rest is the body.
//! Whatever the bytes, the result is data or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lark_openapi::ENDPOINTS;

const STATUSES: [u16; 6] = [200, 400, 403, 429, 500, 503];

fuzz_target!(|data: &[u8]| {
    let [which, status, body @ ..] = data else { return };
    let entry = &ENDPOINTS[usize::from(*which) % ENDPOINTS.len()];
    let status = STATUSES[usize::from(*status) % STATUSES.len()];
    let _ = (entry.decode_answer)(status, body);
    if let Ok(payload) = serde_json::from_slice(body) {
        let _ = (entry.decode_data)(payload);
    }
});
