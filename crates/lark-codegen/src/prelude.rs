//! Generated code names the standard library's prelude items by their short names (`Option`, `Vec`,
//! `String`, `Ok`, ...), as hand-written code does. The generator writes full paths, so that no spec name
//! can shadow them while it builds; the validator reserves these names (`lark_spec`'s
//! `RESERVED_TYPE_NAMES`), and this pass
//! shortens the paths afterwards.

use proc_macro2::{Group, Ident, Spacing, TokenStream, TokenTree};

/// Prelude items, from their full path (after a leading `::`) to their short name. Longer paths come
/// first, so that `Option::Some` is shortened before `Option`.
const PRELUDE: [(&[&str], &str); 12] = [
    (&["std", "option", "Option", "Some"], "Some"),
    (&["std", "option", "Option", "None"], "None"),
    (&["std", "option", "Option"], "Option"),
    (&["std", "result", "Result", "Ok"], "Ok"),
    (&["std", "result", "Result", "Err"], "Err"),
    (&["std", "result", "Result"], "Result"),
    (&["std", "string", "String"], "String"),
    (&["std", "string", "ToString"], "ToString"),
    (&["std", "vec", "Vec"], "Vec"),
    (&["std", "convert", "Into"], "Into"),
    (&["std", "iter", "IntoIterator"], "IntoIterator"),
    (&["std", "format"], "format"),
];

/// serde's derives: a generated file imports them once (`use` at its top) instead of spelling out their
/// path in every derive. The validator reserves these names too.
pub(crate) const SERDE_DERIVES: [(&[&str], &str); 2] = [
    (&["lark_runtime", "__private", "serde", "Deserialize"], "Deserialize"),
    (&["lark_runtime", "__private", "serde", "Serialize"], "Serialize"),
];

/// `tokens` with the prelude's full paths and serde's derives shortened, and which derives it named.
/// Works on the tokens themselves: paths match whole identifiers (`Serialize`, not `Serializer`).
pub(crate) fn shorten(tokens: TokenStream) -> (TokenStream, Vec<&'static str>) {
    let mut named = [false; SERDE_DERIVES.len()];
    let shortened = rewrite(tokens, &mut named);
    let derives = SERDE_DERIVES
        .iter()
        .zip(named)
        .filter(|(_, named)| *named)
        .map(|((_, short), _)| *short)
        .collect();
    (shortened, derives)
}

fn rewrite(tokens: TokenStream, named: &mut [bool]) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut at = 0;
    while at < tokens.len() {
        if let Some((length, short)) = known_path(&tokens[at..], named) {
            let span = tokens[at + length - 1].span();
            out.push(TokenTree::Ident(Ident::new(short, span)));
            at += length;
            continue;
        }
        out.push(match &tokens[at] {
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), rewrite(group.stream(), named));
                inner.set_span(group.span());
                TokenTree::Group(inner)
            }
            other => other.clone(),
        });
        at += 1;
    }
    out.into_iter().collect()
}

/// The number of tokens of the prelude path or serde derive `tokens` start with, and its short name.
fn known_path(tokens: &[TokenTree], named: &mut [bool]) -> Option<(usize, &'static str)> {
    if !is_path_separator(tokens) {
        return None;
    }
    if let Some((segments, short)) = PRELUDE.iter().find(|(segments, _)| starts_with_path(tokens, segments)) {
        return Some((segments.len() * 3, short));
    }
    let index = SERDE_DERIVES
        .iter()
        .position(|(segments, _)| starts_with_path(tokens, segments))?;
    named[index] = true;
    let (segments, short) = SERDE_DERIVES[index];
    Some((segments.len() * 3, short))
}

/// Whether `tokens` are `::a::b::c` for these segments, with `c` a whole identifier.
fn starts_with_path(tokens: &[TokenTree], segments: &[&str]) -> bool {
    segments.iter().enumerate().all(|(index, segment)| {
        let at = index * 3;
        tokens.get(at..).is_some_and(is_path_separator)
            && matches!(tokens.get(at + 2), Some(TokenTree::Ident(ident)) if ident == segment)
    })
}

/// Whether `tokens` start with `::`.
fn is_path_separator(tokens: &[TokenTree]) -> bool {
    matches!(
        tokens,
        [TokenTree::Punct(first), TokenTree::Punct(second), ..]
            if first.as_char() == ':' && first.spacing() == Spacing::Joint && second.as_char() == ':'
    )
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
