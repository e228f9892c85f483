//! The master's read-only and test endpoints: `GET /version`,
//! `GET /master/state` (also `/state`), `GET /redirect` (307 to itself, as a
//! leading master answers), and the test hook
//! `POST /test/agents/{agent}/{partition|remove|restore}` (agent id or hostname).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::oneshot;

use super::scheduler::MasterEndpoint;
use crate::master::MESOS_VERSION;
use crate::messages::{HookAction, MasterMsg};

pub async fn version() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "version": MESOS_VERSION,
        "build_user": "kmesos",
        "git_tag": format!("kmesos-{}", env!("CARGO_PKG_VERSION")),
    }))
}

pub async fn state(State(endpoint): State<MasterEndpoint>) -> Response {
    let (reply, answer) = oneshot::channel();
    if endpoint.master.send(MasterMsg::State { reply }).is_err() {
        return (StatusCode::SERVICE_UNAVAILABLE, "Master is shutting down").into_response();
    }
    match answer.await {
        Ok(state) => Json(state).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "Master is shutting down").into_response(),
    }
}

pub async fn redirect(headers: axum::http::HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, format!("//{host}"))],
    )
        .into_response()
}

pub async fn hook(
    State(endpoint): State<MasterEndpoint>,
    Path((agent, action)): Path<(String, String)>,
) -> Response {
    let action = match action.as_str() {
        "partition" => HookAction::Partition,
        "remove" => HookAction::Remove,
        "restore" => HookAction::Restore,
        other => {
            let message =
                format!("Unknown action '{other}': expecting partition, remove or restore");
            return (StatusCode::NOT_FOUND, message).into_response();
        }
    };
    let (reply, answer) = oneshot::channel();
    if endpoint
        .master
        .send(MasterMsg::Hook {
            agent,
            action,
            reply,
        })
        .is_err()
    {
        return (StatusCode::SERVICE_UNAVAILABLE, "Master is shutting down").into_response();
    }
    match answer.await {
        Ok(Ok(message)) => (StatusCode::OK, message).into_response(),
        Ok(Err((status, message))) => (status, message).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "Master is shutting down").into_response(),
    }
}
