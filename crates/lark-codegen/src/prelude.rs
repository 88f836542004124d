//! Generated code names the standard library's prelude items by their short names (`Option`, `Vec`,
//! `String`, `Ok`, ...), as hand-written code does. The generator writes full paths, so that no spec name
//! can shadow them while it builds; the validator reserves these names (`lark_spec`'s
//! `RESERVED_TYPE_NAMES`), and this pass
//! shortens the paths afterwards.

use proc_macro2::{Group, Ident, Spacing, TokenStream, TokenTree};
use quote::quote;

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

/// The runtime's items and serde's derives that a generated file imports once (`use` lines at its top)
/// instead of spelling out their paths on every line. The validator reserves these names too, so that no
/// spec type can shadow them.
pub(crate) const IMPORTED: [(&[&str], &str); 24] = [
    (&["lark_runtime", "__private", "prelude", "Accessors"], "Accessors"),
    (
        &["lark_runtime", "__private", "prelude", "DeserializeFields"],
        "DeserializeFields",
    ),
    (&["lark_runtime", "__private", "prelude", "Page"], "Page"),
    (&["lark_runtime", "__private", "prelude", "Paged"], "Paged"),
    (&["lark_runtime", "wire", "Parameters"], "Parameters"),
    (&["lark_runtime", "__private", "serde", "Deserialize"], "Deserialize"),
    (&["lark_runtime", "__private", "serde", "Serialize"], "Serialize"),
    (&["lark_runtime", "validate", "FieldPath"], "FieldPath"),
    (&["lark_runtime", "validate", "Violations"], "Violations"),
    (&["lark_runtime", "AccessTokenKind"], "AccessTokenKind"),
    (&["lark_runtime", "AppType"], "AppType"),
    (&["lark_runtime", "DocumentedError"], "DocumentedError"),
    (&["lark_runtime", "Endpoint"], "Endpoint"),
    (&["lark_runtime", "EndpointMetadata"], "EndpointMetadata"),
    (&["lark_runtime", "Envelope"], "Envelope"),
    (&["lark_runtime", "ErrorFacts"], "ErrorFacts"),
    (&["lark_runtime", "HttpMethod"], "HttpMethod"),
    (&["lark_runtime", "Incoming"], "Incoming"),
    (&["lark_runtime", "IncomingRequest"], "IncomingRequest"),
    (&["lark_runtime", "RateLimit"], "RateLimit"),
    (&["lark_runtime", "RequestBody"], "RequestBody"),
    (&["lark_runtime", "ResponseKind"], "ResponseKind"),
    (&["lark_runtime", "Validate"], "Validate"),
    (&["lark_runtime", "ValidationError"], "ValidationError"),
];

/// `tokens` with the prelude's full paths and the imported items shortened, and the `use` item that
/// imports them when any is named: one glob of the runtime's `__private::prelude`, which re-exports
/// exactly [`IMPORTED`] (a glob also serves items behind a cargo feature without an unused import).
pub(crate) fn shorten(tokens: TokenStream) -> (TokenStream, Option<TokenStream>) {
    let mut named = false;
    let shortened = rewrite(tokens, &mut named);
    let import = named.then(|| {
        quote!(
            use ::lark_runtime::__private::prelude::*;
        )
    });
    (shortened, import)
}

/// serde's path in the runtime, which the macro's expansion names in `#[serde(crate = ..)]` so that its
/// users need no serde dependency of their own. The crates of rendered files (the client and the
/// runtime) depend on serde, so rendering drops the attribute.
const SERDE_CRATE: &str = "::lark_runtime::__private::serde";

fn rewrite(tokens: TokenStream, named: &mut bool) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut at = 0;
    while at < tokens.len() {
        if is_serde_crate_attribute(&tokens[at..]) {
            at += 2;
            continue;
        }
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

/// The number of tokens of the prelude path or imported item `tokens` start with, and its short name.
fn known_path(tokens: &[TokenTree], named: &mut bool) -> Option<(usize, &'static str)> {
    if !is_path_separator(tokens) {
        return None;
    }
    if let Some((segments, short)) = PRELUDE.iter().find(|(segments, _)| starts_with_path(tokens, segments)) {
        return Some((segments.len() * 3, short));
    }
    let index = IMPORTED
        .iter()
        .position(|(segments, _)| starts_with_path(tokens, segments))?;
    *named = true;
    let (segments, short) = IMPORTED[index];
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

/// Whether `tokens` start with `#[serde(crate = "::lark_runtime::__private::serde")]`.
fn is_serde_crate_attribute(tokens: &[TokenTree]) -> bool {
    let [TokenTree::Punct(pound), TokenTree::Group(group), ..] = tokens else {
        return false;
    };
    if pound.as_char() != '#' || group.delimiter() != proc_macro2::Delimiter::Bracket {
        return false;
    }
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    let [TokenTree::Ident(serde), TokenTree::Group(settings)] = inner.as_slice() else {
        return false;
    };
    let settings: Vec<TokenTree> = settings.stream().into_iter().collect();
    serde == "serde"
        && matches!(settings.as_slice(), [TokenTree::Ident(key), TokenTree::Punct(eq), TokenTree::Literal(path)]
            if key == "crate" && eq.as_char() == '=' && path.to_string() == format!("{SERDE_CRATE:?}"))
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
    fn imported_items_are_shortened_and_imported_by_one_glob_but_longer_names_kept() {
        let tokens = quote! {
            #[derive(Debug, ::lark_runtime::__private::serde::Serialize, ::lark_runtime::__private::serde::Deserialize)]
            #[serde(crate = "::lark_runtime::__private::serde")]
            #[serde(rename_all = "snake_case")]
            struct A;
            fn f<S: ::lark_runtime::__private::serde::Serializer>(at: &::lark_runtime::validate::FieldPath<'_>) {}
            impl ::lark_runtime::Validate for A {}
            impl ::lark_runtime::ValidateMore for A {}
        };
        let (short, import) = shorten(tokens);
        assert_eq!(
            import.map(|import| import.to_string()),
            Some(
                quote!(
                    use ::lark_runtime::__private::prelude::*;
                )
                .to_string()
            )
        );
        assert_eq!(
            short.to_string(),
            quote! {
                #[derive(Debug, Serialize, Deserialize)]
                #[serde(rename_all = "snake_case")]
                struct A;
                fn f<S: ::lark_runtime::__private::serde::Serializer>(at: &FieldPath<'_>) {}
                impl Validate for A {}
                impl ::lark_runtime::ValidateMore for A {}
            }
            .to_string()
        );
    }

    #[test]
    fn every_imported_type_name_is_reserved_for_specs() {
        // Functions live in the value namespace, which no spec names.
        for (_, short) in IMPORTED
            .iter()
            .filter(|(_, short)| short.starts_with(char::is_uppercase))
        {
            assert!(
                lark_spec::RESERVED_TYPE_NAMES.contains(short),
                "{short} is not reserved"
            );
        }
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
