//! The daemon's side of a cluster's Kafka admin endpoint (issue 5): answers
//! from the latest published view (live brokers, the configuration kmesos
//! rendered) and hands changes made through the endpoint to the driver, so
//! they end up in the state and `kmesos plan` can show them as drift.

use std::fmt;
use std::sync::Arc;

use engine::config::KafkaKind;
use engine::plan::dynamic_configs::{update_mode, UpdateMode};
use engine::sensitive::{is_sensitive, REDACTED};
use engine::state::{ConfigEdit, OutsideEvent, TopicEvent};
use kafka::configs::{ConfigChange, ConfigEntry, ConfigSource};
use kafka::endpoint::{ClusterBackend, ClusterKind, LiveBroker, TopicChange};
use tokio::sync::{mpsc, watch};

use crate::core::Event;
use crate::daemon_handle::View;

/// A change made through the endpoint, for the driver to record.
#[derive(Debug, Clone, PartialEq)]
pub enum EndpointChange {
    Topic {
        cluster: String,
        change: TopicChange,
    },
    BrokerConfig {
        cluster: String,
        broker: Option<i32>,
        change: ConfigChange,
    },
}

impl EndpointChange {
    /// The core event that records this change in the state as drift (the
    /// state ignores topics no HCL manages); `None` for counts no state can
    /// hold (negative ones).
    pub fn into_event(self) -> Option<Event> {
        let (cluster, change, api) = match self {
            EndpointChange::Topic { cluster, change } => {
                let (event, api) = topic_event(change)?;
                (cluster, OutsideEvent::Topic(event), api)
            }
            EndpointChange::BrokerConfig {
                cluster,
                broker,
                change,
            } => {
                let broker = match broker {
                    Some(id) => Some(u32::try_from(id).ok()?),
                    None => None,
                };
                let edit = config_edit(change);
                (
                    cluster,
                    OutsideEvent::BrokerConfig { broker, edit },
                    "AlterConfigs",
                )
            }
        };
        Some(Event::ChangedOutside {
            cluster,
            change,
            via: format!("Kafka endpoint ({api})"),
        })
    }
}

/// How the driver logs a change: secrets' values shown as
/// [`REDACTED`], as in plans and state output (the derived `Debug` would
/// print them).
impl fmt::Display for EndpointChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointChange::Topic { cluster, change } => match change {
                TopicChange::Created {
                    name,
                    partitions,
                    replication_factor,
                    configs,
                } => {
                    write!(f, "cluster {cluster}: topic {name} created with {partitions} partitions, replication factor {replication_factor}")?;
                    for (property, value) in configs {
                        write!(f, ", {property}={}", shown(property, value))?;
                    }
                    Ok(())
                }
                TopicChange::Deleted { name } => {
                    write!(f, "cluster {cluster}: topic {name} deleted")
                }
                TopicChange::PartitionsIncreased { name, total } => {
                    write!(
                        f,
                        "cluster {cluster}: topic {name} raised to {total} partitions"
                    )
                }
                TopicChange::ConfigChanged { name, change } => {
                    write!(
                        f,
                        "cluster {cluster}: topic {name}: {}",
                        ShownChange(change)
                    )
                }
            },
            EndpointChange::BrokerConfig {
                cluster,
                broker: Some(id),
                change,
            } => write!(f, "cluster {cluster}: broker {id}: {}", ShownChange(change)),
            EndpointChange::BrokerConfig {
                cluster,
                broker: None,
                change,
            } => write!(
                f,
                "cluster {cluster}: every broker: {}",
                ShownChange(change)
            ),
        }
    }
}

/// A property's value as logs may show it.
fn shown<'a>(property: &str, value: &'a str) -> &'a str {
    if is_sensitive(property) {
        REDACTED
    } else {
        value
    }
}

/// A config change as logs may show it.
struct ShownChange<'a>(&'a ConfigChange);

impl fmt::Display for ShownChange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ConfigChange::Set { name, value } => write!(f, "{name} set to {}", shown(name, value)),
            ConfigChange::Delete { name } => write!(f, "{name} deleted"),
        }
    }
}

fn topic_event(change: TopicChange) -> Option<(TopicEvent, &'static str)> {
    Some(match change {
        TopicChange::Created {
            name,
            partitions,
            replication_factor,
            configs,
        } => (
            TopicEvent::Created {
                name,
                partitions: u32::try_from(partitions).ok()?,
                replication_factor: u16::try_from(replication_factor).ok()?,
                config: configs.into_iter().collect(),
            },
            "CreateTopics",
        ),
        TopicChange::Deleted { name } => (TopicEvent::Deleted { name }, "DeleteTopics"),
        TopicChange::PartitionsIncreased { name, total } => (
            TopicEvent::PartitionsIncreased {
                name,
                total: u32::try_from(total).ok()?,
            },
            "CreatePartitions",
        ),
        TopicChange::ConfigChanged { name, change } => (
            TopicEvent::Config {
                name,
                edit: config_edit(change),
            },
            "AlterConfigs",
        ),
    })
}

