//! Every generated endpoint as a value: its metadata and what a server or a test needs to handle it
//! without naming its types. The client crate generates the list (`lark_openapi::ENDPOINTS`); the
//! emulator answers any endpoint from it, and tests run every page's examples through it.

use futures::TryStreamExt as _;
use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::Value;

use crate::bulk::{BulkOptions, BulkReport};
use crate::call::Response;
use crate::call::Untyped;
use crate::client::Client;
use crate::documented_error::DocumentedError;
use crate::endpoint::{Endpoint, EndpointMetadata};
use crate::error::Error;
use crate::files::{Download, UploadFile};
use crate::incoming::{Incoming, IncomingRequest};
use crate::pagination::{Page, Paged};
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
    /// Decodes a request from its parts (validated as the builder would) and sends it through the
    /// client: the data as JSON, or the file of a download.
    pub call: ErasedCall<Answered>,
    /// For an endpoint that answers in pages: the same, following every page, with every item as JSON.
    pub call_all_pages: Option<ErasedCall<Vec<Value>>>,
    /// For a batch of ids: its bulk method, sending any number of ids in chunks.
    pub bulk: Option<BulkCall>,
}

/// A call with its types erased: the client and the request's parts in, `T` or the failure out.
pub type ErasedCall<T> = fn(Client, RequestParts) -> BoxFuture<'static, Result<T, CallFailure>>;

/// A batch endpoint's bulk method with its types erased: the client, the ids and the options.
pub type BulkCall = fn(Client, Vec<String>, BulkOptions) -> BoxFuture<'static, BulkReport>;

/// A request given as its parts, owned: what a command line assembles before the endpoint's type
/// decodes it.
#[derive(Debug, Clone, Default)]
pub struct RequestParts {
    /// Path parameters by name.
    pub path: Vec<(String, String)>,
    /// Query pairs in order; a list repeats its key.
    pub query: Vec<(String, String)>,
    /// The JSON body (for a multipart body, its text fields); empty reads as `{}`.
    pub body: Vec<u8>,
    /// The file parts of a multipart body, by field name.
    pub files: Vec<(String, UploadFile)>,
}

impl RequestParts {
    /// The parts as the decoder reads them.
    pub fn incoming(&self) -> IncomingRequest<'_> {
        IncomingRequest::new(&self.path, &self.query, &self.body).with_files(&self.files)
    }
}

/// What an erased call answered.
#[derive(Debug)]
pub enum Answered {
    /// A JSON answer, its payload re-encoded.
    Data(Response<Value>),
    /// A download, not yet read.
    File(Download),
}

/// Why an erased call gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum CallFailure {
    /// The parts do not make a valid request: nothing was sent.
    #[error(transparent)]
    Invalid(ValidationError),
    /// The call failed (the endpoint's typed error, boxed).
    #[error(transparent)]
    Failed(Box<dyn std::error::Error + Send + Sync>),
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
            call: call::<E>,
            call_all_pages: None,
            bulk: None,
        }
    }

    /// The entry of endpoint `E`, whose answer is a file: only these call `download`.
    pub const fn of_download<E>() -> Self
    where
        E: Endpoint + Incoming + 'static,
        E::Data: Serialize,
    {
        Self {
            call: download::<E>,
            ..Self::of::<E>()
        }
    }

    /// The same entry, for endpoint `E` that answers in pages.
    pub const fn with_pages<E>(self) -> Self
    where
        E: Paged + Incoming + 'static,
        E::Data: Page,
        <E::Data as Page>::Item: Serialize + Send,
    {
        Self {
            call_all_pages: Some(call_all_pages::<E>),
            ..self
        }
    }

    /// The same entry, with its bulk method.
    pub const fn with_bulk(self, bulk: BulkCall) -> Self {
        Self {
            bulk: Some(bulk),
            ..self
        }
    }

    /// Sends the page's example request (with the spec's path and query examples) through `client` and
    /// gives the answer's payload back as JSON (a download: the number of bytes).
    pub async fn call_example(&self, client: Client) -> Result<Value, String> {
        let answered = (self.call)(client, example_parts(self.metadata)).await;
        match answered.map_err(|failure| failure.to_string())? {
            Answered::Data(response) => Ok(response.data),
            Answered::File(download) => {
                let bytes = download.bytes().await.map_err(|error| error.to_string())?;
                Ok(Value::from(bytes.len()))
            }
        }
    }
}

