//! Moving partitions with Kafka's partition reassignment, for two kinds of
//! step (`Reassigning`): a broker of an Apache Kafka cluster that stays is
//! drained before it is destroyed, and a cluster with `rebalance = true`
//! that gained brokers is balanced. Every probe interval the cluster's
//! partitions and running reassignments are read. A drain asks for the
//! moves of the partitions still on the broker and not moving yet (where
//! [`engine::plan::reassignment`] puts them); a balance waits until no move
//! runs, then asks for the next batch [`engine::plan::balance`] works out.
//! The cluster's `reassignment_throttle` is set first. Once nothing is left
//! to move, none is moving and no replica on a running broker is out of
//! sync, the throttle is deleted and the drained broker stopped (the
//! balanced cluster's preferred leaders elected). Nothing of this is kept
//! but the stage: a core rebuilt mid-way reads again and asks only for the
//! moves not running, so asking again is safe.

use std::collections::{BTreeMap, BTreeSet};

use engine::config::KafkaKind;
use engine::plan::availability::LivePartition;
use engine::plan::reassignment::ReplicaMove;
use engine::plan::{balance, reassignment};
use engine::Address;

use super::broker_steps::stop;
use super::restarts::{count, due};
use super::{balancing, run, target};
use crate::core::record::{ApplyRun, Stage};
use crate::core::{BrokerPhase, Core, KafkaAdmin, LiveReassignment, Out, Throttle};

/// Partitions a balance moves at a time.
const BATCH: usize = 32;

/// Whether destroying a broker of `cluster` moves its partitions first: an
/// Apache Kafka cluster that the apply keeps, with brokers left.
pub(super) fn needed(core: &Core, cluster: &str) -> bool {
    let apache = core
        .doc
        .state
        .clusters
        .get(cluster)
        .is_some_and(|c| c.kafka.kind == KafkaKind::Apache);
    let kept = target::target_cluster(core, cluster).is_some_and(|c| !c.brokers.is_empty());
    apache && kept
}

/// Step `i` (at `address`) starts moving partitions.
pub(super) fn start(core: &mut Core, i: usize, address: &Address, now: u64, out: &mut Out) {
    run::set_stage(core, i, Stage::Reassigning, out);
    report(core, address, None, out);
    read(core, address, now, true, out);
}

/// While partitions move: read them again once the probe interval passed.
pub(super) fn work_on(core: &mut Core, address: &Address, now: u64, out: &mut Out) {
    read(core, address, now, false, out);
}

fn read(core: &mut Core, address: &Address, now: u64, immediately: bool, out: &mut Out) {
    if core.reassigning.contains(address) {
        return;
    }
    let endpoints = endpoints(core, address.cluster());
    if !due(core, address, now, immediately) || endpoints.is_empty() {
        return;
    }
    core.probes.insert(address.clone(), now);
    out.push(KafkaAdmin::ReadReassignment {
        address: address.clone(),
        endpoints,
    });
}

/// Progress of the step at `address`: the broker's phase, or the cluster's.
fn report(core: &Core, address: &Address, detail: Option<String>, out: &mut Out) {
    match address.broker_id() {
        Some(id) => {
            let key = (address.cluster().to_string(), id);
            core.progress_broker(&key, BrokerPhase::Reassigning, detail, out);
        }
        None => {
            let detail = detail.unwrap_or_else(|| "spreading replicas over every broker".into());
            core.progress_cluster(address.cluster(), detail, out);
        }
    }
}

/// What is left of a step's moves, and the moves to ask for now.
struct Left {
    partitions: usize,
    detail: String,
    next: Result<Vec<ReplicaMove>, String>,
}

