//! Spec loading and validation: any text as an endpoint spec, and as the `types.yaml` beside it. Loading
//! returns specs or located errors; it never panics, and every error points inside its file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line, when it says so, is the types file; the rest the endpoint.
    let (types, endpoint) = text.split_once("\n---\n").unwrap_or(("", text));
    let files = [("fuzz/v1/things/spec.yaml", endpoint), ("fuzz/v1/types.yaml", types)];
    let files = if types.is_empty() { &files[..1] } else { &files[..] };
    if let Err(errors) = lark_spec::SpecSet::load_texts(files) {
        for error in errors.iter() {
            assert!(error.line >= 1 && error.column >= 1, "{error}");
            assert!(!error.message.is_empty());
        }
    }
});