// The request and data types are encoded and decoded the way the client does (to and from bytes), so
// that no type's serde code is compiled a second time for `serde_json::Value`.

fn decode_request<E: Endpoint + Incoming>(request: &IncomingRequest<'_>) -> Result<Value, ValidationError> {
    Ok(to_json(&E::from_incoming(request)?))
}

fn decode_data<E>(payload: Value) -> Result<Value, String>
where
    E: Endpoint,
    E::Data: Serialize,
{
    let json = serde_json::to_vec(&payload).map_err(|error| error.to_string())?;
    let data: E::Data = crate::lenient::from_slice(&json).map_err(|error| error.to_string())?;
    serde_json::to_value(&data).map_err(|error| error.to_string())
}

fn decode_answer<E>(http_status: u16, body: &[u8]) -> Result<Value, String>
where
    E: Endpoint,
    E::Data: Serialize,
{
    let response = crate::answer::judge::<E>(crate::answer::Answer::bare(http_status), body)
        .map_err(|failed| failed.error.to_string())?;
    serde_json::to_value(&response.data).map_err(|error| error.to_string())
}

fn documented<E: Endpoint>(code: i64) -> Option<(u16, &'static str)> {
    let error = E::Error::from_code(code);
    Some((error.http_status()?, error.message()?))
}

/// The request a page's examples describe.
fn example_parts(metadata: &EndpointMetadata) -> RequestParts {
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    // Pages show no file's bytes: each file part gets a small stand-in.
    let files = metadata
        .file_parts
        .iter()
        .map(|name| {
            let file = UploadFile::new("example.png", "image/png", bytes::Bytes::from_static(b"example file"));
            ((*name).to_owned(), file)
        })
        .collect();
    RequestParts {
        path: owned(metadata.path_example),
        query: owned(metadata.query_example),
        body: metadata.request_example.unwrap_or_default().as_bytes().to_vec(),
        files,
    }
}

/// A value of a generated type as JSON, through bytes as everywhere else.
fn to_json<T: Serialize>(value: &T) -> Value {
    // A generated type always serializes; `Null` would only hide a bug in a test's comparison.
    let json = serde_json::to_vec(value).unwrap_or_default();
    serde_json::from_slice(&json).unwrap_or(Value::Null)
}

/// The failure boxed with its code and facts only: it prints the same, and one `Error` type serves every
/// endpoint's entry (a typed one would compile its formatting once per endpoint).
fn failed(error: Error<Untyped>) -> CallFailure {
    CallFailure::Failed(Box::new(error))
}

fn call<E>(client: Client, parts: RequestParts) -> BoxFuture<'static, Result<Answered, CallFailure>>
where
    E: Endpoint + Incoming + 'static,
    E::Data: Serialize,
{
    Box::pin(async move {
        let request = E::from_incoming(&parts.incoming()).map_err(CallFailure::Invalid)?;
        let response = client.execute_untyped(&request).await.map_err(failed)?;
        Ok(Answered::Data(Response {
            data: to_json(&response.data),
            msg: response.msg,
            log_id: response.log_id,
            attempts: response.attempts,
            earlier_attempt_may_have_applied: response.earlier_attempt_may_have_applied,
            accounting: response.accounting,
        }))
    })
}

fn download<E>(client: Client, parts: RequestParts) -> BoxFuture<'static, Result<Answered, CallFailure>>
where
    E: Endpoint + Incoming + 'static,
{
    Box::pin(async move {
        let request = E::from_incoming(&parts.incoming()).map_err(CallFailure::Invalid)?;
        let download = client.download_untyped(&request).await.map_err(failed)?;
        Ok(Answered::File(download))
    })
}

fn call_all_pages<E>(client: Client, parts: RequestParts) -> BoxFuture<'static, Result<Vec<Value>, CallFailure>>
where
    E: Paged + Incoming + 'static,
    E::Data: Page,
    <E::Data as Page>::Item: Serialize + Send,
{
    Box::pin(async move {
        let request = E::from_incoming(&parts.incoming()).map_err(CallFailure::Invalid)?;
        let items = crate::pagination::stream(&client, request);
        let items: Vec<_> = items
            .try_collect()
            .await
            .map_err(|error: Error<_>| failed(error.map_api(|error| Untyped::of(&error))))?;
        Ok(items.iter().map(to_json).collect())
    })
}
