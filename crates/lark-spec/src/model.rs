//! The spec format as Rust types: what a YAML file under `specs/` may say.
//!
//! `specs/README.md` documents every key; these types are its source of truth.

use indexmap::IndexMap;
use serde::Deserialize;

/// One endpoint of the Open Platform, as written in `specs/<service>/<version>/<resource>/<name>.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EndpointSpec {
    /// Service the endpoint belongs to, e.g. `attendance`.
    pub service: String,
    /// API version, e.g. `v1`.
    pub version: String,
    /// Resource in the URL, e.g. `user_flows`.
    pub resource: String,
    /// Method name, e.g. `batch_del`; the official SDKs use the same word.
    pub name: String,
    /// One line saying what the endpoint does.
    pub summary: String,
    /// Longer text from the reference page.
    #[serde(default)]
    pub description: String,
    /// Address of the official reference page.
    #[serde(default)]
    pub docs_url: Option<String>,
    /// HTTP method and path.
    pub http: HttpSpec,
    /// Who may call the endpoint.
    pub auth: AuthSpec,
    /// Documented rate-limit windows (every one holds at once); empty when the page gives none.
    #[serde(default)]
    pub rate_limit: RateLimits,
    /// Path, query and body parameters.
    #[serde(default)]
    pub request: RequestSpec,
    /// What a successful call returns.
    #[serde(default)]
    pub response: ResponseSpec,
    /// Documented error codes.
    #[serde(default)]
    pub errors: Vec<ErrorSpec>,
    /// How the endpoint pages through its results, when it does.
    #[serde(default)]
    pub pagination: Option<PaginationSpec>,
}

/// An endpoint that answers in pages: the request carries `page_token` (and usually `page_size`), the
/// answer `has_more`, the next `page_token` and the items.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PaginationSpec {
    /// The answer's array field holding one page of items.
    pub items: String,
}

/// HTTP method and path of an endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HttpSpec {
    /// The HTTP method.
    pub method: HttpMethod,
    /// Path below the host, starting with `/open-apis/`; `:name` marks a path parameter.
    pub path: String,
}

/// HTTP methods the platform uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// Access tokens, app types and scopes of an endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuthSpec {
    /// Access token kinds the endpoint accepts.
    pub tokens: Vec<AccessTokenKind>,
    /// App types that may call it.
    #[serde(default)]
    pub app_types: Vec<AppType>,
    /// Scopes, any one of which allows the call.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// Kinds of access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessTokenKind {
    /// `tenant_access_token`
    Tenant,
    /// `app_access_token`
    App,
    /// `user_access_token`
    User,
}

impl AccessTokenKind {
    /// The platform's name of the token, e.g. `tenant_access_token`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Tenant => "tenant_access_token",
            Self::App => "app_access_token",
            Self::User => "user_access_token",
        }
    }
}

/// Kinds of app on the Open Platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppType {
    /// A self-built app of one tenant.
    Custom,
    /// A store app, installed by many tenants.
    Isv,
}

/// A documented rate-limit window: `requests` calls per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSpec {
    /// How many calls.
    pub requests: u32,
    /// In which period.
    pub per: RatePeriod,
}

/// An item of `rate_limit` as written: a window (`requests` and `per`) or `special: true`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct RateLimitItem {
    /// How many calls, for a window.
    #[serde(default)]
    pub requests: Option<u32>,
    /// In which period, for a window.
    #[serde(default)]
    pub per: Option<RatePeriod>,
    /// `特殊频控`: a limit the page describes in prose only, with no number.
    #[serde(default)]
    pub special: bool,
}

/// The documented rate limit: every window holds at once, plus whether a special limit applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimits {
    /// The windows, in the spec's order.
    pub windows: Vec<RateLimitSpec>,
    /// The page says `特殊频控`: a limit described in prose, with no number to pace by.
    pub special: bool,
    /// The items as written, for validation (an item with only one of `requests` and `per`).
    pub items: Vec<RateLimitItem>,
}

