//! The document the core keeps and hands to the shell to persist: the engine's
//! state (what `kmesos state` shows) plus the core's own bookkeeping that must
//! survive a restart: the apply in progress, each broker's task, volume and
//! failover counters, each client instance's task and failover counters, and
//! the Kafka cluster ids. A core rebuilt from it
//! resumes where the previous one stopped.

use std::collections::BTreeMap;

use engine::plan::{Action, ResourceKind};
use engine::{Address, Config, State};
use kmesos_executor::launch::Voter;
use serde::{Deserialize, Serialize};

use super::commands::Counts;

/// Everything the core persists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoreState {
    /// The state document (lineage, serial, framework id, clusters).
    pub state: State,
    /// The core's own records, kept next to the state document.
    #[serde(default)]
    pub scheduler: SchedulerRecord,
}

/// The core's bookkeeping beyond the state document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SchedulerRecord {
    /// Kafka cluster id per kmesos cluster, generated on first launch.
    #[serde(default)]
    pub cluster_ids: BTreeMap<String, String>,
    /// Per cluster, per broker id.
    #[serde(default)]
    pub brokers: BTreeMap<String, BTreeMap<u32, BrokerRecord>>,
    /// Per cluster, per client, per instance (from 0).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub clients: BTreeMap<String, BTreeMap<String, BTreeMap<u32, InstanceRecord>>>,
    /// The apply in progress, if any.
    #[serde(default)]
    pub apply: Option<ApplyRun>,
    /// Counts launches and volumes, to make their ids unique.
    #[serde(default)]
    pub sequence: u64,
    /// The KRaft controller quorum of each `apache` cluster, fixed once its
    /// voters hold their reservations (their hosts and controller ports).
    #[serde(default)]
    pub quorums: BTreeMap<String, Vec<Voter>>,
    /// Agents holding a broker's volume that the master reported lost, with
    /// when (RFC 3339), until they offer again.
    #[serde(default)]
    pub lost_agents: BTreeMap<String, String>,
}

/// What the core knows about one broker beyond its spec and runtime.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BrokerRecord {
    /// The broker's current task, if one was launched and is not known gone.
    #[serde(default)]
    pub task: Option<TaskRecord>,
    /// Earlier tasks that were killed (or lost) and not yet confirmed gone.
    #[serde(default)]
    pub doomed: Vec<TaskRecord>,
    /// Its persistent volume, once one was created.
    #[serde(default)]
    pub volume: Option<VolumeRecord>,
    /// Failures in a row (reset after running stably for `max_delay`).
    #[serde(default)]
    pub failures: u32,
    /// Not before this time (unix ms) is it relaunched (failover delay).
    #[serde(default)]
    pub relaunch_at: Option<u64>,
    /// When it stopped (unix ms): the start of its stickiness window.
    #[serde(default)]
    pub stopped_at: Option<u64>,
    /// When its task was last seen RUNNING after a launch (unix ms).
    #[serde(default)]
    pub running_since: Option<u64>,
    /// Out of failover tries: not relaunched until restarted or re-applied.
    #[serde(default)]
    pub gave_up: bool,
    /// Not to be launched (being stopped for a restart, move or destroy).
    #[serde(default)]
    pub held: bool,
    /// A KRaft voter's reserved ports on the volume's agent: (client, controller).
    #[serde(default)]
    pub voter_ports: Option<(u16, u16)>,
}

/// What the core knows about one instance of a client (one task at a time).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceRecord {
    /// The instance's current task, if one was launched and is not known gone.
    #[serde(default)]
    pub task: Option<TaskRecord>,
    /// Earlier tasks that were killed (or lost) and not yet confirmed gone.
    #[serde(default)]
    pub doomed: Vec<TaskRecord>,
    /// The agent's hostname its task was launched on.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Failures in a row (reset after running stably for `max_delay`).
    #[serde(default)]
    pub failures: u32,
    /// Not before this time (unix ms) is it relaunched (failover delay).
    #[serde(default)]
    pub relaunch_at: Option<u64>,
    /// When its task was last seen RUNNING after a launch (unix ms).
    #[serde(default)]
    pub running_since: Option<u64>,
    /// Out of failover tries: not relaunched until the client is re-applied.
    #[serde(default)]
    pub gave_up: bool,
    /// Why its last task failed (the executor's message), or why it could
    /// not be launched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Not to be launched (being stopped: its client is restarted, scaled
    /// down or destroyed).
    #[serde(default)]
    pub held: bool,
}

