//! What a plan's broker stops would do to the partitions the brokers host,
//! worked out before anything runs. The apply stops one broker at a time
//! (restarts and moves first, destroys last) and waits for each restarted
//! broker to be back in the ISR of all its partitions; so each stop is
//! checked against the partitions as the live brokers report them, with the
//! brokers destroyed earlier in the plan gone for good. A stop is a risk
//! for a partition when, without that broker, fewer in-sync replicas are
//! left than the topic's `min.insync.replicas` (producers with `acks=all`
//! are refused), or none (the partition is offline).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Action, Change, Plan, ResourceKind};
use crate::address::Address;

/// One partition as the live brokers report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePartition {
    pub topic: String,
    pub partition: i32,
    /// Broker ids holding a replica.
    pub replicas: Vec<u32>,
    /// Broker ids in sync with the leader.
    pub isr: Vec<u32>,
    /// The topic's `min.insync.replicas` in force (its own, else the brokers').
    pub min_insync_replicas: u32,
}

/// A cluster's partitions, or why they could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionReport {
    Read(Vec<LivePartition>),
    Unavailable(String),
}

/// The plan's availability analysis (absent from a plan that stops no
/// broker).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// Clusters whose broker stops could not be analyzed, and why.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub not_analyzed: BTreeMap<String, String>,
    /// The broker stops that put partitions at risk, in the apply's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<StopRisk>,
}

/// One broker stop and the partitions it puts at risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopRisk {
    /// The broker's address, as in the changes.
    pub address: Address,
    pub action: Action,
    pub partitions: Vec<PartitionRisk>,
}

/// A partition a broker stop puts at risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionRisk {
    pub topic: String,
    pub partition: i32,
    /// In-sync replicas left while the broker is stopped.
    pub in_sync_left: u32,
    pub min_insync_replicas: u32,
}

impl PartitionRisk {
    /// `orders-0: offline (no in-sync replica left)`, or below its minimum.
    pub fn describe(&self) -> String {
        let name = format!("{}-{}", self.topic, self.partition);
        match self.in_sync_left {
            0 => format!("{name}: offline (no in-sync replica left)"),
            n => format!(
                "{name}: {n} in-sync {} left, min.insync.replicas is {} (acks=all writes refused)",
                if n == 1 { "replica" } else { "replicas" },
                self.min_insync_replicas
            ),
        }
    }
}

impl Availability {
    /// The analysis of a plan made without a live scheduler: every cluster
    /// whose brokers it stops is `why` not analyzed.
    pub fn not_possible(plan: &Plan, why: &str) -> Option<Availability> {
        let stopped = stopping_clusters(plan);
        (!stopped.is_empty()).then(|| Availability {
            not_analyzed: stopped.into_iter().map(|c| (c, why.to_string())).collect(),
            risks: Vec::new(),
        })
    }

    /// Analyzes `plan`'s broker stops against the partitions `live` reports
    /// per cluster; `None` when the plan stops no broker.
    pub fn analyze(plan: &Plan, live: &BTreeMap<String, PartitionReport>) -> Option<Availability> {
        let stopped = stopping_clusters(plan);
        if stopped.is_empty() {
            return None;
        }
        let mut analysis = Availability::default();
        for cluster in stopped {
            match live.get(&cluster) {
                Some(PartitionReport::Read(partitions)) => {
                    analysis
                        .risks
                        .extend(cluster_risks(plan, &cluster, partitions));
                }
                Some(PartitionReport::Unavailable(why)) => {
                    analysis.not_analyzed.insert(cluster, why.clone());
                }
                None => {
                    let why = "the scheduler reported nothing for it".to_string();
                    analysis.not_analyzed.insert(cluster, why);
                }
            }
        }
        Some(analysis)
    }
}

/// Whether a broker change stops the broker's task.
fn stops(action: Action) -> bool {
    matches!(action, Action::Restart | Action::Move | Action::Destroy)
}

fn stopping_clusters(plan: &Plan) -> BTreeSet<String> {
    plan.changes
        .iter()
        .filter(|c| c.kind == ResourceKind::Broker && stops(c.action))
        .map(|c| c.cluster.clone())
        .collect()
}

/// The risks of one cluster's broker stops, in the apply's order: restarts
/// and moves (each broker back in sync before the next), then destroys
/// (each broker gone for the stops after it; topics the plan destroys are
/// gone before them).
fn cluster_risks(plan: &Plan, cluster: &str, partitions: &[LivePartition]) -> Vec<StopRisk> {
    let brokers = |phase: fn(Action) -> bool| {
        plan.changes
            .iter()
            .filter(move |c| c.cluster == cluster && c.kind == ResourceKind::Broker)
            .filter(move |c| phase(c.action))
            .filter_map(|c| Some((c, c.address.broker_id()?)))
    };
    let destroyed_topics: BTreeSet<&str> = plan
        .changes
        .iter()
        .filter(|c| c.cluster == cluster && c.kind == ResourceKind::Topic)
        .filter(|c| c.action == Action::Destroy)
        .map(|c| c.name.as_str())
        .collect();
    let mut risks = Vec::new();
    let mut gone = BTreeSet::new();
    for (change, id) in brokers(|a| matches!(a, Action::Restart | Action::Move)) {
        risks.extend(stop_risk(change, id, partitions.iter(), &gone));
    }
    let remaining = partitions
        .iter()
        .filter(|p| !destroyed_topics.contains(p.topic.as_str()));
    let remaining: Vec<&LivePartition> = remaining.collect();
    for (change, id) in brokers(|a| a == Action::Destroy) {
        risks.extend(stop_risk(change, id, remaining.iter().copied(), &gone));
        gone.insert(id);
    }
    risks
}

