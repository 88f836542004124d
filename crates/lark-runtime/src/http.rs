//! Small HTTP helpers shared by calls and token requests.

/// The response header that carries the platform's log id; support asks for it.
pub const LOG_ID_HEADER: &str = "x-tt-logid";

/// How many characters of an unexpected body an error quotes.
const SNIPPET_CHARS: usize = 200;

/// A body larger than the cap.
#[derive(Debug)]
pub(crate) enum ReadError {
    TooLarge,
    Transport(reqwest::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge => f.write_str("the response body is larger than the configured limit"),
            Self::Transport(error) => write!(f, "reading the response body failed: {error}"),
        }
    }
}

/// Reads the whole body, refusing more than `limit` bytes.
pub(crate) async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, ReadError> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| ReadError::Transport(error.without_url()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The start of a body, as text, for an error message.
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(SNIPPET_CHARS).collect()
}
