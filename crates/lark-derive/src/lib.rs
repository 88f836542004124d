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

/// serde's `Deserialize` for a struct with named fields, read from a map only, with far less code than
/// serde's derive (see `lark_runtime::__private::fields`). It understands the `#[serde(...)]` attributes
/// the generator writes: on the struct `crate` (ignored: the runtime's serde is used), on a field
/// `default`, `rename`, `skip`, `deserialize_with` and `skip_serializing_if` (which is `Serialize`'s).
/// A field that is neither `default` nor an `Option` is required. Any other attribute is an error.
#[proc_macro_derive(DeserializeFields, attributes(serde))]
pub fn derive_deserialize_fields(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    deserialize_fields(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// One field as `DeserializeFields` reads it.
struct WireField<'a> {
    ident: &'a syn::Ident,
    ty: &'a Type,
    /// The key on the wire; `None` for a skipped field.
    key: Option<String>,
    default: bool,
    with: Option<syn::ExprPath>,
}

fn deserialize_fields(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "`DeserializeFields` derives for structs only",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(input, "`DeserializeFields` needs named fields"));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "`DeserializeFields` derives for structs without generics",
        ));
    }
    container_attributes(&input.attrs)?;
    let fields = named.named.iter().map(wire_field).collect::<syn::Result<Vec<_>>>()?;
    let serde = quote!(::lark_runtime::__private::serde);
    let support = quote!(::lark_runtime::__private::fields);
    let read: Vec<&WireField> = fields.iter().filter(|field| field.key.is_some()).collect();
    let keys = read.iter().map(|field| field.key.as_deref().unwrap_or_default());
    let slots = read.iter().map(|field| slot(field, &serde));
    let arms = read.iter().enumerate().map(|(position, field)| {
        let (slot, key) = (slot_ident(field.ident), field.key.as_deref().unwrap_or_default());
        quote!(#position => #support::value(&mut map, &mut #slot, #key)?,)
    });
    let values = fields.iter().map(|field| field_value(field, &support));
    let (name, name_text) = (&input.ident, input.ident.to_string());
    Ok(quote! {
        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<__D: #serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                #support::deserialize(deserializer)
            }
        }
        impl<'de> #support::FromFields<'de> for #name {
            const NAME: &'static str = #name_text;
            const FIELDS: &'static [&'static str] = &[#(#keys),*];
            fn from_fields<__A: #serde::de::MapAccess<'de>>(mut map: __A) -> ::std::result::Result<Self, __A::Error> {
                #(#slots)*
                while let ::std::option::Option::Some(position) = #support::next_key(&mut map, Self::FIELDS)? {
                    match position {
                        #(#arms)*
                        _ => #support::skip(&mut map)?,
                    }
                }
                ::std::result::Result::Ok(Self { #(#values)* })
            }
        }
    })
}

/// The struct's attributes: only `#[serde(crate = "...")]`, which the derive does not need.
fn container_attributes(attrs: &[syn::Attribute]) -> syn::Result<()> {
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                meta.value()?.parse::<syn::LitStr>().map(drop)
            } else {
                Err(meta.error("`DeserializeFields` understands only `crate` on a struct"))
            }
        })?;
    }
    Ok(())
}

fn wire_field(field: &syn::Field) -> syn::Result<WireField<'_>> {
    let ident = field
        .ident
        .as_ref()
        .ok_or_else(|| syn::Error::new_spanned(field, "a named field"))?;
    let mut wire = WireField {
        ident,
        ty: &field.ty,
        key: Some(ident.to_string().trim_start_matches("r#").to_owned()),
        default: optional_inner(&field.ty).is_some(),
        with: None,
    };
    for attr in field.attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                wire.default = true;
            } else if meta.path.is_ident("skip") {
                wire.key = None;
            } else if meta.path.is_ident("rename") {
                wire.key = Some(meta.value()?.parse::<syn::LitStr>()?.value());
            } else if meta.path.is_ident("deserialize_with") {
                wire.with = Some(meta.value()?.parse::<syn::LitStr>()?.parse()?);
            } else if meta.path.is_ident("skip_serializing_if") {
                meta.value()?.parse::<syn::LitStr>()?;
            } else {
                return Err(meta.error(
                    "`DeserializeFields` understands `default`, `rename`, `skip`, `deserialize_with` and `skip_serializing_if`",
                ));
            }
            Ok(())
        })?;
    }
    Ok(wire)
}

/// The local holding a field's value while the map is read.
fn slot_ident(ident: &syn::Ident) -> syn::Ident {
    format_ident!("__{}", ident.to_string().trim_start_matches("r#"))
}

/// The local holding a field's value while the map is read. A `deserialize_with` field reads through
/// a newtype whose `Deserialize` calls the function.
fn slot(field: &WireField, serde: &Tokens) -> Tokens {
    let (slot, ty) = (slot_ident(field.ident), field.ty);
    let Some(with) = &field.with else {
        return quote!(let mut #slot: ::std::option::Option<#ty> = ::std::option::Option::None;);
    };
    let newtype = format_ident!("With{}", slot);
    quote! {
        #[allow(non_camel_case_types)]
        struct #newtype(#ty);
        impl<'de> #serde::Deserialize<'de> for #newtype {
            fn deserialize<__D: #serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                #with(deserializer).map(#newtype)
            }
        }
        let mut #slot: ::std::option::Option<#newtype> = ::std::option::Option::None;
    }
}

/// A field of the struct built: its value read, its default, or the error naming it.
fn field_value(field: &WireField, support: &Tokens) -> Tokens {
    let (ident, slot) = (field.ident, slot_ident(field.ident));
    let slot = match field.with {
        Some(_) => quote!(#slot.map(|read| read.0)),
        None => quote!(#slot),
    };
    match (&field.key, field.default) {
        (None, _) => quote!(#ident: ::std::default::Default::default(),),
        (Some(_), true) => quote!(#ident: #slot.unwrap_or_default(),),
        (Some(key), false) => quote!(#ident: #support::required(#slot, #key)?,),
    }
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
