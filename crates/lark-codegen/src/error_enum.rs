//! The endpoint's error enum: one variant per documented code, one for any other.

use lark_spec::model::ErrorSpec;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use crate::docs::doc;
use crate::names::pascal_ident;

pub(crate) fn error_enum(ident: &Ident, summary: &str, errors: &[ErrorSpec]) -> TokenStream {
    if errors.is_empty() {
        // A page without codes of its own: the runtime's one catch-all type serves every such endpoint.
        let docs = doc(&format!(
            "The error codes of {summary}\n\nThe reference page documents none of its own: every code is `Undocumented`."
        ));
        return quote!(#docs pub type #ident = ::lark_runtime::UndocumentedError;);
    }
    let docs = doc(&format!(
        "A documented error code of {summary}\n\nEach variant is one code of the reference page; `Undocumented` holds any other code."
    ));
    let variants: Vec<Ident> = errors.iter().map(|e| pascal_ident(&e.name)).collect();
    let variant_docs = errors.iter().map(|e| {
        let advice = if e.advice.is_empty() {
            String::new()
        } else {
            format!("\n\n{}", e.advice)
        };
        let retry = if e.retryable { "\n\nRetrying can succeed." } else { "" };
        doc(&format!(
            "`{}` {} (HTTP {}).{advice}{retry}",
            e.code, e.message, e.http_status
        ))
    });
    let rows = errors.iter().map(|e| {
        let (code, status) = (Literal::i64_unsuffixed(e.code), Literal::u16_unsuffixed(e.http_status));
        let (message, advice, retryable) = (e.message.as_str(), e.advice.as_str(), e.retryable);
        quote!(::lark_runtime::ErrorFacts::new(#code, #status, #message, #advice, #retryable))
    });
    let indexes: Vec<Literal> = (0..errors.len()).map(Literal::usize_unsuffixed).collect();
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ident {
            #(#variant_docs #variants,)*
            /// A code the reference page does not document for this endpoint.
            Undocumented(i64),
        }

        impl ::lark_runtime::DocumentedError for #ident {
            const FACTS: &'static [::lark_runtime::ErrorFacts] = &[#(#rows),*];

            fn from_index(index: usize, code: i64) -> Self {
                match index {
                    #(#indexes => Self::#variants,)*
                    _ => Self::Undocumented(code),
                }
            }

            fn facts_or_code(&self) -> ::std::result::Result<&'static ::lark_runtime::ErrorFacts, i64> {
                match self {
                    #(Self::#variants => ::std::result::Result::Ok(&Self::FACTS[#indexes]),)*
                    Self::Undocumented(code) => ::std::result::Result::Err(*code),
                }
            }
        }

        ::lark_runtime::documented_error_traits!(#ident);
    }
}
