//! Opening a connection: `POST /callback/ws/endpoint` with the app's credentials gives a WebSocket URL and
//! the client configuration; the dial upgrades it. Each failure is either worth retrying or fatal.

use std::fmt;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use url::Url;

use super::LongConnectionError;
use crate::credentials::AppCredentials;

/// The endpoint path, below the platform's base URL.
pub const ENDPOINT_PATH: &str = "/callback/ws/endpoint";
/// The platform's code for an app that already has as many connections as it may (50).
pub const CONNECTION_LIMIT_CODE: i64 = 1_000_040_350;
/// Endpoint codes worth another try: system busy, and an internal error.
const RETRYABLE_CODES: [i64; 2] = [1, 1_000_040_343];

/// The configuration the platform gives a client, with the endpoint URL and in pongs. A key left out
/// keeps its earlier value, so that a partial configuration never stops the pings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// How many reconnect attempts to make; negative: no limit.
    #[serde(rename = "ReconnectCount", default, skip_serializing_if = "Option::is_none")]
    pub reconnect_count: Option<i64>,
    /// Seconds between reconnect attempts.
    #[serde(rename = "ReconnectInterval", default, skip_serializing_if = "Option::is_none")]
    pub reconnect_interval: Option<u64>,
    /// The upper bound, in seconds, of a random delay before the first reconnect attempt.
    #[serde(rename = "ReconnectNonce", default, skip_serializing_if = "Option::is_none")]
    pub reconnect_nonce: Option<u64>,
    /// Seconds between pings.
    #[serde(rename = "PingInterval", default, skip_serializing_if = "Option::is_none")]
    pub ping_interval: Option<u64>,
}

/// The configuration in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Reconnect attempts after a loss; `None`: no limit.
    pub reconnect_count: Option<u64>,
    /// Between reconnect attempts.
    pub reconnect_interval: Duration,
    /// Upper bound of the random delay before the first reconnect attempt.
    pub reconnect_nonce: Duration,
    /// Between pings.
    pub ping_interval: Duration,
}

impl Default for Settings {
    /// The official SDKs' defaults: no limit, 120 s, 30 s, 120 s.
    fn default() -> Self {
        Self {
            reconnect_count: None,
            reconnect_interval: Duration::from_secs(120),
            reconnect_nonce: Duration::from_secs(30),
            ping_interval: Duration::from_secs(120),
        }
    }
}

/// The longest wait a configuration may set (longer ones are cut to it): timers past it would overflow.
const LONGEST: Duration = Duration::from_secs(24 * 3600);
/// The shortest pause between reconnect attempts: 0 would hammer the endpoint when attempts fail fast.
const SHORTEST_RECONNECT_INTERVAL: Duration = Duration::from_secs(1);

impl Settings {
    /// Applies the keys `config` gives. A ping interval of 0 (which would ping without pause) is ignored,
    /// a reconnect interval is at least 1 s, and no wait is longer than a day.
    pub fn apply(&mut self, config: &ClientConfig) {
        let seconds = |seconds: u64| Duration::from_secs(seconds).min(LONGEST);
        if let Some(count) = config.reconnect_count {
            self.reconnect_count = u64::try_from(count).ok();
        }
        if let Some(interval) = config.reconnect_interval {
            self.reconnect_interval = seconds(interval).max(SHORTEST_RECONNECT_INTERVAL);
        }
        if let Some(nonce) = config.reconnect_nonce {
            self.reconnect_nonce = seconds(nonce);
        }
        if let Some(interval) = config.ping_interval.filter(|interval| *interval > 0) {
            self.ping_interval = seconds(interval);
        }
    }
}

impl ClientConfig {
    /// Reads each key on its own: a key of the wrong type is left out and the others are kept.
    pub fn from_json(value: &Value) -> Self {
        let number = |key: &str| value.get(key);
        Self {
            reconnect_count: number("ReconnectCount").and_then(Value::as_i64),
            reconnect_interval: number("ReconnectInterval").and_then(Value::as_u64),
            reconnect_nonce: number("ReconnectNonce").and_then(Value::as_u64),
            ping_interval: number("PingInterval").and_then(Value::as_u64),
        }
    }
}

/// Why one attempt to connect failed.
#[derive(Debug)]
pub(crate) enum AttemptError {
    /// Worth another attempt; the reason, for logs (never a secret).
    Retry(String),
    /// Trying again cannot help.
    Fatal(LongConnectionError),
}

