//! What the core is told at start: the framework's role and principal, where
//! agents fetch the executor and broker programs from (the shell serves them
//! with their sha256), and its timing.

use std::collections::BTreeMap;
use std::time::Duration;

/// A file agents fetch over HTTP, and its lower-case hex sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub uri: String,
    pub sha256: String,
}

/// Where a broker program comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// Fetched into the sandbox from the scheduler.
    Fetched(Artifact),
    /// Installed on every agent at this absolute path.
    Installed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CoreConfig {
    /// The Mesos role brokers' resources are reserved for.
    pub role: String,
    /// The framework's principal (reservations and volumes carry it).
    pub principal: Option<String>,
    /// The kmesos-executor binary.
    pub executor: Artifact,
    /// The tansu binary, for `kind = "tansu"` clusters.
    pub tansu: Program,
    /// Apache Kafka distributions (`.tgz`) for `kind = "apache"` clusters,
    /// by the `kafka.dist` value that names them.
    pub distributions: BTreeMap<String, Artifact>,
    /// The scheduler's own Kafka endpoint address (`--kafka`), serving the
    /// first cluster that names no `kafka.endpoint`.
    pub kafka: Option<String>,
    /// Grace period between SIGTERM and SIGKILL when stopping a broker.
    pub kill_grace: Duration,
    /// How often an unhealthy broker is probed again during an apply.
    pub probe_interval: Duration,
    /// Period of the implicit reconciliation that finds forgotten tasks.
    pub reconcile_interval: Duration,
    /// Refuse filter for offers that do not fit a pending broker.
    pub refuse_unfit: Duration,
    /// Refuse filter for offers when nothing is pending.
    pub refuse_idle: Duration,
}

impl CoreConfig {
    /// Settings with the default timing: 30 s kill grace, probes every 5 s,
    /// implicit reconciliation every 15 min, unfit offers refused for 10 s,
    /// offers refused for 5 min when idle.
    pub fn new(role: impl Into<String>, executor: Artifact, tansu: Program) -> CoreConfig {
        CoreConfig {
            role: role.into(),
            principal: None,
            executor,
            tansu,
            distributions: BTreeMap::new(),
            kafka: None,
            kill_grace: Duration::from_secs(30),
            probe_interval: Duration::from_secs(5),
            reconcile_interval: Duration::from_secs(15 * 60),
            refuse_unfit: Duration::from_secs(10),
            refuse_idle: Duration::from_secs(300),
        }
    }
}
