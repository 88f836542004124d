//! Rust shapes for schemas: field types, inline and named objects and enums, and the validation code
//! that checks a value against its schema.

use lark_spec::model::{EnumValue, Fields, Number, Schema, TypeName, TypesSpec};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::docs::doc;
use crate::names::{pascal, pascal_ident, snake_ident};

/// How deep named types may refer to each other before we stop following them.
const MAX_REF_DEPTH: usize = 32;

/// Collects the type definitions an endpoint or a types file needs, in a stable order.
pub(crate) struct Shapes<'a> {
    types: Option<&'a TypesSpec>,
    types_path: &'a syn::Path,
    definitions: Vec<TokenStream>,
    side: Side,
}

/// Whose the objects being defined are, which says what they need: less generated code for the two
/// sides than for the types both share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// A types file's, used by requests and answers: validated, encoded and decoded.
    Shared,
    /// A request's: validated and encoded; decoded only by a server, behind this feature when given.
    Request(Option<&'static str>),
    /// An answer's or an event's: decoded and encoded, never validated (nothing checks what arrives).
    Answer,
}

/// A field as generated: its Rust name and type, and how serde reads it.
#[derive(Clone)]
pub(crate) struct FieldShape<'a> {
    pub wire_name: &'a str,
    pub ident: proc_macro2::Ident,
    /// The value type, without the `Option` of an optional field.
    pub value_type: TokenStream,
    pub optional: bool,
    pub schema: &'a Schema,
    /// The schema behind a `ref` (the schema itself otherwise).
    pub resolved: &'a Schema,
}

