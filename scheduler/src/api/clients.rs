//! `GET /v1/clients/{cluster}/{client}/{instance}/log`: the last lines a
//! client instance's command wrote (`client.stdout` or `client.stderr` in
//! its sandbox), read through the agent as a broker's log is.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kmesos_executor::broker::{CLIENT_STDERR_FILE, CLIENT_STDOUT_FILE};

use super::brokers::{tail, DEFAULT_LINES, MAX_LINES};
use super::{error, Api};
use crate::wire::{ClientLog, LogQuery};

pub(super) async fn log(
    State(api): State<Api>,
    Path((cluster, client, instance)): Path<(String, String, u32)>,
    Query(query): Query<LogQuery>,
) -> Response {
    let (stream, file) = match (&query.file, query.stream.as_deref().unwrap_or("stdout")) {
        (Some(_), _) => {
            let why = "a client serves its stdout and stderr only: give stream, not file";
            return error(StatusCode::BAD_REQUEST, why);
        }
        (None, "stdout") => ("stdout", CLIENT_STDOUT_FILE),
        (None, "stderr") => ("stderr", CLIENT_STDERR_FILE),
        (None, other) => {
            let why = format!("stream must be stdout or stderr, not {other:?}");
            return error(StatusCode::BAD_REQUEST, why);
        }
    };
    let lines = query.lines.unwrap_or(DEFAULT_LINES).min(MAX_LINES);
    let key = (cluster, client, instance);
    let Some(task_id) = api.daemon.view().client_tasks.get(&key).cloned() else {
        let (cluster, client, instance) = key;
        return error(
            StatusCode::NOT_FOUND,
            format!("instance {instance} of client {client} of cluster {cluster} has no task"),
        );
    };
    match tail(&api, &task_id, file, lines).await {
        Ok(lines) => {
            let (cluster, client, instance) = key;
            Json(ClientLog {
                cluster,
                client,
                instance,
                task_id,
                stream: stream.to_string(),
                lines,
            })
            .into_response()
        }
        Err(refused) => refused,
    }
}
