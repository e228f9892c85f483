//! Spreading a cluster's replicas and preferred leaders evenly over its
//! brokers (`rebalance = true`, once an apply added brokers). While one
//! broker holds two replicas more than another, a replica moves from the
//! fullest broker to the emptiest, into the same place in the partition's
//! replica list, choosing first a partition whose other replicas do not use
//! the emptiest broker's rack (when brokers have racks), then the lowest
//! (topic, partition). Then, while one broker is the preferred leader (first
//! replica) of two partitions more than another, a partition where both
//! hold a replica swaps their places: leadership moves, data does not. A
//! partition never gets two replicas on one broker; at most `limit`
//! partitions change per call, so moves go in bounded batches, each worked
//! out again from the partitions as they then are.

use std::collections::{BTreeMap, BTreeSet};

use super::availability::LivePartition;
use super::reassignment::ReplicaMove;

/// The moves that even out replicas, then preferred leaders, over `brokers`
/// (id → rack, if known), touching at most `limit` partitions, in (topic,
/// partition) order. Replicas on brokers not in `brokers` stay where they are.
pub fn balance(
    partitions: &[LivePartition],
    brokers: &BTreeMap<u32, Option<String>>,
    limit: usize,
) -> Vec<ReplicaMove> {
    let mut sorted: Vec<&LivePartition> = partitions.iter().collect();
    sorted.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    let mut targets: Vec<Vec<u32>> = sorted.iter().map(|p| p.replicas.clone()).collect();
    let mut touched = BTreeSet::new();
    spread_replicas(&mut targets, brokers, limit, &mut touched);
    spread_leaders(&mut targets, brokers, limit, &mut touched);
    sorted
        .iter()
        .zip(targets)
        .filter(|(p, target)| p.replicas != *target)
        .map(|(p, target)| ReplicaMove {
            topic: p.topic.clone(),
            partition: p.partition,
            replicas: p.replicas.clone(),
            target,
        })
        .collect()
}

/// How many of `targets`' replicas (or, `leaders_only`, first replicas)
/// each of `brokers` holds.
fn load(
    targets: &[Vec<u32>],
    brokers: &BTreeMap<u32, Option<String>>,
    leaders_only: bool,
) -> BTreeMap<u32, usize> {
    let mut load: BTreeMap<u32, usize> = brokers.keys().map(|id| (*id, 0)).collect();
    for replicas in targets {
        let counted = if leaders_only {
            &replicas[..replicas.len().min(1)]
        } else {
            &replicas[..]
        };
        for id in counted {
            if let Some(n) = load.get_mut(id) {
                *n += 1;
            }
        }
    }
    load
}

/// Pairs (from, to) of brokers whose loads are two or more apart: the
/// fullest `from` first, and for each the emptiest `to` first (ties: lower
/// id first).
fn uneven_pairs(load: &BTreeMap<u32, usize>) -> Vec<(u32, u32)> {
    let mut full: Vec<u32> = load.keys().copied().collect();
    full.sort_by_key(|id| (std::cmp::Reverse(load[id]), *id));
    let mut empty = full.clone();
    empty.sort_by_key(|id| (load[id], *id));
    full.iter()
        .flat_map(|from| {
            let to = empty.iter().take_while(|to| load[*to] + 2 <= load[from]);
            to.map(|to| (*from, *to))
        })
        .collect()
}

fn spread_replicas(
    targets: &mut [Vec<u32>],
    brokers: &BTreeMap<u32, Option<String>>,
    limit: usize,
    touched: &mut BTreeSet<usize>,
) {
    let racked = brokers.values().any(Option::is_some);
    let rack = |id: &u32| brokers.get(id).and_then(Option::as_deref);
    let total: usize = targets.iter().map(Vec::len).sum();
    for _ in 0..total {
        let load = load(targets, brokers, false);
        // The first pair for which some partition can move.
        let chosen = uneven_pairs(&load).into_iter().find_map(|(from, to)| {
            let candidates = targets.iter().enumerate().filter(|(i, r)| {
                r.contains(&from)
                    && !r.contains(&to)
                    && (touched.contains(i) || touched.len() < limit)
            });
            let best = candidates.min_by_key(|(i, r)| {
                let others: BTreeSet<&str> =
                    r.iter().filter(|b| **b != from).filter_map(rack).collect();
                let shares = racked && rack(&to).is_none_or(|r| others.contains(r));
                (shares, *i)
            });
            best.map(|(i, _)| (i, from, to))
        });
        let Some((i, from, to)) = chosen else {
            return;
        };
        if let Some(slot) = targets[i].iter_mut().find(|b| **b == from) {
            *slot = to;
        }
        touched.insert(i);
    }
}

