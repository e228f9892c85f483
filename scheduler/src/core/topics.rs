//! Topic operations on a live cluster, and where they run: decided here,
//! once, from the cluster's kind, and handed to the shell as data in
//! [`KafkaAdmin::TopicOp`](super::KafkaAdmin::TopicOp). An Apache Kafka
//! cluster's controller takes an operation once and every broker learns it
//! from the KRaft metadata log; each tansu broker is a single-node cluster of
//! its own that keeps every topic (as the cluster's Kafka endpoint keeps
//! them), so the operation runs on every live one.

use engine::config::{KafkaKind, TopicSpec};
use serde::{Deserialize, Serialize};

use super::Core;

/// A topic operation on a live cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TopicOp {
    Create {
        name: String,
        spec: TopicSpec,
    },
    /// Grow partitions to `spec.partitions`, set its config and delete the
    /// properties it had that the spec no longer names (`removed`).
    Update {
        name: String,
        spec: TopicSpec,
        #[serde(default)]
        removed: Vec<String>,
    },
    Delete {
        name: String,
    },
}

impl TopicOp {
    /// The topic it is about.
    pub fn topic(&self) -> &str {
        match self {
            TopicOp::Create { name, .. }
            | TopicOp::Update { name, .. }
            | TopicOp::Delete { name } => name,
        }
    }
}

/// Where a topic operation runs: endpoints (`host:port`) of the cluster's
/// running brokers, in broker id order, never empty.
#[derive(Debug, Clone, PartialEq)]
pub enum TopicPlacement {
    /// Apache Kafka: sent once, through the first broker (the controller
    /// takes it); done when every one of `brokers` reports it in its
    /// Metadata, so that a client's next request sees it anywhere.
    Controller { brokers: Vec<String> },
    /// tansu: run on each of `brokers` in turn, stopping at the first
    /// refusal, except a refusal that is `done_already` (the topic is
    /// already as the operation leaves it: an earlier try, or the cluster's
    /// Kafka endpoint, got there first).
    EveryBroker {
        brokers: Vec<String>,
        done_already: Option<TopicRefusal>,
    },
}

/// A broker's refusal of a topic operation that can mean the topic is
/// already as the operation would leave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicRefusal {
    /// Kafka's TOPIC_ALREADY_EXISTS, for a create.
    AlreadyExists,
    /// Kafka's UNKNOWN_TOPIC_OR_PARTITION, for a delete.
    UnknownTopic,
}

/// Where `op` runs on `cluster` now; `None` while no broker of it runs.
pub(super) fn placement(core: &Core, cluster: &str, op: &TopicOp) -> Option<TopicPlacement> {
    let state = core.doc.state.clusters.get(cluster)?;
    let brokers: Vec<String> = state
        .brokers
        .keys()
        .filter_map(|id| core.endpoint(cluster, *id))
        .collect();
    if brokers.is_empty() {
        return None;
    }
    Some(match state.kafka.kind {
        KafkaKind::Apache => TopicPlacement::Controller { brokers },
        KafkaKind::Tansu => {
            // Only across several brokers can an earlier, partial try have
            // done it on some of them; a single broker's refusal stands.
            let several = brokers.len() > 1;
            let done_already = match op {
                TopicOp::Create { .. } => Some(TopicRefusal::AlreadyExists),
                TopicOp::Delete { .. } => Some(TopicRefusal::UnknownTopic),
                TopicOp::Update { .. } => None,
            };
            TopicPlacement::EveryBroker {
                brokers,
                done_already: done_already.filter(|_| several),
            }
        }
    })
}
