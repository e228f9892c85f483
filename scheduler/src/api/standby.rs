//! The API of a standby scheduler (one of several on a ZooKeeper state,
//! not elected): `/v1/health` says it stands by and who leads; every other
//! call is redirected to the leader with 307, which keeps the method and
//! body, or refused with 503 while no scheduler leads.

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::sync::watch;

use super::error;
use crate::wire::StandbyHealth;

/// The leader's API URL as the election names it.
type Leader = watch::Receiver<Option<String>>;

/// The standby's routes.
pub fn router(leader: Leader) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .fallback(redirect)
        .with_state(leader)
}

async fn health(State(leader): State<Leader>) -> Json<StandbyHealth> {
    Json(StandbyHealth {
        status: "ok".into(),
        role: "standby".into(),
        leader: leader.borrow().clone(),
    })
}

async fn redirect(State(leader): State<Leader>, uri: Uri) -> Response {
    let Some(url) = leader.borrow().clone() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "this scheduler is a standby and no scheduler leads yet (an election is under way); retry shortly",
        );
    };
    let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(
            header::LOCATION,
            format!("{}{target}", url.trim_end_matches('/')),
        )],
    )
        .into_response()
}