/// Where to connect: the WebSocket URL (its query carries the connection's credentials, so it is never
/// shown) and the ids read from it.
pub(crate) struct Endpoint {
    pub(crate) url: Url,
    pub(crate) device_id: String,
    pub(crate) service_id: i32,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &"[redacted]")
            .field("device_id", &self.device_id)
            .field("service_id", &self.service_id)
            .finish()
    }
}

#[derive(Deserialize)]
struct EndpointAnswer {
    code: Option<i64>,
    #[serde(default)]
    msg: String,
    data: Option<EndpointData>,
}

#[derive(Deserialize)]
struct EndpointData {
    #[serde(rename = "URL")]
    url: Option<String>,
    #[serde(rename = "ClientConfig")]
    client_config: Option<Value>,
}

/// Asks the platform for a connection URL; applies the configuration it gives to `settings`.
pub(crate) async fn fetch(
    http: &reqwest::Client,
    base_url: &Url,
    credentials: &AppCredentials,
    settings: &mut Settings,
) -> Result<Endpoint, AttemptError> {
    let url = base_url
        .join(ENDPOINT_PATH)
        .map_err(|error| AttemptError::Fatal(LongConnectionError::BaseUrl(error.to_string())))?;
    let body = json!({ "AppID": credentials.app_id(), "AppSecret": credentials.app_secret() });
    let response = http
        .post(url)
        .header("locale", "zh")
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|error| AttemptError::Retry(format!("endpoint request: {}", without_url(error))))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(AttemptError::Retry(format!("the endpoint answered HTTP {status}")));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|error| AttemptError::Retry(format!("endpoint answer: {}", without_url(error))))?;
    let answer: EndpointAnswer = serde_json::from_slice(&bytes)
        .map_err(|error| AttemptError::Retry(format!("the endpoint's answer is not its JSON: {error}")))?;
    // An answer without a code is not the platform's refusal (a proxy's page, a glitch): try again.
    let code = answer
        .code
        .ok_or_else(|| AttemptError::Retry("the endpoint's answer has no code".to_owned()))?;
    if code != 0 {
        return Err(match RETRYABLE_CODES.contains(&code) {
            true => AttemptError::Retry(format!("the endpoint answered code {code}: {}", answer.msg)),
            false => AttemptError::Fatal(LongConnectionError::Refused { code, msg: answer.msg }),
        });
    }
    let data = answer
        .data
        .ok_or_else(|| AttemptError::Retry("the endpoint's answer has no data".to_owned()))?;
    if let Some(config) = &data.client_config {
        settings.apply(&ClientConfig::from_json(config));
    }
    let url = data
        .url
        .and_then(|url| Url::parse(&url).ok())
        .ok_or_else(|| AttemptError::Retry("the endpoint's answer has no usable URL".to_owned()))?;
    let query = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    let device_id = query("device_id").unwrap_or_default();
    let service_id = query("service_id").and_then(|id| id.parse().ok()).unwrap_or_default();
    Ok(Endpoint {
        url,
        device_id,
        service_id,
    })
}

/// reqwest's message without the URL it names (a URL could carry credentials in its query).
fn without_url(error: reqwest::Error) -> String {
    error.without_url().to_string()
}

pub(crate) type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Upgrades the endpoint's URL to a WebSocket; a refused upgrade is classified by its `Handshake-*`
/// headers (or its status).
pub(crate) async fn dial(endpoint: &Endpoint) -> Result<Socket, AttemptError> {
    match tokio_tungstenite::connect_async(endpoint.url.as_str()).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => Err(refused_upgrade(&response)),
        Err(error) => Err(AttemptError::Retry(format!("dial: {}", dial_reason(&error)))),
    }
}

fn refused_upgrade(response: &tungstenite::http::Response<Option<Vec<u8>>>) -> AttemptError {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    let status = header("Handshake-Status")
        .and_then(|status| status.parse::<u16>().ok())
        .unwrap_or(response.status().as_u16());
    let auth_code = header("Handshake-Autherrcode").and_then(|code| code.parse::<i64>().ok());
    let msg = header("Handshake-Msg").unwrap_or_default().to_owned();
    match (status, auth_code) {
        (514, Some(CONNECTION_LIMIT_CODE)) => AttemptError::Fatal(LongConnectionError::ConnectionLimit { msg }),
        (403, _) => AttemptError::Fatal(LongConnectionError::Forbidden { msg }),
        _ => AttemptError::Retry(format!(
            "the upgrade was refused with status {status}{}: {msg}",
            auth_code.map(|code| format!(" (code {code})")).unwrap_or_default()
        )),
    }
}

