//! Changes made outside kmesos (through the scheduler's Kafka endpoint, or any
//! other admin path the scheduler hears of), as Terraform keeps refreshed
//! values: the state's specs are updated to what now holds, and a drift record
//! per resource keeps what kmesos last applied plus a log of the outside
//! changes (when, through what). `kmesos plan` shows the record's difference as
//! drift and plans the changes that bring the resource back to the HCL.
//! Topics no HCL manages (not in the state) are never recorded.

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::config::{KafkaProperties, TopicSpec};
use crate::sensitive::{is_sensitive, REDACTED};

use super::{ClusterState, State};

/// What kmesos last applied to a resource that was then changed outside it,
/// and the outside changes since, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftRecord {
    pub applied: Applied,
    #[serde(default)]
    pub changes: Vec<OutsideChange>,
}

/// The applied side of a drifted resource: only what can change outside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Applied {
    /// The cluster-wide Kafka properties (`cluster.NAME`).
    Cluster { config: KafkaProperties },
    /// One broker's own Kafka properties (`cluster.NAME.broker.ID`).
    Broker { config: KafkaProperties },
    /// A managed topic (`cluster.NAME.topic.TOPIC`).
    Topic { spec: TopicSpec },
}

/// One change made outside kmesos, as logged in a drift record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutsideChange {
    /// RFC 3339 time the scheduler heard of it.
    pub at: String,
    /// Through what, e.g. `Kafka endpoint 127.0.0.1:9092`.
    pub via: String,
    /// What changed, e.g. `config["retention.ms"] set to "1000"`; secret
    /// values are logged as `(sensitive)`.
    pub change: String,
}

/// When and through what an outside change was made (the caller's clock and
/// channel: the engine does no I/O).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeOrigin {
    pub at: String,
    pub via: String,
}

/// A topic change made outside kmesos, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicEvent {
    Created {
        name: String,
        partitions: u32,
        replication_factor: u16,
        config: KafkaProperties,
    },
    Deleted {
        name: String,
    },
    PartitionsIncreased {
        name: String,
        total: u32,
    },
    Config {
        name: String,
        edit: ConfigEdit,
    },
}

/// A change made outside kmesos to one of a cluster's resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutsideEvent {
    Topic(TopicEvent),
    /// A dynamic broker property, on broker `broker` or cluster-wide (`None`).
    BrokerConfig {
        broker: Option<u32>,
        edit: ConfigEdit,
    },
}

impl TopicEvent {
    /// The topic changed.
    pub fn name(&self) -> &str {
        match self {
            TopicEvent::Created { name, .. }
            | TopicEvent::Deleted { name }
            | TopicEvent::PartitionsIncreased { name, .. }
            | TopicEvent::Config { name, .. } => name,
        }
    }
}

impl OutsideEvent {
    /// The address of the resource changed, in cluster `cluster`.
    pub fn address(&self, cluster: &str) -> Address {
        match self {
            OutsideEvent::Topic(event) => Address::of_topic(cluster, event.name()),
            OutsideEvent::BrokerConfig {
                broker: Some(id), ..
            } => Address::of_broker(cluster, *id),
            OutsideEvent::BrokerConfig { broker: None, .. } => Address::of_cluster(cluster),
        }
    }
}

/// One Kafka property set or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigEdit {
    Set { name: String, value: String },
    Delete { name: String },
}

impl ConfigEdit {
    fn apply_to(&self, config: &mut KafkaProperties) {
        match self {
            ConfigEdit::Set { name, value } => {
                config.insert(name.clone(), value.clone());
            }
            ConfigEdit::Delete { name } => {
                config.remove(name);
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            ConfigEdit::Set { name, value } => {
                let shown = if is_sensitive(name) { REDACTED } else { value };
                format!("config[{name:?}] set to {shown:?}")
            }
            ConfigEdit::Delete { name } => format!("config[{name:?}] removed"),
        }
    }
}

impl State {
    /// Records a change made outside kmesos to cluster `cluster` (see
    /// [`State::record_topic_change`], [`State::record_broker_config_change`]).
    pub fn record_outside_change(
        &mut self,
        cluster: &str,
        event: &OutsideEvent,
        origin: &ChangeOrigin,
    ) -> bool {
        match event {
            OutsideEvent::Topic(change) => self.record_topic_change(cluster, change, origin),
            OutsideEvent::BrokerConfig { broker, edit } => {
                self.record_broker_config_change(cluster, *broker, edit, origin)
            }
        }
    }

