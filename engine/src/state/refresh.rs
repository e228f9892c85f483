//! Refresh, as Terraform refreshes before it plans: what an Apache Kafka
//! cluster's brokers report is compared with the state, and every difference
//! is recorded as drift through the same records as changes made through the
//! Kafka endpoint, logged as read from the brokers. Only what Kafka sets at
//! runtime is compared: the cluster-wide dynamic defaults, each broker's own
//! dynamic configs, the managed topics' overrides and partition counts.
//! Static and default values are drift only where they show that a dynamic
//! value kmesos set is gone; a value Kafka does not hand out (a secret) is
//! unknown, never drift.

use std::collections::BTreeMap;

use crate::address::Address;
use crate::config::KafkaProperties;
use crate::plan::dynamic_configs::{update_mode, UpdateMode};
use crate::sensitive::is_sensitive;

use super::{ChangeOrigin, ClusterState, ConfigEdit, OutsideEvent, State, TopicEvent};

/// Properties as brokers describe them: `None` for a value Kafka does not
/// hand out (a secret).
pub type LiveConfig = BTreeMap<String, Option<String>>;

/// One cluster as its brokers report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveCluster {
    /// The cluster-wide dynamic defaults (DescribeConfigs of BROKER `""`,
    /// source DYNAMIC_DEFAULT_BROKER_CONFIG).
    pub defaults: LiveConfig,
    /// The brokers read, by id.
    pub brokers: BTreeMap<u32, LiveBroker>,
    /// The managed topics read, by name; `None` for one the cluster lacks.
    pub topics: BTreeMap<String, Option<LiveTopic>>,
}

/// One broker as it describes itself (DescribeConfigs of BROKER `"<id>"`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveBroker {
    /// Its own dynamic configs (source DYNAMIC_BROKER_CONFIG).
    pub dynamic: LiveConfig,
    /// Every property's value in force on it, whatever its source.
    pub effective: LiveConfig,
}

/// One topic as Metadata and DescribeConfigs of TOPIC report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveTopic {
    pub partitions: u32,
    /// Its overrides (source DYNAMIC_TOPIC_CONFIG).
    pub config: LiveConfig,
}

/// The Kafka request a difference was read with, named in the drift log.
const CONFIGS: &str = "DescribeConfigs";
const METADATA: &str = "Metadata";

/// The differences found, each with the Kafka request it was read with.
type Differences = Vec<(OutsideEvent, &'static str)>;

impl State {
    /// Records as drift what cluster `cluster`'s brokers report (`live`, read
    /// at `at`, RFC 3339) that the state does not hold. Returns the addresses
    /// of the resources whose state changed, in the order recorded.
    pub fn refresh(&mut self, cluster: &str, live: &LiveCluster, at: &str) -> Vec<Address> {
        let mut changed = Vec::new();
        // In stages: a broker's values are compared with the cluster-wide
        // ones already refreshed.
        let stages: [fn(&ClusterState, &LiveCluster) -> Differences; 3] =
            [cluster_events, broker_events, topic_events];
        for stage in stages {
            let Some(cs) = self.clusters.get(cluster) else {
                return changed;
            };
            for (event, api) in stage(cs, live) {
                let origin = ChangeOrigin {
                    at: at.to_string(),
                    via: format!("refresh from the brokers ({api})"),
                };
                let address = event.address(cluster);
                if self.record_outside_change(cluster, &event, &origin)
                    && !changed.contains(&address)
                {
                    changed.push(address);
                }
            }
        }
        changed
    }
}

/// A value the comparison may use: known, and not a secret by kmesos's rule.
fn known<'a>(name: &str, value: Option<&'a Option<String>>) -> Option<&'a str> {
    if is_sensitive(name) {
        return None;
    }
    value?.as_deref()
}

/// Sets for the values of a dynamic layer that differ from what the state
/// says is in force (`expected`).
fn set_edits(expected: &KafkaProperties, layer: &LiveConfig) -> Vec<ConfigEdit> {
    layer
        .iter()
        .filter_map(|(name, value)| {
            let value = known(name, Some(value))?;
            (expected.get(name).map(String::as_str) != Some(value)).then(|| ConfigEdit::Set {
                name: name.clone(),
                value: value.to_string(),
            })
        })
        .collect()
}

