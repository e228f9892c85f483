//! `POST /v1/placement`: where the brokers a plan creates or moves would
//! land given the agents' latest offers, for `kmesos plan` to show before
//! anything runs. It changes nothing.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::{gone, Api};
use crate::wire::{PlacementReport, PlacementRequest};

pub(super) async fn preview(
    State(api): State<Api>,
    Json(request): Json<PlacementRequest>,
) -> Response {
    match api
        .daemon
        .preview_placement(request.config, request.brokers)
        .await
    {
        Ok(brokers) => Json(PlacementReport { brokers }).into_response(),
        Err(_) => gone(),
    }
}
