//! What the decision core asks the shell to do, nested by where it goes:
//! writing the state, calls to the Mesos master ([`MesosCall`]), Kafka admin
//! work on live brokers ([`KafkaAdmin`]), answers to API requests ([`Reply`])
//! and apply progress for the CLI ([`Progress`]). The shell matches each
//! level exhaustively, so a new command cannot go unhandled, and carries
//! them out in the order given: `PersistState` comes before the calls that
//! depend on it being durable.

use std::collections::BTreeMap;

use engine::plan::reassignment::ReplicaMove;
use engine::plan::{Action, StalePlan};
use engine::Address;
use mesos::proto::{offer, AgentId, Filters, OfferId, TaskId};
use serde::{Deserialize, Serialize};

use super::record::CoreState;
use super::topics::{TopicOp, TopicPlacement};

/// One output of [`Core::handle`](super::Core::handle), by where it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Write this state durably before carrying out the commands after it.
    PersistState(Box<CoreState>),
    /// A call to the Mesos master.
    Mesos(MesosCall),
    /// Kafka admin work on live brokers, answered with an event.
    Kafka(KafkaAdmin),
    /// The answer to an API request.
    Reply(Reply),
    /// Progress of the running apply, for `kmesos apply` to follow.
    ApplyProgress(Progress),
}

/// A call to the Mesos master, made in the order the core gives.
#[derive(Debug, Clone, PartialEq)]
pub enum MesosCall {
    /// ACCEPT: the operations run in order on the offers' agent.
    Accept {
        offer_ids: Vec<OfferId>,
        operations: Vec<offer::Operation>,
        filters: Filters,
    },
    /// DECLINE with a refuse filter.
    Decline {
        offer_ids: Vec<OfferId>,
        refuse_seconds: f64,
    },
    /// KILL; `grace` is the kill policy's grace period, when the core wants
    /// a graceful stop (SIGTERM, wait, SIGKILL).
    Kill {
        task_id: TaskId,
        agent_id: Option<AgentId>,
        grace: Option<std::time::Duration>,
    },
    /// ACKNOWLEDGE an update that carried a uuid.
    Acknowledge {
        agent_id: AgentId,
        task_id: TaskId,
        uuid: Vec<u8>,
    },
    /// RECONCILE: explicit for the listed tasks, implicit when empty.
    Reconcile {
        tasks: Vec<(TaskId, Option<AgentId>)>,
    },
    /// REVIVE the framework's role (something is pending).
    Revive,
    /// SUPPRESS the framework's role (nothing is pending).
    Suppress,
}

