//! The response data type of an endpoint, and its partial-failure accessors.

use lark_spec::model::{EndpointSpec, PartialFailureSpec, ReasonsIn, ResponseKind};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::docs::doc_with;
use crate::names::{pascal, snake_ident};
use crate::shapes::{FieldShape, Shapes};

pub(crate) fn response_data<'a>(spec: &'a EndpointSpec, data: &Ident, shapes: &mut Shapes<'a>) -> TokenStream {
    if spec.response.kind == ResponseKind::Binary {
        let docs = doc_with(
            &format!("Response data of {}", spec.summary),
            "The answer is a file's bytes, not JSON: the client method returns a `lark_runtime::Download`.",
        );
        return quote!(#docs pub type #data = ::lark_runtime::NoData;);
    }
    if let Some(name) = &spec.response.data_ref {
        let docs = doc_with(
            &format!("Response data of {}", spec.summary),
            &format!("The payload is the named type `{name}` of this service version's `types` module."),
        );
        let target = shapes.named_type(name);
        return quote!(#docs pub type #data = #target;);
    }
    let fields = shapes.fields(&data.to_string(), &spec.response.data);
    let docs = doc_with(
        &format!("Response data of {}", spec.summary),
        "Unknown fields are ignored and optional fields may be missing, so the platform can add fields without breaking decoding.",
    );
    let definition = decoded_struct(data, docs, &fields, page_items(spec, &fields));
    let partial_failure = partial_failure(spec, data, shapes);
    quote! {
        #definition
        #partial_failure
    }
}

/// A struct read from the platform (an answer's data, an event's body): unknown fields ignored, optional
/// fields may be missing (the runtime reads scalars leniently).
/// With `page_items`, the answer of a paged endpoint: it derives `Page`, with that field's items.
pub(crate) fn decoded_struct(
    name: &Ident,
    docs: TokenStream,
    fields: &[FieldShape<'_>],
    page_items: Option<&Ident>,
) -> TokenStream {
    let members: Vec<TokenStream> = fields
        .iter()
        .map(|field| {
            let docs = crate::docs::field_doc(field.schema);
            let attributes = field.serde_attributes();
            let ident = &field.ident;
            let ty = field.field_type();
            let items = (page_items == Some(ident)).then(|| quote!(#[page_items]));
            quote!(#docs #attributes #items pub #ident: #ty,)
        })
        .collect();
    // `Default` only when it means something: a value with none of the fields.
    let default = fields.iter().all(|field| field.optional).then(|| quote!(Default,));
    let page = page_items.map(|_| quote!(, ::lark_runtime::__private::prelude::Page));
    quote! {
        #docs
        #[derive(Debug, Clone, #default PartialEq, ::lark_runtime::__private::serde::Serialize, ::lark_runtime::__private::prelude::DeserializeFields #page)]
        #[serde(crate = "::lark_runtime::__private::serde")]
        pub struct #name {
            #(#members)*
        }
    }
}

/// The field holding a paged answer's items, when the answer also has `has_more` and `page_token`.
fn page_items<'f>(spec: &EndpointSpec, fields: &'f [FieldShape<'_>]) -> Option<&'f Ident> {
    let pagination = spec.pagination.as_ref()?;
    let field = |name: &str| fields.iter().find(|field| field.wire_name == name);
    field("has_more")?;
    field("page_token")?;
    Some(&field(&pagination.items)?.ident)
}

fn partial_failure(spec: &EndpointSpec, data: &Ident, shapes: &Shapes<'_>) -> TokenStream {
    let Some(partial) = &spec.response.partial_failure else {
        return quote!();
    };
    match (partial.reasons_in, &partial.failed_ids) {
        (ReasonsIn::Msg, Some(failed_ids)) => reasons_by_id(spec, partial, failed_ids, data),
        (ReasonsIn::MsgList, _) => failed_items(spec, partial, shapes),
        // Unreachable for validated specs: `msg` reasons need `failed_ids`.
        (ReasonsIn::Msg, None) => quote!(),
    }
}

/// `msg` maps ids to reasons: the data lists failed and succeeded ids.
fn reasons_by_id(spec: &EndpointSpec, partial: &PartialFailureSpec, failed_ids: &str, data: &Ident) -> TokenStream {
    let ids = |field: Option<&str>| match field.and_then(|name| Some((name, spec.response.data.get(name)?))) {
        Some((name, schema)) => {
            let ident = snake_ident(name);
            if schema.required {
                quote!(&self.#ident)
            } else {
                quote!(self.#ident.as_deref().unwrap_or_default())
            }
        }
        None => quote!(&[]),
    };
    let failed = ids(Some(failed_ids));
    let succeeded = ids(partial.succeeded_ids.as_deref());
    let failures_doc = format!(
        " Every id of `{failed_ids}` with the reason the envelope's `msg` gives for it (`None` when `msg` does not name it)."
    );
    quote! {
        impl ::lark_runtime::PartialFailure for #data {
            fn failed_ids(&self) -> &[::std::string::String] {
                #failed
            }
            fn succeeded_ids(&self) -> &[::std::string::String] {
                #succeeded
            }
        }

        impl #data {
            #[doc = #failures_doc]
            pub fn failures(&self, msg: &str) -> ::std::vec::Vec<::lark_runtime::RecordFailure> {
                ::lark_runtime::partial_failure::failures(self, msg)
            }
        }
    }
}

/// `msg` lists the failed request items by key: the request finds its own items in it.
fn failed_items(spec: &EndpointSpec, partial: &PartialFailureSpec, shapes: &Shapes<'_>) -> TokenStream {
    let Some(items_field) = partial.request_items.as_deref() else {
        return quote!();
    };
    let Some(items_schema) = spec.request.body.get(items_field) else {
        return quote!();
    };
    let request = format_ident!("{}Request", pascal(&spec.name));
    let items = snake_ident(items_field);
    let method = format_ident!("failed_{}", items_field);
    let item_type = match &items_schema.items.as_deref().and_then(|item| item.reference.as_ref()) {
        Some(name) => shapes.named_type(name),
        None => {
            // The name `Shapes::rust_type` gave the inline item type.
            let list = items_schema
                .name
                .clone()
                .unwrap_or_else(|| format!("{request}{}", pascal(items_field)));
            let item = items_schema.items.as_deref().and_then(|item| item.name.clone());
            let ident = format_ident!("{}", item.unwrap_or_else(|| format!("{list}Item")));
            quote!(#ident)
        }
    };
    let all_items = if items_schema.required {
        quote!(&self.#items)
    } else {
        quote!(self.#items.as_deref().unwrap_or_default())
    };
    let key_fields: Vec<Ident> = partial.item_key.iter().map(|field| snake_ident(field)).collect();
    let key_format = vec!["{}"; key_fields.len()].join("-");
    let shown_key = partial.item_key.join("-");
    let docs = format!(
        " The `{items_field}` that the answer's `msg` names as failed (it lists each as `{shown_key}`); empty when \
         `msg` lists none."
    );
    quote! {
        impl #request {
            #[doc = #docs]
            pub fn #method<'r>(&'r self, msg: &str) -> ::std::vec::Vec<&'r #item_type> {
                ::lark_runtime::partial_failure::failed_items(#all_items, msg, |item| {
                    ::std::format!(#key_format, #(item.#key_fields),*)
                })
            }
        }
    }
}