impl<'de> Deserialize<'de> for RateLimits {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<RateLimitItem>::deserialize(deserializer)?;
        let windows = items
            .iter()
            .filter_map(|item| {
                Some(RateLimitSpec {
                    requests: item.requests?,
                    per: item.per?,
                })
            })
            .collect();
        let special = items.iter().any(|item| item.special);
        Ok(RateLimits {
            windows,
            special,
            items,
        })
    }
}

/// The period of a rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatePeriod {
    /// Per second.
    Second,
    /// Per minute.
    Minute,
    /// Per hour.
    Hour,
}

impl RatePeriod {
    /// The period's length in seconds.
    pub fn seconds(self) -> u32 {
        match self {
            Self::Second => 1,
            Self::Minute => 60,
            Self::Hour => 3600,
        }
    }
}

/// Parameters of a request, by where they travel.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RequestSpec {
    /// Parameters in the path, one for each `:name` of the path.
    #[serde(default)]
    pub path: Fields,
    /// Query string parameters.
    #[serde(default)]
    pub query: Fields,
    /// Fields of the JSON body.
    #[serde(default)]
    pub body: Fields,
    /// The reference page's example of a whole request body; it must fit `body`.
    #[serde(default)]
    pub body_example: Option<serde_json::Value>,
}

/// What a successful response carries.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ResponseSpec {
    /// What a successful answer is: the platform's JSON (the default) or a file's bytes.
    #[serde(default)]
    pub kind: ResponseKind,
    /// Where the payload sits in the response body.
    #[serde(default)]
    pub envelope: Envelope,
    /// Fields of the payload.
    #[serde(default)]
    pub data: Fields,
    /// The payload is this named type of `types.yaml` (instead of `data`).
    #[serde(default)]
    pub data_ref: Option<String>,
    /// The reference page's example of a whole successful answer (`code`, `msg` and the payload).
    #[serde(default)]
    pub example: Option<serde_json::Value>,
    /// This endpoint's partial-failure convention, if it has one.
    #[serde(default)]
    pub partial_failure: Option<PartialFailureSpec>,
}

/// What a successful answer is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    /// The platform's JSON envelope.
    #[default]
    Json,
    /// A file's bytes; a failure is still the JSON envelope with a non-zero code.
    Binary,
}

/// Where the payload of a successful response sits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Envelope {
    /// `{"code", "msg", "data": {...}}`: the usual platform envelope.
    #[default]
    Data,
    /// `{"code", "msg", ...fields}`: the fields stand beside `code` and `msg`.
    Flat,
}

/// A batch call that reports per-item failures without an error code, in `msg`: either a JSON object
/// `{"<id>": "<reason>"}` beside data fields listing the failed and succeeded ids (`reasons_in: msg`), or
/// a list `[<key>, ...]` of the request items that failed, each named by `item_key` (`reasons_in: msg_list`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PartialFailureSpec {
    /// Data field listing the ids that failed (an array of strings); required with `reasons_in: msg`.
    #[serde(default)]
    pub failed_ids: Option<String>,
    /// Data field listing the ids that succeeded (an array of strings), if any.
    #[serde(default)]
    pub succeeded_ids: Option<String>,
    /// Where the reasons are, and in which form.
    pub reasons_in: ReasonsIn,
    /// Body field holding the ids the request names (an array of strings with `max_items`). With it,
    /// the client gets a bulk method that takes any number of ids and sends them in chunks.
    #[serde(default)]
    pub request_ids: Option<String>,
    /// Body field holding the request's items (an array of objects); required with `reasons_in: msg_list`.
    #[serde(default)]
    pub request_items: Option<String>,
    /// Fields of a request item that, joined with `-`, name it in `msg`; required with `reasons_in: msg_list`.
    #[serde(default)]
    pub item_key: Vec<String>,
}

/// Where a partial failure's reasons are carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonsIn {
    /// The envelope's `msg`, as a JSON object mapping id to reason.
    Msg,
    /// The envelope's `msg`, as a list `[a-b, c-d]` of the failed request items' keys.
    MsgList,
}

