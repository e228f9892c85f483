//! `GET /files/read` on each agent, as a Mesos agent serves it: read a byte
//! range of a file in the agent's work dir (a task's sandbox `stdout`, a
//! broker log in a volume). `kmesos broker log` tails logs with it:
//!
//! `GET http://<agent>/files/read?path=<absolute path>&offset=<n>&length=<n>`
//! answers `{"data": "<text>", "offset": <n>}`; `offset=-1` answers the file
//! size with empty data, so a tail starts at the end. Paths outside the
//! agent's work dir are 404, like unknown ones.

use std::io::SeekFrom;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::agent::AgentDirs;

/// Longest read served at once, so a huge log cannot exhaust memory.
const MAX_LENGTH: u64 = 4 * 1024 * 1024;

#[derive(Debug, Deserialize)]
pub struct ReadQuery {
    path: String,
    offset: Option<i64>,
    length: Option<i64>,
}

pub async fn read(State(dirs): State<AgentDirs>, Query(q): Query<ReadQuery>) -> Response {
    match read_range(&dirs, &q).await {
        Ok(body) => Json(body).into_response(),
        Err((status, msg)) => (status, msg).into_response(),
    }
}

async fn read_range(
    dirs: &AgentDirs,
    q: &ReadQuery,
) -> Result<serde_json::Value, (StatusCode, String)> {
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            format!("No file found at '{}'", q.path),
        )
    };
    let path = dirs
        .readable(std::path::Path::new(&q.path))
        .ok_or_else(not_found)?;
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| not_found())?;
    let meta = file.metadata().await.map_err(|_| not_found())?;
    if meta.is_dir() {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("'{}' is a directory", q.path),
        ));
    }
    let size = meta.len();
    let offset = match q.offset {
        None => 0,
        Some(-1) => return Ok(serde_json::json!({"data": "", "offset": size})),
        Some(o) if o >= 0 => o as u64,
        Some(_) => {
            return Err((
                StatusCode::BAD_REQUEST,
                "Negative offset provided".to_string(),
            ))
        }
    };
    let length = match q.length {
        None | Some(-1) => MAX_LENGTH,
        Some(l) if l >= 0 => (l as u64).min(MAX_LENGTH),
        Some(_) => {
            return Err((
                StatusCode::BAD_REQUEST,
                "Negative length provided".to_string(),
            ))
        }
    };
    let offset = offset.min(size);
    let io_err = |e: std::io::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
    file.seek(SeekFrom::Start(offset)).await.map_err(io_err)?;
    let mut buf = Vec::new();
    file.take(length)
        .read_to_end(&mut buf)
        .await
        .map_err(io_err)?;
    Ok(serde_json::json!({"data": String::from_utf8_lossy(&buf), "offset": offset}))
}
