//! Derives for the code `lark-codegen` generates; `lark-runtime` re-exports them. Each writes what is
//! the same in every generated file, so the file states only what differs.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, GenericArgument, PathArguments, Type, parse_macro_input};

/// A generated request's `builder()` (its `<Name>Builder`'s default) and a read-only accessor per named
/// field: `&T` for a field of type `T`, `Option<&T>` for an `Option<T>`. The docs of each accessor point
/// to the builder's setter of that field, which carries the spec's description.
#[proc_macro_derive(Accessors)]
pub fn derive_accessors(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    accessors(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

fn accessors(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(input, "`Accessors` derives for structs only"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(input, "`Accessors` needs named fields"));
    };
    let name = &input.ident;
    let builder = format_ident!("{name}Builder");
    let getters = fields.named.iter().filter_map(|field| {
        let ident = field.ident.as_ref()?;
        Some(getter(ident, &field.ty, &builder))
    });
    Ok(quote! {
        impl #name {
            /// A builder with nothing set.
            pub fn builder() -> #builder {
                ::std::default::Default::default()
            }
            #(#getters)*
        }
    })
}

fn getter(ident: &syn::Ident, ty: &Type, builder: &syn::Ident) -> Tokens {
    let name = ident.to_string();
    // rustdoc cannot link to a raw identifier's method: name the builder only.
    let docs = match name.strip_prefix("r#") {
        Some(shown) => format!(" The `{shown}` it was built with: see [`{builder}`]."),
        None => format!(" The `{name}` it was built with: see [`{builder}::{name}`]."),
    };
    match optional_inner(ty) {
        Some(inner) => quote! {
            #[doc = #docs]
            pub fn #ident(&self) -> ::std::option::Option<&#inner> {
                self.#ident.as_ref()
            }
        },
        None => quote! {
            #[doc = #docs]
            pub fn #ident(&self) -> &#ty {
                &self.#ident
            }
        },
    }
}

/// `Paged` for a generated request with a `page_token` field (optional or not): the same request with
/// another token.
#[proc_macro_derive(Paged)]
pub fn derive_paged(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    quote! {
        impl ::lark_runtime::Paged for #name {
            fn with_page_token(&self, page_token: ::std::string::String) -> Self {
                let mut next = ::std::clone::Clone::clone(self);
                next.page_token = ::std::convert::From::from(page_token);
                next
            }
        }
    }
    .into()
}

/// `Page` for a generated answer: the field marked `#[page_items]` holds the page's items (a list,
/// optional or not), `has_more` and `page_token` say whether and where the next page starts.
#[proc_macro_derive(Page, attributes(page_items))]
pub fn derive_page(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    page(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}

fn page(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(input, "`Page` derives for structs only"));
    };
    let items = data
        .fields
        .iter()
        .find(|field| field.attrs.iter().any(|attr| attr.path().is_ident("page_items")))
        .ok_or_else(|| syn::Error::new_spanned(input, "`Page` needs a field marked `#[page_items]`"))?;
    let list = optional_inner(&items.ty).unwrap_or(&items.ty);
    let item = vec_inner(list).ok_or_else(|| syn::Error::new_spanned(&items.ty, "`#[page_items]` marks a list"))?;
    let (name, items) = (&input.ident, &items.ident);
    Ok(quote! {
        impl ::lark_runtime::Page for #name {
            type Item = #item;
            fn has_more(&self) -> ::std::option::Option<bool> {
                ::std::convert::From::from(self.has_more)
            }
            fn next_page_token(&self) -> ::std::option::Option<&str> {
                ::lark_runtime::pagination::PageToken::page_token(&self.page_token)
            }
            fn into_items(self) -> ::std::vec::Vec<Self::Item> {
                ::std::convert::Into::<::std::option::Option<_>>::into(self.#items).unwrap_or_default()
            }
        }
    })
}

/// `T` of a field typed `Option<T>`.
fn optional_inner(ty: &Type) -> Option<&Type> {
    generic_inner(ty, "Option")
}

/// `T` of a field typed `Vec<T>`.
fn vec_inner(ty: &Type) -> Option<&Type> {
    generic_inner(ty, "Vec")
}

/// `T` of `Outer<T>`.
fn generic_inner<'a>(ty: &'a Type, outer: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        GenericArgument::Type(inner) if arguments.args.len() == 1 => Some(inner),
        _ => None,
    }
}
