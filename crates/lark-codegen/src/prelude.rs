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

/// `tokens` with the prelude's full paths shortened.
pub(crate) fn shorten(tokens: TokenStream) -> TokenStream {
    let mut text = tokens.to_string();
    for (full, short) in PRELUDE {
        text = text.replace(full, short);
    }
    // The text came from tokens and only lost path prefixes; it always parses back.
    text.parse().unwrap_or(tokens)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn prelude_paths_are_shortened_and_others_kept() {
        let tokens = quote! {
            fn f(x: ::std::option::Option<::std::vec::Vec<::std::string::String>>) -> ::std::result::Result<(), ::std::fmt::Error> {
                let _ = ::std::option::Option::Some(::std::format!("{}", 1));
                ::std::result::Result::Ok(())
            }
        };
        let short = shorten(tokens).to_string();
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
