//! What the admin endpoint needs from the scheduler: the cluster's live
//! brokers and effective configs, and a place to report changes made through
//! the endpoint so `kmesos plan` can show them as drift.
//!
//! Every method is called from the endpoint's connection tasks and must not
//! block: answer from a snapshot, and hand changes to the state's owner (for
//! example over a channel).

#[cfg(doc)]
use crate::configs::ConfigSource;
use crate::configs::{ConfigChange, ConfigEntry};

/// A broker that is running now, as clients should reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBroker {
    /// The kmesos broker id, which clients see as the Kafka node id.
    pub node_id: i32,
    pub host: String,
    pub port: u16,
    pub rack: Option<String>,
}

impl LiveBroker {
    /// `host:port`, for connecting.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// How the brokers of a cluster relate to each other, which decides how the
/// endpoint carries out topic requests and reports partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterKind {
    /// Independent single-node brokers (tansu): each process is its own
    /// cluster with node id 111, leads every partition it has, and replicates
    /// nothing. The endpoint keeps every topic on every live broker (create,
    /// delete and add partitions on each) and in Metadata spreads partition
    /// leadership over the cluster's brokers, live or not: partition `p` is
    /// led by the `p % N`-th of [`ClusterBackend::broker_ids`], its only
    /// replica, which holds its data; while that broker is down the
    /// partition is offline (no leader), as in Kafka with replication
    /// factor 1.
    Tansu,
    /// A real Apache Kafka cluster: any live broker forwards admin requests to
    /// the controller and reports the whole cluster, so one broker's view of
    /// topics and partitions is passed through unchanged.
    Kafka,
}

/// A topic change made through the endpoint, for drift detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicChange {
    Created {
        name: String,
        partitions: i32,
        replication_factor: i16,
        configs: Vec<(String, String)>,
    },
    Deleted {
        name: String,
    },
    PartitionsIncreased {
        name: String,
        total: i32,
    },
    ConfigChanged {
        name: String,
        change: ConfigChange,
    },
}

/// The scheduler's side of the admin endpoint.
pub trait ClusterBackend: Send + Sync + 'static {
    /// The cluster id clients see in Metadata and DescribeCluster.
    fn cluster_id(&self) -> String;

    /// How the cluster's brokers relate; see [`ClusterKind`].
    fn kind(&self) -> ClusterKind;

    /// The brokers running now. The endpoint itself is never one of them.
    fn brokers(&self) -> Vec<LiveBroker>;

    /// The node ids of every broker the cluster is configured with, running
    /// or not: where a tansu cluster's partitions live (see
    /// [`ClusterKind::Tansu`]), which must not change when a broker stops.
    fn broker_ids(&self) -> Vec<i32>;

    /// The effective configuration kmesos rendered for broker `node_id`, or
    /// `None` if no such broker is live. Sensitive values may be included:
    /// the endpoint masks them.
    fn broker_config(&self, node_id: i32) -> Option<Vec<ConfigEntry>>;

    /// The cluster-wide broker configuration (Kafka's default BROKER
    /// resource): the properties every broker runs with unless its own
    /// override them, dynamic ones as [`ConfigSource::ClusterDynamic`]. A
    /// backend that renders no cluster-wide properties has none to describe.
    fn cluster_broker_config(&self) -> Vec<ConfigEntry> {
        Vec::new()
    }

    /// The effective configuration of a topic kmesos manages, or `None` to
    /// report what the brokers describe.
    fn topic_config(&self, topic: &str) -> Option<Vec<ConfigEntry>>;

    /// Whether a broker property can change while the broker runs; changes
    /// to any other property are refused as Kafka refuses them.
    fn is_dynamic_broker_config(&self, name: &str) -> bool;

    /// Whether a dynamic broker property can only be set per broker (Kafka's
    /// per-broker update mode: listener security, replication quotas), so
    /// that setting it cluster-wide is refused as Kafka refuses it.
    fn is_per_broker_config(&self, _name: &str) -> bool {
        false
    }

    /// A topic was created, deleted, grown or reconfigured through the endpoint.
    fn topic_changed(&self, change: TopicChange);

    /// A dynamic broker property was changed through the endpoint, on broker
    /// `node_id`, or cluster-wide when `None`.
    fn broker_config_changed(&self, node_id: Option<i32>, change: ConfigChange);
}