/// A launched task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub task_id: String,
    pub agent_id: String,
    pub phase: TaskPhase,
}

/// What the core believes of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskPhase {
    /// ACCEPT sent, no update yet.
    Launched,
    Starting,
    Running,
    /// KILL sent, waiting for a terminal update.
    Killing,
    /// Its agent is unreachable: it may come back.
    Unreachable,
    /// After a (re)subscription, until reconciliation answers.
    Unconfirmed,
}

/// A persistent volume on an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeRecord {
    pub persistence_id: String,
    pub agent_id: String,
    pub hostname: String,
    /// MiB.
    pub disk: u64,
    /// It exists: the master offered it back, or a task on it started. A
    /// KRaft voter's reservation counts towards the quorum only then.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirmed: bool,
}

/// An apply in progress: the configuration it leads to and its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplyRun {
    pub id: String,
    pub holder: String,
    /// RFC 3339.
    pub since: String,
    /// The resolved configuration (secrets included) the plan leads to.
    pub target: Config,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub counts: Counts,
    /// Brokers are stopped even when partitions need them
    /// (`--allow-unavailable`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_unavailable: bool,
}

/// One resource's change within an apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub address: Address,
    pub cluster: String,
    pub kind: ResourceKind,
    pub name: String,
    pub action: Action,
    pub stage: Stage,
    /// Dynamic Kafka properties this step sets (`None`: deletes), worked
    /// out when the apply was submitted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dynamic: BTreeMap<String, Option<String>>,
    /// When a broker it creates or moves began waiting for an offer (unix
    /// ms): the start of its placement timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<u64>,
    /// When a restart or move stopped its broker (unix ms): the restart is
    /// timed from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<u64>,
    /// A step of the apply's own on a cluster's partitions, after its
    /// brokers were added or restarted (no change of the plan's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balancing: Option<Balancing>,
}

/// What a cluster's balancing step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Balancing {
    /// Spread replicas and preferred leaders over every broker
    /// (`rebalance = true`, brokers added), then elect the preferred leaders.
    Replicas,
    /// Move each partition's leadership back to its preferred replica
    /// (after a rolling restart).
    Leaders,
}

impl Step {
    /// A step not started yet: `action` on the resource at `address`,
    /// setting `dynamic` on running brokers.
    pub fn new(
        address: Address,
        action: Action,
        dynamic: BTreeMap<String, Option<String>>,
    ) -> Step {
        Step {
            cluster: address.cluster().to_string(),
            kind: address.kind(),
            name: address.name(),
            address,
            action,
            stage: Stage::Pending,
            dynamic,
            waiting_since: None,
            stopped_at: None,
            balancing: None,
        }
    }

    /// The balancing step of `cluster`.
    pub fn balancing(cluster: &str, balancing: Balancing) -> Step {
        Step {
            balancing: Some(balancing),
            ..Step::new(Address::of_cluster(cluster), Action::NoOp, BTreeMap::new())
        }
    }
}

/// How far a step got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Pending,
    /// A broker to restart or move waits until stopping it is safe for its
    /// partitions (Apache Kafka: their ISR keeps `min.insync.replicas`).
    CheckingStop,
    /// A broker to destroy waits until its partitions have moved to the
    /// brokers that stay (Apache Kafka's partition reassignment).
    Reassigning,
    /// Its work was handed out (launch pending, Kafka admin call sent, kill sent).
    Started,
    /// A restarted broker is relaunching (its old task is gone).
    Relaunching,
    /// Waiting for a healthy probe.
    Probing,
    Done,
}

impl CoreState {
    /// The core's document for a state read on its own (no bookkeeping yet).
    pub fn from_state(state: State) -> CoreState {
        CoreState {
            state,
            scheduler: SchedulerRecord::default(),
        }
    }
}
