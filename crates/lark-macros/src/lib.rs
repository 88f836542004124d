//! Generate lark-openapi bindings from a spec at compile time.
//!
//! ```ignore
//! lark_macros::endpoint!("attendance/v1/user_flow/batch_del.yaml");
//! // BatchDelRequest, BatchDelRequestBuilder, BatchDelResponse, BatchDelError are now in scope.
//! ```
//!
//! The path is relative to the nearest `specs/` folder above the file that calls the macro (the
//! workspace's `specs/` for code in this repository). A spec that refers to named types takes the module
//! that holds them: `endpoint!("attendance/v1/user_flow/query.yaml", types = crate::types)`, with
//! `types!("attendance/v1/types.yaml")` in that module. Spec problems become compile errors that quote
//! `file:line:column`, every one at once; editing the YAML rebuilds the caller.
//!
//! The generated code names `::lark_runtime`, so the calling crate depends on `lark-runtime`. All
//! generation is `lark_codegen`'s: this crate only reads input, calls it, and reports errors.

mod expand;

use std::path::{Path, PathBuf};

/// Generates the request, builder, response, error enum and `Endpoint` implementation of one spec.
#[proc_macro]
pub fn endpoint(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand::endpoint(input.into(), &caller_dir()).into_tokens().into()
}

/// Generates the named types of a service version's `types.yaml`.
#[proc_macro]
pub fn types(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand::types(input.into(), &caller_dir()).into_tokens().into()
}

/// The folder of the file that invoked the macro, where the search for `specs/` starts.
fn caller_dir() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let Some(file) = proc_macro::Span::call_site().local_file() else {
        return manifest_dir;
    };
    let file = if file.is_absolute() {
        file
    } else {
        std::env::current_dir().unwrap_or_default().join(file)
    };
    file.parent().map(Path::to_path_buf).unwrap_or(manifest_dir)
}
