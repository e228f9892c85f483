//! Where the replicas of brokers being destroyed go: each replica on a
//! leaving broker is replaced, in its place in the replica list (so a
//! partition's preferred leader stays where it can), by a remaining broker
//! that holds no replica of that partition yet — one on a rack the
//! partition's other replicas do not use first, when brokers have racks,
//! then the one holding the fewest replicas, then the lowest id. `kmesos
//! plan` shows these moves and the scheduler's apply carries them out with
//! the same function, before it stops the broker.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::availability::LivePartition;

/// One partition's replicas before and after the move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaMove {
    pub topic: String,
    pub partition: i32,
    /// Its replicas now (broker ids, preferred leader first).
    pub replicas: Vec<u32>,
    /// Its replicas once moved.
    pub target: Vec<u32>,
}

impl ReplicaMove {
    /// `orders-0: [0, 3, 1] → [0, 2, 1]`.
    pub fn describe(&self) -> String {
        format!(
            "{}-{}: {:?} → {:?}",
            self.topic, self.partition, self.replicas, self.target
        )
    }
}

/// Why replicas cannot leave: a partition has more replicas than brokers
/// would remain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TooFewBrokers {
    pub topic: String,
    pub replication_factor: usize,
    /// The brokers that would remain.
    pub remaining: Vec<u32>,
}

impl fmt::Display for TooFewBrokers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "topic {} has replication factor {}, but only {} {} would remain ({:?}): add brokers or keep this one",
            self.topic,
            self.replication_factor,
            self.remaining.len(),
            if self.remaining.len() == 1 { "broker" } else { "brokers" },
            self.remaining
        )
    }
}

/// The moves that take every replica off the `leaving` brokers, onto the
/// `remaining` ones (broker id → its rack, if known), in (topic, partition)
/// order; or the first topic with more replicas than brokers would remain.
pub fn moves(
    partitions: &[LivePartition],
    leaving: &BTreeSet<u32>,
    remaining: &BTreeMap<u32, Option<String>>,
) -> Result<Vec<ReplicaMove>, TooFewBrokers> {
    let mut load: BTreeMap<u32, usize> = remaining.keys().map(|id| (*id, 0)).collect();
    for replica in partitions.iter().flat_map(|p| &p.replicas) {
        if let Some(n) = load.get_mut(replica) {
            *n += 1;
        }
    }
    let racked = remaining.values().any(Option::is_some);
    let mut sorted: Vec<&LivePartition> = partitions
        .iter()
        .filter(|p| p.replicas.iter().any(|r| leaving.contains(r)))
        .collect();
    sorted.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    let mut moves = Vec::new();
    for p in sorted {
        if p.replicas.len() > remaining.len() {
            return Err(TooFewBrokers {
                topic: p.topic.clone(),
                replication_factor: p.replicas.len(),
                remaining: remaining.keys().copied().collect(),
            });
        }
        let mut target = p.replicas.clone();
        for slot in 0..target.len() {
            if !leaving.contains(&target[slot]) {
                continue;
            }
            let racks_used: BTreeSet<&str> = target
                .iter()
                .filter(|r| !leaving.contains(r))
                .filter_map(|r| remaining.get(r)?.as_deref())
                .collect();
            let chosen = remaining
                .iter()
                .filter(|(id, _)| !target.contains(id))
                .min_by_key(|(id, rack)| {
                    let shares_rack =
                        racked && rack.as_deref().is_none_or(|rack| racks_used.contains(rack));
                    (shares_rack, load[*id], **id)
                })
                .map(|(id, _)| *id);
            let Some(chosen) = chosen else {
                return Err(TooFewBrokers {
                    topic: p.topic.clone(),
                    replication_factor: p.replicas.len(),
                    remaining: remaining.keys().copied().collect(),
                });
            };
            target[slot] = chosen;
            if let Some(n) = load.get_mut(&chosen) {
                *n += 1;
            }
        }
        moves.push(ReplicaMove {
            topic: p.topic.clone(),
            partition: p.partition,
            replicas: p.replicas.clone(),
            target,
        });
    }
    Ok(moves)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A partition fully in sync, `min.insync.replicas` 2.
    pub(in crate::plan) fn partition(
        topic: &str,
        partition: i32,
        replicas: &[u32],
    ) -> LivePartition {
        LivePartition {
            topic: topic.into(),
            partition,
            replicas: replicas.to_vec(),
            isr: replicas.to_vec(),
            min_insync_replicas: 2,
        }
    }

    /// Broker ids with their racks.
    pub(in crate::plan) fn brokers(racks: &[(u32, Option<&str>)]) -> BTreeMap<u32, Option<String>> {
        racks
            .iter()
            .map(|(id, rack)| (*id, rack.map(str::to_string)))
            .collect()
    }

    #[test]
    fn replicas_go_to_the_least_loaded_broker_without_one_in_their_place() {
        let partitions = [
            partition("orders", 0, &[0, 3, 1]),
            partition("orders", 1, &[3, 2, 0]),
            partition("audit", 0, &[1, 2]),
        ];
        let remaining = brokers(&[(0, None), (1, None), (2, None)]);
        let moves = moves(&partitions, &BTreeSet::from([3]), &remaining).unwrap();
        let described: Vec<String> = moves.iter().map(ReplicaMove::describe).collect();
        // Loads before: 0 → 2, 1 → 2, 2 → 2; orders-0 can only take 2, then
        // orders-1 (holding 2 and 0) only 1.
        assert_eq!(
            described,
            [
                "orders-0: [0, 3, 1] → [0, 2, 1]",
                "orders-1: [3, 2, 0] → [1, 2, 0]"
            ]
        );
        for m in &moves {
            let unique: BTreeSet<&u32> = m.target.iter().collect();
            assert_eq!(unique.len(), m.target.len(), "one replica per broker");
        }
    }

    #[test]
    fn a_rack_the_partition_does_not_use_comes_before_a_lighter_broker() {
        let partitions = [
            partition("orders", 0, &[0, 3]),
            partition("light", 0, &[1]),
            partition("light", 1, &[1]),
        ];
        // Broker 2 holds nothing but shares rack r1 with broker 0; broker 1
        // is busier but on another rack.
        let remaining = brokers(&[(0, Some("r1")), (1, Some("r2")), (2, Some("r1"))]);
        let moves = moves(&partitions, &BTreeSet::from([3]), &remaining).unwrap();
        assert_eq!(moves[0].target, vec![0, 1]);
    }

    #[test]
    fn too_few_brokers_for_a_topic_names_it_and_the_numbers() {
        let partitions = [partition("orders", 0, &[0, 1, 2])];
        let remaining = brokers(&[(0, None), (1, None)]);
        let refused = moves(&partitions, &BTreeSet::from([2]), &remaining).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "topic orders has replication factor 3, but only 2 brokers would remain ([0, 1]): add brokers or keep this one"
        );
    }
}
