//! `GET /v1/openapi.json`: the API's OpenAPI document, written by hand next
//! to this file and kept to what the handlers answer (the API tests check
//! that it names every route, and a property-based run checks the answers
//! against it). Unauthenticated, like health: it holds no secrets.

use axum::http::header;
use axum::response::IntoResponse;

const DOCUMENT: &str = include_str!("openapi.json");

pub(super) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
