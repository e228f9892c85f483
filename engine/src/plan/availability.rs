//! What a plan's broker stops would do to the partitions the brokers host,
//! worked out before anything runs. The apply stops one broker at a time
//! (restarts and moves first, destroys last) and waits for each restarted
//! broker to be back in the ISR of all its partitions; so each stop is
//! checked against the partitions as the live brokers report them, with the
//! brokers destroyed earlier in the plan gone for good. A stop is a risk
//! for a partition when, without that broker, fewer in-sync replicas are
//! left than the topic's `min.insync.replicas` (producers with `acks=all`
//! are refused), or none (the partition is offline). A broker the plan
//! destroys first has its replicas moved to the brokers that stay
//! ([`reassignment`]), so its stop takes nothing away: the analysis lists
//! those moves, or refuses the destroy when a topic has more replicas than
//! brokers would remain.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::balance;
use super::reassignment::{self, ReplicaMove, TooFewBrokers};
use super::{Action, Change, Plan, ResourceKind};
use crate::address::Address;
use crate::config::KafkaKind;
use crate::state::State;

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
    /// Per broker the plan destroys that holds replicas, where they move
    /// before it stops; per cluster the plan adds brokers to with
    /// `rebalance = true`, the moves that spread its replicas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<BrokerMoves>,
    /// Destroys refused: their replicas have nowhere to go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RefusedDestroy>,
}

/// The replicas a destroyed broker holds (or a rebalanced cluster moves)
/// and where each partition's replicas will be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerMoves {
    /// The broker's (or cluster's) address, as in the changes.
    pub address: Address,
    pub moves: Vec<ReplicaMove>,
}

