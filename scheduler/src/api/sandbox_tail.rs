//! The last lines of a file in a task's sandbox, read through the master
//! and the agent, for the broker and client log routes.

use axum::http::StatusCode;
use axum::response::Response;

use super::{error, Api};
use crate::sandbox;
use crate::wire::LogQuery;

/// Lines returned when the request does not say.
const DEFAULT_LINES: usize = 100;
const MAX_LINES: usize = 10_000;

/// How many lines `query` asks for, within the limit.
pub(super) fn lines_asked(query: &LogQuery) -> usize {
    query.lines.unwrap_or(DEFAULT_LINES).min(MAX_LINES)
}

/// The last `lines` lines of `file` in task `task_id`'s sandbox; 502 when
/// the master or agent cannot be read, 404 when the sandbox has no such
/// file.
pub(super) async fn tail(
    api: &Api,
    task_id: &str,
    file: &str,
    lines: usize,
) -> Result<Vec<String>, Response> {
    sandbox::tail(&api.master, task_id, file, lines)
        .await
        .map_err(|e| match e {
            sandbox::SandboxError::Http { .. } => error(StatusCode::BAD_GATEWAY, e.to_string()),
            _ => error(StatusCode::NOT_FOUND, e.to_string()),
        })
}