fn stop_risk<'a>(
    change: &Change,
    id: u32,
    partitions: impl Iterator<Item = &'a LivePartition>,
    gone: &BTreeSet<u32>,
) -> Option<StopRisk> {
    let at_risk: Vec<PartitionRisk> = partitions
        // Only partitions it is in sync with lose an in-sync replica.
        .filter(|p| p.isr.contains(&id))
        .filter_map(|p| {
            let left = p
                .isr
                .iter()
                .filter(|b| **b != id && !gone.contains(b))
                .count();
            let left = u32::try_from(left).unwrap_or(u32::MAX);
            (left < p.min_insync_replicas.max(1)).then(|| PartitionRisk {
                topic: p.topic.clone(),
                partition: p.partition,
                in_sync_left: left,
                min_insync_replicas: p.min_insync_replicas,
            })
        })
        .collect();
    (!at_risk.is_empty()).then(|| StopRisk {
        address: change.address.clone(),
        action: change.action,
        partitions: at_risk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(topic: &str, replicas: &[u32], isr: &[u32], min: u32) -> LivePartition {
        LivePartition {
            topic: topic.into(),
            partition: 0,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            min_insync_replicas: min,
        }
    }

    fn plan(changes: &[(ResourceKind, &str, Action)]) -> Plan {
        let mut plan = crate::plan::diff(&crate::Config::default(), &crate::State::empty())
            .expect("an empty plan");
        plan.changes = changes
            .iter()
            .map(|(kind, name, action)| {
                let address = match kind {
                    ResourceKind::Broker => Address::of_broker("events", name.parse().unwrap()),
                    _ => Address::of_topic("events", name),
                };
                Change::new(address, *action, Vec::new())
            })
            .collect();
        plan
    }

    fn live(partitions: Vec<LivePartition>) -> BTreeMap<String, PartitionReport> {
        BTreeMap::from([("events".to_string(), PartitionReport::Read(partitions))])
    }

    #[test]
    fn a_roll_that_keeps_min_isr_is_safe_and_one_that_does_not_is_named() {
        let restarts = plan(&[
            (ResourceKind::Broker, "0", Action::Restart),
            (ResourceKind::Broker, "1", Action::Restart),
        ]);
        let healthy = live(vec![partition("orders", &[0, 1, 2], &[0, 1, 2], 2)]);
        let safe = Availability::analyze(&restarts, &healthy).unwrap();
        assert_eq!(safe, Availability::default());

        let fragile = live(vec![
            partition("audit", &[1], &[1], 1),
            partition("orders", &[0, 1, 2], &[0, 1], 2),
        ]);
        let risky = Availability::analyze(&restarts, &fragile).unwrap();
        let described: Vec<(String, Vec<String>)> = risky
            .risks
            .iter()
            .map(|r| {
                (
                    r.address.to_string(),
                    r.partitions.iter().map(|p| p.describe()).collect(),
                )
            })
            .collect();
        assert_eq!(
            described,
            [
                (
                    "cluster.events.broker.0".to_string(),
                    vec!["orders-0: 1 in-sync replica left, min.insync.replicas is 2 (acks=all writes refused)".to_string()]
                ),
                (
                    "cluster.events.broker.1".to_string(),
                    vec![
                        "audit-0: offline (no in-sync replica left)".to_string(),
                        "orders-0: 1 in-sync replica left, min.insync.replicas is 2 (acks=all writes refused)".to_string()
                    ]
                ),
            ]
        );
    }

    #[test]
    fn destroys_come_last_and_each_leaves_the_ones_after_it_with_less() {
        let shrink = plan(&[
            (ResourceKind::Broker, "3", Action::Destroy),
            (ResourceKind::Broker, "4", Action::Destroy),
            (ResourceKind::Topic, "scratch", Action::Destroy),
        ]);
        let partitions = live(vec![
            partition("orders", &[2, 3, 4], &[2, 3, 4], 2),
            partition("scratch", &[4], &[4], 1),
        ]);
        let analysis = Availability::analyze(&shrink, &partitions).unwrap();
        assert_eq!(analysis.risks.len(), 1, "{analysis:?}");
        assert_eq!(
            analysis.risks[0].address.to_string(),
            "cluster.events.broker.4"
        );
        assert_eq!(analysis.risks[0].partitions[0].topic, "orders");
        assert_eq!(analysis.risks[0].partitions[0].in_sync_left, 1);
    }

    #[test]
    fn a_replica_catching_up_takes_nothing_away_and_unread_clusters_are_named() {
        let restart = plan(&[(ResourceKind::Broker, "2", Action::Restart)]);
        let behind = live(vec![partition("orders", &[0, 1, 2], &[0, 1], 2)]);
        assert_eq!(
            Availability::analyze(&restart, &behind).unwrap(),
            Availability::default()
        );
        let unread = BTreeMap::from([(
            "events".to_string(),
            PartitionReport::Unavailable("no broker answers".into()),
        )]);
        let analysis = Availability::analyze(&restart, &unread).unwrap();
        assert_eq!(analysis.not_analyzed["events"], "no broker answers");
        let updates = plan(&[(ResourceKind::Broker, "2", Action::Update)]);
        assert_eq!(Availability::analyze(&updates, &unread), None);
        assert_eq!(Availability::not_possible(&updates, "offline"), None);
    }
}
