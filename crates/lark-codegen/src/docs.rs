//! Doc comments from spec text.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc]` attributes for `text`, one per line, so rustfmt-style output shows `///` lines.
pub fn doc(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// Like [`doc`] but with a paragraph after it, when the paragraph is not empty.
pub fn doc_with(text: &str, paragraph: &str) -> TokenStream {
    if paragraph.trim().is_empty() {
        doc(text)
    } else {
        doc(&format!("{}\n\n{}", text.trim_end(), paragraph.trim_end()))
    }
}

/// Inner `#![doc]` attributes for `text`: the doc comment of the module a file is.
pub fn module_doc(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#![doc = #line])
    });
    quote!(#(#lines)*)
}

/// The doc comment of a field: its description, and the spec's example when there is one.
pub fn field_doc(schema: &lark_spec::model::Schema) -> TokenStream {
    match &schema.example {
        Some(example) => doc_with(&schema.description, &format!("Example: `{example}`")),
        None => doc(&schema.description),
    }
}