fn spread_leaders(
    targets: &mut [Vec<u32>],
    brokers: &BTreeMap<u32, Option<String>>,
    limit: usize,
    touched: &mut BTreeSet<usize>,
) {
    for _ in 0..targets.len() {
        let load = load(targets, brokers, true);
        let chosen = uneven_pairs(&load).into_iter().find_map(|(from, to)| {
            targets
                .iter()
                .enumerate()
                .find(|(i, r)| {
                    r.first() == Some(&from)
                        && r.contains(&to)
                        && (touched.contains(i) || touched.len() < limit)
                })
                .map(|(i, _)| (i, to))
        });
        let Some((i, to)) = chosen else {
            return;
        };
        if let Some(at) = targets[i].iter().position(|b| *b == to) {
            targets[i].swap(0, at);
        }
        touched.insert(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::reassignment::tests::{brokers, partition};

    /// Per broker: (replicas, preferred leaderships) once `moves` are made.
    fn after(partitions: &[LivePartition], moves: &[ReplicaMove]) -> BTreeMap<u32, (usize, usize)> {
        let mut counts: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
        for p in partitions {
            let moved = moves
                .iter()
                .find(|m| (&m.topic, m.partition) == (&p.topic, p.partition));
            let replicas = moved.map_or(&p.replicas, |m| &m.target);
            for (slot, id) in replicas.iter().enumerate() {
                let entry = counts.entry(*id).or_default();
                entry.0 += 1;
                entry.1 += usize::from(slot == 0);
            }
        }
        counts
    }

    #[test]
    fn brokers_added_to_three_take_an_even_share_of_replicas_and_leaders() {
        // Six partitions of rf 3 on brokers 0–2; brokers 3 and 4 are new.
        let partitions: Vec<LivePartition> = (0..6)
            .map(|p| {
                let first = (p % 3) as u32;
                partition("orders", p, &[first, (first + 1) % 3, (first + 2) % 3])
            })
            .collect();
        let all = brokers(&[(0, None), (1, None), (2, None), (3, None), (4, None)]);
        let moves = balance(&partitions, &all, 100);
        let counts = after(&partitions, &moves);
        let replicas: Vec<usize> = counts.values().map(|c| c.0).collect();
        let leaders: Vec<usize> = counts.values().map(|c| c.1).collect();
        assert_eq!(counts.len(), 5, "every broker holds replicas: {counts:?}");
        assert!(
            replicas.iter().max().unwrap() - replicas.iter().min().unwrap() <= 1,
            "{counts:?}"
        );
        assert!(
            leaders.iter().max().unwrap() - leaders.iter().min().unwrap() <= 1,
            "{counts:?}"
        );
        for m in &moves {
            let unique: BTreeSet<&u32> = m.target.iter().collect();
            assert_eq!(
                unique.len(),
                m.target.len(),
                "one replica per broker: {m:?}"
            );
        }
        // Balanced already: nothing more to do.
        let moved: Vec<LivePartition> = partitions
            .iter()
            .map(|p| {
                let m = moves.iter().find(|m| m.partition == p.partition);
                partition("orders", p.partition, m.map_or(&p.replicas, |m| &m.target))
            })
            .collect();
        assert_eq!(balance(&moved, &all, 100), Vec::new());
    }

    #[test]
    fn a_move_keeps_a_partition_off_a_rack_it_already_uses_when_it_can() {
        // Broker 0 (rack a) is the fullest; new brokers 2 (rack b) and 3
        // (rack a). orders-0 already has rack b through broker 1.
        let partitions = [
            partition("orders", 0, &[0, 1]),
            partition("orders", 1, &[0]),
            partition("orders", 2, &[0]),
            partition("orders", 3, &[0]),
        ];
        let racks = brokers(&[
            (0, Some("a")),
            (1, Some("b")),
            (2, Some("b")),
            (3, Some("a")),
        ]);
        let moves = balance(&partitions, &racks, 100);
        let to_b = moves
            .iter()
            .find(|m| m.target.contains(&2))
            .expect("broker 2 gains one");
        assert_ne!(to_b.partition, 0, "orders-0 has rack b already: {moves:?}");
    }

    #[test]
    fn at_most_limit_partitions_change_in_one_batch() {
        let partitions: Vec<LivePartition> = (0..8).map(|p| partition("orders", p, &[0])).collect();
        let all = brokers(&[(0, None), (1, None), (2, None), (3, None)]);
        assert_eq!(balance(&partitions, &all, 2).len(), 2);
        assert_eq!(balance(&partitions, &all, 100).len(), 6);
    }
}
