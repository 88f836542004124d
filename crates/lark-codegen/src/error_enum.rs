//! The endpoint's error enum: one variant per documented code, one for any other.

use lark_spec::model::EndpointSpec;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::docs::doc;
use crate::error_facts::{ErrorTable, SharedErrors};
use crate::names::pascal_ident;

/// The enum, with the constants of its facts when no shared table holds them.
pub(crate) fn error_enum(ident: &Ident, spec: &EndpointSpec, shared: Option<&SharedErrors>) -> TokenStream {
    let summary = &spec.summary;
    if spec.errors.is_empty() {
        // A page without codes of its own: the runtime's one catch-all type serves every such endpoint.
        let docs = doc(&format!(
            "The error codes of {summary}\n\nThe reference page documents none of its own: every code is `Undocumented`."
        ));
        return quote!(#docs pub type #ident = ::lark_runtime::UndocumentedError;);
    }
    let docs = doc(&format!(
        "A documented error code of {summary}\n\nEach variant is one code of the reference page; `Undocumented` holds any other code."
    ));
    let local = ErrorTable::of([spec]);
    let (constants, path) = match shared {
        Some(shared) => (TokenStream::new(), Some(&shared.path)),
        None => (local.constants(), None),
    };
    let table = shared.map_or(&local, |shared| &*shared.table);
    let variants: Vec<Ident> = spec.errors.iter().map(|e| pascal_ident(&e.name)).collect();
    let variant_docs = spec.errors.iter().map(|e| {
        // One line: the page's facts, then our advice.
        let advice = if e.advice.is_empty() {
            String::new()
        } else {
            format!(" {}", e.advice)
        };
        let retry = if e.retryable { " Retrying can succeed." } else { "" };
        doc(&format!(
            "`{}` {} (HTTP {}).{advice}{retry}",
            e.code, e.message, e.http_status
        ))
    });
    let facts = spec.errors.iter().map(|e| {
        // The table was made of this spec (or of its whole version), so it names every row.
        let constant = table
            .name(e)
            .cloned()
            .unwrap_or_else(|| format_ident!("MISSING_ERROR_FACTS"));
        match path {
            Some(path) => quote!(#path::#constant),
            None => quote!(#constant),
        }
    });
    quote! {
        #constants
        #docs
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ident {
            #(#variant_docs #variants,)*
            /// A code the reference page does not document for this endpoint.
            Undocumented(i64),
        }

        impl ::lark_runtime::DocumentedError for #ident {
            const DOCUMENTED: &'static [(Self, ::lark_runtime::ErrorFacts)] = &[#((Self::#variants, #facts)),*];
        }

        ::lark_runtime::documented_error_traits!(#ident);
    }
}