/// A destroy that cannot be carried out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedDestroy {
    /// The broker's address, as in the changes.
    pub address: Address,
    pub reason: TooFewBrokers,
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
        let stopped = analyzed_clusters(plan);
        (!stopped.is_empty()).then(|| Availability {
            not_analyzed: stopped.into_iter().map(|c| (c, why.to_string())).collect(),
            ..Availability::default()
        })
    }

    /// Analyzes `plan`'s broker stops against the partitions `live` reports
    /// per cluster (`state` says where brokers run: their racks); `None`
    /// when the plan stops no broker.
    pub fn analyze(
        plan: &Plan,
        state: &State,
        live: &BTreeMap<String, PartitionReport>,
    ) -> Option<Availability> {
        let analyzed = analyzed_clusters(plan);
        if analyzed.is_empty() {
            return None;
        }
        let mut analysis = Availability::default();
        for cluster in analyzed {
            match live.get(&cluster) {
                Some(PartitionReport::Read(partitions)) => {
                    analysis
                        .risks
                        .extend(cluster_risks(plan, &cluster, partitions));
                    analysis.drain(plan, state, &cluster, partitions);
                    analysis.spread(plan, state, &cluster, partitions);
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

impl Availability {
    /// The moves that spread `cluster`'s replicas over the brokers the plan
    /// keeps or creates, when it adds brokers with `rebalance = true` (the
    /// apply makes them in batches, once its brokers run).
    fn spread(&mut self, plan: &Plan, state: &State, cluster: &str, partitions: &[LivePartition]) {
        if !rebalancing_clusters(plan).contains(cluster) {
            return;
        }
        let brokers: BTreeMap<u32, Option<String>> = plan
            .changes
            .iter()
            .filter(|c| c.cluster == cluster && c.kind == ResourceKind::Broker)
            .filter(|c| c.action != Action::Destroy)
            .filter_map(|c| c.address.broker_id())
            .map(|id| (id, rack(state, cluster, id)))
            .collect();
        let moves = balance::balance(partitions, &brokers, usize::MAX);
        if !moves.is_empty() {
            self.moves.push(BrokerMoves {
                address: Address::of_cluster(cluster),
                moves,
            });
        }
    }

    /// The moves that take the replicas off `cluster`'s destroyed brokers,
    /// onto the brokers the plan keeps or creates, or the refusal.
    fn drain(&mut self, plan: &Plan, state: &State, cluster: &str, partitions: &[LivePartition]) {
        let brokers = plan
            .changes
            .iter()
            .filter(|c| c.cluster == cluster && c.kind == ResourceKind::Broker)
            .filter_map(|c| Some((c, c.address.broker_id()?)));
        let (destroyed, kept): (Vec<_>, Vec<_>) =
            brokers.partition(|(c, _)| c.action == Action::Destroy);
        let leaving: BTreeSet<u32> = destroyed.iter().map(|(_, id)| *id).collect();
        let remaining = kept
            .iter()
            .map(|(_, id)| (*id, rack(state, cluster, *id)))
            .collect();
        // Topics the plan destroys are gone before the brokers.
        let destroyed_topics: BTreeSet<&str> = plan
            .changes
            .iter()
            .filter(|c| c.cluster == cluster && c.kind == ResourceKind::Topic)
            .filter(|c| c.action == Action::Destroy)
            .map(|c| c.name.as_str())
            .collect();
        let partitions: Vec<LivePartition> = partitions
            .iter()
            .filter(|p| !destroyed_topics.contains(p.topic.as_str()))
            .cloned()
            .collect();
        let partitions = partitions.as_slice();
        match reassignment::moves(partitions, &leaving, &remaining) {
            Ok(moves) => {
                for (change, id) in &destroyed {
                    let held: Vec<ReplicaMove> = moves
                        .iter()
                        .filter(|m| m.replicas.contains(id))
                        .cloned()
                        .collect();
                    if !held.is_empty() {
                        self.moves.push(BrokerMoves {
                            address: change.address.clone(),
                            moves: held,
                        });
                    }
                }
            }
            Err(reason) => {
                for (change, id) in &destroyed {
                    if partitions.iter().any(|p| p.replicas.contains(id)) {
                        self.refused.push(RefusedDestroy {
                            address: change.address.clone(),
                            reason: reason.clone(),
                        });
                    }
                }
            }
        }
    }
}

/// The rack of a broker of the state (its agent's `rack` attribute).
fn rack(state: &State, cluster: &str, id: u32) -> Option<String> {
    let broker = state.clusters.get(cluster)?.brokers.get(&id)?;
    broker.runtime.as_ref()?.attributes.get("rack").cloned()
}

/// Clusters the analysis reads: those whose brokers the plan stops, and
/// those it rebalances.
fn analyzed_clusters(plan: &Plan) -> BTreeSet<String> {
    let mut clusters = stopping_clusters(plan);
    clusters.extend(rebalancing_clusters(plan));
    clusters
}

/// Apache Kafka clusters with `rebalance = true` the plan adds brokers to
/// (not ones it creates).
fn rebalancing_clusters(plan: &Plan) -> BTreeSet<String> {
    let created = |kind: ResourceKind, cluster: &str| {
        plan.changes
            .iter()
            .any(|c| c.cluster == cluster && c.kind == kind && c.action == Action::Create)
    };
    plan.configuration
        .clusters
        .iter()
        .filter(|(_, spec)| spec.kafka.kind == KafkaKind::Apache && spec.kafka.rebalance)
        .filter(|(name, _)| !created(ResourceKind::Cluster, name))
        .filter(|(name, _)| created(ResourceKind::Broker, name))
        .map(|(name, _)| name.clone())
        .collect()
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

/// The risks of one cluster's broker stops: restarts and moves, one at a
/// time, each broker back in sync before the next. Destroys come last and
/// stop a broker only once its replicas have moved: they take nothing away.
fn cluster_risks(plan: &Plan, cluster: &str, partitions: &[LivePartition]) -> Vec<StopRisk> {
    // Only partitions a broker is in sync with lose an in-sync replica
    // when it stops: each stop looks at those alone.
    let mut in_sync_on: BTreeMap<u32, Vec<&LivePartition>> = BTreeMap::new();
    for p in partitions {
        for id in &p.isr {
            in_sync_on.entry(*id).or_default().push(p);
        }
    }
    plan.changes
        .iter()
        .filter(|c| c.cluster == cluster && c.kind == ResourceKind::Broker)
        .filter(|c| matches!(c.action, Action::Restart | Action::Move))
        .filter_map(|c| {
            let id = c.address.broker_id()?;
            stop_risk(c, id, in_sync_on.get(&id).map_or(&[][..], Vec::as_slice))
        })
        .collect()
}

/// What stopping broker `id` does to the partitions it is in sync with.
fn stop_risk(change: &Change, id: u32, in_sync: &[&LivePartition]) -> Option<StopRisk> {
    let at_risk: Vec<PartitionRisk> = in_sync
        .iter()
        .filter_map(|p| {
            let left = p.isr.iter().filter(|b| **b != id).count();
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

    /// Broker 2 of 0-2 destroyed.
    const THREE_TO_TWO: &[(ResourceKind, &str, Action)] = &[
        (ResourceKind::Broker, "0", Action::NoOp),
        (ResourceKind::Broker, "1", Action::NoOp),
        (ResourceKind::Broker, "2", Action::Destroy),
    ];

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
        let safe = Availability::analyze(&restarts, &State::empty(), &healthy).unwrap();
        assert_eq!(safe, Availability::default());

        let fragile = live(vec![
            partition("audit", &[1], &[1], 1),
            partition("orders", &[0, 1, 2], &[0, 1], 2),
        ]);
        let risky = Availability::analyze(&restarts, &State::empty(), &fragile).unwrap();
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
    fn a_destroyed_broker_risks_nothing_and_its_replicas_are_listed_with_where_they_go() {
        let shrink = plan(&[
            (ResourceKind::Broker, "0", Action::NoOp),
            (ResourceKind::Broker, "1", Action::NoOp),
            (ResourceKind::Broker, "2", Action::NoOp),
            (ResourceKind::Broker, "3", Action::Destroy),
            (ResourceKind::Topic, "scratch", Action::Destroy),
        ]);
        let partitions = live(vec![
            partition("orders", &[1, 2, 3], &[1, 2, 3], 2),
            partition("scratch", &[3], &[3], 1),
        ]);
        let analysis = Availability::analyze(&shrink, &State::empty(), &partitions).unwrap();
        assert_eq!(analysis.risks, [], "its replicas move before it stops");
        assert_eq!(analysis.refused, []);
        assert_eq!(analysis.moves.len(), 1, "{analysis:?}");
        assert_eq!(
            analysis.moves[0].address.to_string(),
            "cluster.events.broker.3"
        );
        let described: Vec<String> = analysis.moves[0]
            .moves
            .iter()
            .map(|m| m.describe())
            .collect();
        // The topic the plan destroys is gone before the broker.
        assert_eq!(described, ["orders-0: [1, 2, 3] → [1, 2, 0]"]);
    }

    #[test]
    fn brokers_added_with_rebalance_show_the_moves_that_spread_the_replicas() {
        let hcl = |rebalance: bool| {
            format!(
                "cluster \"events\" {{\n  kafka {{\n    kind = \"apache\"\n    rebalance = {rebalance}\n  }}\n  broker \"0..3\" {{}}\n}}\n"
            )
        };
        let grow = |rebalance: bool| {
            let mut grow = plan(&[
                (ResourceKind::Broker, "0", Action::NoOp),
                (ResourceKind::Broker, "1", Action::NoOp),
                (ResourceKind::Broker, "2", Action::NoOp),
                (ResourceKind::Broker, "3", Action::Create),
            ]);
            let files = [crate::SourceFile::new("main.hcl", hcl(rebalance))];
            grow.configuration = crate::load(&files, &crate::Vars::new()).unwrap();
            grow
        };
        let partitions = live(vec![
            partition("orders", &[0, 1, 2], &[0, 1, 2], 2),
            partition("audit", &[1, 2, 0], &[1, 2, 0], 2),
        ]);
        let analysis = Availability::analyze(&grow(true), &State::empty(), &partitions).unwrap();
        assert_eq!(analysis.moves.len(), 1, "{analysis:?}");
        assert_eq!(analysis.moves[0].address.to_string(), "cluster.events");
        let gained = analysis.moves[0]
            .moves
            .iter()
            .filter(|m| m.target.contains(&3));
        assert_eq!(gained.count(), 1, "6 replicas over 4 brokers: {analysis:?}");
        assert_eq!(
            Availability::analyze(&grow(false), &State::empty(), &partitions),
            None,
            "without rebalance nothing moves and nothing is read"
        );
    }

    #[test]
    fn the_json_plan_carries_the_moves_and_the_refusals() {
        let shrink = plan(THREE_TO_TWO);
        // The plan's JSON "availability" with the partitions `live` reports.
        let analyzed = |partitions| {
            let mut analyzed = shrink.clone();
            analyzed.availability = Availability::analyze(&shrink, &State::empty(), &partitions);
            let json = crate::render::json::render(&analyzed);
            serde_json::from_str::<serde_json::Value>(&json).unwrap()["availability"].clone()
        };
        let movable = analyzed(live(vec![partition("orders", &[0, 2], &[0, 2], 1)]));
        assert_eq!(
            movable,
            serde_json::json!({"moves": [{
                "address": "cluster.events.broker.2",
                "moves": [{"topic": "orders", "partition": 0, "replicas": [0, 2], "target": [0, 1]}]
            }]})
        );
        let wide = analyzed(live(vec![partition("orders", &[0, 1, 2], &[0, 1, 2], 2)]));
        assert_eq!(
            wide,
            serde_json::json!({"refused": [{
                "address": "cluster.events.broker.2",
                "reason": {"topic": "orders", "replication_factor": 3, "remaining": [0, 1]}
            }]})
        );
    }

    #[test]
    fn a_destroy_below_a_topics_replication_factor_is_refused() {
        let shrink = plan(THREE_TO_TWO);
        let partitions = live(vec![partition("orders", &[0, 1, 2], &[0, 1, 2], 2)]);
        let analysis = Availability::analyze(&shrink, &State::empty(), &partitions).unwrap();
        assert_eq!(analysis.moves, []);
        assert_eq!(analysis.refused.len(), 1);
        assert_eq!(
            analysis.refused[0].reason.to_string(),
            "topic orders has replication factor 3, but only 2 brokers would remain ([0, 1]): add brokers or keep this one"
        );
    }

    #[test]
    fn a_replica_catching_up_takes_nothing_away_and_unread_clusters_are_named() {
        let restart = plan(&[(ResourceKind::Broker, "2", Action::Restart)]);
        let behind = live(vec![partition("orders", &[0, 1, 2], &[0, 1], 2)]);
        assert_eq!(
            Availability::analyze(&restart, &State::empty(), &behind).unwrap(),
            Availability::default()
        );
        let unread = BTreeMap::from([(
            "events".to_string(),
            PartitionReport::Unavailable("no broker answers".into()),
        )]);
        let analysis = Availability::analyze(&restart, &State::empty(), &unread).unwrap();
        assert_eq!(analysis.not_analyzed["events"], "no broker answers");
        let updates = plan(&[(ResourceKind::Broker, "2", Action::Update)]);
        assert_eq!(
            Availability::analyze(&updates, &State::empty(), &unread),
            None
        );
        assert_eq!(Availability::not_possible(&updates, "offline"), None);
    }
}
