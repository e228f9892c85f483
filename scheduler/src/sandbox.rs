//! Reading a broker's output from its task's sandbox on the agent, as an
//! operator would through the Mesos UI: the master's `/master/state` names
//! each task's agent URL and sandbox directory, and the agent's `/files/read`
//! serves byte ranges of files in it.

use std::time::Duration;

use serde::Deserialize;

/// How much of the end of a file is read to find the last lines.
const TAIL_BYTES_PER_LINE: i64 = 512;
const TAIL_BYTES_MAX: i64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the master does not know task {0} (it may have ended long ago)")]
    UnknownTask(String),
    #[error("the master reports no sandbox for task {0} yet")]
    NoSandbox(String),
    #[error("task {task_id} has no {file} in its sandbox")]
    NoFile { task_id: String, file: String },
    #[error("{url}: {detail}")]
    Http {
        url: String,
        /// The HTTP status, when the server answered.
        status: Option<u16>,
        detail: String,
    },
}

#[derive(Deserialize)]
struct MasterState {
    #[serde(default)]
    tasks: Vec<TaskEntry>,
}

#[derive(Deserialize)]
struct TaskEntry {
    id: Option<String>,
    agent_url: Option<String>,
    sandbox: Option<String>,
}

#[derive(Deserialize)]
struct FileRead {
    data: String,
    offset: i64,
}

/// The last `lines` lines of `file` (e.g. `broker.stdout`) in task `task_id`'s sandbox.
pub async fn tail(
    master: &str,
    task_id: &str,
    file: &str,
    lines: usize,
) -> Result<Vec<String>, SandboxError> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| SandboxError::Http {
            url: master.to_string(),
            status: None,
            detail: e.to_string(),
        })?;
    let state_url = format!("{}/master/state", base(master));
    let state: MasterState = get_json(&client, &state_url, &[]).await?;
    let task = state
        .tasks
        .into_iter()
        .find(|t| t.id.as_deref() == Some(task_id))
        .ok_or_else(|| SandboxError::UnknownTask(task_id.to_string()))?;
    let (Some(agent), Some(sandbox)) = (task.agent_url, task.sandbox) else {
        return Err(SandboxError::NoSandbox(task_id.to_string()));
    };
    let read_url = format!("{}/files/read", base(&agent));
    let path = format!("{}/{file}", sandbox.trim_end_matches('/'));
    let size: FileRead = get_json(
        &client,
        &read_url,
        &[("path", path.clone()), ("offset", "-1".into())],
    )
    .await
    .map_err(|e| match e {
        SandboxError::Http {
            status: Some(404), ..
        } => SandboxError::NoFile {
            task_id: task_id.to_string(),
            file: file.to_string(),
        },
        other => other,
    })?;
    let want = (TAIL_BYTES_PER_LINE.saturating_mul(lines as i64 + 1)).min(TAIL_BYTES_MAX);
    let start = (size.offset - want).max(0);
    let chunk: FileRead = get_json(
        &client,
        &read_url,
        &[
            ("path", path),
            ("offset", start.to_string()),
            ("length", want.to_string()),
        ],
    )
    .await?;
    let mut all: Vec<&str> = chunk.data.lines().collect();
    // A read that starts mid-file starts mid-line: drop the partial first line.
    if start > 0 && all.len() > 1 {
        all.remove(0);
    }
    let from = all.len().saturating_sub(lines);
    Ok(all[from..].iter().map(|l| l.to_string()).collect())
}

fn base(url: &str) -> String {
    let url = url.trim_end_matches('/');
    if url.contains("://") {
        url.to_string()
    } else {
        format!("http://{url}")
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    query: &[(&str, String)],
) -> Result<T, SandboxError> {
    let fail = |detail: String| SandboxError::Http {
        url: url.to_string(),
        status: None,
        detail,
    };
    let full = reqwest::Url::parse_with_params(url, query).map_err(|e| fail(e.to_string()))?;
    let response = client
        .get(full)
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(SandboxError::Http {
            url: url.to_string(),
            status: Some(status.as_u16()),
            detail: format!("{status}: {}", body.trim()),
        });
    }
    response
        .json()
        .await
        .map_err(|e| fail(format!("unexpected answer: {e}")))
}
