//! Everything generated for one endpoint spec, and its metadata.

use lark_spec::model::{
    AccessTokenKind, AppType, EndpointSpec, Envelope, Fields, HttpMethod, RatePeriod, ResponseKind, TypeName, TypesSpec,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error_enum::error_enum;
use crate::names::pascal;
use crate::request::{EndpointNames, request};
use crate::response::response_data;
use crate::shapes::{Shapes, Side};

/// The items of one endpoint: request, builder, response data, error enum, inline types.
pub(crate) fn endpoint_items(spec: &EndpointSpec, types: Option<&TypesSpec>, options: &crate::Options) -> TokenStream {
    let types_path = &options.types_path;
    let prefix = pascal(&spec.name);
    let names = EndpointNames {
        request: format_ident!("{prefix}Request"),
        builder: format_ident!("{prefix}RequestBuilder"),
        data: format_ident!("{prefix}Response"),
        error: format_ident!("{prefix}Error"),
    };
    let mut shapes = Shapes::new(types, types_path);
    let server_gate = options.server_feature.map(|feature| quote!(#[cfg(feature = #feature)]));
    shapes.set_side(Side::Request(options.server_feature));
    let request = request(spec, &names, &mut shapes, metadata(spec), server_gate);
    shapes.set_side(Side::Answer);
    let data = response_data(spec, &names.data, &mut shapes);
    let error = error_enum(&names.error, spec, options.shared_errors.as_ref());
    let inline_types = shapes.into_definitions();
    quote! {
        #request
        #data
        #error
        #(#inline_types)*
    }
}

fn metadata(spec: &EndpointSpec) -> TokenStream {
    let id = format!("{}.{}.{}.{}", spec.service, spec.version, spec.resource, spec.name);
    let summary = &spec.summary;
    let method = match spec.http.method {
        HttpMethod::Get => quote!(Get),
        HttpMethod::Post => quote!(Post),
        HttpMethod::Put => quote!(Put),
        HttpMethod::Patch => quote!(Patch),
        HttpMethod::Delete => quote!(Delete),
    };
    let path = &spec.http.path;
    let mut set = Vec::new();
    let tokens = spec.auth.tokens.iter().map(|token| match token {
        AccessTokenKind::Tenant => quote!(::lark_runtime::AccessTokenKind::Tenant),
        AccessTokenKind::App => quote!(::lark_runtime::AccessTokenKind::App),
        AccessTokenKind::User => quote!(::lark_runtime::AccessTokenKind::User),
    });
    set.push(quote!(access_tokens: &[#(#tokens),*]));
    let app_types = spec.auth.app_types.iter().map(|app| match app {
        AppType::Custom => quote!(::lark_runtime::AppType::Custom),
        AppType::Isv => quote!(::lark_runtime::AppType::Isv),
    });
    set.push(quote!(app_types: &[#(#app_types),*]));
    let scopes = &spec.auth.scopes;
    if !scopes.is_empty() {
        set.push(quote!(scopes: &[#(#scopes),*]));
    }
    let windows = spec.rate_limit.windows.iter().map(|window| {
        let requests = proc_macro2::Literal::u32_unsuffixed(window.requests);
        let per = match window.per {
            RatePeriod::Second => quote!(per_second),
            RatePeriod::Minute => quote!(per_minute),
            RatePeriod::Hour => quote!(per_hour),
        };
        quote!(::lark_runtime::RateLimit::#per(#requests))
    });
    set.push(quote!(rate_limits: &[#(#windows),*]));
    if spec.rate_limit.special {
        set.push(quote!(special_rate_limit: true));
    }
    if spec.response.envelope == Envelope::Flat {
        set.push(quote!(envelope: ::lark_runtime::Envelope::Flat));
    }
    set.extend(body_metadata(spec));
    if spec.response.kind == ResponseKind::Binary {
        set.push(quote!(response_kind: ::lark_runtime::ResponseKind::Binary));
    }
    if let Some(pagination) = &spec.pagination {
        let items = &pagination.items;
        set.push(quote!(pagination_items: ::std::option::Option::Some(#items)));
    }
    set.extend(example_metadata(spec));
    // Only what differs from `EndpointMetadata::new`'s defaults is written out.
    quote! {
        ::lark_runtime::EndpointMetadata {
            #(#set,)*
            ..::lark_runtime::EndpointMetadata::new(#id, #summary, ::lark_runtime::HttpMethod::#method, #path)
        }
    }
}

/// The metadata of the request's body: its kind and a multipart body's file parts.
fn body_metadata(spec: &EndpointSpec) -> Vec<TokenStream> {
    let file_parts: Vec<&str> = spec
        .request
        .body
        .iter()
        .filter(|(_, schema)| schema.ty == Some(TypeName::File))
        .map(|(name, _)| name.as_str())
        .collect();
    if !file_parts.is_empty() {
        return vec![
            quote!(request_body: ::lark_runtime::RequestBody::Multipart),
            quote!(file_parts: &[#(#file_parts),*]),
        ];
    }
    if spec.request.body.is_empty() {
        return Vec::new();
    }
    vec![quote!(request_body: ::lark_runtime::RequestBody::Json)]
}

/// The metadata of the page's examples that the spec has.
fn example_metadata(spec: &EndpointSpec) -> Vec<TokenStream> {
    let mut set = Vec::new();
    let path_example = example_pairs(&spec.request.path);
    if !path_example.is_empty() {
        set.push(quote!(path_example: &[#(#path_example),*]));
    }
    let query_example = example_pairs(&spec.request.query);
    if !query_example.is_empty() {
        set.push(quote!(query_example: &[#(#query_example),*]));
    }
    let has_file = spec
        .request
        .body
        .values()
        .any(|schema| schema.ty == Some(TypeName::File));
    // A multipart body has no JSON example on its page: its scalars' own examples make one.
    let composed = (has_file && spec.request.body_example.is_none()).then(|| {
        let fields = spec
            .request
            .body
            .iter()
            .filter_map(|(name, schema)| Some((name.clone(), schema.example.clone()?)));
        serde_json::Value::Object(fields.collect())
    });
    if let Some(example) = spec.request.body_example.clone().or(composed) {
        let text = example.to_string();
        set.push(quote!(request_example: ::std::option::Option::Some(#text)));
    }
    if let Some(example) = &spec.response.example {
        let text = example.to_string();
        set.push(quote!(response_example: ::std::option::Option::Some(#text)));
    }
    set
}

/// `(name, value)` pairs from the examples of path or query fields; a list example repeats its name.
fn example_pairs(fields: &Fields) -> Vec<TokenStream> {
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut pairs = Vec::new();
    for (name, schema) in fields.iter() {
        let values: Vec<String> = match &schema.example {
            Some(serde_json::Value::Array(items)) => items.iter().map(text).collect(),
            Some(value) => vec![text(value)],
            None => Vec::new(),
        };
        pairs.extend(values.into_iter().map(|value| quote!((#name, #value))));
    }
    pairs
}
