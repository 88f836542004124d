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
    let codes: Vec<Literal> = errors.iter().map(|e| Literal::i64_unsuffixed(e.code)).collect();
    let statuses = errors.iter().map(|e| Literal::u16_unsuffixed(e.http_status));
    let messages = errors.iter().map(|e| e.message.as_str());
    let advice = errors.iter().map(|e| {
        if e.advice.is_empty() {
            quote!(::std::option::Option::None)
        } else {
            let text = &e.advice;
            quote!(::std::option::Option::Some(#text))
        }
    });
    let retryable = errors.iter().map(|e| e.retryable);
    let from_code = quote! {
        match code {
            #(#codes => Self::#variants,)*
            other => Self::Undocumented(other),
        }
    };
    quote! {
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ident {
            #(#variant_docs #variants,)*
            /// A code the reference page does not document for this endpoint.
            Undocumented(i64),
        }

        impl #ident {
            /// The variant for a code the server sent.
            pub fn from_code(code: i64) -> Self {
                #from_code
            }
            /// The platform's error code.
            pub fn code(&self) -> i64 {
                match self {
                    #(Self::#variants => #codes,)*
                    Self::Undocumented(code) => *code,
                }
            }
            /// The HTTP status the reference page gives; `None` for an undocumented code.
            pub fn http_status(&self) -> ::std::option::Option<u16> {
                match self {
                    #(Self::#variants => ::std::option::Option::Some(#statuses),)*
                    Self::Undocumented(_) => ::std::option::Option::None,
                }
            }
            /// The message the reference page gives; `None` for an undocumented code.
            pub fn message(&self) -> ::std::option::Option<&'static str> {
                match self {
                    #(Self::#variants => ::std::option::Option::Some(#messages),)*
                    Self::Undocumented(_) => ::std::option::Option::None,
                }
            }
            /// What the reference page advises; `None` when it says nothing or for an undocumented code.
            pub fn advice(&self) -> ::std::option::Option<&'static str> {
                match self {
                    #(Self::#variants => #advice,)*
                    Self::Undocumented(_) => ::std::option::Option::None,
                }
            }
            /// Whether sending the same request again can succeed.
            pub fn is_retryable(&self) -> bool {
                match self {
                    #(Self::#variants => #retryable,)*
                    Self::Undocumented(_) => false,
                }
            }
        }

        impl ::lark_runtime::DocumentedError for #ident {
            fn from_code(code: i64) -> Self {
                Self::from_code(code)
            }
            fn code(&self) -> i64 {
                self.code()
            }
            fn http_status(&self) -> ::std::option::Option<u16> {
                self.http_status()
            }
            fn message(&self) -> ::std::option::Option<&'static str> {
                self.message()
            }
            fn advice(&self) -> ::std::option::Option<&'static str> {
                self.advice()
            }
            fn is_retryable(&self) -> bool {
                self.is_retryable()
            }
        }

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::lark_runtime::documented_error::describe(self, f)
            }
        }

        impl ::std::error::Error for #ident {}
    }
}
