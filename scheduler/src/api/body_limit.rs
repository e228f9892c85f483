//! The largest request body the API takes. One that declares more is
//! refused (413) before any of it is read, so the client hears why at once
//! instead of having its connection closed part way through sending; one
//! that sends more than it declares (or declares nothing) is cut off at the
//! limit by the framework.

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// 2 MiB: a change set with its configuration for thousands of resources.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The framework's own limit, for bodies that do not declare their length.
pub(super) fn framework_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_BODY_BYTES)
}

pub(super) async fn refuse_declared_too_large(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > MAX_BODY_BYTES as u64 => {
            let mut refused = super::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is {length} bytes; the most this API takes is {MAX_BODY_BYTES}"),
            );
            // The unread body is not drained: the connection ends here.
            refused
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            refused
        }
        _ => next.run(request).await,
    }
}
