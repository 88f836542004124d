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
use crate::shapes::Shapes;

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
    let request = request(spec, &names, &mut shapes, metadata(spec), server_gate);
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
    let tokens = spec.auth.tokens.iter().map(|token| match token {
        AccessTokenKind::Tenant => quote!(::lark_runtime::AccessTokenKind::Tenant),
        AccessTokenKind::App => quote!(::lark_runtime::AccessTokenKind::App),
        AccessTokenKind::User => quote!(::lark_runtime::AccessTokenKind::User),
    });
    let app_types = spec.auth.app_types.iter().map(|app| match app {
        AppType::Custom => quote!(::lark_runtime::AppType::Custom),
        AppType::Isv => quote!(::lark_runtime::AppType::Isv),
    });
    let scopes = &spec.auth.scopes;
    let windows = spec.rate_limit.windows.iter().map(|window| {
        let requests = proc_macro2::Literal::u32_unsuffixed(window.requests);
        let per = match window.per {
            RatePeriod::Second => quote!(per_second),
            RatePeriod::Minute => quote!(per_minute),
            RatePeriod::Hour => quote!(per_hour),
        };
        quote!(::lark_runtime::RateLimit::#per(#requests))
    });
    let special_rate_limit = spec.rate_limit.special;
    let envelope = match spec.response.envelope {
        Envelope::Data => quote!(::lark_runtime::Envelope::Data),
        Envelope::Flat => quote!(::lark_runtime::Envelope::Flat),
    };
    let has_file = spec
        .request
        .body
        .values()
        .any(|schema| schema.ty == Some(TypeName::File));
    let request_body = match (spec.request.body.is_empty(), has_file) {
        (true, _) => quote!(::lark_runtime::RequestBody::None),
        (false, true) => quote!(::lark_runtime::RequestBody::Multipart),
        (false, false) => quote!(::lark_runtime::RequestBody::Json),
    };
    let response_kind = match spec.response.kind {
        ResponseKind::Json => quote!(::lark_runtime::ResponseKind::Json),
        ResponseKind::Binary => quote!(::lark_runtime::ResponseKind::Binary),
    };
    let pagination_items = match &spec.pagination {
        Some(pagination) => {
            let items = &pagination.items;
            quote!(::std::option::Option::Some(#items))
        }
        None => quote!(::std::option::Option::None),
    };
    let example = |value: &Option<serde_json::Value>| match value {
        Some(value) => {
            let text = value.to_string();
            quote!(::std::option::Option::Some(#text))
        }
        None => quote!(::std::option::Option::None),
    };
    // A multipart body has no JSON example on its page: its scalars' own examples make one.
    let composed = (has_file && spec.request.body_example.is_none()).then(|| {
        let fields = spec
            .request
            .body
            .iter()
            .filter_map(|(name, schema)| Some((name.clone(), schema.example.clone()?)));
        serde_json::Value::Object(fields.collect())
    });
    let request_example = example(&spec.request.body_example.clone().or(composed));
    let file_parts = spec
        .request
        .body
        .iter()
        .filter(|(_, schema)| schema.ty == Some(TypeName::File))
        .map(|(name, _)| name.as_str());
    let path_example = example_pairs(&spec.request.path);
    let query_example = example_pairs(&spec.request.query);
    let response_example = example(&spec.response.example);
    quote! {
        ::lark_runtime::EndpointMetadata {
            id: #id,
            summary: #summary,
            method: ::lark_runtime::HttpMethod::#method,
            path_template: #path,
            access_tokens: &[#(#tokens),*],
            app_types: &[#(#app_types),*],
            scopes: &[#(#scopes),*],
            rate_limits: &[#(#windows),*],
            special_rate_limit: #special_rate_limit,
            envelope: #envelope,
            request_body: #request_body,
            response_kind: #response_kind,
            pagination_items: #pagination_items,
            path_example: &[#(#path_example),*],
            query_example: &[#(#query_example),*],
            request_example: #request_example,
            file_parts: &[#(#file_parts),*],
            response_example: #response_example,
        }
    }
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
