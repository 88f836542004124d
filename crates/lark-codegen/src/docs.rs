//! Doc comments from spec text.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc]` attributes for `text`, one per line, so rustfmt-style output shows `///` lines.
pub fn doc(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", linked_urls(line.trim_end()))
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// A line of spec text as rustdoc should show it. Outside `code spans`, `<`, `>`, `[` and `]` are
/// escaped (a page's `<sheetId>` or "without [ or ]" is text, not HTML or a link), and each address
/// (`http://…`, `https://…`, as a page's error message may hold) is written `<address>`, which rustdoc
/// renders as a link instead of warning about it.
fn linked_urls(line: &str) -> String {
    let parts: Vec<&str> = line.split('`').collect();
    let mut out = String::new();
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push('`');
        }
        if index % 2 == 1 {
            out.push_str(part);
            continue;
        }
        // "[`Name`]" around a code span is the generator's own intra-doc link: those brackets stay.
        let (open, close) = (index + 1 < parts.len(), index > 0);
        let head = if close { part.strip_prefix(']') } else { None };
        let body = head.unwrap_or(part);
        let tail = if open { body.strip_suffix('[') } else { None };
        if head.is_some() {
            out.push(']');
        }
        out.push_str(&plain_text(tail.unwrap_or(body)));
        if tail.is_some() {
            out.push('[');
        }
    }
    out
}

/// Text outside code spans: addresses linked, the rest escaped.
fn plain_text(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = [rest.find("http://"), rest.find("https://")]
        .into_iter()
        .flatten()
        .min()
    {
        // An address already written `<address>` keeps its brackets once.
        let before = rest[..at].strip_suffix('<').unwrap_or(&rest[..at]);
        out.push_str(&escaped(before));
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || "\"'<>()[]{}，。；、".contains(c))
            .unwrap_or(tail.len());
        let address = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
        out.push_str(&format!("<{address}>"));
        rest = &tail[address.len()..];
        rest = rest.strip_prefix('>').unwrap_or(rest);
    }
    out.push_str(&escaped(rest));
    out
}

fn escaped(text: &str) -> String {
    text.replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

/// Like [`doc`] but with a paragraph after it, when the paragraph is not empty.
pub fn doc_with(text: &str, paragraph: &str) -> TokenStream {
    if paragraph.trim().is_empty() {
        doc(text)
    } else {
        doc(&format!("{}\n\n{}", text.trim_end(), paragraph.trim_end()))
    }
}

/// Spec text as rustdoc should show it, line by line (see `linked_urls`), for docs that also hold the
/// generator's own Markdown.
pub fn spec_text(text: &str) -> String {
    text.lines().map(linked_urls).collect::<Vec<_>>().join("\n")
}

/// Inner `#![doc]` attributes for `text`: the doc comment of the module a file is (its spec text
/// already passed through [`spec_text`]).
pub fn module_doc(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#![doc = #line])
    });
    quote!(#(#lines)*)
}

/// The doc comment of a field: its description (or, for a field nobody has described yet, its facts:
/// type, bounds and named values), then the spec's example and default when there are any.
pub fn field_doc(schema: &lark_spec::model::Schema) -> TokenStream {
    doc(&field_doc_text(schema))
}

/// The text of [`field_doc`]: what the CLI shows as a flag's help.
pub fn field_doc_text(schema: &lark_spec::model::Schema) -> String {
    let text = if schema.description.trim().is_empty() {
        facts(schema)
    } else {
        schema.description.clone()
    };
    let mut notes = Vec::new();
    if let Some(example) = &schema.example {
        notes.push(format!("Example: `{example}`"));
    }
    if let Some(default) = &schema.default {
        notes.push(format!("Default when left out: `{default}`"));
    }
    let notes = notes.join("\n\n");
    if notes.is_empty() {
        text
    } else {
        format!("{}\n\n{notes}", text.trim_end())
    }
}

/// A field's facts in words, e.g. "A `string` of at most 50 characters."
fn facts(schema: &lark_spec::model::Schema) -> String {
    let kind = format!("Type {}", type_words(schema));
    let mut bounds = Vec::new();
    let pairs = [
        ("at least", schema.min_length, " characters"),
        ("at most", schema.max_length, " characters"),
        ("at least", schema.min_items, " items"),
        ("at most", schema.max_items, " items"),
    ];
    for (word, bound, unit) in pairs {
        if let Some(bound) = bound {
            bounds.push(format!("{word} {bound}{unit}"));
        }
    }
    if let Some(minimum) = schema.minimum {
        bounds.push(format!("at least {}", minimum.as_f64()));
    }
    if let Some(maximum) = schema.maximum {
        bounds.push(format!("at most {}", maximum.as_f64()));
    }
    if let Some(values) = &schema.values {
        let listed: Vec<String> = values.iter().map(|value| format!("`{}`", value.value)).collect();
        bounds.push(format!("one of {}", listed.join(", ")));
    }
    if bounds.is_empty() {
        format!("{kind}.")
    } else {
        format!("{kind}; {}.", bounds.join(", "))
    }
}

/// `` `string` ``, `` `array` of `int32` ``, `` `Location` `` (a named type).
fn type_words(schema: &lark_spec::model::Schema) -> String {
    match (&schema.reference, schema.ty) {
        (Some(name), _) => format!("`{name}`"),
        (None, Some(lark_spec::model::TypeName::Array)) => match schema.items.as_deref() {
            Some(items) => format!("`array` of {}", type_words(items)),
            None => "`array`".to_owned(),
        },
        (None, Some(lark_spec::model::TypeName::Map)) => match schema.map_values.as_deref() {
            Some(values) => format!("`map` of {}", type_words(values)),
            None => "`map`".to_owned(),
        },
        (None, Some(ty)) => format!("`{}`", ty.as_str()),
        (None, None) => "any".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{linked_urls, spec_text};

    #[test]
    fn a_modules_spec_text_is_escaped_line_by_line() {
        assert_eq!(
            spec_text("Needs corehr:probation.<field>:write\nsee `a<b>`"),
            "Needs corehr:probation.&lt;field&gt;:write\nsee `a<b>`"
        );
    }

    #[test]
    fn bare_addresses_become_links_and_others_stay() {
        assert_eq!(
            linked_urls("Contact support at https://example.com/help?id=1. Or `https://a.b` and <https://c.d>"),
            "Contact support at <https://example.com/help?id=1>. Or `https://a.b` and <https://c.d>"
        );
        assert_eq!(linked_urls("see \"https://a.b/c\"."), "see \"<https://a.b/c>\".");
    }

    #[test]
    fn markup_in_spec_text_is_text_outside_code() {
        assert_eq!(
            linked_urls("a <sheetId> name without [ or ], `<kept>` in code"),
            "a &lt;sheetId&gt; name without \\[ or \\], `<kept>` in code"
        );
        assert_eq!(
            linked_urls("see [`Api`](crate::Api) or [`x`]"),
            "see [`Api`](crate::Api) or [`x`]"
        );
    }
}
