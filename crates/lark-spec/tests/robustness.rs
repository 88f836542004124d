//! Whatever a spec file holds, loading it returns specs or located errors; it never panics.

#![allow(missing_docs)]

use std::fs;
use std::path::Path;

use lark_spec::SpecSet;

/// Loads `text` as an endpoint spec and checks that every error points inside the text.
fn load(dir: &Path, text: &str) {
    fs::write(dir.join("spec.yaml"), text).unwrap();
    if let Err(errors) = SpecSet::load_files(dir, &["spec.yaml"]) {
        let lines = text.lines().count().max(1) + 1;
        for error in errors.iter() {
            assert!(
                error.line >= 1 && error.line <= lines && error.column >= 1,
                "{error} points outside:\n{text}"
            );
            assert!(!error.message.is_empty());
        }
    }
}

fn mutations(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    // Every line removed.
    for skip in 0..lines.len() {
        out.push(
            lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    // Every prefix, cut at character boundaries every few bytes.
    for (at, _) in text.char_indices().step_by(7) {
        out.push(text[..at].to_owned());
    }
    // Indentation broken on every line.
    for shift in 0..lines.len() {
        let mut changed = lines.clone();
        let shifted = format!(" {}", changed[shift]);
        changed[shift] = &shifted;
        out.push(changed.join("\n"));
    }
    out
}

#[test]
fn mutated_specs_never_panic_the_loader() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scratch = tempfile::tempdir().unwrap();
    let mut loaded = 0;
    for spec in [
        "specs/attendance/v1/user_flow/batch_del.yaml",
        "tests/specs/fixture/v1/things/update.yaml",
    ] {
        let text = fs::read_to_string(root.join(spec)).unwrap();
        for mutated in mutations(&text) {
            load(scratch.path(), &mutated);
            loaded += 1;
        }
    }
    assert!(loaded > 500, "only {loaded} variants");
}
