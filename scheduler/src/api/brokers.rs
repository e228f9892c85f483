//! Operations on one broker that are not configuration changes: a rolling
//! restart (run as a one-step apply, under the apply lock) and its logs.

use super::{accepted_or_refused, error, sandbox_tail, unnamed_holder, Api};
use crate::wire::{BrokerLog, LogQuery, OperationRequest};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use kmesos_executor::render::KAFKA_APP_LOGS;

pub(super) async fn restart(
    State(api): State<Api>,
    Path((cluster, id)): Path<(String, u32)>,
    Json(request): Json<OperationRequest>,
) -> Response {
    if let Some(refused) = unnamed_holder(&request.holder) {
        return refused;
    }
    accepted_or_refused(api.daemon.restart_broker(cluster, id, request.holder).await)
}

/// The sandbox log file a log request names, or why it names none. Only
/// log files are served — at the top of the sandbox `stdout`, `stderr`,
/// `NAME.stdout`, `NAME.stderr` and `NAME.log`, and Kafka's own logs in
/// [`KAFKA_APP_LOGS`] — for the sandbox also holds the broker's data and
/// rendered configuration, with its secrets.
fn log_file(query: &LogQuery) -> Result<(String, String), String> {
    match (&query.stream, &query.file) {
        (Some(_), Some(_)) => Err("give stream or file, not both".into()),
        (_, Some(file)) => {
            let plain = |name: &str| {
                !name.is_empty()
                    && !name.starts_with('.')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            };
            let a_log = |name: &str| {
                matches!(name, "stdout" | "stderr")
                    || [".stdout", ".stderr", ".log"]
                        .iter()
                        .any(|ending| name.ends_with(ending))
            };
            let served = match file.split_once('/') {
                None => plain(file) && a_log(file),
                Some((dir, name)) => dir == KAFKA_APP_LOGS && plain(name),
            };
            if served {
                Ok((file.clone(), file.clone()))
            } else {
                Err(format!(
                    "file must be a log file: stdout, stderr, NAME.stdout, NAME.stderr or NAME.log at the top of the sandbox, or {KAFKA_APP_LOGS}/NAME; not {file:?}"
                ))
            }
        }
        (stream, None) => match stream.as_deref().unwrap_or("stdout") {
            s @ ("stdout" | "stderr") => Ok((s.to_string(), format!("broker.{s}"))),
            other => Err(format!("stream must be stdout or stderr, not {other:?}")),
        },
    }
}

pub(super) async fn log(
    State(api): State<Api>,
    Path((cluster, id)): Path<(String, u32)>,
    Query(query): Query<LogQuery>,
) -> Response {
    let (stream, file) = match log_file(&query) {
        Ok(named) => named,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let lines = sandbox_tail::lines_asked(&query);
    let view = api.daemon.view();
    let task_id = view
        .state
        .clusters
        .get(&cluster)
        .and_then(|c| c.brokers.get(&id))
        .and_then(|b| b.runtime.as_ref())
        .and_then(|r| r.task_id.clone());
    let Some(task_id) = task_id else {
        return error(
            StatusCode::NOT_FOUND,
            format!("broker {id} of cluster {cluster} has no task"),
        );
    };
    match sandbox_tail::tail(&api, &task_id, &file, lines).await {
        Ok(lines) => Json(BrokerLog {
            cluster,
            broker: id,
            task_id,
            stream,
            lines,
        })
        .into_response(),
        Err(refused) => refused,
    }
}
