//! The lark-openapi generator: a validated spec in, a `proc_macro2::TokenStream` out.
//!
//! All generation lives here so that the `lark_macros::endpoint!` macro and `cargo xtask codegen`
//! cannot disagree: both call [`endpoint`]. For each endpoint spec it produces
//! - a request type whose builder validates every constraint (`BatchDelRequest`, `BatchDelRequestBuilder`),
//! - the response data type (`BatchDelResponse`), with per-id failure reasons for batch endpoints,
//! - the error enum with one variant per documented code (`BatchDelError`),
//! - the `lark_runtime::Endpoint` implementation carrying method, path, tokens, scopes and rate limit,
//! - inline object and enum types, all with doc comments from the spec.
//!
//! Output is deterministic: the same specs give byte-identical files.

mod cli;
mod docs;
mod endpoint;
mod error_enum;
mod error_facts;
mod event;
mod layout;
mod names;
mod prelude;
mod request;
mod response;
mod shapes;
mod surface;
pub mod sync;

use lark_spec::model::{EndpointSpec, EventSpec, TypesSpec};
use proc_macro2::TokenStream;
use quote::quote;

pub use cli::cli_files;
pub use error_facts::{ERRORS_MODULE, SharedErrors};
pub use layout::{
    EVENTS_MODULE, GENERATED_MARKER, GeneratedFile, RUNTIME_SERVICES, RUNTIME_VERSIONS, client_files, in_runtime,
    runtime_files,
};

/// Choices that depend on where the generated code lives.
#[derive(Clone)]
pub struct Options {
    /// The module that holds the service version's named types.
    pub types_path: syn::Path,
    /// The cargo feature that compiles server-side decoding (`Incoming`), if the crate gates it; `None`
    /// compiles it always (the macro's expansion, whose crate declares no such feature).
    pub server_feature: Option<&'static str>,
    /// The service version's shared error facts; `None` writes each endpoint's facts beside its enum.
    pub shared_errors: Option<SharedErrors>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let types_path = &self.types_path;
        f.debug_struct("Options")
            .field("types_path", &quote!(#types_path).to_string())
            .field("server_feature", &self.server_feature)
            .field("shared_errors", &self.shared_errors.is_some())
            .finish()
    }
}

/// The feature of the client and runtime crates that compiles what only a server needs: decoding
/// incoming requests and the endpoint registry.
pub const SERVER_FEATURE: &str = "server";

impl Options {
    /// For the client crate's layout: named types live in `crate::<service>::<version>::types`.
    pub fn client(service: &str, version: &str) -> Self {
        let service = names::snake_ident(service);
        let version = names::snake_ident(version);
        Self {
            types_path: syn::parse_quote!(crate::#service::#version::types),
            server_feature: Some(SERVER_FEATURE),
            shared_errors: None,
        }
    }

    /// For the runtime crate's layout: named types live in `crate::generated::<service>::<version>::types`.
    pub fn runtime(service: &str, version: &str) -> Self {
        let service = names::snake_ident(service);
        let version = names::snake_ident(version);
        Self {
            types_path: syn::parse_quote!(crate::generated::#service::#version::types),
            server_feature: Some(SERVER_FEATURE),
            shared_errors: None,
        }
    }
}

/// The items of one endpoint; `types` are the named types of its service version.
pub fn endpoint(spec: &EndpointSpec, types: Option<&TypesSpec>, options: &Options) -> TokenStream {
    endpoint::endpoint_items(spec, types, options)
}

/// The items of one event: its typed body and the `lark_runtime::events::Event` impl.
pub fn event(spec: &EventSpec, types: Option<&TypesSpec>, options: &Options) -> TokenStream {
    event::event_items(spec, types, &options.types_path)
}

/// The items of a service version's named types.
pub fn types(spec: &TypesSpec, options: &Options) -> TokenStream {
    let mut shapes = shapes::Shapes::new(Some(spec), &options.types_path);
    for (name, schema) in spec.types.iter() {
        shapes.define_named(name, schema);
    }
    let definitions = shapes.into_definitions();
    quote!(#(#definitions)*)
}

/// Formats generated items as a Rust source file, naming the prelude's items, serde's derives and the
/// runtime's common items by their short names (the macro's expansion keeps full paths, which nothing at the call site can shadow).
pub fn render(tokens: TokenStream) -> Result<String, syn::Error> {
    let (tokens, import) = prelude::shorten(tokens);
    let mut file = syn::parse2::<syn::File>(tokens)?;
    if let Some(import) = import {
        file.items.insert(0, syn::parse2(import)?);
    }
    Ok(prettyplease::unparse(&file))
}
