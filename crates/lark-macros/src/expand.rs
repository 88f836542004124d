//! The macros' work, on `proc_macro2` tokens so that it can be unit-tested.

use std::path::{Path, PathBuf};

use lark_codegen::Options;
use lark_spec::{SpecErrors, SpecSet};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};

/// What a macro call expands to: the generated items, and the `include_bytes!` of every spec read so that
/// editing one rebuilds the caller.
pub(crate) struct Expansion {
    pub items: TokenStream,
    pub tracked: TokenStream,
}

impl Expansion {
    pub(crate) fn into_tokens(self) -> TokenStream {
        let Expansion { items, tracked } = self;
        quote!(#tracked #items)
    }

    fn error(span: Span, message: impl std::fmt::Display) -> Self {
        Self {
            items: syn::Error::new(span, message).to_compile_error(),
            tracked: TokenStream::new(),
        }
    }
}

/// `"path/to/spec.yaml"` with an optional `, types = some::module`.
struct Arguments {
    spec: LitStr,
    types: Option<syn::Path>,
}

impl Parse for Arguments {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let spec = input.parse()?;
        let mut types = None;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: syn::Ident = input.parse()?;
            if key != "types" {
                return Err(syn::Error::new(key.span(), "expected `types = path::to::module`"));
            }
            input.parse::<Token![=]>()?;
            types = Some(input.parse()?);
            input.parse::<Option<Token![,]>>()?;
        }
        Ok(Self { spec, types })
    }
}

/// A macro call's spec, found on disk.
struct Call {
    arguments: Arguments,
    relative: String,
    span: Span,
    root: PathBuf,
}

impl Call {
    /// Parses the arguments and finds the spec root, or the expansion that reports why not.
    fn resolve(input: TokenStream, caller_dir: &Path) -> Result<Self, Expansion> {
        let arguments: Arguments = syn::parse2(input).map_err(|error| Expansion {
            items: error.to_compile_error(),
            tracked: TokenStream::new(),
        })?;
        let relative = arguments.spec.value();
        let span = arguments.spec.span();
        let root = find_spec_root(caller_dir, &relative)
            .ok_or_else(|| Expansion::error(span, not_found(&relative, caller_dir)))?;
        Ok(Self {
            arguments,
            relative,
            span,
            root,
        })
    }

    /// Resolves the call and loads its spec with `load`: the call, the specs read and their tracking.
    fn open(
        input: TokenStream,
        caller_dir: &Path,
        load: fn(&Path, &str) -> Result<SpecSet, SpecErrors>,
    ) -> Result<(Self, SpecSet, TokenStream), Expansion> {
        let call = Self::resolve(input, caller_dir)?;
        let (set, tracked) = call.load(load)?;
        Ok((call, set, tracked))
    }

    /// Loads the spec with `load`, tracking every file it read; on problems, the expansion that reports them.
    fn load(&self, load: fn(&Path, &str) -> Result<SpecSet, SpecErrors>) -> Result<(SpecSet, TokenStream), Expansion> {
        match load(&self.root, &self.relative) {
            Ok(set) => {
                let files = set
                    .endpoints
                    .iter()
                    .map(|f| &f.relative)
                    .chain(set.types.iter().map(|f| &f.relative));
                let tracked = files.map(|relative| track(&self.root, relative)).collect();
                Ok((set, tracked))
            }
            Err(errors) => Err(Expansion {
                items: spec_errors(&errors, &self.root, self.span),
                tracked: track(&self.root, &self.relative),
            }),
        }
    }
}

pub(crate) fn endpoint(input: TokenStream, caller_dir: &Path) -> Expansion {
    let (call, set, tracked) = match Call::open(input, caller_dir, SpecSet::load_endpoint) {
        Ok(opened) => opened,
        Err(expansion) => return expansion,
    };
    let Some(endpoint) = set.endpoints.first() else {
        return Expansion::error(
            call.span,
            format!("`{}` is a types file; use `types!` for it", call.relative),
        );
    };
    let types = set
        .types_of(&endpoint.spec.service, &endpoint.spec.version)
        .map(|t| &t.spec);
    let options = Options {
        types_path: call.arguments.types.unwrap_or_else(|| syn::parse_quote!(super::types)),
        server_feature: None,
        shared_errors: None,
    };
    Expansion {
        items: lark_codegen::endpoint(&endpoint.spec, types, &options),
        tracked,
    }
}

pub(crate) fn types(input: TokenStream, caller_dir: &Path) -> Expansion {
    let load_types = |root: &Path, relative: &str| SpecSet::load_files(root, &[relative]);
    let (call, set, tracked) = match Call::open(input, caller_dir, load_types) {
        Ok(opened) => opened,
        Err(expansion) => return expansion,
    };
    let Some(types) = set.types.first() else {
        return Expansion::error(
            call.span,
            format!("`{}` is an endpoint spec; use `endpoint!` for it", call.relative),
        );
    };
    let options = Options {
        types_path: call.arguments.types.unwrap_or_else(|| syn::parse_quote!(self)),
        server_feature: None,
        shared_errors: None,
    };
    Expansion {
        items: lark_codegen::types(&types.spec, &options),
        tracked,
    }
}

