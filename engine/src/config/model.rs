//! The typed configuration model: what the operator asked for, with defaults
//! applied and ranges expanded. These types are also what the state records as
//! "applied" and what the scheduler and executor consume, so they serialize.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::byte_rate::ByteRate;
use super::constraint::Constraint;
use super::duration;

/// Kafka properties, name → value as Kafka reads it from a properties file.
pub type KafkaProperties = BTreeMap<String, String>;

/// The `scheduler` block: where `plan`/`apply` reach the scheduler daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulerBlock {
    /// Base URL, e.g. `http://127.0.0.1:7000`.
    pub address: String,
}

/// One `cluster "NAME"` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpec {
    pub kafka: KafkaSpec,
    /// Kafka properties for every broker of the cluster.
    #[serde(default)]
    pub config: KafkaProperties,
    /// Broker id → spec; `broker "0..2"` blocks are expanded to one entry per id.
    #[serde(default)]
    pub brokers: BTreeMap<u32, BrokerSpec>,
    #[serde(default)]
    pub topics: BTreeMap<String, TopicSpec>,
    #[serde(default)]
    pub clients: BTreeMap<String, ClientSpec>,
}

/// Which broker software runs and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaSpec {
    pub kind: KafkaKind,
    /// What agents fetch from the scheduler (an Apache Kafka .tgz); none: the
    /// broker binary is already on the agents.
    #[serde(default)]
    pub dist: Option<String>,
    /// The scheduler's Kafka admin/bootstrap listener for this cluster, `HOST:PORT`.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The replication throttle while partitions move off a broker being
    /// destroyed; none: unthrottled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reassignment_throttle: Option<ByteRate>,
    /// Apache Kafka: once an apply added brokers, it spreads the partitions'
    /// replicas and preferred leaders evenly over all the brokers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rebalance: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KafkaKind {
    /// The tansu broker (dev and tests).
    Tansu,
    /// An Apache Kafka distribution in KRaft mode.
    Apache,
}

impl fmt::Display for KafkaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KafkaKind::Tansu => "tansu",
            KafkaKind::Apache => "apache",
        })
    }
}

/// One broker: the resources it asks Mesos for and how it is placed and restarted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerSpec {
    /// CPU shares.
    pub cpus: f64,
    /// Memory, MiB.
    pub mem: u64,
    /// Java heap, MiB (apache only; defaults to half of `mem`).
    #[serde(default)]
    pub heap: Option<u64>,
    /// Persistent volume for the broker's data, MiB.
    pub disk: u64,
    pub port: PortSpec,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    /// Per-broker Kafka properties, over the cluster's.
    #[serde(default)]
    pub config: KafkaProperties,
    pub failover: Failover,
    /// How long to prefer the agent that holds the broker's data.
    #[serde(with = "duration")]
    pub stickiness: Duration,
    /// How long an apply waits for an offer that fits a broker it creates or
    /// moves before it fails, naming why no offer fitted.
    #[serde(with = "duration", default = "BrokerSpec::default_placement_timeout")]
    pub placement_timeout: Duration,
}

impl BrokerSpec {
    pub const DEFAULT_CPUS: f64 = 1.0;
    pub const DEFAULT_MEM: u64 = 2048;
    pub const DEFAULT_DISK: u64 = 1024;
    pub const DEFAULT_STICKINESS: Duration = Duration::from_secs(600);
    pub const DEFAULT_PLACEMENT_TIMEOUT: Duration = Duration::from_secs(600);

    fn default_placement_timeout() -> Duration {
        BrokerSpec::DEFAULT_PLACEMENT_TIMEOUT
    }

    /// The Kafka properties this broker runs with: the cluster's, overridden by its own.
    pub fn effective_config(&self, cluster: &KafkaProperties) -> KafkaProperties {
        let mut merged = cluster.clone();
        merged.extend(self.config.iter().map(|(k, v)| (k.clone(), v.clone())));
        merged
    }
}

/// The port a broker listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortSpec {
    /// Any port the offer has.
    Any,
    /// Exactly this port.
    Fixed(u16),
    /// Any port in this inclusive range.
    Range { from: u16, to: u16 },
}

impl PortSpec {
    pub fn contains(&self, port: u16) -> bool {
        match *self {
            PortSpec::Any => true,
            PortSpec::Fixed(p) => p == port,
            PortSpec::Range { from, to } => (from..=to).contains(&port),
        }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Any => f.write_str("any"),
            PortSpec::Fixed(p) => write!(f, "{p}"),
            PortSpec::Range { from, to } => write!(f, "{from}..{to}"),
        }
    }
}

/// How the scheduler retries a broker that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failover {
    /// First delay before relaunching; doubles on each further failure.
    #[serde(with = "duration")]
    pub delay: Duration,
    /// Upper bound of the delay.
    #[serde(with = "duration")]
    pub max_delay: Duration,
    /// Failures in a row before giving up; 0 = never give up.
    pub max_tries: u32,
}

impl Default for Failover {
    fn default() -> Self {
        Failover {
            delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(600),
            max_tries: 0,
        }
    }
}

/// One `topic "NAME"` block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicSpec {
    pub partitions: u32,
    pub replication_factor: u16,
    /// Topic-level Kafka properties (`retention.ms`, `cleanup.policy`, ...).
    #[serde(default)]
    pub config: KafkaProperties,
}

/// One `client "NAME"` block: a producer/consumer workload run on Mesos,
/// one task per instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSpec {
    pub kind: ClientKind,
    pub instances: u32,
    pub cpus: f64,
    /// MiB.
    pub mem: u64,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub command: Option<String>,
    /// What the agent fetches into a command client's sandbox first, as
    /// Mesos fetches a command task's URIs (archives unpacked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uris: Vec<String>,
    /// A producer's messages per second, per instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<u64>,
    /// A producer's message size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_size: Option<u32>,
    /// Kafka producer or consumer properties (`acks`, `compression.type`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: KafkaProperties,
    /// How a failed instance is relaunched.
    #[serde(default)]
    pub failover: Failover,
}

impl ClientSpec {
    pub const DEFAULT_CPUS: f64 = 0.1;
    pub const DEFAULT_MEM: u64 = 256;
    pub const DEFAULT_RATE: u64 = 100;
    pub const DEFAULT_MESSAGE_SIZE: u32 = 100;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientKind {
    Producer,
    Consumer,
    Command,
}

impl fmt::Display for ClientKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClientKind::Producer => "producer",
            ClientKind::Consumer => "consumer",
            ClientKind::Command => "command",
        })
    }
}