/// `Event::ReassignmentRead`: asks for the moves not running yet, or
/// finishes once nothing is left.
pub(in crate::core) fn reassignment_read(
    core: &mut Core,
    address: Address,
    read: Result<LiveReassignment, String>,
    now: u64,
    out: &mut Out,
) {
    let Some(i) = step_of(core, &address) else {
        return;
    };
    let live = match read {
        Ok(live) => live,
        Err(e) => {
            let detail = format!("cannot read the partitions yet: {e}");
            return report(core, &address, Some(detail), out);
        }
    };
    let cluster = address.cluster().to_string();
    let running: BTreeSet<(&str, i32)> =
        live.running.iter().map(|(t, p)| (t.as_str(), *p)).collect();
    // A replica out of sync on a broker that is not running cannot catch
    // up now, and stopping a broker that holds nothing takes nothing from it.
    let up = running_brokers(core, &cluster);
    let unsettled = |p: &LivePartition| {
        running.contains(&name(p))
            || p.replicas
                .iter()
                .any(|r| !p.isr.contains(r) && up.contains_key(r))
    };
    let (leaving, remaining) = brokers(core, &cluster);
    let left = match address.broker_id() {
        Some(id) => {
            let settled: Vec<LivePartition> = live
                .partitions
                .iter()
                .filter(|p| !running.contains(&name(p)))
                .cloned()
                .collect();
            let on_it = live.partitions.iter();
            let n = on_it
                .filter(|p| p.replicas.contains(&id) || unsettled(p))
                .count();
            Left {
                partitions: n,
                detail: format!(
                    "{} left to move off broker {id}",
                    count(n as u64, "partition")
                ),
                next: reassignment::moves(&settled, &leaving, &remaining)
                    .map_err(|reason| reason.to_string()),
            }
        }
        None => {
            let moving = live.partitions.iter().filter(|p| unsettled(p)).count();
            // The next batch is worked out once the last one is in place.
            let next = match moving {
                0 => balance::balance(&live.partitions, &remaining, BATCH),
                _ => Vec::new(),
            };
            let n = moving + next.len();
            Left {
                partitions: n,
                detail: format!("{} moving to spread replicas", count(n as u64, "partition")),
                next: Ok(next),
            }
        }
    };
    if left.partitions == 0 {
        return finish(core, i, &address, now, out);
    }
    report(core, &address, Some(left.detail), out);
    if core.reassigning.contains(&address) {
        return;
    }
    match left.next {
        Ok(moves) if moves.is_empty() => {}
        Ok(moves) => {
            let throttle = throttle_rate(core, &cluster).map(|rate| Throttle {
                rate,
                brokers: running_brokers(core, &cluster),
            });
            core.reassigning.insert(address.clone());
            out.push(KafkaAdmin::Reassign {
                endpoints: endpoints(core, &cluster),
                address,
                moves,
                throttle,
            });
        }
        Err(reason) => run::fail(
            core,
            format!("{address}: cannot move its replicas: {reason}"),
            out,
        ),
    }
}

/// `Event::ReassignmentAsked`: the controller took the moves (they show as
/// running from the next read on), or the apply fails saying why not.
pub(in crate::core) fn reassignment_asked(
    core: &mut Core,
    address: Address,
    error: Option<String>,
    out: &mut Out,
) {
    core.reassigning.remove(&address);
    if let (Some(e), Some(_)) = (error, step_of(core, &address)) {
        run::fail(
            core,
            format!("{address}: the partition reassignment was refused: {e}"),
            out,
        );
    }
}

/// `Event::ThrottleCleared`: the step goes on; a failed removal is tried
/// again after the next read.
pub(in crate::core) fn throttle_cleared(
    core: &mut Core,
    address: Address,
    error: Option<String>,
    now: u64,
    out: &mut Out,
) {
    core.reassigning.remove(&address);
    let Some(i) = step_of(core, &address) else {
        return;
    };
    match error {
        Some(e) => {
            let detail = format!("cannot remove the replication throttle yet: {e}");
            report(core, &address, Some(detail), out);
        }
        None => moved(core, i, &address, now, out),
    }
}

/// Nothing is left to move: the throttle (if the cluster has one) is
/// removed, then the step goes on.
fn finish(core: &mut Core, i: usize, address: &Address, now: u64, out: &mut Out) {
    if throttle_rate(core, address.cluster()).is_none() {
        return moved(core, i, address, now, out);
    }
    if core.reassigning.insert(address.clone()) {
        clear_throttle(core, address, out);
    }
}