/// One documented error code.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorSpec {
    /// The platform's error code (the envelope's `code`).
    pub code: i64,
    /// HTTP status the platform answers with.
    pub http_status: u16,
    /// Name of the generated enum variant, in PascalCase.
    pub name: String,
    /// The documented message.
    pub message: String,
    /// What the reference page advises.
    #[serde(default)]
    pub advice: String,
    /// Whether sending the same request again can succeed.
    pub retryable: bool,
}

/// Named fields in declaration order.
pub type Fields = UniqueMap<Schema>;

/// A YAML mapping that keeps declaration order and rejects a key written twice (serde's maps would keep
/// the last one silently).
#[derive(Debug, Clone, PartialEq)]
pub struct UniqueMap<V>(pub IndexMap<String, V>);

impl<V> Default for UniqueMap<V> {
    fn default() -> Self {
        Self(IndexMap::new())
    }
}

impl<V> std::ops::Deref for UniqueMap<V> {
    type Target = IndexMap<String, V>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UniqueMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for MapVisitor<V> {
            type Value = UniqueMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of names")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = IndexMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(serde::de::Error::custom(format_args!("`{key}` is written twice")));
                    }
                    let value = map.next_value()?;
                    out.insert(key, value);
                }
                Ok(UniqueMap(out))
            }
        }
        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

/// The type of a field, an array item or a named type.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Schema {
    /// A built-in type; exactly one of `type` and `ref` is given.
    #[serde(rename = "type", default)]
    pub ty: Option<TypeName>,
    /// The name of a shared type from the service's `types.yaml`.
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    /// Whether the field must be present. Ignored for array items and named types.
    #[serde(default)]
    pub required: bool,
    /// What the field means, from the reference page.
    #[serde(default)]
    pub description: String,
    /// A value from the reference page; it must satisfy the schema.
    #[serde(default)]
    pub example: Option<serde_json::Value>,
    /// Why this field knowingly differs from its reference page (a page that contradicts itself or the
    /// platform); `cargo xtask import --check` then does not report its drift.
    #[serde(default)]
    pub page_differs: Option<String>,
    /// The value the platform assumes when the field is left out (documentation only: never sent).
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    /// A string that is a credential (an app secret, a token): never shown in `Debug` output or logs.
    #[serde(default)]
    pub secret: bool,
    /// Name of the generated Rust type, for inline objects and enums (PascalCase).
    #[serde(default)]
    pub name: Option<String>,
    /// Minimum length of a string, in characters.
    #[serde(default)]
    pub min_length: Option<u64>,
    /// Maximum length of a string, in characters.
    #[serde(default)]
    pub max_length: Option<u64>,
    /// Regular expression a string must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Minimum number of items of an array.
    #[serde(default)]
    pub min_items: Option<u64>,
    /// Maximum number of items of an array.
    #[serde(default)]
    pub max_items: Option<u64>,
    /// Smallest allowed number.
    #[serde(default)]
    pub minimum: Option<Number>,
    /// Largest allowed number.
    #[serde(default)]
    pub maximum: Option<Number>,
    /// Named values of a string or integer enum.
    #[serde(rename = "enum", default)]
    pub values: Option<Vec<EnumValue>>,
    /// Item type of an array.
    #[serde(default)]
    pub items: Option<Box<Schema>>,
    /// Value type of a map (its keys are strings).
    #[serde(rename = "values", default)]
    pub map_values: Option<Box<Schema>>,
    /// Fields of an object.
    #[serde(default)]
    pub fields: Option<Fields>,
}

/// Built-in types of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeName {
    /// A JSON string.
    String,
    /// A JSON boolean.
    Boolean,
    /// A 32-bit integer.
    Int32,
    /// A 64-bit integer.
    Int64,
    /// A 64-bit integer carried as a JSON string, as the platform does for ids.
    Int64String,
    /// A 64-bit float.
    Float64,
    /// An array of `items`.
    Array,
    /// An object with `fields`.
    Object,
    /// A JSON object with string keys and `values` of one type.
    Map,
    /// A file uploaded as a part of a multipart/form-data body.
    File,
    /// Any JSON value: what a page types `union` (a bitable cell holds text, a number, a list of
    /// people…). Generated as `serde_json::Value`; examples of any shape fit it.
    Json,
}

