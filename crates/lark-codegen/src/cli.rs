//! The `lark` command-line tool's command tree, generated like the client surface:
//! `lark <service> <resource> <method> --<field> …`, one subcommand per spec.
//!
//! Arguments map to the request builder, so the builder's validation is the only validation: a missing
//! or out-of-bounds value is reported with its field and bound before any network call.

use std::collections::BTreeMap;

use heck::ToKebabCase;
use lark_spec::SpecSet;
use lark_spec::model::{EndpointSpec, ReasonsIn, ResponseKind, Schema, TypeName, TypesSpec};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::docs::{doc, module_doc};
use crate::layout::{GENERATED_MARKER, GeneratedFile};
use crate::names::{pascal, snake_ident};
use crate::render;
use crate::shapes::{FieldShape, Shapes};

/// `src/generated/mod.rs` of the CLI crate.
pub fn cli_files(set: &SpecSet) -> Result<Vec<GeneratedFile>, syn::Error> {
    // service -> resource -> endpoints
    let mut tree: BTreeMap<&str, BTreeMap<&str, Vec<&EndpointSpec>>> = BTreeMap::new();
    for endpoint in &set.endpoints {
        let spec = &endpoint.spec;
        tree.entry(&spec.service)
            .or_default()
            .entry(&spec.resource)
            .or_default()
            .push(spec);
    }
    let docs = module_doc("The `lark` command tree: one subcommand per spec under `specs/`.");
    let services = tree.keys().map(|service| {
        let variant = format_ident!("{}", pascal(service));
        let command = format_ident!("{}Command", pascal(service));
        let docs = doc(&format!("The `{service}` service."));
        quote!(#docs #variant { #[command(subcommand)] resource: #command })
    });
    let service_arms = tree.keys().map(|service| {
        let variant = format_ident!("{}", pascal(service));
        quote!(Self::#variant { resource } => resource.run(context).await,)
    });
    let command = format_ident!("Command");
    let run_docs = quote!(#[doc = " Runs the chosen endpoint and says how the process should exit."]);
    let mut items = vec![dispatch_enum(
        quote!(#[doc = " A service of the Open Platform."]),
        &command,
        services.collect(),
        service_arms.collect(),
        quote!(#run_docs pub),
    )];
    for (service, resources) in &tree {
        items.push(resource_enum(service, resources));
        for (resource, endpoints) in resources {
            items.push(method_enum(service, resource, endpoints));
            for spec in endpoints {
                let types = set.types_of(&spec.service, &spec.version).map(|t| &t.spec);
                items.push(endpoint_module(spec, types));
            }
        }
    }
    let mut contents =
        format!("{GENERATED_MARKER} from the specs/ tree.\n// Do not edit by hand: run `cargo xtask codegen`.\n\n");
    contents.push_str(&render(quote!(#docs #(#items)*))?);
    Ok(vec![GeneratedFile {
        path: "mod.rs".to_owned(),
        contents,
    }])
}

fn resource_enum(service: &str, resources: &BTreeMap<&str, Vec<&EndpointSpec>>) -> TokenStream {
    let command = format_ident!("{}Command", pascal(service));
    let variants = resources.keys().map(|resource| {
        let variant = format_ident!("{}", pascal(resource));
        let methods = format_ident!("{}{}Command", pascal(service), pascal(resource));
        let docs = doc(&format!("The `{resource}` resource."));
        quote!(#docs #variant { #[command(subcommand)] method: #methods })
    });
    let arms = resources.keys().map(|resource| {
        let variant = format_ident!("{}", pascal(resource));
        quote!(Self::#variant { method } => method.run(context).await,)
    });
    let docs = doc(&format!("Resources of the `{service}` service."));
    dispatch_enum(docs, &command, variants.collect(), arms.collect(), quote!())
}

fn method_enum(service: &str, resource: &str, endpoints: &[&EndpointSpec]) -> TokenStream {
    let command = format_ident!("{}{}Command", pascal(service), pascal(resource));
    let variants = endpoints.iter().map(|spec| {
        let variant = format_ident!("{}", pascal(&spec.name));
        let module = module_ident(spec);
        let docs = doc(&spec.summary);
        quote!(#docs #variant(#module::Args))
    });
    let arms = endpoints.iter().map(|spec| {
        let variant = format_ident!("{}", pascal(&spec.name));
        quote!(Self::#variant(args) => args.run(context).await,)
    });
    let docs = doc(&format!("Endpoints of the `{service}` `{resource}` resource."));
    dispatch_enum(docs, &command, variants.collect(), arms.collect(), quote!())
}

/// A clap subcommand enum and the `run` that dispatches each variant.
fn dispatch_enum(
    docs: TokenStream,
    command: &proc_macro2::Ident,
    variants: Vec<TokenStream>,
    arms: Vec<TokenStream>,
    run_visibility: TokenStream,
) -> TokenStream {
    // Parsed once per run: the size of the largest command's arguments does not matter.
    quote! {
        #docs
        #[derive(Debug, ::clap::Subcommand)]
        #[allow(clippy::large_enum_variant)]
        pub enum #command {
            #(#variants,)*
        }
        impl #command {
            #run_visibility async fn run(self, context: &crate::Context) -> ::std::process::ExitCode {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

fn module_ident(spec: &EndpointSpec) -> proc_macro2::Ident {
    format_ident!("{}_{}_{}_{}", spec.service, spec.version, spec.resource, spec.name)
}

/// How a field is given on the command line.
enum ArgKind {
    /// One value of a scalar type.
    Scalar {
        arg_type: TokenStream,
        convert: TokenStream,
        choices: Option<Vec<String>>,
    },
    /// `--field a b c`.
    List {
        arg_type: TokenStream,
        convert: TokenStream,
    },
    /// `--field PATH`: a file to upload.
    File,
    /// `--field-json '…'`, for objects and lists of objects.
    Json,
}

/// The argument type and the conversion of `value` into the builder's input, for a scalar schema.
fn scalar(schema: &Schema, value_type: &TokenStream) -> Option<(TokenStream, TokenStream, Option<Vec<String>>)> {
    let value = quote!(value);
    let choices = schema.values.as_ref().map(|values| {
        values
            .iter()
            .filter_map(|v| v.value.as_str().map(str::to_owned))
            .collect()
    });
    Some(match (schema.ty?, &schema.values) {
        (TypeName::String, Some(_)) => (
            quote!(::std::string::String),
            quote!(<#value_type as ::lark_runtime::enums::StringEnum>::from_wire(&#value)),
            choices,
        ),
        (TypeName::Int32 | TypeName::Int64, Some(_)) => (
            quote!(i64),
            quote!(<#value_type as ::lark_runtime::enums::IntEnum>::from_wire(#value)),
            None,
        ),
        (TypeName::String, None) => (quote!(::std::string::String), value, None),
        (TypeName::Boolean, None) => (quote!(bool), value, None),
        (TypeName::Int32, None) => (quote!(i32), value, None),
        (TypeName::Int64, None) => (quote!(i64), value, None),
        (TypeName::Int64String, None) => (quote!(i64), quote!(::lark_runtime::StringI64(#value)), None),
        (TypeName::Float64, None) => (quote!(f64), value, None),
        _ => return None,
    })
}

fn arg_kind(field: &FieldShape<'_>, item_type: Option<TokenStream>) -> ArgKind {
    let schema = field.resolved;
    if schema.ty == Some(TypeName::File) {
        return ArgKind::File;
    }
    if let Some((arg_type, convert, choices)) = scalar(schema, &field.value_type) {
        return ArgKind::Scalar {
            arg_type,
            convert,
            choices,
        };
    }
    if schema.ty == Some(TypeName::Array) {
        let items = schema.items.as_deref();
        let item_value_type = item_type.unwrap_or_else(|| quote!(_));
        if let Some((arg_type, convert, _)) = items.and_then(|items| scalar(items, &item_value_type)) {
            return ArgKind::List { arg_type, convert };
        }
    }
    ArgKind::Json
}

fn endpoint_module(spec: &EndpointSpec, types: Option<&TypesSpec>) -> TokenStream {
    let module = module_ident(spec);
    let endpoint_path = {
        let (service, version, resource, name) = (
            snake_ident(&spec.service),
            snake_ident(&spec.version),
            snake_ident(&spec.resource),
            snake_ident(&spec.name),
        );
        quote!(::lark_openapi::#service::#version::#resource::#name)
    };
    let (service, version) = (snake_ident(&spec.service), snake_ident(&spec.version));
    let types_path: syn::Path = syn::parse_quote!(::lark_openapi::#service::#version::types);
    let mut shapes = Shapes::new(types, &types_path);
    let request = format_ident!("{}Request", pascal(&spec.name));
    let request_name = request.to_string();
    let groups = [&spec.request.path, &spec.request.query, &spec.request.body];
    let fields: Vec<FieldShape<'_>> = groups
        .iter()
        .flat_map(|group| shapes.fields(&request_name, group))
        .collect();
    let bulk_field = spec
        .response
        .partial_failure
        .as_ref()
        .and_then(|p| p.request_ids.as_deref());

    // clap recognizes `Option` and `Vec` by name, so argument fields do not spell out their paths.
    let mut members = Vec::new();
    let mut setters = Vec::new();
    for field in &fields {
        let ident = &field.ident;
        let wire_name = field.wire_name;
        let docs = crate::docs::field_doc(field.schema);
        let item_type = crate::request::value_type_item(&field.value_type);
        let conflicts = (bulk_field == Some(wire_name)).then(|| {
            let file = format!("{ident}_file");
            quote!(, conflicts_with = #file)
        });
        match arg_kind(field, item_type) {
            ArgKind::Scalar {
                arg_type,
                convert,
                choices,
            } => {
                let long = wire_name.to_kebab_case();
                let parser = choices.map(
                    |choices| quote!(, value_parser = ::clap::builder::PossibleValuesParser::new([#(#choices),*])),
                );
                members.push(quote!(#docs #[arg(long = #long #parser)] #ident: Option<#arg_type>,));
                setters.push(quote! {
                    if let ::std::option::Option::Some(value) = self.#ident {
                        builder = builder.#ident(#convert);
                    }
                });
            }
            ArgKind::List { arg_type, convert } => {
                let long = wire_name.to_kebab_case();
                members.push(quote!(#docs #[arg(long = #long, num_args = 1.. #conflicts)] #ident: Vec<#arg_type>,));
                let identity = convert.to_string() == "value";
                let values = if identity {
                    quote!(self.#ident)
                } else {
                    quote!(self.#ident.into_iter().map(|value| #convert).collect::<::std::vec::Vec<_>>())
                };
                setters.push(if field.optional {
                    quote!(if !self.#ident.is_empty() { builder = builder.#ident(#values); })
                } else {
                    // Always set, so that no values at all is reported with the field's bound.
                    quote!(builder = builder.#ident(#values);)
                });
            }
            ArgKind::File => {
                let long = wire_name.to_kebab_case();
                members.push(
                    quote!(#docs #[arg(long = #long, value_name = "PATH")] #ident: Option<::std::path::PathBuf>,),
                );
                setters.push(quote! {
                    if let ::std::option::Option::Some(path) = self.#ident {
                        match context.upload_file(&path).await {
                            ::std::result::Result::Ok(file) => builder = builder.#ident(file),
                            ::std::result::Result::Err(code) => return code,
                        }
                    }
                });
            }
            ArgKind::Json => {
                let base = wire_name.to_kebab_case();
                let (long, file_long) = (format!("{base}-json"), format!("{base}-file"));
                let file_ident = format_ident!("{}_file", field.ident.to_string().trim_start_matches("r#"));
                let file_docs = doc(&format!(
                    "`{wire_name}` as JSON read from a file (`-` for standard input), instead of `--{long}`."
                ));
                let value_type = &field.value_type;
                let conflicts = file_ident.to_string();
                members.push(quote!(
                    #docs #[arg(long = #long, value_name = "JSON", conflicts_with = #conflicts)]
                    #ident: Option<::std::string::String>,
                ));
                members.push(
                    quote!(#file_docs #[arg(long = #file_long, value_name = "PATH")] #file_ident: Option<::std::path::PathBuf>,),
                );
                setters.push(quote! {
                    match context.json_arg::<#value_type>(#base, self.#ident, self.#file_ident) {
                        ::std::result::Result::Ok(::std::option::Option::Some(value)) => builder = builder.#ident(value),
                        ::std::result::Result::Ok(::std::option::Option::None) => {}
                        ::std::result::Result::Err(code) => return code,
                    }
                });
            }
        }
    }
    let method = snake_ident(&spec.name);
    let (resource_method, version_method, service_method) =
        (snake_ident(&spec.resource), version.clone(), service.clone());
    let reach = quote!(client.#service_method().#version_method().#resource_method());
    let finish = match spec.response.partial_failure.as_ref().map(|p| p.reasons_in) {
        Some(ReasonsIn::Msg) => quote!(finish_partial),
        Some(ReasonsIn::MsgList) => quote!(finish_listed),
        None => quote!(finish),
    };
    let mut run_call = quote!(context.#finish(|client| async move { #reach.#method(request).await }).await);
    if spec.response.kind == ResponseKind::Binary {
        members.push(quote! {
            /// Where to write the file (`-`, the default, for standard output).
            #[arg(long = "output", value_name = "PATH", default_value = "-")]
            output: ::std::path::PathBuf,
        });
        run_call =
            quote!(context.finish_download(&self.output, |client| async move { #reach.#method(request).await }).await);
    }
    if spec.pagination.is_some() {
        let stream_method = format_ident!("{}_stream", spec.name);
        members.push(quote! {
            /// Follow the page tokens and print every item of every page.
            #[arg(long = "all")]
            all: bool,
        });
        run_call = quote! {
            if self.all {
                return context.finish_all(|client| async move {
                    use ::lark_runtime::__private::futures::TryStreamExt as _;
                    #reach.#stream_method(request).try_collect::<::std::vec::Vec<_>>().await
                }).await;
            }
            #run_call
        };
    }
    let bulk = bulk_field.map(|field| {
        let ident = format_ident!("{}_file", field);
        let long = format!("{}-file", field.to_kebab_case());
        let docs = doc(&format!(
            "Read `{field}` from a file, one per line (`-` for standard input), and send them all in chunks, with a progress bar on a terminal."
        ));
        let bulk_method = format_ident!("{}_all", spec.name);
        members.push(quote!(#docs #[arg(long = #long, value_name = "PATH")] #ident: Option<::std::path::PathBuf>,));
        // The report uses the single call's field names for the ids that succeeded and failed.
        let partial = spec.response.partial_failure.as_ref();
        let succeeded = partial.and_then(|p| p.succeeded_ids.as_deref()).unwrap_or("succeeded");
        let failed = partial.and_then(|p| p.failed_ids.as_deref()).unwrap_or("failed");
        quote! {
            if let ::std::option::Option::Some(path) = self.#ident {
                let names = crate::context::BulkNames { succeeded: #succeeded, failed: #failed };
                return context
                    .bulk(&path, names, |client, ids, options| async move { #reach.#bulk_method(ids, &options).await })
                    .await;
            }
        }
    });
    let docs = doc(&format!(
        "{}\n\n`{} {}`",
        spec.summary,
        spec.http.method.as_str(),
        spec.http.path
    ));
    let builder_binding = if setters.is_empty() {
        quote!(let builder)
    } else {
        quote!(let mut builder)
    };
    let module_docs = doc(&format!(
        "`lark {} {} {}`: arguments and run.",
        spec.service.to_kebab_case(),
        spec.resource.to_kebab_case(),
        spec.name.to_kebab_case()
    ));
    quote! {
        #module_docs
        pub mod #module {
            #[allow(unused_imports)]
            use #endpoint_path::*;
            use ::lark_openapi::Api as _;

            #docs
            #[derive(Debug, ::clap::Args)]
            pub struct Args {
                #(#members)*
            }

            impl Args {
                /// Builds the request from the arguments, sends it and prints the outcome.
                pub async fn run(self, context: &crate::Context) -> ::std::process::ExitCode {
                    #bulk
                    #builder_binding = #request::builder();
                    #(#setters)*
                    let request = match builder.build() {
                        ::std::result::Result::Ok(request) => request,
                        ::std::result::Result::Err(error) => return context.invalid(&error),
                    };
                    #run_call
                }
            }
        }
    }
}
