//! What the decision core reacts to: the master's events (already decoded by
//! the `mesos` client), requests from the HTTP API, answers to the commands it
//! asked the shell to carry out (probes, Kafka admin calls), and the clock.

use engine::plan::availability::LivePartition;
use engine::plan::Plan;
use engine::{Address, Config};
use mesos::proto::{Offer, OfferId, TaskStatus};

/// The partitions a broker hosts, as Kafka's metadata shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartitionHealth {
    /// Partitions it is a replica of but not in the ISR of: catching up.
    pub catching_up: u32,
    /// Partitions whose in-sync replicas would number fewer than their
    /// `min.insync.replicas` without it: stopping it now would refuse
    /// acks=all writes to them (or take them offline).
    pub needing_it: u32,
}

/// A cluster's partitions and its running reassignments, read while
/// replicas move off a broker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveReassignment {
    pub partitions: Vec<LivePartition>,
    /// The partitions whose reassignment runs, as (topic, partition).
    pub running: Vec<(String, i32)>,
}

/// One input to [`Core::handle`](super::Core::handle).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A subscription is established (first time or after a reconnection):
    /// the core records the framework id and reconciles.
    Subscribed {
        framework_id: String,
    },
    /// The subscription dropped; outstanding offers are gone.
    Disconnected,
    Offers(Vec<Offer>),
    Rescinded(OfferId),
    /// A task status update; the core acknowledges it (when it has a uuid)
    /// after it has been recorded.
    StatusUpdate(TaskStatus),
    /// The master lost an agent (its tasks' updates arrive separately).
    AgentFailure {
        agent_id: String,
    },
    /// A custom executor exited; `status` is the raw wait status when known.
    ExecutorFailure {
        agent_id: String,
        executor_id: String,
        status: Option<i32>,
    },
    /// `kmesos apply`: a plan and the resolved configuration (secrets
    /// included) it was computed from. `holder` names who submits it
    /// (shown to a concurrent submitter).
    ApplySubmitted {
        plan: Box<Plan>,
        config: Box<Config>,
        holder: String,
        /// Stop brokers even when partitions need them.
        allow_unavailable: bool,
    },
    /// Stop the running apply after the step in flight.
    ApplyCancelled,
    /// `kmesos broker restart ID`: a rolling restart of one broker, run as a
    /// one-step apply (it takes the apply lock).
    BrokerRestartRequested {
        cluster: String,
        id: u32,
        holder: String,
    },
    /// `kmesos rebalance CLUSTER`: spread an Apache Kafka cluster's replicas
    /// and preferred leaders over its brokers, run as a one-step apply.
    RebalanceRequested {
        cluster: String,
        holder: String,
    },
    /// The answer to [`KafkaAdmin::ProbeBroker`](super::KafkaAdmin::ProbeBroker):
    /// whether the broker answered Kafka ApiVersions, and where the
    /// partitions it hosts stand.
    BrokerProbe {
        cluster: String,
        id: u32,
        healthy: bool,
        partitions: PartitionHealth,
    },
    /// The answer to [`KafkaAdmin::ApplyDynamicConfig`](super::KafkaAdmin::ApplyDynamicConfig).
    DynamicConfigResult {
        cluster: String,
        broker: Option<u32>,
        error: Option<String>,
    },
    /// The answer to [`KafkaAdmin::TopicOp`](super::KafkaAdmin::TopicOp).
    TopicOpResult {
        cluster: String,
        topic: String,
        error: Option<String>,
    },
    /// A change made outside kmesos (through the cluster's Kafka endpoint,
    /// named by `via`): recorded in the state as drift for `kmesos plan`.
    ChangedOutside {
        cluster: String,
        change: engine::state::OutsideEvent,
        via: String,
    },
    /// The answer to [`KafkaAdmin::ReadReassignment`](super::KafkaAdmin::ReadReassignment).
    ReassignmentRead {
        address: Address,
        read: Result<LiveReassignment, String>,
    },
    /// The answer to [`KafkaAdmin::Reassign`](super::KafkaAdmin::Reassign).
    ReassignmentAsked {
        address: Address,
        error: Option<String>,
    },
    /// The answer to [`KafkaAdmin::ClearThrottle`](super::KafkaAdmin::ClearThrottle).
    ThrottleCleared {
        address: Address,
        error: Option<String>,
    },
    /// The answer to [`KafkaAdmin::ElectPreferredLeaders`](super::KafkaAdmin::ElectPreferredLeaders):
    /// how many partitions changed leader, or why the election failed.
    LeadersElected {
        cluster: String,
        elected: Result<usize, String>,
    },
    /// Refresh the state from the live brokers (before a plan).
    RefreshRequested,
    /// The answer to [`KafkaAdmin::ReadLive`](super::KafkaAdmin::ReadLive): what
    /// the cluster's brokers report, or why they could not be read.
    LiveRead {
        cluster: String,
        live: Result<Box<engine::state::LiveCluster>, String>,
    },
    /// Time passes: failover delays expire, probes and reconciliation are retried.
    Tick,
}