/// Kafka admin work on a cluster's live brokers; each ends in the event
/// that answers it.
#[derive(Debug, Clone, PartialEq)]
pub enum KafkaAdmin {
    /// Check a broker: Kafka ApiVersions on `endpoint`, and the state of the
    /// partitions it hosts (ISR, `min.insync.replicas`); answer with
    /// [`Event::BrokerProbe`](super::Event::BrokerProbe).
    ProbeBroker {
        cluster: String,
        id: u32,
        endpoint: String,
    },
    /// Change dynamic Kafka configs through a live broker's admin API
    /// (IncrementalAlterConfigs): for broker `broker`, or cluster-wide
    /// defaults when `None`. A `None` value deletes (resets) the property.
    /// Answer with [`Event::DynamicConfigResult`](super::Event::DynamicConfigResult).
    ApplyDynamicConfig {
        cluster: String,
        broker: Option<u32>,
        endpoint: String,
        properties: BTreeMap<String, Option<String>>,
    },
    /// Create, change or delete a topic on the live brokers `placement`
    /// names, as it says; answer with
    /// [`Event::TopicOpResult`](super::Event::TopicOpResult).
    TopicOp {
        cluster: String,
        op: TopicOp,
        placement: TopicPlacement,
    },
    /// Read what the running brokers of `apache` cluster `cluster` report
    /// (their dynamic configs, the managed `topics`' configs and partition
    /// counts), each broker at its endpoint; answer with
    /// [`Event::LiveRead`](super::Event::LiveRead).
    ReadLive {
        cluster: String,
        brokers: BTreeMap<u32, String>,
        topics: Vec<String>,
    },
    /// Read, through the first of `endpoints` that answers, the cluster's
    /// partitions (replicas, ISR) and its running partition reassignments,
    /// while replicas move for the step at `address` (off a broker being
    /// destroyed, or over a cluster being rebalanced); answer with
    /// [`Event::ReassignmentRead`](super::Event::ReassignmentRead).
    ReadReassignment {
        address: Address,
        endpoints: Vec<String>,
    },
    /// Set the replication throttle, if any, then ask the controller to
    /// make `moves` (AlterPartitionReassignments); answer with
    /// [`Event::ReassignmentAsked`](super::Event::ReassignmentAsked).
    Reassign {
        address: Address,
        endpoints: Vec<String>,
        moves: Vec<ReplicaMove>,
        throttle: Option<Throttle>,
    },
    /// Delete the replication throttles a [`KafkaAdmin::Reassign`] set:
    /// the rates of `brokers` (id → endpoint: a broker takes its own
    /// configs only), the throttled replicas of every topic; answer with
    /// [`Event::ThrottleCleared`](super::Event::ThrottleCleared).
    ClearThrottle {
        address: Address,
        endpoints: Vec<String>,
        brokers: BTreeMap<u32, String>,
    },
    /// Move every partition's leadership to its preferred (first) replica
    /// (ElectLeaders), through the first of `endpoints` that answers; answer
    /// with [`Event::LeadersElected`](super::Event::LeadersElected).
    ElectPreferredLeaders {
        cluster: String,
        endpoints: Vec<String>,
    },
}

/// A replication throttle for partition moves: `rate` bytes per second on
/// each of `brokers` (id → endpoint: a broker takes its own configs only),
/// for the replicas that move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    pub rate: u64,
    pub brokers: BTreeMap<u32, String>,
}

/// The answer to an API request the core handled.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The answer to `ApplySubmitted` / `BrokerRestartRequested`: taken.
    ApplyAccepted { apply_id: String },
    /// The answer to `ApplySubmitted` / `BrokerRestartRequested`: refused.
    ApplyRefused(ApplyRefusal),
    /// How the refresh of one cluster went (the answer to
    /// [`Event::RefreshRequested`](super::Event::RefreshRequested), one per
    /// cluster).
    Refreshed(RefreshOutcome),
}

impl From<MesosCall> for Command {
    fn from(call: MesosCall) -> Command {
        Command::Mesos(call)
    }
}

impl From<KafkaAdmin> for Command {
    fn from(work: KafkaAdmin) -> Command {
        Command::Kafka(work)
    }
}

impl From<Reply> for Command {
    fn from(reply: Reply) -> Command {
        Command::Reply(reply)
    }
}

impl From<Progress> for Command {
    fn from(progress: Progress) -> Command {
        Command::ApplyProgress(progress)
    }
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

/// Why a submitted apply (or broker restart) was not taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyRefusal {
    /// The plan was computed against another state.
    #[error("{0}")]
    Stale(StalePlan),
    /// Another apply holds the lock.
    #[error("apply {apply_id} by {holder} is running since {since}; wait for it or cancel it")]
    Busy {
        apply_id: String,
        holder: String,
        /// RFC 3339.
        since: String,
    },
    /// The request names something the state does not have.
    #[error("{0}")]
    Invalid(String),
}

/// One step of an apply's progress, as the CLI shows it.
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
    /// Running, waiting for the probe to see it healthy and back in the ISR
    /// of every partition it hosts.
    Probing,
    /// Running, to be stopped once every partition it hosts keeps
    /// `min.insync.replicas` in-sync replicas without it.
    WaitingToStop,
    /// To be destroyed: its partitions move to the brokers that stay
    /// before it is stopped.
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