impl TypeName {
    /// Whether values of this type are numbers that `minimum`/`maximum` bound.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Int32 | Self::Int64 | Self::Int64String | Self::Float64)
    }

    /// Whether values of this type are whole numbers.
    pub fn is_integer(self) -> bool {
        matches!(self, Self::Int32 | Self::Int64 | Self::Int64String)
    }

    /// The word used in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Int32 => "int32",
            Self::Int64 => "int64",
            Self::Int64String => "int64_string",
            Self::Float64 => "float64",
            Self::Array => "array",
            Self::Object => "object",
            Self::Map => "map",
            Self::File => "file",
            Self::Json => "json",
        }
    }
}

/// A bound written in the spec: integers stay exact.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Number {
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
}

impl Number {
    /// The value as a float, for comparisons.
    pub fn as_f64(self) -> f64 {
        match self {
            Self::Int(v) => v as f64,
            Self::Float(v) => v,
        }
    }
}

/// One named value of an enum.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EnumValue {
    /// The value on the wire: a string, or an integer for integer enums.
    pub value: serde_json::Value,
    /// Name of the generated variant, in PascalCase.
    pub name: String,
    /// What the value means.
    #[serde(default)]
    pub description: String,
}

/// What a service and its resources are for, written in `specs/<service>/service.yaml`: the help of
/// `lark <service>` and the docs of the client's service and resource handles.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServiceSpec {
    /// The service, e.g. `im`.
    pub service: String,
    /// One line saying what the service is for.
    pub description: String,
    /// One line per resource (of any version), by the platform's name.
    #[serde(default)]
    pub resources: UniqueMap<String>,
}

/// Shared named types of one service version, written in `specs/<service>/<version>/types.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TypesSpec {
    /// Service the types belong to.
    pub service: String,
    /// API version.
    pub version: String,
    /// The types by name (PascalCase).
    pub types: UniqueMap<Schema>,
}

/// One event the platform pushes to an app, as written in a spec with `kind: event`
/// (e.g. `specs/attendance/v1/events/user_flow_created.yaml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventSpec {
    /// Always `event`: what tells an event spec from an endpoint spec.
    pub kind: SpecKind,
    /// Service the event belongs to, e.g. `attendance`.
    pub service: String,
    /// API version, e.g. `v1`.
    pub version: String,
    /// Module name of the event, e.g. `user_flow_created_v1`.
    pub name: String,
    /// The event type string the platform sends, e.g. `attendance.user_flow.created_v1`.
    pub event_type: String,
    /// The delivery's envelope: `"2.0"` (`schema`, `header`, `event`) or `"1.0"` (`uuid`, `token`, `event`).
    pub schema: EventSchema,
    /// One line saying when the platform sends the event.
    pub summary: String,
    /// Longer text from the reference page.
    #[serde(default)]
    pub description: String,
    /// Address of the official reference page.
    #[serde(default)]
    pub docs_url: Option<String>,
    /// Fields of the event body (the delivery's `event` object).
    #[serde(default)]
    pub payload: Fields,
    /// The reference page's example of a whole delivery, envelope included.
    #[serde(default)]
    pub example: Option<serde_json::Value>,
    /// Why the spec has no `example` although the page shows one (it is not JSON, or it contradicts the
    /// page's own table): the examples test then names the event instead of decoding it.
    #[serde(default)]
    pub example_left_out: Option<String>,
}

/// Kinds of spec other than an endpoint, named by a top-level `kind` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecKind {
    /// An event the platform pushes.
    Event,
}

/// The envelope of an event delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum EventSchema {
    /// `{"schema": "2.0", "header": {event_id, event_type, token, ...}, "event": {...}}`.
    #[serde(rename = "2.0")]
    V2,
    /// The older form some events still use: `{"uuid", "token", "ts", "type": "event_callback", "event": {"type", ...}}`.
    #[serde(rename = "1.0")]
    V1,
}
