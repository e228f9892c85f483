//! Client instances: `GET /v1/clients/{cluster}/{client}/{instance}/log`,
//! the last lines an instance's command wrote (`client.stdout` or
//! `client.stderr` in its sandbox), read through the agent as a broker's
//! log is; and `GET /v1/clients/stats`, what each producer and consumer
//! instance last reported there ([`crate::client_stats`]).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::config::ClientKind;
use kmesos_executor::broker::{CLIENT_STDERR_FILE, CLIENT_STDOUT_FILE};

use super::sandbox_tail::{lines_asked, tail};
use super::{error, Api};
use crate::client_stats;
use crate::wire::{ClientLog, ClientStatsReport, InstanceStats, LogQuery};

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
    let lines = lines_asked(&query);
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

/// Lines of `client.stdout` read for the latest report (a report comes
/// every 5 s; the tools' own log lines may come between).
const REPORT_LINES: usize = 20;

pub(super) async fn stats(State(api): State<Api>) -> Json<ClientStatsReport> {
    let view = api.daemon.view();
    let mut instances = Vec::new();
    for ((cluster, client, instance), task_id) in &view.client_tasks {
        let kind = view
            .state
            .clusters
            .get(cluster)
            .and_then(|c| c.clients.get(client))
            .map(|spec| spec.kind);
        let Some(kind @ (ClientKind::Producer | ClientKind::Consumer)) = kind else {
            continue;
        };
        let (throughput, unreported) =
            match tail(&api, task_id, CLIENT_STDOUT_FILE, REPORT_LINES).await {
                Ok(lines) => match client_stats::latest(kind, &lines) {
                    Some(throughput) => (Some(throughput), None),
                    None => (None, Some("no report printed yet".to_string())),
                },
                Err(_) => (None, Some("its sandbox could not be read".to_string())),
            };
        instances.push(InstanceStats {
            cluster: cluster.clone(),
            client: client.clone(),
            instance: *instance,
            kind: kind.to_string(),
            throughput,
            unreported,
        });
    }
    Json(ClientStatsReport { instances })
}