/// Deletes for the properties of `applied` that a dynamic layer lacks and
/// that are not `in_force` (given name and applied value) otherwise.
fn removed_edits(
    applied: &KafkaProperties,
    layer: &LiveConfig,
    in_force: impl Fn(&str, &str) -> bool,
) -> Vec<ConfigEdit> {
    applied
        .iter()
        .filter(|(name, value)| {
            !layer.contains_key(*name) && !is_sensitive(name) && !in_force(name, value)
        })
        .map(|(name, _)| ConfigEdit::Delete { name: name.clone() })
        .collect()
}

/// The cluster-wide properties. One the dynamic defaults lack was rendered
/// into each broker's properties file at launch: it is gone only when a
/// broker that does not override it runs with another value.
fn cluster_events(cs: &ClusterState, live: &LiveCluster) -> Differences {
    let overrides = |id: &u32, b: &LiveBroker, name: &str| {
        b.dynamic.contains_key(name)
            || cs
                .brokers
                .get(id)
                .is_some_and(|s| s.spec.config.contains_key(name))
    };
    let in_force = |name: &str, value: &str| {
        update_mode(name) != UpdateMode::ClusterWide
            || live
                .brokers
                .iter()
                .filter(|(id, b)| !overrides(id, b, name))
                .all(|(_, b)| known(name, b.effective.get(name)).is_none_or(|v| v == value))
    };
    let mut edits = set_edits(&cs.config, &live.defaults);
    edits.extend(removed_edits(&cs.config, &live.defaults, in_force));
    edits
        .into_iter()
        .map(|edit| (OutsideEvent::BrokerConfig { broker: None, edit }, CONFIGS))
        .collect()
}

/// Each broker's own properties. kmesos sets a broker's dynamic properties
/// to its effective values (the cluster's, overridden by its own), so a
/// dynamic config equal to those is no drift; one of its own that its
/// dynamic configs lack is gone when the broker runs with another value.
fn broker_events(cs: &ClusterState, live: &LiveCluster) -> Differences {
    let mut events = Vec::new();
    for (id, b) in &live.brokers {
        let Some(state) = cs.brokers.get(id) else {
            continue;
        };
        let own = &state.spec.config;
        let in_force = |name: &str, value: &str| {
            !update_mode(name).is_dynamic()
                || known(name, b.effective.get(name)).is_none_or(|v| v == value)
        };
        let mut edits = set_edits(&state.spec.effective_config(&cs.config), &b.dynamic);
        edits.extend(removed_edits(own, &b.dynamic, in_force));
        events.extend(edits.into_iter().map(|edit| {
            let event = OutsideEvent::BrokerConfig {
                broker: Some(*id),
                edit,
            };
            (event, CONFIGS)
        }));
    }
    events
}

/// The managed topics: gone, raised to more partitions, their overrides
/// (kmesos creates a topic with all of them, so every one is compared).
fn topic_events(cs: &ClusterState, live: &LiveCluster) -> Differences {
    let mut events = Vec::new();
    for (name, spec) in &cs.topics {
        let topic = match live.topics.get(name) {
            None => continue,
            Some(None) => {
                events.push((TopicEvent::Deleted { name: name.clone() }, METADATA));
                continue;
            }
            Some(Some(topic)) => topic,
        };
        if topic.partitions > spec.partitions {
            let total = topic.partitions;
            let event = TopicEvent::PartitionsIncreased {
                name: name.clone(),
                total,
            };
            events.push((event, METADATA));
        }
        let mut edits = set_edits(&spec.config, &topic.config);
        edits.extend(removed_edits(&spec.config, &topic.config, |_, _| false));
        events.extend(edits.into_iter().map(|edit| {
            let event = TopicEvent::Config {
                name: name.clone(),
                edit,
            };
            (event, CONFIGS)
        }));
    }
    events
        .into_iter()
        .map(|(event, api)| (OutsideEvent::Topic(event), api))
        .collect()
}

#[cfg(test)]
mod tests;
