//! The request type of an endpoint: private fields behind a builder whose `build` validates every
//! constraint, and the `Endpoint` implementation that tells the runtime how to send it.

use lark_spec::model::{EndpointSpec, Schema, TypeName};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::docs::doc_with;
use crate::shapes::{FieldShape, Shapes};

/// Where a request field travels.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Place {
    Path,
    Query,
    Body,
}

/// A request's fields by place, in the order the struct holds them.
pub(crate) fn groups(spec: &EndpointSpec) -> [(Place, &lark_spec::model::Fields); 3] {
    [
        (Place::Path, &spec.request.path),
        (Place::Query, &spec.request.query),
        (Place::Body, &spec.request.body),
    ]
}

/// The Rust name of a request field: its wire name, unless a later place uses that name too (drive's
/// `permission_member/create` has a `type` query parameter and a `type` body field). Then the earlier
/// one carries its place (`query_type`), so the struct's fields, setters and CLI flags stay distinct.
pub(crate) fn field_name(spec: &EndpointSpec, place: Place, wire_name: &str) -> String {
    let later = match place {
        Place::Path => [&spec.request.query, &spec.request.body].to_vec(),
        Place::Query => [&spec.request.body].to_vec(),
        Place::Body => Vec::new(),
    };
    let prefix = match place {
        Place::Path => "path",
        Place::Query => "query",
        Place::Body => "",
    };
    if later.iter().any(|fields| fields.contains_key(wire_name)) {
        format!("{prefix}_{wire_name}")
    } else {
        wire_name.to_owned()
    }
}

/// Names of the endpoint's generated types.
pub(crate) struct EndpointNames {
    pub request: Ident,
    pub builder: Ident,
    pub data: Ident,
    pub error: Ident,
}

