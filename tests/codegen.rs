//! The checked-in bindings are exactly what `cargo xtask codegen` would write, and an edit to a spec
//! shows up in them as exactly that edit.

#![allow(missing_docs)]

use std::fs;
use std::path::{Path, PathBuf};

use lark_codegen::sync::{Difference, differences, write_all};
use lark_spec::SpecSet;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn generated_dir() -> PathBuf {
    workspace().join("crates/lark-openapi/src/generated")
}

#[test]
fn checked_in_bindings_are_fresh() {
    let set = SpecSet::load_dir(&workspace().join("specs")).unwrap_or_else(|errors| panic!("{errors}"));
    let files = lark_codegen::client_files(&set).unwrap();
    let stale = differences(&generated_dir(), &files).unwrap();
    assert!(
        stale.is_empty(),
        "generated bindings are stale, run `cargo xtask codegen`: {stale:?}"
    );
}

#[test]
fn generation_is_deterministic() {
    let set = SpecSet::load_dir(&workspace().join("specs")).unwrap();
    assert_eq!(
        lark_codegen::client_files(&set).unwrap(),
        lark_codegen::client_files(&set).unwrap()
    );
}

/// Copy the specs and the bindings, raise `max_items` from 10 to 20, regenerate: exactly the lines that
/// carry the bound change (the request's check and the bulk method's chunk size), and the check catches
/// the stale copy first.
#[test]
fn a_spec_edit_regenerates_exactly_that_change() {
    let scratch = tempfile::tempdir().unwrap();
    let specs = scratch.path().join("specs");
    let generated = scratch.path().join("generated");
    copy_dir(&workspace().join("specs"), &specs);
    copy_dir(&generated_dir(), &generated);

    let spec_path = specs.join("attendance/v1/user_flow/batch_del.yaml");
    let text = fs::read_to_string(&spec_path).unwrap();
    assert_eq!(text.matches("max_items: 10").count(), 1);
    fs::write(&spec_path, text.replace("max_items: 10", "max_items: 20")).unwrap();

    let files = lark_codegen::client_files(&SpecSet::load_dir(&specs).unwrap()).unwrap();
    let module = "attendance/v1/user_flow/batch_del.rs".to_owned();
    let surface = "attendance/v1/user_flow/mod.rs".to_owned();
    assert_eq!(
        differences(&generated, &files).unwrap(),
        [
            Difference::Changed(module.clone()),
            Difference::Changed(surface.clone())
        ]
    );

    let read = |file: &str| fs::read_to_string(generated.join(file)).unwrap();
    let before = (read(&module), read(&surface));
    write_all(&generated, &files).unwrap();
    let after = (read(&module), read(&surface));
    // The request's bound, and the bulk method's chunk size with its doc.
    assert_eq!(
        changed_lines(&before.0, &after.0),
        [(
            "            violations.items(&at, value, Some(1), Some(10));",
            "            violations.items(&at, value, Some(1), Some(20));"
        )]
    );
    let surface_changes = changed_lines(&before.1, &after.1);
    assert_eq!(surface_changes.len(), 2, "{surface_changes:?}");
    assert!(surface_changes[0].0.contains("chunks of 10") && surface_changes[0].1.contains("chunks of 20"));
    assert_eq!(surface_changes[1], ("                10,", "                20,"));
    assert!(differences(&generated, &files).unwrap().is_empty());
}

#[test]
fn a_generated_file_nobody_generates_any_more_is_reported_and_removed() {
    let scratch = tempfile::tempdir().unwrap();
    copy_dir(&generated_dir(), scratch.path());
    fs::write(scratch.path().join("attendance/v1/user_flow/gone.rs"), "// old\n").unwrap();
    let files = lark_codegen::client_files(&SpecSet::load_dir(&workspace().join("specs")).unwrap()).unwrap();
    let stale = differences(scratch.path(), &files).unwrap();
    assert_eq!(stale, [Difference::Extra("attendance/v1/user_flow/gone.rs".into())]);
    write_all(scratch.path(), &files).unwrap();
    assert!(!scratch.path().join("attendance/v1/user_flow/gone.rs").exists());
}

/// Pairs of lines that differ; both texts must have the same number of lines.
fn changed_lines<'a>(before: &'a str, after: &'a str) -> Vec<(&'a str, &'a str)> {
    assert_eq!(before.lines().count(), after.lines().count());
    before.lines().zip(after.lines()).filter(|(a, b)| a != b).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}
