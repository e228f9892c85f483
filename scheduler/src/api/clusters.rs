//! Operations on a whole cluster that are not configuration changes:
//! `POST /v1/clusters/{cluster}/rebalance`, run as a one-step apply under
//! the apply lock.

use super::{accepted_or_refused, unnamed_holder, Api};
use crate::wire::OperationRequest;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;

pub(super) async fn rebalance(
    State(api): State<Api>,
    Path(cluster): Path<String>,
    Json(request): Json<OperationRequest>,
) -> Response {
    if let Some(refused) = unnamed_holder(&request.holder) {
        return refused;
    }
    accepted_or_refused(api.daemon.rebalance(cluster, request.holder).await)
}