/// A dial error's reason; tungstenite's URL errors would quote the URL, so they are summarised.
fn dial_reason(error: &tungstenite::Error) -> String {
    match error {
        tungstenite::Error::Url(_) => "the endpoint's URL cannot be dialled".to_owned(),
        tungstenite::Error::Io(error) => error.to_string(),
        other => other.to_string(),
    }
}

/// A pong's payload read as a configuration; `None` for an empty payload or one that is no JSON object.
pub(crate) fn pong_config(payload: Option<&[u8]>) -> Option<ClientConfig> {
    let payload = payload.filter(|payload| !payload.is_empty())?;
    match serde_json::from_slice::<Value>(payload) {
        Ok(value) if value.is_object() => Some(ClientConfig::from_json(&value)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_configuration_keeps_the_rest() {
        let mut settings = Settings::default();
        settings.apply(&ClientConfig {
            reconnect_count: Some(3),
            ping_interval: Some(0),
            ..ClientConfig::default()
        });
        assert_eq!(settings.reconnect_count, Some(3));
        assert_eq!(
            settings.ping_interval,
            Duration::from_secs(120),
            "0 would ping without pause"
        );
        settings.apply(&serde_json::from_str(r#"{"ReconnectCount":-1,"PingInterval":5}"#).unwrap());
        assert_eq!(
            (settings.reconnect_count, settings.ping_interval),
            (None, Duration::from_secs(5))
        );
        settings.apply(&ClientConfig {
            reconnect_interval: Some(0),
            ping_interval: Some(u64::MAX),
            reconnect_nonce: Some(u64::MAX),
            ..ClientConfig::default()
        });
        assert_eq!(
            settings.reconnect_interval,
            Duration::from_secs(1),
            "no reconnect loop without pause"
        );
        assert_eq!(settings.ping_interval, LONGEST, "no timer past the clock");
        assert_eq!(settings.reconnect_nonce, LONGEST);
    }

    #[test]
    fn pong_payloads_are_read_leniently() {
        assert_eq!(pong_config(None), None);
        assert_eq!(pong_config(Some(b"")), None);
        assert_eq!(pong_config(Some(b"\xff")), None);
        assert_eq!(pong_config(Some(b"[1]")), None);
        let config = pong_config(Some(br#"{"PingInterval":"x","ReconnectNonce":-1,"ReconnectCount":2}"#)).unwrap();
        let expected = ClientConfig {
            reconnect_count: Some(2),
            ..ClientConfig::default()
        };
        assert_eq!(config, expected, "a key of the wrong type is left out, the others kept");
        assert_eq!(
            pong_config(Some(br#"{"PingInterval":9}"#)).unwrap().ping_interval,
            Some(9)
        );
    }

    fn refused(status: u16, headers: &[(&str, &str)]) -> AttemptError {
        let mut builder = tungstenite::http::Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        refused_upgrade(&builder.body(None).unwrap())
    }

    #[test]
    fn refused_upgrades_are_fatal_only_where_retrying_cannot_help() {
        let limit = refused(
            514,
            &[("Handshake-Status", "514"), ("Handshake-Autherrcode", "1000040350")],
        );
        assert!(matches!(
            limit,
            AttemptError::Fatal(LongConnectionError::ConnectionLimit { .. })
        ));
        let forbidden = refused(400, &[("Handshake-Status", "403"), ("Handshake-Msg", "no")]);
        assert!(matches!(
            forbidden,
            AttemptError::Fatal(LongConnectionError::Forbidden { .. })
        ));
        assert!(matches!(
            refused(403, &[]),
            AttemptError::Fatal(LongConnectionError::Forbidden { .. })
        ));
        let other = refused(514, &[("Handshake-Autherrcode", "1000040351")]);
        assert!(matches!(other, AttemptError::Retry(_)));
        assert!(matches!(refused(502, &[]), AttemptError::Retry(_)));
    }
}