fn config_edit(change: ConfigChange) -> ConfigEdit {
    match change {
        ConfigChange::Set { name, value } => ConfigEdit::Set { name, value },
        ConfigChange::Delete { name } => ConfigEdit::Delete { name },
    }
}

/// Rendered broker properties as the endpoint describes them: those a broker
/// can change while running from `dynamic`, the rest static (read-only).
fn rendered_entries(
    properties: impl IntoIterator<Item = (String, String)>,
    dynamic: ConfigSource,
) -> Vec<ConfigEntry> {
    properties
        .into_iter()
        .map(|(name, value)| {
            let is_dynamic = update_mode(&name).is_dynamic();
            ConfigEntry {
                source: if is_dynamic {
                    dynamic
                } else {
                    ConfigSource::Static
                },
                static_value: None,
                sensitive: kafka::configs::is_sensitive(&name),
                read_only: !is_dynamic,
                value: Some(value),
                name,
            }
        })
        .collect()
}

/// One cluster's backend.
pub struct ClusterView {
    cluster: String,
    view: watch::Receiver<Arc<View>>,
    changes: mpsc::UnboundedSender<EndpointChange>,
}

impl ClusterView {
    pub fn new(
        cluster: String,
        view: watch::Receiver<Arc<View>>,
        changes: mpsc::UnboundedSender<EndpointChange>,
    ) -> ClusterView {
        ClusterView {
            cluster,
            view,
            changes,
        }
    }

    fn with_cluster<T>(
        &self,
        f: impl FnOnce(&View, &engine::state::ClusterState) -> T,
    ) -> Option<T> {
        let view = self.view.borrow().clone();
        let cluster = view.state.clusters.get(&self.cluster)?;
        Some(f(&view, cluster))
    }
}

impl ClusterBackend for ClusterView {
    fn cluster_id(&self) -> String {
        let view = self.view.borrow().clone();
        view.cluster_ids
            .get(&self.cluster)
            .cloned()
            .unwrap_or_else(|| self.cluster.clone())
    }

    fn kind(&self) -> ClusterKind {
        match self.with_cluster(|_, c| c.kafka.kind) {
            Some(KafkaKind::Apache) => ClusterKind::Kafka,
            _ => ClusterKind::Tansu,
        }
    }

    fn brokers(&self) -> Vec<LiveBroker> {
        self.with_cluster(|_, cluster| {
            cluster
                .brokers
                .iter()
                .filter_map(|(id, broker)| {
                    let runtime = broker.runtime.as_ref()?;
                    if runtime.status != Some(engine::state::BrokerStatus::Running) {
                        return None;
                    }
                    Some(LiveBroker {
                        node_id: i32::try_from(*id).ok()?,
                        host: runtime.hostname.clone()?,
                        port: runtime.port?,
                        rack: runtime.attributes.get("rack").cloned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
    }

    fn broker_ids(&self) -> Vec<i32> {
        self.with_cluster(|_, cluster| {
            cluster
                .brokers
                .keys()
                .filter_map(|id| i32::try_from(*id).ok())
                .collect()
        })
        .unwrap_or_default()
    }

    fn broker_config(&self, node_id: i32) -> Option<Vec<ConfigEntry>> {
        let id = u32::try_from(node_id).ok()?;
        self.with_cluster(|_, cluster| {
            let broker = cluster.brokers.get(&id)?;
            Some(rendered_entries(
                broker.spec.effective_config(&cluster.config),
                ConfigSource::Dynamic,
            ))
        })
        .flatten()
    }

    fn cluster_broker_config(&self) -> Vec<ConfigEntry> {
        self.with_cluster(|_, cluster| {
            rendered_entries(cluster.config.clone(), ConfigSource::ClusterDynamic)
        })
        .unwrap_or_default()
    }

    fn topic_config(&self, topic: &str) -> Option<Vec<ConfigEntry>> {
        self.with_cluster(|_, cluster| {
            let spec = cluster.topics.get(topic)?;
            let entries = spec
                .config
                .iter()
                .map(|(name, value)| ConfigEntry {
                    name: name.clone(),
                    value: Some(value.clone()),
                    source: ConfigSource::Dynamic,
                    static_value: None,
                    sensitive: kafka::configs::is_sensitive(name),
                    read_only: false,
                })
                .collect();
            Some(entries)
        })
        .flatten()
    }

    fn is_dynamic_broker_config(&self, name: &str) -> bool {
        update_mode(name).is_dynamic()
    }

    fn is_per_broker_config(&self, name: &str) -> bool {
        update_mode(name) == UpdateMode::PerBroker
    }

    fn topic_changed(&self, change: TopicChange) {
        let _ = self.changes.send(EndpointChange::Topic {
            cluster: self.cluster.clone(),
            change,
        });
    }

    fn broker_config_changed(&self, node_id: Option<i32>, change: ConfigChange) {
        let _ = self.changes.send(EndpointChange::BrokerConfig {
            cluster: self.cluster.clone(),
            broker: node_id,
            change,
        });
    }
}
