//! Arguments to request parts: each field's values put where the endpoint takes them (path, query, JSON
//! body, file parts), typed as the wire has them. The endpoint's own request type then decodes and
//! validates the parts, so a bad value is reported by field and bound before anything is sent.

use std::path::PathBuf;

use clap::ArgMatches;
use lark_openapi::runtime::{RequestParts, UploadFile};
use serde_json::{Map, Value};

use crate::commands::file_flag;
use crate::table::{At, Field, Kind};

/// The request parts the arguments of `fields` give; the error says which flag was wrong.
pub async fn parts(fields: &[Field], matches: &ArgMatches) -> Result<RequestParts, String> {
    let mut parts = RequestParts::default();
    let mut body = Map::new();
    for field in fields {
        if field.kind == Kind::File {
            if let Some(path) = matches.get_one::<PathBuf>(field.flag) {
                let file = UploadFile::from_path(path)
                    .await
                    .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
                parts.files.push((field.name.to_owned(), file));
            }
            continue;
        }
        let values = values(field, matches)?;
        if values.is_empty() && !(field.list && field.required && field.at == At::Body) {
            continue;
        }
        match field.at {
            At::Path | At::Query => {
                let pairs = values.iter().map(|value| (field.name.to_owned(), text(value)));
                match field.at {
                    At::Path => parts.path.extend(pairs.take(1)),
                    _ => parts.query.extend(pairs),
                }
            }
            // A required list given no values is sent empty, so that its bound is what is reported.
            At::Body if field.list => {
                body.insert(field.name.to_owned(), Value::Array(values));
            }
            At::Body => {
                body.extend(values.into_iter().next().map(|value| (field.name.to_owned(), value)));
            }
        }
    }
    if !body.is_empty() {
        parts.body = serde_json::to_vec(&body).map_err(|error| error.to_string())?;
    }
    Ok(parts)
}

/// A field's values as the wire types them; empty when the flag was not given.
fn values(field: &Field, matches: &ArgMatches) -> Result<Vec<Value>, String> {
    fn all<T: Clone + Send + Sync + 'static>(matches: &ArgMatches, id: &str) -> Vec<T> {
        matches.get_many::<T>(id).into_iter().flatten().cloned().collect()
    }
    let flag = format!("--{}", heck::ToKebabCase::to_kebab_case(field.flag));
    Ok(match field.kind {
        Kind::Text => all::<String>(matches, field.flag)
            .into_iter()
            .map(Value::from)
            .collect(),
        Kind::Integer => all::<i64>(matches, field.flag).into_iter().map(Value::from).collect(),
        Kind::IntegerText => all::<i64>(matches, field.flag)
            .into_iter()
            .map(|n| Value::from(n.to_string()))
            .collect(),
        Kind::Boolean => all::<bool>(matches, field.flag).into_iter().map(Value::from).collect(),
        Kind::Number => all::<f64>(matches, field.flag)
            .into_iter()
            .map(|x| {
                serde_json::Number::from_f64(x)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{flag}: {x} is not a finite number"))
            })
            .collect::<Result<_, _>>()?,
        Kind::Json => json(field, matches, &flag)?.into_iter().collect(),
        Kind::File => Vec::new(),
    })
}

/// A JSON field, from `--<name>-json TEXT` or the file of `--<name>-file PATH` (`-` for standard input).
fn json(field: &Field, matches: &ArgMatches, flag: &str) -> Result<Option<Value>, String> {
    let (source, text) = if let Some(text) = matches.get_one::<String>(field.flag) {
        (format!("{flag}-json"), text.clone())
    } else if let Some(path) = matches.get_one::<PathBuf>(&file_flag(field.flag)) {
        let text = crate::input::read_text(path)
            .map_err(|error| format!("{flag}-file: cannot read {}: {error}", path.display()))?;
        (format!("{flag}-file {}", path.display()), text)
    } else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|error| format!("{source}: not valid JSON: {error}"))
}

/// A value as a path or query parameter's text.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
