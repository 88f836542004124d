//! Routing: which route serves which path. It depends on the routes (platform endpoints, token
//! endpoints, the generic spec-driven answers, the control API); they depend on [`crate::shared`] and
//! [`crate::answer`], never on this module.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{MethodRouter, on};
use lark_openapi::approval::v4::instance::create::{
    CreateError as ApprovalCreateError, CreateRequest as ApprovalCreateRequest,
};
use lark_openapi::attendance::v1::user_flow::batch_create::{BatchCreateError, BatchCreateRequest};
use lark_openapi::attendance::v1::user_flow::batch_del::{BatchDelError, BatchDelRequest};
use lark_openapi::attendance::v1::user_flow::get::{GetError, GetRequest};
use lark_openapi::attendance::v1::user_flow::query::{QueryError, QueryRequest};
use lark_openapi::attendance::v1::user_task::query::{QueryError as TaskQueryError, QueryRequest as TaskQueryRequest};
use lark_openapi::authen::v1::user_info::get::{GetError as UserInfoError, GetRequest as UserInfoRequest};
use lark_openapi::runtime::{DocumentedError, Endpoint, Incoming, IncomingRequest};

use crate::answer::{Answer, Invalid, axum_route, method_filter, serve};
use crate::shared::Shared;
use crate::tokens::Bearer;
use crate::{approvals, control, long_connection, platform, token_endpoints, users};

/// The endpoints the emulator models with state (by endpoint id); every other endpoint of the bindings is
/// answered from its spec.
pub const MODELED_ENDPOINTS: [&str; 14] = [
    "auth.v3.tenant_access_token.internal",
    "auth.v3.app_access_token.internal",
    "auth.v3.app_access_token.store",
    "auth.v3.tenant_access_token.store",
    "auth.v3.app_ticket.resend",
    "authen.v2.oauth.token",
    "authen.v2.oauth.token_refresh",
    "attendance.v1.user_flow.batch_create",
    "attendance.v1.user_flow.batch_del",
    "attendance.v1.user_flow.query",
    "attendance.v1.user_flow.get",
    "attendance.v1.user_task.query",
    "authen.v1.user_info.get",
    "approval.v4.instance.create",
];

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let modeled = MODELED_ENDPOINTS.into_iter().collect();
    let token_routes = [
        token_endpoints::route(token_endpoints::tenant_internal),
        token_endpoints::route(token_endpoints::app_internal),
        token_endpoints::route(token_endpoints::app_store),
        token_endpoints::route(token_endpoints::tenant_store),
        token_endpoints::route(token_endpoints::resend),
    ];
    let platform = token_routes
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route))
        .route(
            &axum_route(BatchCreateRequest::METADATA.path_template),
            platform_route(BatchCreateError::ParamInvalid, |shared, _, request| {
                platform::batch_create(shared, request)
            }),
        )
        .route(
            &axum_route(BatchDelRequest::METADATA.path_template),
            platform_route(BatchDelError::ParamInvalid, |shared, _, request| {
                platform::batch_del(shared, request)
            }),
        )
        .route(
            &axum_route(QueryRequest::METADATA.path_template),
            platform_route(QueryError::ParamInvalid, |shared, _, request| {
                platform::query(shared, request)
            }),
        )
        .route(
            &axum_route(GetRequest::METADATA.path_template),
            platform_route(GetError::ParamInvalid, |shared, _, request| {
                platform::get(shared, request)
            }),
        )
        .route(
            &axum_route(TaskQueryRequest::METADATA.path_template),
            platform_route(TaskQueryError::ParamInvalid, |shared, _, request| {
                platform::user_tasks(shared, request)
            }),
        )
        .route(
            &axum_route(UserInfoRequest::METADATA.path_template),
            platform_route(UserInfoError::InvalidRequest, users::user_info),
        )
        .route(
            &axum_route(ApprovalCreateRequest::METADATA.path_template),
            platform_route(ApprovalCreateError::ParamIsInvalid, approvals::create),
        );
    crate::generic::routes(platform, &modeled)
        .merge(crate::oauth::routes())
        .merge(control::routes())
        .merge(long_connection::routes())
        .fallback(control::not_found)
        .with_state(shared)
}

/// The route of a platform endpoint whose request type is generated from its spec: path parameters,
/// query and body go to the generated decoder, then to `handle` with the token's bearer.
fn platform_route<E>(invalid: E::Error, handle: fn(&Shared, &Bearer, E) -> Answer) -> MethodRouter<Arc<Shared>>
where
    E: Incoming + 'static,
    E::Error: Copy + Send + Sync + 'static,
{
    let invalid = Invalid {
        http_status: invalid.http_status().unwrap_or(400),
        code: invalid.code(),
        message: invalid.message().unwrap_or("invalid request"),
    };
    let handler = move |State(shared): State<Arc<Shared>>,
                        path: Option<Path<Vec<(String, String)>>>,
                        Query(query): Query<Vec<(String, String)>>,
                        headers: HeaderMap,
                        body: Bytes| async move {
        let path = path.map(|Path(params)| params).unwrap_or_default();
        let request = IncomingRequest::new(&path, &query, &body);
        serve(
            &shared,
            &headers,
            E::METADATA,
            invalid,
            || E::from_incoming(&request),
            handle,
        )
        .await
    };
    on(method_filter(E::METADATA.method), handler)
}