/// The nearest `specs/` folder at or above `start` that holds `relative`.
pub(crate) fn find_spec_root(start: &Path, relative: &str) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join("specs"))
        .find(|specs| specs.join(relative).is_file())
}

fn not_found(relative: &str, caller_dir: &Path) -> String {
    format!(
        "cannot find `specs/{relative}` in {} or any folder above it",
        caller_dir.display()
    )
}

fn track(root: &Path, relative: &str) -> TokenStream {
    let path = root.join(relative);
    let path = path.canonicalize().unwrap_or(path);
    let path = path.to_string_lossy();
    quote!(
        const _: &[u8] = include_bytes!(#path);
    )
}

/// One `compile_error!` per problem, each naming `specs/<file>:line:column`.
fn spec_errors(errors: &SpecErrors, root: &Path, span: Span) -> TokenStream {
    let base = root.parent().unwrap_or(root);
    errors
        .iter()
        .map(|error| {
            let mut shown = error.clone();
            if let Ok(relative) = shown.file.strip_prefix(base) {
                shown.file = relative.to_path_buf();
            }
            syn::Error::new(span, shown.to_string()).to_compile_error()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .unwrap()
            .to_path_buf()
    }

    /// The macro and `cargo xtask codegen` share one generator; this proves their output is the same
    /// code for every spec, and that the checked-in bindings end with exactly that code.
    #[test]
    fn the_macro_expands_to_the_checked_in_bindings_for_every_spec() {
        let root = workspace();
        let set = SpecSet::load_dir(&root.join("specs")).unwrap();
        let client_files = lark_codegen::client_files(&set).unwrap();
        let runtime_files = lark_codegen::runtime_files(&set).unwrap();
        assert!(!set.endpoints.is_empty());
        for endpoint in &set.endpoints {
            let spec = &endpoint.spec;
            let relative = endpoint.relative.as_str();
            // Services the runtime calls itself live in the runtime crate.
            let in_runtime = lark_codegen::in_runtime(&spec.service, &spec.version);
            let (options, crate_dir, files) = match in_runtime {
                true => (
                    Options::runtime(&spec.service, &spec.version),
                    "lark-runtime",
                    &runtime_files,
                ),
                false => (
                    Options::client(&spec.service, &spec.version),
                    "lark-openapi",
                    &client_files,
                ),
            };
            let types_path = options.types_path;
            let expansion = super::endpoint(quote!(#relative, types = #types_path), &root.join("tests"));
            let from_macro = lark_codegen::render(expansion.items).unwrap();
            let expected_path = format!("{}/{}/{}/{}.rs", spec.service, spec.version, spec.resource, spec.name);
            let generated_dir = root.join("crates").join(crate_dir).join("src/generated");
            let checked_in = std::fs::read_to_string(generated_dir.join(&expected_path)).unwrap();
            let generated = files.iter().find(|f| f.path == expected_path).unwrap();
            assert_eq!(
                checked_in, generated.contents,
                "{expected_path} is stale: run `cargo xtask codegen`"
            );
            // The bindings gate server-side decoding behind their crate's feature and share their
            // version's error facts; the macro, expanding one spec, does neither.
            let types = set.types_of(&spec.service, &spec.version).map(|t| &t.spec);
            let unshared = Options {
                server_feature: None,
                shared_errors: None,
                types_path: types_path.clone(),
            };
            let standalone = lark_codegen::render(lark_codegen::endpoint(spec, types, &unshared)).unwrap();
            assert_eq!(
                from_macro, standalone,
                "the macro's expansion of {relative} differs from the generator's"
            );
            assert!(
                expansion.tracked.to_string().contains("include_bytes"),
                "{relative} is not tracked for rebuilds"
            );
        }
    }

    #[test]
    fn the_nearest_specs_folder_holding_the_file_wins() {
        let root = workspace();
        let from_ui = root.join("crates/lark-macros/tests/ui");
        assert_eq!(
            find_spec_root(&from_ui, "unknown_key.yaml"),
            Some(from_ui.join("specs"))
        );
        assert_eq!(
            find_spec_root(&from_ui, "attendance/v1/user_flow/batch_del.yaml"),
            Some(root.join("specs"))
        );
        assert_eq!(find_spec_root(&from_ui, "nowhere.yaml"), None);
    }

    #[test]
    fn a_missing_spec_is_a_compile_error_naming_where_it_looked() {
        let expansion = super::endpoint(quote!("nowhere.yaml"), Path::new("/tmp"));
        let text = expansion.items.to_string();
        assert!(text.contains("compile_error"), "{text}");
        assert!(text.contains("cannot find `specs/nowhere.yaml` in /tmp"), "{text}");
    }

    #[test]
    fn bad_arguments_are_compile_errors() {
        let text = super::endpoint(quote!("a.yaml", colour = x), Path::new("/tmp"))
            .items
            .to_string();
        assert!(text.contains("expected `types = path::to::module`"), "{text}");
    }
}
