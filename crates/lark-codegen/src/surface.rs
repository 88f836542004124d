//! The client surface: one accessor per module level, ending in a method per endpoint, so that adding a
//! spec adds `client.<service>().<version>().<resource>().<name>(request)` with no hand-written code.

use lark_spec::model::{AccessTokenKind, EndpointSpec, ResponseKind, Schema, TypeName};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::docs::doc;
use crate::layout::accessor_ident;
use crate::names::{pascal, snake_ident};

/// The accessor items of the module at `path`.
pub(crate) fn accessors<'a>(
    path: &[String],
    children: impl Iterator<Item = (&'a String, Option<&'a str>)>,
    endpoints: &[&EndpointSpec],
) -> TokenStream {
    let child_methods: Vec<TokenStream> = children
        .map(|(child, about)| {
            let method = snake_ident(child);
            let mut child_path = path.to_vec();
            child_path.push(child.clone());
            let child_type = accessor_ident(&child_path);
            let what = ["service", "version", "resource"].get(path.len()).unwrap_or(&"module");
            let docs = doc(&about.map_or_else(|| format!("The `{child}` {what}."), str::to_owned));
            let gate = path.is_empty().then(|| crate::layout::service_gate(child));
            (quote!(#docs #gate), method, child_type)
        })
        .map(|(docs, method, child_type)| {
            if path.is_empty() {
                quote!(#docs fn #method(&self) -> #method::#child_type<'_> { #method::#child_type { client: self } })
            } else {
                quote!(#docs pub fn #method(&self) -> #method::#child_type<'a> { #method::#child_type { client: self.client } })
            }
        })
        .collect();
    if path.is_empty() {
        return root_trait(&child_methods);
    }
    let ident = accessor_ident(path);
    let docs = doc(&format!(
        "Endpoints below `{}`; reach it from a client through [`Api`](crate::Api).",
        path.join("::")
    ));
    let endpoint_methods = endpoints.iter().map(|spec| endpoint_methods(spec));
    quote! {
        #docs
        #[derive(Debug, Clone, Copy)]
        pub struct #ident<'a> {
            pub(crate) client: &'a ::lark_runtime::Client,
        }
        impl<'a> #ident<'a> {
            #(#child_methods)*
            #(#endpoint_methods)*
        }
    }
}

fn root_trait(methods: &[TokenStream]) -> TokenStream {
    // The trait declares each method; the implementation for the runtime's client defines it.
    let declarations = methods.iter().map(|method| {
        let mut tokens: Vec<proc_macro2::TokenTree> = method.clone().into_iter().collect();
        tokens.pop(); // the body
        let signature: TokenStream = tokens.into_iter().collect();
        quote!(#signature;)
    });
    quote! {
        /// Typed endpoints on a [`Client`](::lark_runtime::Client), grouped like the official SDKs:
        /// `client.attendance().v1().user_flow().batch_del(request)`.
        pub trait Api {
            #(#declarations)*
        }
        impl Api for ::lark_runtime::Client {
            #(#methods)*
        }
    }
}

fn endpoint_methods(spec: &EndpointSpec) -> TokenStream {
    let module = snake_ident(&spec.name);
    let prefix = pascal(&spec.name);
    let request = format_ident!("{prefix}Request");
    let data = format_ident!("{prefix}Response");
    let error = format_ident!("{prefix}Error");
    let method = snake_ident(&spec.name);
    let docs = doc(&format!(
        "{}\n\n`{} {}`\n\n{}\n\nRetries what the spec marks retryable; see [`lark_runtime::retry`] for what a retried write means.",
        spec.summary,
        spec.http.method.as_str(),
        spec.http.path,
        token_note(&spec.auth.tokens),
    ));
    // `#[inline]` methods are compiled in the crates that call them, not in the client's own build: a
    // build with every service does not compile every endpoint's call path, only what its users call.
    let call = if spec.response.kind == ResponseKind::Binary {
        quote! {
            #docs
            ///
            /// The answer is a file: read it with [`Download::bytes`](::lark_runtime::Download::bytes) or
            /// stream it with [`Download::write_to`](::lark_runtime::Download::write_to).
            #[inline]
            pub async fn #method(
                &self,
                request: #module::#request,
            ) -> ::std::result::Result<::lark_runtime::Download, ::lark_runtime::Error<#module::#error>> {
                self.client.download(&request).await
            }
        }
    } else {
        quote! {
            #docs
            #[inline]
            pub async fn #method(
                &self,
                request: #module::#request,
            ) -> ::std::result::Result<::lark_runtime::Response<#module::#data>, ::lark_runtime::Error<#module::#error>> {
                self.client.execute(&request).await
            }
        }
    };
    let bulk = bulk_method(spec).unwrap_or_default();
    let stream = stream_method(spec).unwrap_or_default();
    quote!(#call #bulk #stream)
}

/// Which tokens the endpoint takes, and so on which handle to call it.
fn token_note(tokens: &[AccessTokenKind]) -> String {
    const AS_USER: &str = "[`Client::as_user`](::lark_runtime::Client::as_user)";
    let names: Vec<String> = tokens.iter().map(|kind| format!("`{}`", kind.wire_name())).collect();
    let takes_user = tokens.contains(&AccessTokenKind::User);
    match (names.as_slice(), takes_user) {
        ([], _) => "Takes no access token.".to_owned(),
        ([_], true) => format!(
            "Takes only a `user_access_token`: call it on a handle from {AS_USER}; on any other it fails before \
             sending anything."
        ),
        (_, true) => format!("Takes {}; the user's on a handle from {AS_USER}.", names.join(" or ")),
        (_, false) => format!(
            "Takes {}, not a user's: on a handle from {AS_USER} it fails before sending anything.",
            names.join(" or ")
        ),
    }
}

/// `<name>_stream`: every item of every page of a paged endpoint.
fn stream_method(spec: &EndpointSpec) -> Option<TokenStream> {
    spec.pagination.as_ref()?;
    let module = snake_ident(&spec.name);
    let prefix = pascal(&spec.name);
    let request = format_ident!("{prefix}Request");
    let method = format_ident!("{}_stream", spec.name);
    let name = &spec.name;
    let docs = doc(&format!(
        "Every item of every page of [`{name}`](Self::{name}), starting at `request`'s page.\n\nFollows the page tokens; \
         stops on `has_more: false`, on a missing or empty token, and before asking for a token twice. A failed page \
         ends the stream with its error."
    ));
    Some(quote! {
        #docs
        #[inline]
        pub fn #method(
            &self,
            request: #module::#request,
        ) -> ::lark_runtime::pagination::Items<'a, #module::#request> {
            ::lark_runtime::pagination::stream(self.client, request)
        }
    })
}

