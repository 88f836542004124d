//! Generated code names the standard library's prelude items by their short names (`Option`, `Vec`,
//! `String`, `Ok`, ...), as hand-written code does. The generator writes full paths, so that no spec name
//! can shadow them while it builds; the validator reserves these names (`lark_spec`'s
//! `RESERVED_TYPE_NAMES`), and this pass
//! shortens the paths afterwards.

use proc_macro2::TokenStream;

/// Prelude items, from their full path (as `TokenStream::to_string` spells it) to their short name.
/// Longer paths come first, so that `Option::Some` is shortened before `Option`.
const PRELUDE: [(&str, &str); 12] = [
    (":: std :: option :: Option :: Some", "Some"),
    (":: std :: option :: Option :: None", "None"),
    (":: std :: option :: Option", "Option"),
    (":: std :: result :: Result :: Ok", "Ok"),
    (":: std :: result :: Result :: Err", "Err"),
    (":: std :: result :: Result", "Result"),
    (":: std :: string :: String", "String"),
    (":: std :: string :: ToString", "ToString"),
    (":: std :: vec :: Vec", "Vec"),
    (":: std :: convert :: Into", "Into"),
    (":: std :: iter :: IntoIterator", "IntoIterator"),
    (":: std :: format !", "format !"),
];

/// serde's derives: a generated file imports them once (`use` at its top) instead of spelling out their
/// path in every derive. The validator reserves these names too.
pub(crate) const SERDE_DERIVES: [(&str, &str); 2] = [
    (":: lark_runtime :: __private :: serde :: Deserialize", "Deserialize"),
    (":: lark_runtime :: __private :: serde :: Serialize", "Serialize"),
];

/// `tokens` with the prelude's full paths and serde's derives shortened, and which derives it named.
pub(crate) fn shorten(tokens: TokenStream) -> (TokenStream, Vec<&'static str>) {
    let mut text = tokens.to_string();
    for (full, short) in PRELUDE {
        text = replace_path(&text, full, short);
    }
    let mut derives = Vec::new();
    for (full, short) in SERDE_DERIVES {
        let shortened = replace_path(&text, full, short);
        if shortened != text {
            derives.push(short);
            text = shortened;
        }
    }
    // The text came from tokens and only lost path prefixes; it always parses back.
    match text.parse() {
        Ok(shortened) => (shortened, derives),
        Err(_) => (tokens, Vec::new()),
    }
}

/// `text` with each `full` path that ends at a word boundary (`Serialize`, not `Serializer`) replaced.
fn replace_path(text: &str, full: &str, short: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(full) {
        let after = &rest[at + full.len()..];
        let ends_word = !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        out.push_str(if ends_word { short } else { full });
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn serde_derives_are_shortened_and_reported_but_longer_names_kept() {
        let tokens = quote! {
            #[derive(Debug, ::lark_runtime::__private::serde::Serialize)]
            struct A;
            fn f<S: ::lark_runtime::__private::serde::Serializer>() {}
        };
        let (short, derives) = shorten(tokens);
        assert_eq!(derives, ["Serialize"]);
        assert_eq!(
            short.to_string(),
            quote! {
                #[derive(Debug, Serialize)]
                struct A;
                fn f<S: ::lark_runtime::__private::serde::Serializer>() {}
            }
            .to_string()
        );
    }

    #[test]
    fn prelude_paths_are_shortened_and_others_kept() {
        let tokens = quote! {
            fn f(x: ::std::option::Option<::std::vec::Vec<::std::string::String>>) -> ::std::result::Result<(), ::std::fmt::Error> {
                let _ = ::std::option::Option::Some(::std::format!("{}", 1));
                ::std::result::Result::Ok(())
            }
        };
        let short = shorten(tokens).0.to_string();
        assert_eq!(
            short,
            quote! {
                fn f(x: Option<Vec<String>>) -> Result<(), ::std::fmt::Error> {
                    let _ = Some(format!("{}", 1));
                    Ok(())
                }
            }
            .to_string()
        );
    }
}
