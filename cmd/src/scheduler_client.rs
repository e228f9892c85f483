//! A client of the scheduler's HTTP API: the server's wire types
//! (`scheduler::wire`), the bearer token on every request, and errors that
//! carry the server's message (and, for a 409, who holds the apply lock).
//!
//! With several schedulers (a ZooKeeper state), all may be named,
//! comma-separated: calls go to the leader among them (`leader`), found
//! again when it stops answering. A standby's redirect (307) is followed to
//! the leader with the token kept, so naming only a standby works too.

mod leader;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::State;
use futures::{Stream, StreamExt};
use scheduler::wire::{
    ApplyAccepted, ApplyRequest, BrokerLog, ClientLog, ClientStatsReport, ErrorBody, Health,
    LogQuery, OperationRequest, PartitionsReport, PlacementReport, PlacementRequest, Progress,
    RefreshReport,
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

/// How many redirects one call follows (a leader change mid-call takes two).
const MAX_REDIRECTS: usize = 5;

/// A scheduler's API.
#[derive(Clone)]
pub struct SchedulerClient {
    /// The schedulers named.
    named: Vec<String>,
    /// The one calls go to: the only one named, or the leader once found.
    current: Arc<Mutex<Option<String>>>,
    token: Option<String>,
    http: reqwest::Client,
}

impl SchedulerClient {
    /// A client of the scheduler(s) at `bases`: `http://host:port`, or a
    /// comma-separated list of them; a bare `host:port` is read as http.
    pub fn new(bases: &str, token: Option<String>) -> SchedulerClient {
        let named: Vec<String> = bases
            .split(',')
            .map(str::trim)
            .filter(|base| !base.is_empty())
            .map(normalized)
            .collect();
        let only = match named.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        };
        // No overall timeout: progress streams last as long as an apply.
        // Redirects are followed here, not by reqwest, which would drop
        // the token on the way to another port.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        SchedulerClient {
            named,
            current: Arc::new(Mutex::new(only)),
            token,
            http,
        }
    }

    /// The scheduler calls go to, or all those named while none is chosen.
    pub fn base_url(&self) -> String {
        self.current().unwrap_or_else(|| self.named.join(","))
    }

    fn current(&self) -> Option<String> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn switch_to(&self, base: Option<String>) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = base;
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

    /// Where the brokers a plan creates or moves would land now.
    pub async fn preview_placement(
        &self,
        request: &PlacementRequest,
    ) -> Result<PlacementReport, ClientError> {
        self.json(self.http.post(self.url("/v1/placement")).json(request))
            .await
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
        self.json(self.http.post(url).json(&OperationRequest {
            holder: holder.to_string(),
        }))
        .await
    }

    pub async fn rebalance(
        &self,
        cluster: &str,
        holder: &str,
    ) -> Result<ApplyAccepted, ClientError> {
        let url = self.url(&format!("/v1/clusters/{cluster}/rebalance"));
        self.json(self.http.post(url).json(&OperationRequest {
            holder: holder.to_string(),
        }))
        .await
    }

    /// The cluster named, or the only one the scheduler manages.
    pub async fn cluster(&self, named: Option<String>) -> anyhow::Result<String> {
        if let Some(name) = named {
            return Ok(name);
        }
        let state = self.state().await?;
        let mut names = state.clusters.keys();
        match (names.next(), names.next()) {
            (Some(only), None) => Ok(only.clone()),
            (None, _) => anyhow::bail!("the scheduler manages no cluster"),
            (Some(_), Some(_)) => anyhow::bail!(
                "the scheduler manages several clusters ({}); name the one you mean",
                state
                    .clusters
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
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

    /// What each producer and consumer instance last reported.
    pub async fn client_stats(&self) -> Result<ClientStatsReport, ClientError> {
        self.json(self.http.get(self.url("/v1/clients/stats")))
            .await
    }

    /// The last `lines` lines of a client instance's `stdout` or `stderr`.
    pub async fn client_log(
        &self,
        cluster: &str,
        client: &str,
        instance: u32,
        stream: &str,
        lines: usize,
    ) -> Result<ClientLog, ClientError> {
        let query = LogQuery {
            stream: Some(stream.to_string()),
            lines: Some(lines),
            file: None,
        };
        let url = self.url(&format!("/v1/clients/{cluster}/{client}/{instance}/log"));
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

    /// `path` on the scheduler calls go to, or the first named while none
    /// is chosen (`send` puts it on the right one).
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.built_on())
    }

    fn built_on(&self) -> String {
        self.current()
            .unwrap_or_else(|| self.named.first().cloned().unwrap_or_default())
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

    /// Sends `request` to the scheduler calls go to, following a standby's
    /// redirect to the leader, and looking for the leader again when the
    /// one chosen among several does not answer.
    async fn send(
        &self,
        mut request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let request = request
            .build()
            .map_err(|e| unreachable(&self.base_url(), e))?;
        // The call's path and query below the base it was built on.
        let built = request.url().as_str();
        let call = match built.strip_prefix(self.built_on().as_str()) {
            Some(call) => call.to_string(),
            None => {
                let url = request.url();
                let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
                format!("{}{query}", url.path())
            }
        };
        let mut redirects = 0;
        let mut unanswered = 0;
        let response = loop {
            let base = self.target().await?;
            let mut attempt = request.try_clone().ok_or_else(|| ClientError::Protocol {
                url: base.clone(),
                detail: "a streamed request body cannot be resent".into(),
            })?;
            *attempt.url_mut() =
                format!("{base}{call}")
                    .parse()
                    .map_err(|e| ClientError::Protocol {
                        url: base.clone(),
                        detail: format!("{e}"),
                    })?;
            match self.http.execute(attempt).await {
                Ok(response) if response.status().is_redirection() && redirects < MAX_REDIRECTS => {
                    let location = response
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|l| l.to_str().ok())
                        .and_then(|l| l.strip_suffix(call.as_str()))
                        .filter(|leader| leader.contains("://"));
                    let Some(leader) = location else {
                        return Err(ClientError::Protocol {
                            url: base,
                            detail: format!("{} without a usable Location", response.status()),
                        });
                    };
                    redirects += 1;
                    self.switch_to(Some(leader.to_string()));
                }
                Ok(response) => break response,
                Err(e)
                    if e.is_connect() && self.named.len() > 1 && unanswered < self.named.len() =>
                {
                    unanswered += 1;
                    self.switch_to(None);
                }
                Err(e) => return Err(unreachable(&base, e)),
            }
        };
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

/// A base URL without its trailing slash; a bare `host:port` is read as http.
fn normalized(base: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.contains("://") {
        base.to_string()
    } else {
        format!("http://{base}")
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
