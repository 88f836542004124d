//! Files in both directions: [`UploadFile`] for a multipart/form-data upload (its part carries the
//! caller's file name and content type, never a placeholder), [`Download`] for an answer that is a file's
//! bytes, read whole or streamed to any `AsyncWrite` without holding it twice.

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// A file to upload: its name, content type and bytes. `Debug` shows the name, type and size only.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadFile {
    file_name: String,
    content_type: String,
    bytes: Bytes,
}

impl UploadFile {
    /// A file from memory.
    pub fn new(file_name: impl Into<String>, content_type: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }

    /// Reads a file; its name is the path's file name and its type is guessed from the extension
    /// (`application/octet-stream` when unknown).
    pub async fn from_path(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let bytes = tokio::fs::read(path).await?;
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_owned());
        let content_type = mime_guess::from_path(path).first_or_octet_stream().to_string();
        Ok(Self::new(file_name, content_type, bytes))
    }

    /// The file name the part carries.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The content type the part carries.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The multipart part for field `name`; cheap, the bytes are shared.
    pub(crate) fn part(&self) -> Result<reqwest::multipart::Part, reqwest::Error> {
        reqwest::multipart::Part::stream_with_length(reqwest::Body::from(self.bytes.clone()), self.bytes.len() as u64)
            .file_name(self.file_name.clone())
            .mime_str(&self.content_type)
    }
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadFile")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A successful download: the file's bytes, not yet read. Read them whole with [`bytes`](Self::bytes),
/// or chunk by chunk with [`write_to`](Self::write_to) / [`into_stream`](Self::into_stream).
pub struct Download {
    response: reqwest::Response,
    endpoint: &'static str,
    /// The `X-Tt-Logid` of the answer.
    pub log_id: Option<String>,
    /// How many times the request was sent.
    pub attempts: u32,
}

/// A download that broke off while its bytes were being read.
#[derive(Debug, thiserror::Error)]
#[error("{endpoint}: the download broke off: {message}")]
pub struct DownloadError {
    /// Dotted endpoint id.
    pub endpoint: &'static str,
    /// What failed: the connection, or the writer.
    pub message: String,
}

impl Download {
    pub(crate) fn new(response: reqwest::Response, endpoint: &'static str, log_id: Option<String>) -> Self {
        Self {
            response,
            endpoint,
            log_id,
            attempts: 1,
        }
    }

    /// The `Content-Type` the platform gave the file.
    pub fn content_type(&self) -> Option<&str> {
        self.response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
    }

    /// The size the platform announced, if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// Every byte, in memory.
    pub async fn bytes(self) -> Result<Bytes, DownloadError> {
        let endpoint = self.endpoint;
        self.response.bytes().await.map_err(|error| DownloadError {
            endpoint,
            message: error.without_url().to_string(),
        })
    }

    /// The bytes as they arrive.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, DownloadError>> {
        let endpoint = self.endpoint;
        self.response.bytes_stream().map_err(move |error| DownloadError {
            endpoint,
            message: error.without_url().to_string(),
        })
    }

    /// Writes the bytes to `writer` as they arrive (one chunk in memory at a time) and returns how many
    /// were written.
    pub async fn write_to<W: AsyncWrite + Unpin>(self, writer: &mut W) -> Result<u64, DownloadError> {
        let endpoint = self.endpoint;
        let failed = |message: String| DownloadError { endpoint, message };
        let mut stream = Box::pin(self.into_stream());
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            writer
                .write_all(&chunk)
                .await
                .map_err(|error| failed(error.to_string()))?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(|error| failed(error.to_string()))?;
        Ok(written)
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("endpoint", &self.endpoint)
            .field("content_type", &self.content_type())
            .field("content_length", &self.content_length())
            .field("log_id", &self.log_id)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// The data type of an endpoint whose answer is a file: there is no JSON payload to decode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct NoData;

impl<'de> serde::Deserialize<'de> for NoData {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| NoData)
    }
}
