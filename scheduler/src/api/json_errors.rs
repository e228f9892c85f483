//! Every error the API answers carries the documented JSON body
//! (`{"error": "..."}`), including the ones the HTTP framework makes itself
//! before a handler runs — a path that does not parse, a body that is not
//! JSON or not the request type, a body too large, a wrong method, an
//! unknown route — which come as plain text or empty and are rewritten here.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

/// The most of a framework rejection's text kept as the message.
const MAX_MESSAGE_BYTES: usize = 16 * 1024;

pub(super) async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_MESSAGE_BYTES)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let message = match text.is_empty() {
        true => status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_lowercase(),
        false => text,
    };
    let mut rewritten = super::error(status, message);
    // Headers that tell the client what to do (Allow, WWW-Authenticate) stay.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}
