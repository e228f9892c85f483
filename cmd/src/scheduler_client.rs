//! A client of the scheduler's HTTP API: the server's wire types
//! (`scheduler::wire`), the bearer token on every request, and errors that
//! carry the server's message (and, for a 409, who holds the apply lock).

use std::time::Duration;

use engine::State;
use futures::{Stream, StreamExt};
use scheduler::wire::{
    ApplyAccepted, ApplyRequest, BrokerLog, ErrorBody, Health, LogQuery, PartitionsReport,
    Progress, RefreshReport, RestartRequest,
};

/// Why a call to the scheduler failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the scheduler at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// The scheduler answered with an error.
    #[error("{}", .body.error)]
    Refused { status: u16, body: ErrorBody },
    #[error("unexpected answer from {url}: {detail}")]
    Protocol { url: String, detail: String },
}

/// A scheduler's API.
#[derive(Clone)]
pub struct SchedulerClient {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl SchedulerClient {
    /// A client of the scheduler at `base` (`http://host:port`; a bare
    /// `host:port` is read as http).
    pub fn new(base: &str, token: Option<String>) -> SchedulerClient {
        let base = base.trim_end_matches('/');
        let base = if base.contains("://") {
            base.to_string()
        } else {
            format!("http://{base}")
        };
        // No overall timeout: progress streams last as long as an apply.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        SchedulerClient { base, token, http }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub async fn health(&self) -> Result<Health, ClientError> {
        self.json(self.http.get(self.url("/v1/health"))).await
    }

    /// The state, secrets redacted.
    pub async fn state(&self) -> Result<State, ClientError> {
        let url = self.url("/v1/state");
        let text = self
            .send(self.http.get(&url))
            .await?
            .text()
            .await
            .map_err(|e| unreachable(&url, e))?;
        State::parse(&text, &url).map_err(|e| ClientError::Protocol {
            url,
            detail: e.to_string(),
        })
    }

    /// Each cluster's partitions as its live brokers report them.
    pub async fn partitions(&self) -> Result<PartitionsReport, ClientError> {
        self.json(self.http.get(self.url("/v1/partitions"))).await
    }

    /// Refreshes the scheduler's state from the live brokers.
    pub async fn refresh(&self) -> Result<RefreshReport, ClientError> {
        self.json(self.http.post(self.url("/v1/refresh"))).await
    }

    pub async fn apply(&self, request: &ApplyRequest) -> Result<ApplyAccepted, ClientError> {
        self.json(self.http.post(self.url("/v1/applies")).json(request))
            .await
    }

    pub async fn restart_broker(
        &self,
        cluster: &str,
        id: u32,
        holder: &str,
    ) -> Result<ApplyAccepted, ClientError> {
        let url = self.url(&format!("/v1/brokers/{cluster}/{id}/restart"));
        self.json(self.http.post(url).json(&RestartRequest {
            holder: holder.to_string(),
        }))
        .await
    }

    /// The last `lines` lines of a broker's `stdout`/`stderr`, or of a file
    /// in its sandbox when `stream` is `file:PATH`.
    pub async fn broker_log(
        &self,
        cluster: &str,
        id: u32,
        stream: &str,
        lines: usize,
    ) -> Result<BrokerLog, ClientError> {
        let mut query = LogQuery {
            lines: Some(lines),
            ..LogQuery::default()
        };
        match stream.strip_prefix("file:") {
            Some(path) => query.file = Some(path.to_string()),
            None => query.stream = Some(stream.to_string()),
        }
        let url = self.url(&format!("/v1/brokers/{cluster}/{id}/log"));
        self.json(self.http.get(url).query(&query)).await
    }

    /// Follows an apply's progress until it ends (or the connection drops).
    pub async fn progress(
        &self,
        apply_id: &str,
    ) -> Result<impl Stream<Item = Result<Progress, ClientError>>, ClientError> {
        let url = self.url(&format!("/v1/applies/{apply_id}/progress"));
        let response = self.send(self.http.get(&url)).await?;
        let bytes = response.bytes_stream();
        let lines = futures::stream::unfold(
            (bytes, Vec::<u8>::new(), url),
            |(mut bytes, mut buffer, url)| async move {
                loop {
                    if let Some(end) = buffer.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = buffer.drain(..=end).collect();
                        let parsed = serde_json::from_slice::<Progress>(&line).map_err(|e| {
                            ClientError::Protocol {
                                url: url.clone(),
                                detail: format!("progress line: {e}"),
                            }
                        });
                        return Some((parsed, (bytes, buffer, url)));
                    }
                    match bytes.next().await {
                        Some(Ok(chunk)) => buffer.extend_from_slice(&chunk),
                        Some(Err(e)) => {
                            return Some((Err(unreachable(&url, e)), (bytes, Vec::new(), url)))
                        }
                        None => return None,
                    }
                }
            },
        );
        Ok(lines)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = self.send(request).await?;
        let url = response.url().to_string();
        response.json().await.map_err(|e| ClientError::Protocol {
            url,
            detail: e.to_string(),
        })
    }

    async fn send(
        &self,
        mut request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(&self.base, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str::<ErrorBody>(&text)
            .unwrap_or_else(|_| ErrorBody::new(format!("{status}: {}", text.trim())));
        Err(ClientError::Refused {
            status: status.as_u16(),
            body,
        })
    }
}

fn unreachable(url: &str, e: reqwest::Error) -> ClientError {
    ClientError::Unreachable {
        url: url.to_string(),
        detail: e.to_string(),
    }
}

/// A refusal with its holder spelled out.
pub fn explain(e: ClientError) -> anyhow::Error {
    match &e {
        ClientError::Refused { body, .. } => match (&body.holder, &body.since) {
            (Some(holder), Some(since)) => {
                anyhow::anyhow!("{} (lock held by {holder} since {since})", body.error)
            }
            _ => anyhow::anyhow!("{}", body.error),
        },
        _ => e.into(),
    }
}

/// Who is applying, as shown to anyone who finds the lock taken.
pub fn holder() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{user}@{host} (pid {})", std::process::id())
}
