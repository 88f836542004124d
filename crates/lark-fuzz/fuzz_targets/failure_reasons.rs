//! The runtime's readings of a `msg`: per-id failure reasons (a JSON object) and the list form of failed
//! items (`[a-b, c-d]`). Any text reads as reasons or as plain text, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lark_runtime::partial_failure::{FailureReasons, failed_items, listed_keys};

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = std::str::from_utf8(data) else { return };
    let reasons = FailureReasons::parse(msg);
    let _ = reasons.reason("6709359313699356941");
    if let Some(keys) = listed_keys(msg) {
        assert!(keys.iter().all(|key| !key.is_empty()));
    }
    let items = ["a-b".to_owned(), "c-d".to_owned()];
    let failed = failed_items(&items, msg, Clone::clone);
    assert!(failed.len() <= items.len());
});
