//! Every generated endpoint as a value: its metadata and what a server or a test needs to handle it
//! without naming its types. The client crate generates the list (`lark_openapi::ENDPOINTS`); the
//! emulator answers any endpoint from it, and tests run every page's examples through it.

use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::Value;

use crate::client::Client;

use crate::documented_error::DocumentedError;
use crate::endpoint::{Endpoint, EndpointMetadata};
use crate::files::UploadFile;
use crate::incoming::{Incoming, IncomingRequest};
use crate::validate::ValidationError;

/// One endpoint, with its types erased.
#[derive(Debug, Clone, Copy)]
pub struct EndpointEntry {
    /// Method, path, limits, examples.
    pub metadata: &'static EndpointMetadata,
    /// Decodes and validates a request as the endpoint's server would, and gives its JSON body back.
    pub decode_request: fn(&IncomingRequest<'_>) -> Result<Value, ValidationError>,
    /// Decodes a payload (`data`, or the flat answer without `code` and `msg`) into the endpoint's data
    /// type and writes it back.
    pub decode_data: fn(Value) -> Result<Value, String>,
    /// Reads an answer's status and bytes as the client does: `Ok` with the data re-encoded, or the error
    /// the call would end with, as text.
    pub decode_answer: fn(u16, &[u8]) -> Result<Value, String>,
    /// The HTTP status and message the page documents for a code, if it documents it.
    pub documented: fn(i64) -> Option<(u16, &'static str)>,
    /// Sends the page's example request (with the spec's path and query examples) through `client` and
    /// gives the answer's payload back as JSON (a download: the number of bytes).
    pub call_example: fn(Client) -> BoxFuture<'static, Result<Value, String>>,
}

impl EndpointEntry {
    /// The entry of endpoint `E`, whose answer is JSON.
    pub const fn of<E>() -> Self
    where
        E: Endpoint + Incoming + 'static,
        E::Data: Serialize,
    {
        Self {
            metadata: E::METADATA,
            decode_request: decode_request::<E>,
            decode_data: decode_data::<E>,
            decode_answer: decode_answer::<E>,
            documented: documented::<E>,
            call_example: call_example::<E>,
        }
    }

    /// The entry of endpoint `E`, whose answer is a file: only these call `download`.
    pub const fn of_download<E>() -> Self
    where
        E: Endpoint + Incoming + 'static,
        E::Data: Serialize,
    {
        Self {
            call_example: download_example::<E>,
            ..Self::of::<E>()
        }
    }
}

// The request and data types are encoded and decoded the way the client does (to and from bytes), so
// that no type's serde code is compiled a second time for `serde_json::Value`.

fn decode_request<E: Endpoint + Incoming>(request: &IncomingRequest<'_>) -> Result<Value, ValidationError> {
    let request = E::from_incoming(request)?;
    // A generated request always serializes; `Null` would only hide a bug in a test's comparison.
    let json = serde_json::to_vec(&request).unwrap_or_default();
    Ok(serde_json::from_slice(&json).unwrap_or(Value::Null))
}

fn decode_data<E>(payload: Value) -> Result<Value, String>
where
    E: Endpoint,
    E::Data: Serialize,
{
    let json = serde_json::to_vec(&payload).map_err(|error| error.to_string())?;
    let data: E::Data = serde_json::from_slice(&json).map_err(|error| error.to_string())?;
    serde_json::to_value(&data).map_err(|error| error.to_string())
}

fn decode_answer<E>(http_status: u16, body: &[u8]) -> Result<Value, String>
where
    E: Endpoint,
    E::Data: Serialize,
{
    let response = crate::answer::decode_answer::<E>(http_status, body).map_err(|error| error.to_string())?;
    serde_json::to_value(&response.data).map_err(|error| error.to_string())
}

fn documented<E: Endpoint>(code: i64) -> Option<(u16, &'static str)> {
    let error = E::Error::from_code(code);
    Some((error.http_status()?, error.message()?))
}

/// The request a page's examples describe.
fn example_request<E: Endpoint + Incoming>() -> Result<E, String> {
    let metadata = E::METADATA;
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    let (path, query) = (owned(metadata.path_example), owned(metadata.query_example));
    let body = metadata.request_example.unwrap_or_default();
    // Pages show no file's bytes: each file part gets a small stand-in.
    let files: Vec<(String, UploadFile)> = metadata
        .file_parts
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                UploadFile::new("example.png", "image/png", bytes::Bytes::from_static(b"example file")),
            )
        })
        .collect();
    let incoming = IncomingRequest::new(&path, &query, body.as_bytes()).with_files(&files);
    E::from_incoming(&incoming).map_err(|error| error.to_string())
}

fn call_example<E>(client: Client) -> BoxFuture<'static, Result<Value, String>>
where
    E: Endpoint + Incoming + 'static,
    E::Data: Serialize,
{
    Box::pin(async move {
        let request = example_request::<E>()?;
        let response = client.execute(&request).await.map_err(|error| error.to_string())?;
        serde_json::to_value(&response.data).map_err(|error| error.to_string())
    })
}

fn download_example<E>(client: Client) -> BoxFuture<'static, Result<Value, String>>
where
    E: Endpoint + Incoming + 'static,
{
    Box::pin(async move {
        let request = example_request::<E>()?;
        let download = client.download(&request).await.map_err(|error| error.to_string())?;
        let bytes = download.bytes().await.map_err(|error| error.to_string())?;
        Ok(Value::from(bytes.len()))
    })
}
