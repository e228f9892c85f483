//! What an apply leads to: the steps of a checked change set, each with the
//! Kafka properties it sets on running brokers (the engine's plan decided
//! which; the target configuration holds their values, secrets included),
//! and the target configuration the steps read their specs from.

use std::collections::BTreeMap;

use engine::config::{ClusterSpec, Config, KafkaKind};
use engine::plan::{Action, Change, Plan, ResourceKind};
use engine::state::State;
use engine::Address;

use crate::core::record::{Balancing, Step};
use crate::core::Core;

/// One step per change that does something. An update's dynamic properties
/// come from `exact`, the core's plan against its state with the secrets.
pub(super) fn steps(changes: &[Change], exact: &Plan, target: &Config) -> Vec<Step> {
    let decided: BTreeMap<&Address, &Change> =
        exact.changes.iter().map(|c| (&c.address, c)).collect();
    changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| {
            let dynamic = match decided.get(&c.address) {
                Some(exact) if c.action == Action::Update => dynamic_values(exact, target),
                _ => BTreeMap::new(),
            };
            Step::new(c.address.clone(), c.action, dynamic)
        })
        .collect()
}

/// `steps` and, after them, the balancing step of each Apache Kafka cluster
/// of `target` they add brokers to (with `rebalance = true`: its replicas
/// are spread) or restart brokers of (its preferred leaders are elected);
/// none for a cluster they create.
pub(super) fn with_balancing(mut steps: Vec<Step>, target: &Config) -> Vec<Step> {
    let balancing: Vec<Step> = target
        .clusters
        .iter()
        .filter(|(_, spec)| spec.kafka.kind == KafkaKind::Apache)
        .filter_map(|(name, spec)| {
            let any = |kind: ResourceKind, actions: &[Action]| {
                steps
                    .iter()
                    .any(|s| &s.cluster == name && s.kind == kind && actions.contains(&s.action))
            };
            let balancing = if any(ResourceKind::Cluster, &[Action::Create]) {
                None
            } else if spec.kafka.rebalance && any(ResourceKind::Broker, &[Action::Create]) {
                Some(Balancing::Replicas)
            } else if any(ResourceKind::Broker, &[Action::Restart, Action::Move]) {
                Some(Balancing::Leaders)
            } else {
                None
            };
            balancing.map(|b| Step::balancing(name, b))
        })
        .collect();
    steps.extend(balancing);
    steps
}

/// The values in force in `target` of the properties `change` sets on
/// running brokers: a broker's own, else its cluster's; `None` deletes.
fn dynamic_values(change: &Change, target: &Config) -> BTreeMap<String, Option<String>> {
    let cluster = target.clusters.get(change.address.cluster());
    let broker = change
        .address
        .broker_id()
        .and_then(|id| cluster?.brokers.get(&id));
    change
        .dynamic_properties()
        .map(|key| {
            let own = broker.and_then(|b| b.config.get(key));
            let value = own.or_else(|| cluster.and_then(|c| c.config.get(key)));
            (key.to_string(), value.cloned())
        })
        .collect()
}

/// The configuration the state records, as a target (for restarts).
pub(super) fn config_of(state: &State) -> Config {
    let clusters = state
        .clusters
        .iter()
        .map(|(name, c)| {
            let spec = ClusterSpec {
                kafka: c.kafka.clone(),
                config: c.config.clone(),
                brokers: c
                    .brokers
                    .iter()
                    .map(|(id, b)| (*id, b.spec.clone()))
                    .collect(),
                topics: c.topics.clone(),
                clients: c.clients.clone(),
            };
            (name.clone(), spec)
        })
        .collect();
    Config {
        clusters,
        ..Config::default()
    }
}

/// Cluster `cluster` of the running apply's target.
pub(super) fn target_cluster<'a>(core: &'a Core, cluster: &str) -> Option<&'a ClusterSpec> {
    core.doc
        .scheduler
        .apply
        .as_ref()?
        .target
        .clusters
        .get(cluster)
}