/// `<name>_all`: the bulk method of a batch endpoint whose spec names its `request_ids` field.
fn bulk_method(spec: &EndpointSpec) -> Option<TokenStream> {
    let partial = spec.response.partial_failure.as_ref()?;
    let ids_field = partial.request_ids.as_ref()?;
    let schema: &Schema = spec.request.body.get(ids_field)?;
    if schema.ty != Some(TypeName::Array) {
        return None;
    }
    let chunk_size = proc_macro2::Literal::u64_unsuffixed(schema.max_items?);
    let module = snake_ident(&spec.name);
    let request = format_ident!("{}Request", pascal(&spec.name));
    let method = format_ident!("{}_all", spec.name);
    let setter = snake_ident(ids_field);
    let ids = snake_ident(ids_field);
    let name = &spec.name;
    let docs = doc(&format!(
        "[`{name}`](Self::{name}) for any number of `{ids_field}`.\n\nSends chunks of {} (the spec's `max_items`) with bounded \
         concurrency under the rate limit, and reports every distinct id in exactly one bucket: succeeded, failed (with the \
         platform's reason) or unknown (with the last error). An id the spec rejects on its own is failed without being sent.",
        schema.max_items?,
    ));
    Some(quote! {
        #docs
        pub async fn #method(
            &self,
            #ids: impl ::std::iter::IntoIterator<Item = impl ::std::convert::Into<::std::string::String>>,
            options: &::lark_runtime::BulkOptions,
        ) -> ::lark_runtime::BulkReport {
            let #ids = #ids.into_iter().map(::std::convert::Into::into).collect();
            ::lark_runtime::bulk::run(
                self.client,
                #ids,
                #chunk_size,
                |chunk| #module::#request::builder().#setter(chunk).build(),
                options,
            )
            .await
        }
    })
}
