//! The `lark` command-line tool's command table: `lark <service> <resource> <method> --<field> …`, one
//! row per spec, as data. The CLI builds its clap commands from the table and sends each call through
//! the client's endpoint registry, so no code is generated per endpoint: only the facts that differ
//! (each field's flag, kind, help and named values, and how the answer is printed).
//!
//! Arguments are decoded by the endpoint's own request type, so the builder's validation is the only
//! validation: a missing or out-of-bounds value is reported with its field and bound before any network
//! call.

use std::collections::BTreeMap;

use heck::ToSnakeCase;

use lark_spec::SpecSet;
use lark_spec::model::{EndpointSpec, ReasonsIn, Schema, TypeName, TypesSpec};
use proc_macro2::TokenStream;
use quote::quote;

use crate::docs::{field_doc_text, module_doc};
use crate::layout::{GENERATED_MARKER, GeneratedFile};
use crate::render;
use crate::request::{self, Place};
use crate::shapes::{FieldShape, Shapes};

/// `src/generated/mod.rs` of the CLI crate.
pub fn cli_files(set: &SpecSet) -> Result<Vec<GeneratedFile>, syn::Error> {
    // service -> resource -> version -> endpoints
    let mut tree: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, Vec<&EndpointSpec>>>> = BTreeMap::new();
    for endpoint in &set.endpoints {
        let spec = &endpoint.spec;
        tree.entry(&spec.service)
            .or_default()
            .entry(&spec.resource)
            .or_default()
            .entry(&spec.version)
            .or_default()
            .push(spec);
    }
    let services = tree.iter().map(|(service, resources)| {
        let described = set.service(service);
        // A resource that two versions of the service have (drive's `permission_public`) is one command
        // per version, `permission-public-v1` and `permission-public-v2`: their methods would clash.
        let resources = resources.iter().flat_map(|(resource, versions)| {
            let several = versions.len() > 1;
            versions.iter().map(move |(version, endpoints)| {
                let rows = endpoints.iter().map(|spec| {
                    let types = set.types_of(&spec.service, &spec.version).map(|t| &t.spec);
                    endpoint_row(spec, types)
                });
                let about = described
                    .and_then(|d| d.resources.get(*resource).cloned())
                    .unwrap_or_else(|| format!("The `{resource}` resource of `{service}`."));
                let (name, about) = match several {
                    true => (format!("{resource}_{version}"), format!("{about} ({version})")),
                    false => ((*resource).to_owned(), about),
                };
                quote!(Resource::new(#name, #about, &[#(#rows),*]))
            })
        });
        let about = described.map_or_else(|| format!("The `{service}` service."), |d| d.description.clone());
        quote!(Service::new(#service, #about, &[#(#resources),*]))
    });
    let docs = module_doc("The `lark` command table: one row per spec under `specs/`.");
    let table = quote! {
        #docs
        use crate::table::{At, Endpoint, Field, Kind, Output, Resource, Service};

        /// Every service, resource and endpoint of the specs, with each endpoint's fields.
        pub static SERVICES: &[Service] = &[#(#services),*];
    };
    let mut contents =
        format!("{GENERATED_MARKER} from the specs/ tree.\n// Do not edit by hand: run `cargo xtask codegen`.\n\n");
    contents.push_str(&render(table)?);
    Ok(vec![GeneratedFile {
        path: "mod.rs".to_owned(),
        contents,
    }])
}

/// `Endpoint::new(id, summary, output).fields(&[…])`.
fn endpoint_row(spec: &EndpointSpec, types: Option<&TypesSpec>) -> TokenStream {
    // The row names no Rust type, so the path given to the shapes is never printed.
    let types_path: syn::Path = syn::parse_quote!(types);
    let mut shapes = Shapes::new(types, &types_path);
    let mut fields = Vec::new();
    for (place, group) in request::groups(spec) {
        let at = match place {
            Place::Path => quote!(Path),
            Place::Query => quote!(Query),
            Place::Body => quote!(Body),
        };
        for field in shapes.fields_named("Request", group, |wire_name| {
            request::field_name(spec, place, wire_name)
        }) {
            fields.push(field_row(&at, &field, &shapes));
        }
    }
    let id = format!("{}.{}.{}.{}", spec.service, spec.version, spec.resource, spec.name);
    let summary = &spec.summary;
    let output = output(spec);
    let fields = (!fields.is_empty()).then(|| quote!(.fields(&[#(#fields),*])));
    quote!(Endpoint::new(#id, #summary, #output) #fields)
}

/// How the answer is printed: the data, or the data with the batch's failures.
fn output(spec: &EndpointSpec) -> TokenStream {
    let Some(partial) = &spec.response.partial_failure else {
        return quote!(Output::Data);
    };
    match partial.reasons_in {
        ReasonsIn::MsgList => quote!(Output::Listed),
        ReasonsIn::Msg => {
            let succeeded = partial.succeeded_ids.as_deref().unwrap_or("succeeded");
            let failed = partial.failed_ids.as_deref().unwrap_or("failed");
            let ids = match &partial.request_ids {
                Some(ids) => quote!(Some(#ids)),
                None => quote!(None),
            };
            quote!(Output::Partial { succeeded: #succeeded, failed: #failed, bulk_ids: #ids })
        }
    }
}

/// `Field::new(At::Body, "name", Kind::Text).list().required().choices(&[…]).help("…")`.
fn field_row(at: &TokenStream, field: &FieldShape<'_>, shapes: &Shapes<'_>) -> TokenStream {
    let name = field.wire_name;
    let schema = field.resolved;
    let (kind, list, choices) = match scalar_kind(schema) {
        Some(kind) => (kind, false, schema),
        None => {
            let items = schema.items.as_deref().filter(|_| schema.ty == Some(TypeName::Array));
            let items = items.map(|items| shapes.resolve(items, 0).unwrap_or(items));
            match items.and_then(|items| Some((scalar_kind(items)?, items))) {
                Some((kind, items)) => (kind, true, items),
                None => (quote!(Json), false, schema),
            }
        }
    };
    let list = list.then(|| quote!(.list()));
    let required = (!field.optional).then(|| quote!(.required()));
    let choices: Vec<&str> = choices
        .values
        .iter()
        .flatten()
        .filter_map(|value| value.value.as_str())
        .collect();
    let choices = (!choices.is_empty()).then(|| quote!(.choices(&[#(#choices),*])));
    let help = field_doc_text(field.schema);
    // A flag named otherwise than its wire name (`query_type`, beside a body's `type`).
    let flag = field.ident.to_string();
    let flag = flag.trim_start_matches("r#");
    let flag = (flag != name.to_snake_case()).then(|| quote!(.flag(#flag)));
    quote!(Field::new(At::#at, #name, Kind::#kind) #list #required #choices #flag .help(#help))
}

/// The kind of a scalar's flag; `None` for objects, lists and maps (given as JSON).
fn scalar_kind(schema: &Schema) -> Option<TokenStream> {
    Some(match schema.ty? {
        TypeName::String => quote!(Text),
        TypeName::Int32 | TypeName::Int64 => quote!(Integer),
        TypeName::Int64String => quote!(IntegerText),
        TypeName::Boolean => quote!(Boolean),
        TypeName::Float64 => quote!(Number),
        TypeName::File => quote!(File),
        _ => return None,
    })
}