    /// Records a topic change made outside kmesos: the state's topic takes the
    /// new values and the topic's drift record logs it. Returns whether
    /// anything was recorded: topics the state does not manage (and changes to
    /// clusters it does not know) are left alone.
    pub fn record_topic_change(
        &mut self,
        cluster: &str,
        event: &TopicEvent,
        origin: &ChangeOrigin,
    ) -> bool {
        let Some(cs) = self.clusters.get_mut(cluster) else {
            return false;
        };
        let name = event.name();
        let change = match event {
            TopicEvent::Created {
                partitions,
                replication_factor,
                ..
            } => format!(
                "created with {partitions} partitions, replication factor {replication_factor}"
            ),
            TopicEvent::Deleted { .. } => "deleted".to_string(),
            TopicEvent::PartitionsIncreased { total, .. } => {
                format!("partitions increased to {total}")
            }
            TopicEvent::Config { edit, .. } => edit.describe(),
        };
        let address = Address::of_topic(cluster, name);
        // A managed topic, or one deleted outside and now created again.
        let applied = match (cs.topics.get(name), cs.drift.get(&address)) {
            (Some(spec), _) => Applied::Topic { spec: spec.clone() },
            (None, Some(record)) => record.applied.clone(),
            (None, None) => return false,
        };
        match event {
            TopicEvent::Created {
                partitions,
                replication_factor,
                config,
                ..
            } => {
                cs.topics.insert(
                    name.to_string(),
                    TopicSpec {
                        partitions: *partitions,
                        replication_factor: *replication_factor,
                        config: config.clone(),
                    },
                );
            }
            TopicEvent::Deleted { .. } => {
                cs.topics.remove(name);
            }
            TopicEvent::PartitionsIncreased { total, .. } => {
                if let Some(spec) = cs.topics.get_mut(name) {
                    spec.partitions = spec.partitions.max(*total);
                }
            }
            TopicEvent::Config { edit, .. } => {
                if let Some(spec) = cs.topics.get_mut(name) {
                    edit.apply_to(&mut spec.config);
                }
            }
        }
        log(cs, address, applied, change, origin);
        true
    }

    /// Records a dynamic broker property changed outside kmesos, on broker
    /// `broker` or cluster-wide (`None`): the state's properties take the new
    /// value and the drift record logs it. Returns whether anything was
    /// recorded (unknown clusters and brokers are left alone).
    pub fn record_broker_config_change(
        &mut self,
        cluster: &str,
        broker: Option<u32>,
        edit: &ConfigEdit,
        origin: &ChangeOrigin,
    ) -> bool {
        let Some(cs) = self.clusters.get_mut(cluster) else {
            return false;
        };
        let (address, config) = match broker {
            None => (Address::of_cluster(cluster), &mut cs.config),
            Some(id) => match cs.brokers.get_mut(&id) {
                Some(b) => (Address::of_broker(cluster, id), &mut b.spec.config),
                None => return false,
            },
        };
        let applied = match broker {
            None => Applied::Cluster {
                config: config.clone(),
            },
            Some(_) => Applied::Broker {
                config: config.clone(),
            },
        };
        edit.apply_to(config);
        log(cs, address, applied, edit.describe(), origin);
        true
    }

    /// Forgets the drift of the resource at `address` (after an apply made it
    /// match the configuration again). Returns whether there was any.
    pub fn clear_drift(&mut self, address: &Address) -> bool {
        self.clusters
            .values_mut()
            .any(|cs| cs.drift.remove(address).is_some())
    }

    /// Whether any resource has a drift record.
    pub fn has_drift(&self) -> bool {
        self.clusters.values().any(|cs| !cs.drift.is_empty())
    }
}

/// Appends to the resource's drift record, creating it with `applied` (the
/// values before this change) if it is the first outside change; a resource
/// back at its applied values has no drift left.
fn log(
    cs: &mut ClusterState,
    address: Address,
    applied: Applied,
    change: String,
    origin: &ChangeOrigin,
) {
    let record = cs.drift.entry(address.clone()).or_insert(DriftRecord {
        applied,
        changes: Vec::new(),
    });
    record.changes.push(OutsideChange {
        at: origin.at.clone(),
        via: origin.via.clone(),
        change,
    });
    if current(cs, &address).as_ref() == cs.drift.get(&address).map(|r| &r.applied) {
        cs.drift.remove(&address);
    }
}

/// What holds now for the resource at `address` of `cs`, in drift records'
/// terms (`None` for a topic deleted outside, a broker removed since, or a
/// client: outside changes to clients are not recorded).
pub fn current(cs: &ClusterState, address: &Address) -> Option<Applied> {
    match address {
        Address::Cluster { .. } => Some(Applied::Cluster {
            config: cs.config.clone(),
        }),
        Address::Broker { id, .. } => Some(Applied::Broker {
            config: cs.brokers.get(id)?.spec.config.clone(),
        }),
        Address::Topic { name, .. } => Some(Applied::Topic {
            spec: cs.topics.get(name)?.clone(),
        }),
        Address::Client { .. } => None,
    }
}

#[cfg(test)]
mod tests;
