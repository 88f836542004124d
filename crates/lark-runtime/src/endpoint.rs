//! What the runtime needs to know to call an endpoint: the [`Endpoint`] trait that every generated
//! request implements, and the endpoint's [`EndpointMetadata`].

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::documented_error::DocumentedError;
use crate::files::UploadFile;
use crate::partial_failure::Accounting;
use crate::validate::Validate;
use crate::wire::Parameters;

/// A request to one Open Platform endpoint. Generated for every spec; the runtime executes any of them.
pub trait Endpoint: Validate + Serialize + Send + Sync {
    /// The payload of a successful response.
    type Data: DeserializeOwned + Send + 'static;
    /// The endpoint's documented error codes.
    type Error: DocumentedError;

    /// Method, path template, tokens, scopes and limits of the endpoint.
    const METADATA: &'static EndpointMetadata;

    /// Fills in the request's path and query parameters, in spec order. Nothing by default.
    fn parameters(&self, _parameters: &mut Parameters) {}

    /// The request path with path parameters filled in and percent-encoded; the template itself for an
    /// endpoint without path parameters.
    fn path(&self) -> String {
        let mut parameters = Parameters::default();
        self.parameters(&mut parameters);
        parameters.fill(Self::METADATA.path_template)
    }

    /// Query string parameters, in spec order; a repeated key for each item of a list.
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut parameters = Parameters::default();
        self.parameters(&mut parameters);
        parameters.into_query()
    }

    /// How an answer accounts for the ids this batch request sent; `None` for an endpoint that is not a
    /// batch of ids.
    fn account(&self, _data: &Self::Data) -> Option<Accounting> {
        None
    }

    /// The file parts of a multipart/form-data body, by field name; empty for a JSON body.
    fn files(&self) -> Vec<(&'static str, &UploadFile)> {
        Vec::new()
    }
}

/// Facts about an endpoint from its spec. Built by generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointMetadata {
    /// Dotted identity, e.g. `attendance.v1.user_flow.batch_del`.
    pub id: &'static str,
    /// One line saying what the endpoint does.
    pub summary: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path template, with `:name` for path parameters.
    pub path_template: &'static str,
    /// Access token kinds the endpoint accepts.
    pub access_tokens: &'static [AccessTokenKind],
    /// App types that may call it.
    pub app_types: &'static [AppType],
    /// Scopes, any one of which allows the call.
    pub scopes: &'static [&'static str],
    /// The documented rate-limit windows (every one holds at once); empty when the page gives none.
    pub rate_limits: &'static [RateLimit],
    /// The page documents a special limit (`特殊频控`) in prose, with no number the client could pace by.
    pub special_rate_limit: bool,
    /// Where the payload sits in the response body.
    pub envelope: Envelope,
    /// What the request's body is.
    pub request_body: RequestBody,
    /// What a successful answer is.
    pub response_kind: ResponseKind,
    /// The answer's field holding one page of items, for an endpoint that answers in pages.
    pub pagination_items: Option<&'static str>,
    /// Example values of the path parameters, from the spec.
    pub path_example: &'static [(&'static str, &'static str)],
    /// Example query pairs, from the spec (a list repeats its key).
    pub query_example: &'static [(&'static str, &'static str)],
    /// The reference page's example request body, as JSON text.
    pub request_example: Option<&'static str>,
    /// The names of a multipart body's file parts; empty for a JSON body.
    pub file_parts: &'static [&'static str],
    /// The reference page's example answer (`code`, `msg` and the payload), as JSON text.
    pub response_example: Option<&'static str>,
}

impl EndpointMetadata {
    /// The metadata of an endpoint known only by its identity, method and path: no tokens, scopes, limits
    /// or examples, a JSON answer under `data` and no body. Generated metadata starts from this and sets
    /// what its spec says.
    pub const fn new(id: &'static str, summary: &'static str, method: HttpMethod, path_template: &'static str) -> Self {
        Self {
            id,
            summary,
            method,
            path_template,
            access_tokens: &[],
            app_types: &[],
            scopes: &[],
            rate_limits: &[],
            special_rate_limit: false,
            envelope: Envelope::Data,
            request_body: RequestBody::None,
            response_kind: ResponseKind::Json,
            pagination_items: None,
            path_example: &[],
            query_example: &[],
            request_example: None,
            file_parts: &[],
            response_example: None,
        }
    }
}

/// HTTP methods the platform uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Kinds of access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessTokenKind {
    /// `tenant_access_token`: the app acting for a tenant.
    Tenant,
    /// `app_access_token`: the app itself.
    App,
    /// `user_access_token`: the app acting for a signed-in user.
    User,
}

impl AccessTokenKind {
    /// The platform's name of the token: `tenant_access_token`, `app_access_token`, `user_access_token`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Tenant => "tenant_access_token",
            Self::App => "app_access_token",
            Self::User => "user_access_token",
        }
    }
}

/// Kinds of app on the Open Platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppType {
    /// A self-built app of one tenant.
    Custom,
    /// A store app, installed by many tenants.
    Isv,
}

/// A documented rate limit: `requests` calls per `period_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// How many calls.
    pub requests: u32,
    /// In how many seconds.
    pub period_seconds: u32,
}

impl RateLimit {
    /// `requests` calls a second.
    pub const fn per_second(requests: u32) -> Self {
        Self {
            requests,
            period_seconds: 1,
        }
    }

    /// `requests` calls a minute.
    pub const fn per_minute(requests: u32) -> Self {
        Self {
            requests,
            period_seconds: 60,
        }
    }

    /// `requests` calls an hour.
    pub const fn per_hour(requests: u32) -> Self {
        Self {
            requests,
            period_seconds: 3600,
        }
    }
}

/// The body a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestBody {
    /// No body.
    None,
    /// The request's fields as JSON.
    Json,
    /// A multipart/form-data body of file parts.
    Multipart,
}

/// What a successful answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// The platform's JSON envelope.
    Json,
    /// A file's bytes (a failure is still the JSON envelope).
    Binary,
}

/// Where the payload of a successful response sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Envelope {
    /// `{"code", "msg", "data": {...}}`.
    Data,
    /// `{"code", "msg", ...fields}`.
    Flat,
}
