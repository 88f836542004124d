//! Snapshots of the formatted generated code for every fixture spec under `tests/specs/` (which use
//! every type and constraint of the format), and of the client surface and CLI tree they make. The
//! bindings of the real specs are checked by `cargo xtask codegen --check`, not snapshotted twice.
//! Review each `.snap` diff.

#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use lark_codegen::Options;
use lark_spec::SpecSet;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

fn snapshot_every_spec(root: &Path, prefix: &str) -> usize {
    let set = SpecSet::load_dir(root).unwrap_or_else(|errors| panic!("{errors}"));
    for types in &set.types {
        let options = Options::client(&types.spec.service, &types.spec.version);
        let code = lark_codegen::render(lark_codegen::types(&types.spec, &options)).unwrap();
        insta::assert_snapshot!(format!("{prefix}__{}", types.relative.replace('/', "__")), code);
    }
    for endpoint in &set.endpoints {
        let spec = &endpoint.spec;
        let options = Options::client(&spec.service, &spec.version);
        let types = set.types_of(&spec.service, &spec.version).map(|t| &t.spec);
        let code = lark_codegen::render(lark_codegen::endpoint(spec, types, &options)).unwrap();
        insta::assert_snapshot!(format!("{prefix}__{}", endpoint.relative.replace('/', "__")), code);
    }
    for event in &set.events {
        let spec = &event.spec;
        let options = Options::client(&spec.service, &spec.version);
        let types = set.types_of(&spec.service, &spec.version).map(|t| &t.spec);
        let code = lark_codegen::render(lark_codegen::event(spec, types, &options)).unwrap();
        insta::assert_snapshot!(format!("{prefix}__{}", event.relative.replace('/', "__")), code);
    }
    set.types.len() + set.endpoints.len() + set.events.len()
}

#[test]
fn fixture_specs() {
    assert_eq!(snapshot_every_spec(&workspace().join("tests/specs"), "fixtures"), 6);
}

/// The client surface (`client.fixture().v1()…`, the registries, the service features) and the `lark`
/// command tree, for the fixture specs; `cargo xtask codegen --check` covers the real ones.
#[test]
fn client_surface_and_cli() {
    let set = SpecSet::load_dir(&workspace().join("tests/specs")).unwrap();
    let surface = lark_codegen::client_files(&set)
        .unwrap()
        .into_iter()
        .filter(|file| file.path.ends_with("mod.rs") || file.path.ends_with("errors.rs"));
    for file in surface {
        insta::assert_snapshot!(format!("surface__{}", file.path.replace('/', "__")), file.contents);
    }
    for file in lark_codegen::cli_files(&set).unwrap() {
        insta::assert_snapshot!(format!("cli__{}", file.path.replace('/', "__")), file.contents);
    }
}