pub(crate) fn request<'a>(
    spec: &'a EndpointSpec,
    names: &EndpointNames,
    shapes: &mut Shapes<'a>,
    metadata: TokenStream,
    server_gate: Option<TokenStream>,
) -> TokenStream {
    let EndpointNames {
        request,
        builder,
        data,
        error,
    } = names;
    let request_name = request.to_string();
    let mut fields: Vec<(Place, FieldShape<'a>)> = Vec::new();
    for (place, group) in groups(spec) {
        fields.extend(
            shapes
                .fields_named(&request_name, group, |wire_name| field_name(spec, place, wire_name))
                .into_iter()
                .map(|field| (place, field)),
        );
    }
    let shapes_only: Vec<FieldShape<'a>> = fields.iter().map(|(_, f)| f.clone()).collect();

    // The module's docs give the method and path; the request's say how to make one.
    let request_docs = doc_with(
        &format!("Request of {}", spec.summary),
        &format!(
            "Build it with [`{request_name}::builder`]; a request that exists has passed every constraint of the spec."
        ),
    );
    // The setters carry each field's docs; the private members need none, the getters point there.
    let members = fields.iter().map(|(place, field)| {
        let ident = &field.ident;
        let ty = field.field_type();
        // Parameters and file parts travel outside the JSON body.
        let serde = if *place == Place::Body && !is_file(field) {
            field.serde_attributes()
        } else {
            quote!(#[serde(skip)])
        };
        quote!(#serde #ident: #ty,)
    });
    let builder_members = fields.iter().map(|(_, field)| {
        let ident = &field.ident;
        let value_type = &field.value_type;
        quote!(#ident: ::std::option::Option<#value_type>,)
    });
    let setters = fields.iter().map(|(_, field)| setter(field));
    let build = build_method(request, &fields);
    let builder_doc = format!(" Builder of [`{request_name}`]: set the fields, then [`build`]({builder}::build) it.");
    let validate = shapes.validate_impl(request, &shapes_only, quote!(self));
    let parameters = parameters_method(&fields);
    let files = files_method(&fields);
    let account = account_method(spec, &fields);
    let incoming = incoming_impl(request, &fields);
    let incoming = quote!(#server_gate #incoming);
    let paged = paged_derive(spec, &fields);

    quote! {
        #request_docs
        #[derive(Debug, Clone, PartialEq, ::lark_runtime::__private::serde::Serialize, ::lark_runtime::__private::prelude::Accessors #paged)]
        #[serde(crate = "::lark_runtime::__private::serde")]
        pub struct #request {
            #(#members)*
        }

        #[doc = #builder_doc]
        #[derive(Debug, Clone, Default)]
        #[must_use]
        pub struct #builder {
            #(#builder_members)*
        }

        impl #builder {
            #(#setters)*
            #build
        }

        #validate

        impl ::lark_runtime::Endpoint for #request {
            type Data = #data;
            type Error = #error;
            const METADATA: &'static ::lark_runtime::EndpointMetadata = &#metadata;
            #parameters
            #files
            #account
        }

        #incoming
    }
}

/// `Paged`, derived, for the request of a paged endpoint with a `page_token`.
fn paged_derive(spec: &EndpointSpec, fields: &[(Place, FieldShape<'_>)]) -> Option<TokenStream> {
    spec.pagination.as_ref()?;
    fields.iter().find(|(_, field)| field.wire_name == "page_token")?;
    Some(quote!(, ::lark_runtime::__private::prelude::Paged))
}

/// How a server reads the request back: each field from where it travels, then the builder's checks.
fn incoming_impl(request: &Ident, fields: &[(Place, FieldShape<'_>)]) -> TokenStream {
    let request_name = request.to_string();
    let body_fields: Vec<&FieldShape<'_>> = fields
        .iter()
        .filter(|(place, field)| *place == Place::Body && !is_file(field))
        .map(|(_, f)| f)
        .collect();
    let file_reads: Vec<TokenStream> = fields
        .iter()
        .filter(|(_, field)| is_file(field))
        .map(|(_, field)| {
            let ident = &field.ident;
            let wire_name = field.wire_name;
            quote!(builder.#ident = request.file(#wire_name);)
        })
        .collect();
    // A multipart body's scalars arrive as text parts: numbers are read from their text.
    let multipart = !file_reads.is_empty();
    let body = (!body_fields.is_empty()).then(|| {
        let members = body_fields.iter().map(|field| {
            let ident = &field.ident;
            let wire_name = field.wire_name;
            let value_type = &field.value_type;
            let lenient = (multipart && is_text_readable(field.resolved))
                .then(|| quote!(#[serde(deserialize_with = "::lark_runtime::lenient::lenient")]));
            quote!(#[serde(default, rename = #wire_name)] #lenient #ident: ::std::option::Option<#value_type>,)
        });
        let moves = body_fields.iter().map(|field| {
            let ident = &field.ident;
            quote!(builder.#ident = body.#ident;)
        });
        let item = quote! {
            /// The JSON body's fields, each optional so the builder can say which required one is missing.
            #[derive(::lark_runtime::__private::prelude::DeserializeFields)]
            #[serde(crate = "::lark_runtime::__private::serde")]
            struct Body { #(#members)* }
        };
        let statements = quote! {
            let ::std::option::Option::Some(body) = request.body::<Body>(&mut violations) else {
                return ::std::result::Result::Err(violations.into_error(#request_name));
            };
            #(#moves)*
        };
        (item, statements)
    });
    let (body_item, body) = body.unzip();
    let url_fields = fields
        .iter()
        .filter(|(place, _)| *place != Place::Body)
        .map(|(place, field)| {
            let ident = &field.ident;
            let wire_name = field.wire_name;
            // The builder's field gives the type to parse as.
            let read = match place {
                Place::Path => quote!(request.path_param(#wire_name, &mut violations)),
                _ if field.schema.ty == Some(TypeName::Array) => quote!(request.query_all(#wire_name, &mut violations)),
                _ => quote!(request.query_one(#wire_name, &mut violations)),
            };
            quote!(builder.#ident = #read;)
        });
    let mut url_fields: Vec<TokenStream> = url_fields.collect();
    // File parts are read without reporting into `violations` (a missing one is the builder's to say).
    let violations_mutable = (body.is_some() || !url_fields.is_empty()).then(|| quote!(mut));
    url_fields.extend(file_reads);
    let mutable = (body.is_some() || !url_fields.is_empty()).then(|| quote!(mut));
    let builder_mutable = mutable.clone();
    // A request with no fields reads nothing of what was sent.
    let parameter = match mutable {
        Some(_) => quote!(request),
        None => quote!(_request),
    };
    quote! {
        impl ::lark_runtime::Incoming for #request {
            fn from_incoming(
                #parameter: &::lark_runtime::IncomingRequest<'_>,
            ) -> ::std::result::Result<Self, ::lark_runtime::ValidationError> {
                #body_item
                let #violations_mutable violations = ::lark_runtime::validate::Violations::default();
                let #builder_mutable builder = Self::builder();
                #(#url_fields)*
                #body
                ::lark_runtime::incoming::finish(violations, builder.build())
            }
        }
    }
}

/// `Endpoint::account` for a batch of ids: how the answer accounts for the ids sent.
fn account_method(spec: &EndpointSpec, fields: &[(Place, FieldShape<'_>)]) -> TokenStream {
    let partial = spec.response.partial_failure.as_ref();
    let ids_field = partial
        .filter(|p| p.failed_ids.is_some())
        .and_then(|p| p.request_ids.as_deref());
    let Some(field) = ids_field.and_then(|name| fields.iter().map(|(_, f)| f).find(|f| f.wire_name == name)) else {
        return quote!();
    };
    let ident = &field.ident;
    let sent = match field.optional {
        true => quote!(self.#ident.as_deref().unwrap_or_default()),
        false => quote!(&self.#ident),
    };
    quote! {
        fn account(&self, data: &Self::Data) -> ::std::option::Option<::lark_runtime::Accounting> {
            ::std::option::Option::Some(::lark_runtime::partial_failure::account(#sent, data))
        }
    }
}

/// Whether a value sent as a text part reads back leniently: a string or an integer, named values
/// included (an integer enum reads its number through the same leniency: `"1"` is 1).
fn is_text_readable(schema: &Schema) -> bool {
    !schema.secret && matches!(schema.ty, Some(TypeName::String | TypeName::Int32 | TypeName::Int64))
}

/// Whether a field is a file part of a multipart body.
fn is_file(field: &FieldShape<'_>) -> bool {
    field.schema.ty == Some(TypeName::File)
}

/// `Endpoint::files` for a multipart request: its file parts by field name.
fn files_method(fields: &[(Place, FieldShape<'_>)]) -> TokenStream {
    let parts: Vec<TokenStream> = fields
        .iter()
        .filter(|(_, field)| is_file(field))
        .map(|(_, field)| {
            let ident = &field.ident;
            let wire_name = field.wire_name;
            if field.optional {
                quote!(self.#ident.iter().map(|file| (#wire_name, file)))
            } else {
                quote!(::std::iter::once((#wire_name, &self.#ident)))
            }
        })
        .collect();
    if parts.is_empty() {
        return quote!();
    }
    quote! {
        fn files(&self) -> ::std::vec::Vec<(&'static str, &::lark_runtime::UploadFile)> {
            ::std::iter::empty()#(.chain(#parts))*.collect()
        }
    }
}

fn setter(field: &FieldShape<'_>) -> TokenStream {
    let docs = crate::docs::field_doc(field.schema);
    let ident = &field.ident;
    let value_type = &field.value_type;
    let schema: &Schema = field.schema;
    let is_plain_string =
        |s: &Schema| s.ty == Some(TypeName::String) && s.values.is_none() && s.reference.is_none() && !s.secret;
    if field.resolved.secret {
        return quote! {
            #docs
            pub fn #ident(mut self, #ident: impl ::std::convert::Into<::lark_runtime::SecretText>) -> Self {
                self.#ident = ::std::option::Option::Some(#ident.into());
                self
            }
        };
    }
    if is_plain_string(field.resolved) {
        return quote! {
            #docs
            pub fn #ident(mut self, #ident: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.#ident = ::std::option::Option::Some(#ident.into());
                self
            }
        };
    }
    if schema.ty == Some(TypeName::Array) && schema.reference.is_none() {
        let items_are_strings = schema.items.as_deref().is_some_and(is_plain_string);
        let (item, convert) = if items_are_strings {
            (
                quote!(impl ::std::convert::Into<::std::string::String>),
                quote!(.map(::std::convert::Into::into)),
            )
        } else {
            let item = match value_type_item(value_type) {
                Some(item) => item,
                None => value_type.clone(),
            };
            (item, quote!())
        };
        return quote! {
            #docs
            pub fn #ident(mut self, #ident: impl ::std::iter::IntoIterator<Item = #item>) -> Self {
                self.#ident = ::std::option::Option::Some(#ident.into_iter()#convert.collect());
                self
            }
        };
    }
    quote! {
        #docs
        pub fn #ident(mut self, #ident: #value_type) -> Self {
            self.#ident = ::std::option::Option::Some(#ident);
            self
        }
    }
}

/// The item type of `::std::vec::Vec<T>`.
fn value_type_item(value_type: &TokenStream) -> Option<TokenStream> {
    let ty: syn::Type = syn::parse2(value_type.clone()).ok()?;
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        syn::GenericArgument::Type(item) => Some(quote!(#item)),
        _ => None,
    }
}

fn build_method(request: &Ident, fields: &[(Place, FieldShape<'_>)]) -> TokenStream {
    let request_name = request.to_string();
    let required: Vec<&FieldShape<'_>> = fields.iter().map(|(_, f)| f).filter(|f| !f.optional).collect();
    let take_required = required.iter().map(|field| {
        let ident = &field.ident;
        let wire_name = field.wire_name;
        quote!(let #ident = violations.required(&root.field(#wire_name), self.#ident);)
    });
    let required_idents: Vec<&Ident> = required.iter().map(|f| &f.ident).collect();
    let unwrap_required = if required.is_empty() {
        quote!()
    } else {
        quote! {
            let root = ::lark_runtime::validate::FieldPath::root();
            let mut violations = ::lark_runtime::validate::Violations::default();
            #(#take_required)*
            let (#(::std::option::Option::Some(#required_idents),)*) = (#(#required_idents,)*) else {
                return ::std::result::Result::Err(violations.into_error(#request_name));
            };
        }
    };
    let assignments = fields.iter().map(|(_, field)| {
        let ident = &field.ident;
        if field.optional {
            quote!(#ident: self.#ident,)
        } else {
            quote!(#ident,)
        }
    });
    let value = format_ident!("request");
    quote! {
        /// Checks every constraint of the spec and returns the request, or every violation found.
        pub fn build(self) -> ::std::result::Result<#request, ::lark_runtime::ValidationError> {
            #unwrap_required
            let #value = #request { #(#assignments)* };
            ::lark_runtime::Validate::validate(&#value)?;
            ::std::result::Result::Ok(#value)
        }
    }
}

fn parameters_method(fields: &[(Place, FieldShape<'_>)]) -> TokenStream {
    let calls: Vec<TokenStream> = fields
        .iter()
        .filter_map(|(place, field)| {
            let ident = &field.ident;
            let wire_name = field.wire_name;
            match place {
                Place::Path => Some(quote!(parameters.path(#wire_name, &self.#ident);)),
                Place::Query => {
                    // Each value of the field: an optional holds none or one, a list its items.
                    let values = match (field.schema.ty == Some(TypeName::Array), field.optional) {
                        (false, false) => quote!([&self.#ident]),
                        (true, true) => quote!(self.#ident.iter().flatten()),
                        _ => quote!(&self.#ident),
                    };
                    Some(quote!(parameters.query(#wire_name, #values);))
                }
                _ => None,
            }
        })
        .collect();
    if calls.is_empty() {
        // The trait's default: no parameters.
        return TokenStream::new();
    }
    quote! {
        fn parameters(&self, parameters: &mut ::lark_runtime::wire::Parameters) {
            #(#calls)*
        }
    }
}
