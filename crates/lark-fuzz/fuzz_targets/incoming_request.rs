//! The emulator's decoding of incoming requests, for every generated endpoint: the first byte picks the
//! endpoint; the rest is split into path value, query string and body at the first two `\n`. A request
//! decodes, or is refused with named violations; it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lark_openapi::ENDPOINTS;
use lark_runtime::IncomingRequest;

fuzz_target!(|data: &[u8]| {
    let [which, rest @ ..] = data else { return };
    let entry = &ENDPOINTS[usize::from(*which) % ENDPOINTS.len()];
    let mut parts = rest.splitn(3, |byte| *byte == b'\n');
    let path_value = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let query_text = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();
    let path: Vec<(String, String)> = entry
        .metadata
        .path_template
        .split('/')
        .filter_map(|segment| segment.strip_prefix(':'))
        .map(|name| (name.to_owned(), path_value.clone()))
        .collect();
    let query: Vec<(String, String)> = query_text
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    if let Err(error) = (entry.decode_request)(&IncomingRequest::new(&path, &query, body)) {
        assert!(!error.violations.is_empty(), "a refusal names what was wrong");
    }
});
