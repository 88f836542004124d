//! Rust names for spec names.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// A field or module identifier for a spec name: snake_case, raw when it is a Rust keyword.
pub fn snake_ident(name: &str) -> Ident {
    ident(&name.to_snake_case())
}

/// A type identifier for a spec name: PascalCase.
pub fn pascal_ident(name: &str) -> Ident {
    ident(&name.to_upper_camel_case())
}

/// The PascalCase form of a spec name, for composing type names.
pub fn pascal(name: &str) -> String {
    name.to_upper_camel_case()
}

fn ident(text: &str) -> Ident {
    match text {
        // These cannot be raw identifiers.
        "self" | "Self" | "super" | "crate" | "_" => Ident::new(&format!("{text}_"), Span::call_site()),
        _ if syn::parse_str::<Ident>(text).is_ok() => Ident::new(text, Span::call_site()),
        _ => Ident::new_raw(text, Span::call_site()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(snake_ident("type").to_string(), "r#type");
        assert_eq!(snake_ident("self").to_string(), "self_");
        assert_eq!(snake_ident("recordIds").to_string(), "record_ids");
        assert_eq!(pascal_ident("batch_del").to_string(), "BatchDel");
    }
}
