//! A ready axum handler for event callbacks (feature `axum`).
//!
//! ```no_run
//! # async fn demo(dispatcher: lark_runtime::events::EventDispatcher) {
//! let app = axum::Router::new().route("/webhook/event", lark_runtime::events::axum::callback(dispatcher.into()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:7777").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};

use super::{EventDispatcher, EventReply};

/// A `POST` route that hands each request to `dispatcher` and sends its answer.
pub fn callback<S: Clone + Send + Sync + 'static>(dispatcher: Arc<EventDispatcher>) -> MethodRouter<S> {
    post(move |headers: HeaderMap, body: Bytes| {
        let dispatcher = Arc::clone(&dispatcher);
        async move { into_response(dispatcher.handle(&headers, &body).await) }
    })
}

/// The axum response of a dispatcher's answer.
pub fn into_response(reply: EventReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = HeaderValue::from_static(EventReply::CONTENT_TYPE);
    (status, [(header::CONTENT_TYPE, content_type)], reply.body).into_response()
}
