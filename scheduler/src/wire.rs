//! The JSON of the scheduler's HTTP API (docs/scheduler-api.md): every
//! request and answer body, the log query and the progress events, stated
//! once for the server (`api`) and its client (the `kmesos` CLI). It depends
//! on the engine's plain data only, never on the daemon or the core: the
//! server converts their values into these at its edge (`api/convert.rs`),
//! so the documented format changes only when this file does.

use std::collections::BTreeMap;

use engine::plan::availability::PartitionReport;
use engine::plan::{Action, PlacementPreview};
use engine::{Address, Config, Plan};
use serde::{Deserialize, Serialize};

/// `POST /v1/applies`: a plan and the configuration it was computed from
/// (secrets included: the plan's own copy is redacted).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplyRequest {
    pub plan: Plan,
    pub config: Config,
    /// Who submits it (`user@host`), shown to anyone refused while it runs.
    pub holder: String,
    /// Stop brokers even when partitions need them (`--allow-unavailable`):
    /// the apply does not wait for their partitions to allow the stop.
    #[serde(default)]
    pub allow_unavailable: bool,
}

/// The answer to an accepted apply or broker restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyAccepted {
    pub apply_id: String,
}

/// `POST /v1/brokers/{cluster}/{id}/restart` and
/// `POST /v1/clusters/{cluster}/rebalance`: who asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OperationRequest {
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

/// `GET /v1/partitions`: each cluster's partitions as its live brokers
/// report them, or why they could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionsReport {
    pub clusters: BTreeMap<String, PartitionReport>,
}

/// `POST /v1/placement`: the configuration a plan leads to (its redacted
/// copy will do: placement reads no secret) and the brokers it creates or
/// moves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlacementRequest {
    pub config: Config,
    pub brokers: Vec<Address>,
}

/// The answer to [`PlacementRequest`]: per broker, in the order asked,
/// where it would land or why it cannot be placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementReport {
    pub brokers: Vec<PlacementPreview>,
}

/// `GET /v1/health` of the scheduler that acts (the only one, or the
/// elected leader of several).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `leader`.
    #[serde(default = "leader_role")]
    pub role: String,
    /// This scheduler's API URL: where the leader is.
    #[serde(default)]
    pub leader: Option<String>,
    /// Whether the scheduler is subscribed to the Mesos master.
    pub subscribed: bool,
    pub framework_id: Option<String>,
    pub lineage: String,
    /// Moves when the applied facts do (what saved plans check).
    pub serial: u64,
    /// Moves on every write of the state, what runs included.
    #[serde(default)]
    pub generation: u64,
    /// The apply holding the lock, if any.
    pub apply: Option<RunningApply>,
}

fn leader_role() -> String {
    "leader".into()
}

/// `GET /v1/health` of a standby scheduler, waiting to be elected; every
/// other call to it is redirected to the leader (307), or refused with 503
/// while none leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandbyHealth {
    /// `ok`.
    pub status: String,
    /// `standby`.
    pub role: String,
    /// The leader's API URL, if one is elected.
    pub leader: Option<String>,
}

/// The apply holding the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningApply {
    pub apply_id: String,
    pub holder: String,
    /// RFC 3339.
    pub since: String,
}

/// `POST /v1/refresh`: how refreshing each `apache` cluster from its
/// brokers went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshReport {
    pub clusters: Vec<RefreshOutcome>,
}

/// How refreshing one cluster from its brokers went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshOutcome {
    pub cluster: String,
    /// The addresses of the resources whose drift the refresh recorded.
    #[serde(default)]
    pub drifted: Vec<Address>,
    /// Why the cluster was not refreshed; absent when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// `POST /v1/applies/current/cancel`: `{"cancelled": true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAccepted {
    pub cancelled: bool,
}

/// The query of `GET /v1/brokers/{cluster}/{id}/log`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// `stdout` (default) or `stderr`: the broker's output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Instead of a stream, a file in the sandbox by its relative path (a
    /// broker's own log files, e.g. `kafka-app-logs/server.log`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<usize>,
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

/// `GET /v1/clients/{cluster}/{client}/{instance}/log`: the last lines of
/// one instance's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientLog {
    pub cluster: String,
    pub client: String,
    pub instance: u32,
    pub task_id: String,
    /// `stdout` or `stderr`.
    pub stream: String,
    pub lines: Vec<String>,
}

/// `GET /v1/clients/stats`: per producer and consumer instance that runs,
/// what it last reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientStatsReport {
    pub instances: Vec<InstanceStats>,
}

/// One instance's latest report, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceStats {
    pub cluster: String,
    pub client: String,
    pub instance: u32,
    /// `producer` or `consumer`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<Throughput>,
    /// Why there is no report: nothing printed yet, or the sandbox could
    /// not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreported: Option<String>,
}

/// Messages and megabytes per second over the tool's last reporting
/// interval; a producer's average and maximum send latency over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub messages_per_sec: f64,
    pub mb_per_sec: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_latency_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_latency_ms: Option<f64>,
}

/// One line of `GET /v1/applies/{id}/progress` (NDJSON), `event` saying
/// which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    Started {
        apply_id: String,
        holder: String,
        steps: usize,
    },
    /// A broker's task moved on.
    Broker {
        apply_id: String,
        cluster: String,
        id: u32,
        phase: BrokerPhase,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// Work on a cluster's partitions moved on (a rebalance, leadership).
    Cluster {
        apply_id: String,
        cluster: String,
        detail: String,
    },
    /// A resource's change is done.
    StepDone {
        apply_id: String,
        address: Address,
        action: Action,
    },
    Finished {
        apply_id: String,
        counts: Counts,
    },
    Failed {
        apply_id: String,
        message: String,
        counts: Counts,
    },
    Cancelled {
        apply_id: String,
        counts: Counts,
    },
}

/// Where a broker is, as the apply sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerPhase {
    WaitingForOffer,
    Launching,
    Starting,
    Running,
    /// Until it answers and is back in the ISR of every partition it hosts.
    Probing,
    /// Until every partition it hosts keeps `min.insync.replicas` in-sync
    /// replicas without it.
    WaitingToStop,
    /// To be destroyed: until its partitions moved to the brokers that stay.
    Reassigning,
    Stopping,
    Stopped,
    Failed,
    Destroyed,
}

/// What an apply did, by kind of change (moves count as restarts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub restarted: usize,
    pub destroyed: usize,
}
