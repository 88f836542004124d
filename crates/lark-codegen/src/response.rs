//! The response data type of an endpoint, and its partial-failure accessors.

use lark_spec::model::EndpointSpec;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::docs::doc_with;
use crate::names::snake_ident;
use crate::shapes::Shapes;

pub(crate) fn response_data<'a>(spec: &'a EndpointSpec, data: &Ident, shapes: &mut Shapes<'a>) -> TokenStream {
    let fields = shapes.fields(&data.to_string(), &spec.response.data);
    let docs = doc_with(
        &format!("Response data of {}", spec.summary),
        "Unknown fields are ignored and optional fields may be missing, so the platform can add fields without breaking decoding.",
    );
    let members = fields.iter().map(|field| {
        let docs = crate::docs::field_doc(field.schema);
        let attributes = field.serde_attributes();
        let ident = &field.ident;
        let ty = field.field_type();
        quote!(#docs #attributes pub #ident: #ty,)
    });
    let partial_failure = partial_failure(spec, data);
    // `Default` only when it means something: an answer with none of the fields.
    let default = fields.iter().all(|field| field.optional).then(|| quote!(Default,));
    quote! {
        #docs
        #[derive(Debug, Clone, #default PartialEq, ::lark_runtime::__private::serde::Serialize, ::lark_runtime::__private::serde::Deserialize)]
        #[serde(crate = "::lark_runtime::__private::serde")]
        pub struct #data {
            #(#members)*
        }
        #partial_failure
    }
}

fn partial_failure(spec: &EndpointSpec, data: &Ident) -> TokenStream {
    let Some(partial) = &spec.response.partial_failure else {
        return quote!();
    };
    let ids = |field: Option<&String>| match field.and_then(|name| Some((name, spec.response.data.get(name)?))) {
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
    let failed = ids(Some(&partial.failed_ids));
    let succeeded = ids(partial.succeeded_ids.as_ref());
    let failures_doc = format!(
        " Every id of `{}` with the reason the envelope's `msg` gives for it (`None` when `msg` does not name it).",
        partial.failed_ids
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