impl<'a> FieldShape<'a> {
    /// The field's type in a struct.
    pub fn field_type(&self) -> TokenStream {
        let value_type = &self.value_type;
        if self.optional {
            quote!(::std::option::Option<#value_type>)
        } else {
            value_type.clone()
        }
    }

    /// One `#[serde(..)]` with what the field needs: the wire name when it differs, and omission of unset
    /// optional values. (Scalars are read leniently by the runtime's deserializer, not per field.)
    pub fn serde_attributes(&self) -> TokenStream {
        let mut settings = Vec::new();
        if self.ident.to_string().trim_start_matches("r#") != self.wire_name {
            let wire_name = self.wire_name;
            settings.push(quote!(rename = #wire_name));
        }
        if self.optional {
            settings.push(quote!(default, skip_serializing_if = "Option::is_none"));
        }
        pack_serde_attributes(settings)
    }
}

impl<'a> Shapes<'a> {
    pub(crate) fn new(types: Option<&'a TypesSpec>, types_path: &'a syn::Path) -> Self {
        Self {
            types,
            types_path,
            definitions: Vec::new(),
            side: Side::Shared,
        }
    }

    /// The side the objects defined from now on are for.
    pub(crate) fn set_side(&mut self, side: Side) {
        self.side = side;
    }

    /// The definitions collected so far.
    pub(crate) fn into_definitions(self) -> Vec<TokenStream> {
        self.definitions
    }

    /// The fields of an object whose struct is called `owner`, defining their inline types.
    pub(crate) fn fields(&mut self, owner: &str, fields: &'a Fields) -> Vec<FieldShape<'a>> {
        self.fields_named(owner, fields, str::to_owned)
    }

    /// [`fields`](Self::fields), each named in Rust (its member, and its inline types) by `rust_name`
    /// of its wire name.
    pub(crate) fn fields_named(
        &mut self,
        owner: &str,
        fields: &'a Fields,
        rust_name: impl Fn(&str) -> String,
    ) -> Vec<FieldShape<'a>> {
        fields
            .iter()
            .map(|(name, schema)| {
                let rust_name = rust_name(name);
                FieldShape {
                    wire_name: name,
                    ident: snake_ident(&rust_name),
                    value_type: self.rust_type(schema, &format!("{owner}{}", pascal(&rust_name))),
                    optional: !schema.required,
                    schema,
                    resolved: self.resolve(schema, 0).unwrap_or(schema),
                }
            })
            .collect()
    }

    /// The path of a named type of `types.yaml`.
    pub(crate) fn named_type(&self, name: &str) -> TokenStream {
        let types_path = self.types_path;
        let ident = pascal_ident(name);
        quote!(#types_path::#ident)
    }

    /// The Rust type of a value; an inline object or enum is defined under its `name` or `name_hint`.
    pub(crate) fn rust_type(&mut self, schema: &'a Schema, name_hint: &str) -> TokenStream {
        if let Some(reference) = &schema.reference {
            return self.named_type(reference);
        }
        let name = schema.name.clone().unwrap_or_else(|| name_hint.to_owned());
        match (schema.ty, &schema.values) {
            (Some(ty), Some(values)) => {
                self.define_enum(&name, &schema.description, ty, values);
                let ident = pascal_ident(&name);
                quote!(#ident)
            }
            (Some(TypeName::String), None) if schema.secret => quote!(::lark_runtime::SecretText),
            (Some(TypeName::String), None) => quote!(::std::string::String),
            (Some(TypeName::Boolean), None) => quote!(bool),
            (Some(TypeName::Int32), None) => quote!(i32),
            (Some(TypeName::Int64), None) => quote!(i64),
            (Some(TypeName::Int64String), None) => quote!(::lark_runtime::StringI64),
            (Some(TypeName::Float64), None) => quote!(f64),
            (Some(TypeName::File), None) => quote!(::lark_runtime::UploadFile),
            (Some(TypeName::Json), None) => quote!(::lark_runtime::JsonValue),
            (Some(TypeName::Array), None) => {
                let item = match &schema.items {
                    Some(items) => self.rust_type(items, &format!("{name}Item")),
                    None => quote!(::lark_runtime::__private::serde_json::Value),
                };
                quote!(::std::vec::Vec<#item>)
            }
            (Some(TypeName::Map), None) => {
                let value = match &schema.map_values {
                    Some(values) => self.rust_type(values, &format!("{name}Value")),
                    None => quote!(::lark_runtime::__private::serde_json::Value),
                };
                quote!(::std::collections::BTreeMap<::std::string::String, #value>)
            }
            (Some(TypeName::Object), None) => {
                self.define_object(&name, &schema.description, schema.fields.as_ref());
                let ident = pascal_ident(&name);
                quote!(#ident)
            }
            // Unreachable for validated specs, which always give `type` or `ref`.
            (None, _) => quote!(::lark_runtime::__private::serde_json::Value),
        }
    }

    /// Defines a named type of a types file: objects and enums get their own type, others an alias.
    pub(crate) fn define_named(&mut self, name: &str, schema: &'a Schema) {
        match (schema.ty, &schema.values) {
            (Some(ty), Some(values)) => self.define_enum(name, &schema.description, ty, values),
            (Some(TypeName::Object), None) => {
                self.define_object(name, &schema.description, schema.fields.as_ref());
            }
            _ => {
                let target = self.rust_type(schema, &format!("{name}Value"));
                let ident = pascal_ident(name);
                let docs = doc(&schema.description);
                self.definitions.push(quote! {
                    #docs
                    pub type #ident = #target;
                });
            }
        }
    }

    fn define_object(&mut self, name: &str, description: &str, fields: Option<&'a Fields>) {
        let ident = pascal_ident(name);
        let shapes = fields.map(|fields| self.fields(name, fields)).unwrap_or_default();
        let docs = doc(if description.trim().is_empty() {
            name
        } else {
            description
        });
        let members = shapes.iter().map(|field| {
            let docs = crate::docs::field_doc(field.schema);
            let attributes = field.serde_attributes();
            let field_ident = &field.ident;
            let field_type = field.field_type();
            quote!(#docs #attributes pub #field_ident: #field_type,)
        });
        let validate = (self.side != Side::Answer).then(|| self.validate_impl(&ident, &shapes, quote!(self)));
        let decode = quote!(::lark_runtime::__private::prelude::DeserializeFields);
        let (decode, server_decode) = match self.side {
            Side::Request(Some(feature)) => (None, Some(quote!(#[cfg_attr(feature = #feature, derive(#decode))]))),
            _ => (Some(quote!(, #decode)), None),
        };
        self.definitions.push(quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, ::lark_runtime::__private::serde::Serialize #decode)]
            #server_decode
            #[serde(crate = "::lark_runtime::__private::serde")]
            pub struct #ident {
                #(#members)*
            }
            #validate
        });
    }

    fn define_enum(&mut self, name: &str, description: &str, ty: TypeName, values: &[EnumValue]) {
        let ident = pascal_ident(name);
        let docs = doc(if description.trim().is_empty() {
            name
        } else {
            description
        });
        let variants: Vec<_> = values.iter().map(|v| pascal_ident(&v.name)).collect();
        let variant_docs = values.iter().map(|v| {
            let wire = &v.value;
            let text = if v.description.trim().is_empty() {
                format!("`{wire}`")
            } else {
                format!("`{wire}`: {}", v.description)
            };
            doc(&text)
        });
        let string_enum = ty == TypeName::String;
        let (unknown_type, derive_copy) = if string_enum {
            (quote!(::std::string::String), quote!())
        } else {
            (quote!(i64), quote!(Copy,))
        };
        let wire_literals: Vec<TokenStream> = values
            .iter()
            .map(|v| match (&v.value, v.value.as_i64()) {
                (serde_json::Value::String(text), _) => quote!(#text),
                (_, Some(number)) => {
                    let number = proc_macro2::Literal::i64_unsuffixed(number);
                    quote!(#number)
                }
                // Unreachable for validated specs.
                (other, None) => {
                    let text = other.to_string();
                    quote!(#text)
                }
            })
            .collect();
        // The value table goes into the runtime's macro, which writes `VALUES` and the traits from it.
        let table = quote!(#ident { #(#variants = #wire_literals),* });
        let wire_impls = if string_enum {
            quote!(::lark_runtime::string_enum_traits!(#table);)
        } else {
            quote!(::lark_runtime::int_enum_traits!(#table);)
        };
        self.definitions.push(quote! {
            #docs
            #[derive(Debug, Clone, #derive_copy PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #ident {
                #(#variant_docs #variants,)*
                /// A value this version of the spec does not list: decoding keeps it, a request holding it fails validation.
                Unknown(#unknown_type),
            }
            #wire_impls
        });
    }

    /// `impl Validate` for a struct whose fields are `fields`; `this` is the expression of the value.
    pub(crate) fn validate_impl(
        &self,
        ident: &proc_macro2::Ident,
        fields: &[FieldShape<'_>],
        this: TokenStream,
    ) -> TokenStream {
        let checks: Vec<TokenStream> = fields
            .iter()
            .filter_map(|field| self.field_checks(field, &this))
            .collect();
        if checks.is_empty() {
            // Nothing to check: the trait's default records nothing.
            return quote!(impl ::lark_runtime::Validate for #ident {});
        }
        quote! {
            impl ::lark_runtime::Validate for #ident {
                fn validate_at(&self, at: &::lark_runtime::validate::FieldPath<'_>, violations: &mut ::lark_runtime::validate::Violations) {
                    #(#checks)*
                }
            }
        }
    }

    /// The checks of one field, or `None` when its schema constrains nothing.
    fn field_checks(&self, field: &FieldShape<'_>, this: &TokenStream) -> Option<TokenStream> {
        let field_ident = &field.ident;
        let wire_name = field.wire_name;
        if self.delegates(field.schema, 0) {
            // The field's own type checks itself, an `Option` or a list of it included.
            return Some(quote!(violations.check(&at.field(#wire_name), &#this.#field_ident);));
        }
        if let Some(lines) = self.one_line_checks(field, this) {
            return Some(lines);
        }
        let value = format_ident!("value");
        let inner = self.checks(&quote!(#value), field.schema, 0)?;
        let access = if field.optional {
            quote!(if let ::std::option::Option::Some(#value) = &#this.#field_ident { #inner })
        } else {
            quote!(let #value = &#this.#field_ident; #inner)
        };
        Some(quote!({
            let at = at.field(#wire_name);
            #access
        }))
    }

    /// A length, range or item-count check straight on the field, one line each, when that is all its
    /// schema asks: the runtime's checks take an optional field as it is and skip it when left out.
    fn one_line_checks(&self, field: &FieldShape<'_>, this: &TokenStream) -> Option<TokenStream> {
        let schema = self.resolve(field.schema, 0)?;
        let (ident, wire_name) = (&field.ident, field.wire_name);
        let (at, value) = (quote!(&at.field(#wire_name)), quote!(&#this.#ident));
        match schema.ty? {
            TypeName::String if schema.pattern.is_none() => length_check(&at, &value, schema),
            ty @ (TypeName::Int32 | TypeName::Int64 | TypeName::Int64String | TypeName::Float64) => {
                range_check(&at, &value, schema, ty)
            }
            TypeName::Array
                if schema
                    .items
                    .as_deref()
                    .is_none_or(|items| self.checks(&quote!(item), items, 1).is_none()) =>
            {
                items_check(&at, &value, schema)
            }
            _ => None,
        }
    }

    /// Whether every check of `schema` is its own type's `Validate`: an object or an enum, or a list or map
    /// of them with no bounds of its own.
    fn delegates(&self, schema: &'a Schema, depth: usize) -> bool {
        let Some(target) = self.resolve(schema, depth) else {
            return false;
        };
        if target.values.is_some() || target.ty == Some(TypeName::Object) {
            return true;
        }
        let element = match target.ty {
            Some(TypeName::Array) if target.min_items.is_none() && target.max_items.is_none() => {
                target.items.as_deref()
            }
            Some(TypeName::Map) => target.map_values.as_deref(),
            _ => None,
        };
        element.is_some_and(|element| self.delegates(element, depth + 1))
    }

    /// Statements that check `value` (a reference) at `at`, or `None` when the schema constrains nothing.
    fn checks(&self, value: &TokenStream, schema: &'a Schema, depth: usize) -> Option<TokenStream> {
        if self.delegates(schema, depth) {
            return Some(quote!(violations.check(&at, #value);));
        }
        let target = self.resolve(schema, depth)?;
        if schema.reference.is_some() {
            return self.checks(value, target, depth + 1);
        }
        let ty = schema.ty?;
        let mut statements = Vec::new();
        match ty {
            TypeName::String => {
                statements.extend(length_check(&quote!(&at), value, schema));
                if let Some(pattern) = &schema.pattern {
                    statements.push(quote! {
                        static PATTERN: ::lark_runtime::validate::Pattern = ::lark_runtime::validate::Pattern::new(#pattern);
                        violations.pattern(&at, #value, &PATTERN);
                    });
                }
            }
            TypeName::Int32 | TypeName::Int64 | TypeName::Int64String | TypeName::Float64 => {
                statements.extend(range_check(&quote!(&at), value, schema, ty));
            }
            TypeName::Array => {
                statements.extend(items_check(&quote!(&at), value, schema));
                let item = format_ident!("item");
                let items = schema.items.as_deref();
                if items.is_some_and(|items| self.delegates(items, depth)) {
                    statements.push(quote!(violations.check(&at, #value);));
                } else if let Some(item_checks) = items.and_then(|items| self.checks(&quote!(#item), items, depth)) {
                    statements.push(quote! {
                        for (index, #item) in #value.iter().enumerate() {
                            let at = at.index(index);
                            #item_checks
                        }
                    });
                }
            }
            TypeName::Map => {
                let item = format_ident!("item");
                if let Some(value_checks) = schema
                    .map_values
                    .as_deref()
                    .and_then(|values| self.checks(&quote!(#item), values, depth))
                {
                    statements.push(quote! {
                        for (key, #item) in #value.iter() {
                            let at = at.key(key);
                            #value_checks
                        }
                    });
                }
            }
            TypeName::Boolean | TypeName::Object | TypeName::File | TypeName::Json => {}
        }
        (!statements.is_empty()).then(|| quote!(#(#statements)*))
    }

    /// The schema a `ref` names, following refs to refs.
    pub(crate) fn resolve(&self, schema: &'a Schema, depth: usize) -> Option<&'a Schema> {
        if depth > MAX_REF_DEPTH {
            return None;
        }
        match &schema.reference {
            Some(name) => self.resolve(self.types?.types.get(name)?, depth + 1),
            None => Some(schema),
        }
    }
}

/// `#[serde(..)]` attributes holding `settings` in order, as few as fit on one formatted line each (a
/// longer attribute would be broken over five).
fn pack_serde_attributes(settings: Vec<TokenStream>) -> TokenStream {
    const WIDTH: usize = 72;
    let mut attributes = Vec::new();
    let mut line: Vec<TokenStream> = Vec::new();
    let mut length = 0;
    for setting in settings {
        let more = setting.to_string().len() + 2;
        if !line.is_empty() && length + more > WIDTH {
            attributes.push(quote!(#[serde(#(#line),*)]));
            line.clear();
            length = 0;
        }
        length += more;
        line.push(setting);
    }
    if !line.is_empty() {
        attributes.push(quote!(#[serde(#(#line),*)]));
    }
    quote!(#(#attributes)*)
}

fn option_u64(value: Option<u64>) -> TokenStream {
    match value {
        Some(value) => {
            let value = proc_macro2::Literal::u64_unsuffixed(value);
            quote!(::std::option::Option::Some(#value))
        }
        None => quote!(::std::option::Option::None),
    }
}

/// `violations.length(..)`, or `None` when the schema bounds no length.
fn length_check(at: &TokenStream, value: &TokenStream, schema: &Schema) -> Option<TokenStream> {
    if schema.min_length.is_none() && schema.max_length.is_none() {
        return None;
    }
    let (min, max) = (option_u64(schema.min_length), option_u64(schema.max_length));
    Some(quote!(violations.length(#at, #value, #min, #max);))
}

/// `violations.items(..)`, or `None` when the schema bounds no item count.
fn items_check(at: &TokenStream, value: &TokenStream, schema: &Schema) -> Option<TokenStream> {
    if schema.min_items.is_none() && schema.max_items.is_none() {
        return None;
    }
    let (min, max) = (option_u64(schema.min_items), option_u64(schema.max_items));
    Some(quote!(violations.items(#at, #value, #min, #max);))
}

/// `violations.range(..)` for an integer, `range_float(..)` for a float; `None` without bounds, or for an
/// integer type with a fractional bound (the validator refuses it).
fn range_check(at: &TokenStream, value: &TokenStream, schema: &Schema, ty: TypeName) -> Option<TokenStream> {
    if schema.minimum.is_none() && schema.maximum.is_none() {
        return None;
    }
    if ty.is_integer() {
        let bound = |bound: Option<Number>| match bound {
            Some(Number::Int(value)) => {
                let value = proc_macro2::Literal::i64_unsuffixed(value);
                Some(quote!(::std::option::Option::Some(#value)))
            }
            Some(Number::Float(_)) => None,
            None => Some(quote!(::std::option::Option::None)),
        };
        let (min, max) = (bound(schema.minimum)?, bound(schema.maximum)?);
        Some(quote!(violations.range(#at, #value, #min, #max);))
    } else {
        let bound = |bound: Option<Number>| match bound {
            Some(number) => {
                let value = proc_macro2::Literal::f64_unsuffixed(number.as_f64());
                quote!(::std::option::Option::Some(#value))
            }
            None => quote!(::std::option::Option::None),
        };
        let (min, max) = (bound(schema.minimum), bound(schema.maximum));
        Some(quote!(violations.range_float(#at, #value, #min, #max);))
    }
}