/// The moves are done and unthrottled: a drained broker is stopped, a
/// balanced cluster's preferred leaders elected.
fn moved(core: &mut Core, i: usize, address: &Address, now: u64, out: &mut Out) {
    core.probes.remove(address);
    match address.broker_id() {
        Some(id) => stop(core, i, &(address.cluster().to_string(), id), now, out),
        None => balancing::elect(core, i, address.cluster(), out),
    }
}

/// The apply ended (failed or cancelled) while partitions moved: the
/// throttles it set go (the moves Kafka runs carry on, unthrottled); the
/// answers find no step and change nothing.
pub(super) fn abandoned(core: &Core, run: &ApplyRun, out: &mut Out) {
    let reassigning = run.steps.iter().filter(|s| s.stage == Stage::Reassigning);
    for step in reassigning {
        let throttled = run.target.clusters.get(&step.cluster);
        if throttled.is_some_and(|c| c.kafka.reassignment_throttle.is_some()) {
            clear_throttle(core, &step.address, out);
        }
    }
}

fn clear_throttle(core: &Core, address: &Address, out: &mut Out) {
    out.push(KafkaAdmin::ClearThrottle {
        address: address.clone(),
        endpoints: endpoints(core, address.cluster()),
        brokers: running_brokers(core, address.cluster()),
    });
}

/// A partition's (topic, index).
fn name(p: &LivePartition) -> (&str, i32) {
    (p.topic.as_str(), p.partition)
}

/// The running apply's step at `address`, while it moves partitions.
fn step_of(core: &Core, address: &Address) -> Option<usize> {
    run::find_step(core, |s| {
        &s.address == address && s.stage == Stage::Reassigning
    })
}

/// The cluster's brokers the apply destroys, and those it keeps that run,
/// each with its rack (its agent's `rack` attribute).
fn brokers(core: &Core, cluster: &str) -> (BTreeSet<u32>, BTreeMap<u32, Option<String>>) {
    let kept: BTreeSet<u32> = target::target_cluster(core, cluster)
        .map(|c| c.brokers.keys().copied().collect())
        .unwrap_or_default();
    let Some(cs) = core.doc.state.clusters.get(cluster) else {
        return (BTreeSet::new(), BTreeMap::new());
    };
    let leaving = cs.brokers.keys().filter(|id| !kept.contains(id)).copied();
    let remaining = cs
        .brokers
        .iter()
        .filter(|(id, _)| kept.contains(id) && core.running(cluster, **id))
        .map(|(id, b)| {
            let rack = b.runtime.as_ref().and_then(|r| r.attributes.get("rack"));
            (*id, rack.cloned())
        });
    (leaving.collect(), remaining.collect())
}

/// The cluster's running brokers, each with its endpoint.
fn running_brokers(core: &Core, cluster: &str) -> BTreeMap<u32, String> {
    let cs = core.doc.state.clusters.get(cluster);
    let ids = cs.into_iter().flat_map(|c| c.brokers.keys());
    ids.filter_map(|id| Some((*id, core.endpoint(cluster, *id)?)))
        .collect()
}

/// Where to send the cluster's admin requests: its running brokers, those
/// the apply keeps first.
pub(super) fn endpoints(core: &Core, cluster: &str) -> Vec<String> {
    let (leaving, _) = brokers(core, cluster);
    let mut running: Vec<(u32, String)> = running_brokers(core, cluster).into_iter().collect();
    running.sort_by_key(|(id, _)| leaving.contains(id));
    running.into_iter().map(|(_, endpoint)| endpoint).collect()
}

/// The cluster's `reassignment_throttle` in the apply's target, bytes/s.
fn throttle_rate(core: &Core, cluster: &str) -> Option<u64> {
    let spec = target::target_cluster(core, cluster)?;
    spec.kafka.reassignment_throttle.map(|r| r.0)
}
