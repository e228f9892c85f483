//! Applies over HTTP: submit a plan (taking the apply lock), follow its
//! progress as NDJSON (one JSON event per line), cancel it.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;

use super::{accepted_or_refused, error, gone, unnamed_holder, Api};
use crate::wire::{self, ApplyRequest, CancelAccepted};

pub(super) async fn submit(State(api): State<Api>, body: Bytes) -> Response {
    // Parsed by hand so a bad body gets the field and position, not a bare 422.
    let request: ApplyRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("apply request body: {e}")),
    };
    if let Some(refused) = unnamed_holder(&request.holder) {
        return refused;
    }
    let answer = api.daemon.apply(
        request.plan,
        request.config,
        request.holder,
        request.allow_unavailable,
    );
    accepted_or_refused(answer.await)
}

pub(super) async fn progress(State(api): State<Api>, Path(id): Path<String>) -> Response {
    let Some(events) = api.daemon.follow(&id) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no apply {id} is running or was the last one"),
        );
    };
    let lines = events.map(|event| {
        let mut line = serde_json::to_vec(&wire::Progress::from(event)).unwrap_or_default();
        line.push(b'\n');
        Ok::<_, std::convert::Infallible>(line)
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(lines),
    )
        .into_response()
}

pub(super) async fn cancel(State(api): State<Api>) -> Response {
    match api.daemon.cancel().await {
        Ok(true) => (
            StatusCode::ACCEPTED,
            Json(CancelAccepted { cancelled: true }),
        )
            .into_response(),
        Ok(false) => error(StatusCode::NOT_FOUND, "no apply is running"),
        Err(_) => gone(),
    }
}
