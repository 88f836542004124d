//! Everything generated for one event spec: the typed body and its `lark_runtime::events::Event` impl.

use lark_spec::model::{EventSchema, EventSpec, TypesSpec};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::docs::doc_with;
use crate::names::pascal;
use crate::response::decoded_struct;
use crate::shapes::{Shapes, Side};

/// The type name of an event's body: `user_flow_created_v1` → `UserFlowCreatedV1`.
pub(crate) fn event_ident(spec: &EventSpec) -> Ident {
    format_ident!("{}", pascal(&spec.name))
}

/// The items of one event: its body type (read with the same rules as answers), the `Event` impl that
/// routes deliveries to it, and inline types.
pub(crate) fn event_items(spec: &EventSpec, types: Option<&TypesSpec>, types_path: &syn::Path) -> TokenStream {
    let name = event_ident(spec);
    let mut shapes = Shapes::new(types, types_path);
    shapes.set_side(Side::Answer);
    let fields = shapes.fields(&name.to_string(), &spec.payload);
    let docs = doc_with(
        &spec.summary,
        &format!(
            "The body (`event`) of each `{}` delivery. Unknown fields are ignored and every field may be missing, so the platform can add fields without breaking decoding.",
            spec.event_type
        ),
    );
    let body = decoded_struct(&name, docs, &fields, None);
    let event_type = &spec.event_type;
    let summary = &spec.summary;
    let schema = match spec.schema {
        EventSchema::V2 => quote!(::lark_runtime::events::EventSchema::V2),
        EventSchema::V1 => quote!(::lark_runtime::events::EventSchema::V1),
    };
    let example = match &spec.example {
        Some(value) => {
            let text = value.to_string();
            quote!(::std::option::Option::Some(#text))
        }
        None => quote!(::std::option::Option::None),
    };
    let inline_types = shapes.into_definitions();
    quote! {
        #body
        impl ::lark_runtime::events::Event for #name {
            const EVENT_TYPE: &'static str = #event_type;
            const SCHEMA: ::lark_runtime::events::EventSchema = #schema;
            const SUMMARY: &'static str = #summary;
            const EXAMPLE: ::std::option::Option<&'static str> = #example;
        }
        #(#inline_types)*
    }
}
