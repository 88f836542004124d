//! The facts of documented error codes as named constants, one per distinct row: endpoints of a service
//! version that document the same code with the same facts share one constant (in the client crate, in
//! the version's `errors` module), and an error enum names its variants' constants.

use std::collections::BTreeMap;

use lark_spec::model::{EndpointSpec, ErrorSpec};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

/// The module, below a service version, that holds its shared error facts.
pub const ERRORS_MODULE: &str = "errors";

/// What identifies a row: every fact of it.
type Row = (i64, u16, String, String, bool);

fn row(error: &ErrorSpec) -> Row {
    (
        error.code,
        error.http_status,
        error.message.clone(),
        error.advice.clone(),
        error.retryable,
    )
}

/// Named constants for a set of rows: `CODE_230001`, and `CODE_230001_2`, … for a code whose facts differ
/// between endpoints (ordered by the facts, so the names do not depend on the order of the specs).
#[derive(Debug, Default)]
pub(crate) struct ErrorTable {
    names: BTreeMap<Row, Ident>,
}

impl ErrorTable {
    /// The table of every row `endpoints` document.
    pub(crate) fn of<'a>(endpoints: impl IntoIterator<Item = &'a EndpointSpec>) -> Self {
        let mut by_code: BTreeMap<i64, Vec<Row>> = BTreeMap::new();
        for error in endpoints.into_iter().flat_map(|spec| &spec.errors) {
            let rows = by_code.entry(error.code).or_default();
            let row = row(error);
            if !rows.contains(&row) {
                rows.push(row);
            }
        }
        let mut names = BTreeMap::new();
        for (code, mut rows) in by_code {
            rows.sort();
            let code = match code < 0 {
                true => format!("MINUS_{}", code.unsigned_abs()),
                false => code.to_string(),
            };
            for (index, row) in rows.into_iter().enumerate() {
                let name = match index {
                    0 => format_ident!("CODE_{code}"),
                    _ => format_ident!("CODE_{code}_{}", index + 1),
                };
                names.insert(row, name);
            }
        }
        Self { names }
    }

    /// The constant of `error`'s row; every row of the specs the table was made of has one.
    pub(crate) fn name(&self, error: &ErrorSpec) -> Option<&Ident> {
        self.names.get(&row(error))
    }

    /// The constants, in the order of their codes (the map's order).
    pub(crate) fn constants(&self) -> TokenStream {
        let constants = self
            .names
            .iter()
            .map(|((code, status, message, advice, retryable), name)| {
                let (code, status) = (Literal::i64_unsuffixed(*code), Literal::u16_unsuffixed(*status));
                quote! {
                    pub(crate) const #name: ::lark_runtime::ErrorFacts =
                        ::lark_runtime::ErrorFacts::new(#code, #status, #message, #advice, #retryable);
                }
            });
        quote!(#(#constants)*)
    }
}

/// Where an endpoint's error enum finds its facts: a service version's shared constants, made once for
/// all its endpoints by the crate layout.
#[derive(Clone)]
pub struct SharedErrors {
    pub(crate) path: syn::Path,
    pub(crate) table: std::rc::Rc<ErrorTable>,
}

impl std::fmt::Debug for SharedErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = &self.path;
        f.debug_struct("SharedErrors")
            .field("path", &quote!(#path).to_string())
            .field("rows", &self.table.names.len())
            .finish()
    }
}
