//! The JSON bodies of the HTTP API (docs/scheduler-api.md), shared by the
//! server and the `kmesos` CLI so both sides agree on one definition.

use engine::{Config, Plan};
use serde::{Deserialize, Serialize};

/// `POST /v1/applies`: a plan and the configuration it was computed from
/// (secrets included: the plan's own copy is redacted).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplyRequest {
    pub plan: Plan,
    pub config: Config,
    /// Who submits it (`user@host`), shown to anyone refused while it runs.
    pub holder: String,
}

/// The answer to an accepted apply or broker restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyAccepted {
    pub apply_id: String,
}

/// `POST /v1/brokers/{cluster}/{id}/restart`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestartRequest {
    pub holder: String,
}

/// Every error answer. `holder`/`since`/`apply_id` name the apply holding the
/// lock when a request is refused because of it (409).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

impl ErrorBody {
    pub fn new(error: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error: error.into(),
            apply_id: None,
            holder: None,
            since: None,
        }
    }
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// Whether the scheduler is subscribed to the Mesos master.
    pub subscribed: bool,
    pub framework_id: Option<String>,
    pub lineage: String,
    pub serial: u64,
    /// The apply holding the lock, if any.
    pub apply: Option<crate::daemon::RunningApply>,
}

/// `POST /v1/refresh`: how refreshing each `apache` cluster from its
/// brokers went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshReport {
    pub clusters: Vec<crate::core::RefreshOutcome>,
}

/// `GET /v1/brokers/{cluster}/{id}/log`: the last lines of one output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerLog {
    pub cluster: String,
    pub broker: u32,
    pub task_id: String,
    /// `stdout`, `stderr`, or the sandbox file read.
    pub stream: String,
    pub lines: Vec<String>,
}
