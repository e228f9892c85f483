//! The scheduler's HTTP API (axum, JSON; documented in docs/scheduler-api.md):
//! state and its refresh from the brokers, applies and their progress, broker
//! and cluster operations, health and metrics, plus the artifacts agents fetch and the
//! API's OpenAPI document. A bearer token, when set, guards every route but
//! `/v1/health`, `/v1/openapi.json` and `/artifacts/*` (agents' fetchers
//! cannot send one). Bodies are `crate::wire` types; the handlers convert
//! the core's values into them (`convert`).

mod applies;
mod body_limit;
mod brokers;
mod clients;
mod clusters;
mod convert;
mod json_errors;
mod openapi;
mod partitions;
mod placement;
mod sandbox_tail;
pub mod standby;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::artifacts::Artifacts;
use crate::core::ApplyRefusal;
use crate::daemon_handle::{DaemonHandle, Gone};
use crate::metrics::Metrics;
use crate::wire::{ApplyAccepted, ErrorBody, Health, RefreshReport};

/// What every handler reaches.
#[derive(Clone)]
pub struct Api {
    pub daemon: DaemonHandle,
    pub metrics: Arc<Metrics>,
    /// The Mesos master, for reading sandboxes.
    pub master: String,
    pub token: Option<String>,
    /// This scheduler's API URL, as health names the leader.
    pub url: String,
}

/// All routes, ready to serve.
pub fn router(api: Api, artifacts: Artifacts) -> Router {
    let guarded = Router::new()
        .route("/v1/state", get(state))
        .route("/v1/refresh", post(refresh))
        .route("/v1/partitions", get(partitions::partitions))
        .route("/v1/placement", post(placement::preview))
        .route("/v1/applies", post(applies::submit))
        .route("/v1/applies/{id}/progress", get(applies::progress))
        .route("/v1/applies/current/cancel", post(applies::cancel))
        .route("/v1/brokers/{cluster}/{id}/log", get(brokers::log))
        .route("/v1/brokers/{cluster}/{id}/restart", post(brokers::restart))
        .route("/v1/clients/stats", get(clients::stats))
        .route(
            "/v1/clients/{cluster}/{client}/{instance}/log",
            get(clients::log),
        )
        .route(
            "/v1/clusters/{cluster}/rebalance",
            post(clusters::rebalance),
        )
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(api.clone(), authorize));
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/openapi.json", get(openapi::document))
        .merge(guarded)
        .with_state(api)
        .merge(artifacts.router())
        .layer(body_limit::framework_limit())
        .layer(middleware::from_fn(body_limit::refuse_declared_too_large))
        .layer(middleware::from_fn(json_errors::json_errors))
}

async fn authorize(State(api): State<Api>, request: Request, next: Next) -> Response {
    let Some(token) = &api.token else {
        return next.run(request).await;
    };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(p) if constant_time_eq(p.as_bytes(), token.as_bytes()) => next.run(request).await,
        _ => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "missing or wrong bearer token (--token / KMESOS_TOKEN)",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            response
        }
    }
}

/// Compares without stopping at the first difference, so response time does
/// not reveal how much of a guessed token is right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn health(State(api): State<Api>) -> Json<Health> {
    let view = api.daemon.view();
    Json(Health {
        status: "ok".into(),
        role: "leader".into(),
        leader: Some(api.url.clone()),
        subscribed: view.subscribed,
        framework_id: view.state.framework_id.clone(),
        lineage: view.state.lineage.clone(),
        serial: view.state.serial,
        generation: view.state.generation,
        apply: view.apply.clone(),
    })
}

/// The state with secrets shown as `(sensitive)`.
async fn state(State(api): State<Api>) -> Response {
    let view = api.daemon.view();
    (
        [(header::CONTENT_TYPE, "application/json")],
        view.state.redacted().to_json(),
    )
        .into_response()
}

/// Refreshes the state from the live brokers; answers once what was read
/// is recorded.
async fn refresh(State(api): State<Api>) -> Response {
    match api.daemon.refresh().await {
        Ok(clusters) => Json(RefreshReport {
            clusters: clusters.into_iter().map(Into::into).collect(),
        })
        .into_response(),
        Err(_) => gone(),
    }
}

async fn metrics(State(api): State<Api>) -> Response {
    let text = api.metrics.render(&api.daemon.view());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// A JSON error answer.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(ErrorBody::new(message))).into_response()
}

/// A 400 for an apply or restart that does not say who submits it (the
/// holder other users are shown while it runs).
fn unnamed_holder(holder: &str) -> Option<Response> {
    let named = !holder.trim().is_empty() && !holder.chars().any(char::is_control);
    (!named).then(|| {
        error(
            StatusCode::BAD_REQUEST,
            format!("holder must say who submits the apply (user@host), not {holder:?}"),
        )
    })
}

/// The answer to a request for an apply (or a one-step one): 202 with its
/// id, or why it was refused.
fn accepted_or_refused(answer: Result<Result<String, ApplyRefusal>, Gone>) -> Response {
    match answer {
        Ok(Ok(apply_id)) => {
            (StatusCode::ACCEPTED, Json(ApplyAccepted { apply_id })).into_response()
        }
        Ok(Err(refusal)) => refused(refusal),
        Err(_) => gone(),
    }
}

/// The answer to a refused apply or restart: 409 naming the lock holder, or
/// 409 for a stale plan, or 400 for a request naming nothing.
fn refused(refusal: ApplyRefusal) -> Response {
    let message = refusal.to_string();
    match refusal {
        ApplyRefusal::Busy {
            apply_id,
            holder,
            since,
        } => (
            StatusCode::CONFLICT,
            Json(ErrorBody {
                error: message,
                apply_id: Some(apply_id),
                holder: Some(holder),
                since: Some(since),
            }),
        )
            .into_response(),
        ApplyRefusal::Stale(_) => error(StatusCode::CONFLICT, message),
        ApplyRefusal::Invalid(_) => error(StatusCode::BAD_REQUEST, message),
    }
}

fn gone() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the scheduler is shutting down",
    )
}
