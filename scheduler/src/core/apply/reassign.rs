//! Destroying a broker of an Apache Kafka cluster that stays: its
//! partitions move to the brokers that stay before it is stopped
//! (`Reassigning`). Every probe interval the cluster's partitions and
//! running reassignments are read; the partitions still on the broker and
//! not moving yet are reassigned where [`engine::plan::reassignment`] puts
//! them (the cluster's `reassignment_throttle` set first); once no
//! partition is on it, none is moving and no replica on a running broker
//! is out of sync, the throttle is deleted and the broker stopped. Nothing of this is kept but the
//! stage: a core rebuilt mid-way reads again and asks only for the moves
//! not running, so asking again is safe.

use std::collections::{BTreeMap, BTreeSet};

use engine::config::KafkaKind;
use engine::plan::availability::LivePartition;
use engine::plan::reassignment;
use engine::Address;

use super::broker_steps::stop;
use super::restarts::{count, due};
use super::{run, target};
use crate::core::record::{ApplyRun, Stage};
use crate::core::{BrokerKey, BrokerPhase, Core, KafkaAdmin, LiveReassignment, Out, Throttle};

/// Whether destroying the broker moves its partitions first: an Apache
/// Kafka cluster that the apply keeps, with brokers left.
pub(super) fn needed(core: &Core, key: &BrokerKey) -> bool {
    let apache = core
        .doc
        .state
        .clusters
        .get(&key.0)
        .is_some_and(|c| c.kafka.kind == KafkaKind::Apache);
    let kept = target::target_cluster(core, &key.0).is_some_and(|c| !c.brokers.is_empty());
    apache && kept
}

/// Step `i` starts moving the broker's partitions.
pub(super) fn start(core: &mut Core, i: usize, key: &BrokerKey, now: u64, out: &mut Out) {
    run::set_stage(core, i, Stage::Reassigning, out);
    core.progress_broker(key, BrokerPhase::Reassigning, None, out);
    read(core, key, now, true, out);
}

/// While partitions move: read them again once the probe interval passed.
pub(super) fn work_on(core: &mut Core, key: &BrokerKey, now: u64, out: &mut Out) {
    read(core, key, now, false, out);
}

fn read(core: &mut Core, key: &BrokerKey, now: u64, immediately: bool, out: &mut Out) {
    if core.reassigning.contains(key) {
        return;
    }
    let endpoints = endpoints(core, &key.0);
    if !due(core, key, now, immediately) || endpoints.is_empty() {
        return;
    }
    core.probes.insert(key.clone(), now);
    out.push(KafkaAdmin::ReadReassignment {
        cluster: key.0.clone(),
        id: key.1,
        endpoints,
    });
}

/// `Event::ReassignmentRead`: asks for the moves not running yet, or
/// finishes once nothing is left.
pub(in crate::core) fn reassignment_read(
    core: &mut Core,
    key: BrokerKey,
    read: Result<LiveReassignment, String>,
    now: u64,
    out: &mut Out,
) {
    let Some(i) = step_of(core, &key) else {
        return;
    };
    let live = match read {
        Ok(live) => live,
        Err(e) => {
            let detail = format!("cannot read the partitions yet: {e}");
            return core.progress_broker(&key, BrokerPhase::Reassigning, Some(detail), out);
        }
    };
    let running: BTreeSet<(&str, i32)> =
        live.running.iter().map(|(t, p)| (t.as_str(), *p)).collect();
    // A replica out of sync on a broker that is not running cannot catch
    // up now, and stopping a broker that holds nothing takes nothing from it.
    let up = running_brokers(core, &key.0);
    let catching_up = |p: &LivePartition| {
        p.replicas
            .iter()
            .any(|r| !p.isr.contains(r) && up.contains_key(r))
    };
    let left: BTreeSet<(&str, i32)> = live
        .partitions
        .iter()
        .filter(|p| p.replicas.contains(&key.1) || running.contains(&name(p)) || catching_up(p))
        .map(name)
        .collect();
    if left.is_empty() {
        return finish(core, i, &key, now, out);
    }
    let n = u32::try_from(left.len()).unwrap_or(u32::MAX);
    let detail = format!(
        "{} left to move off broker {}",
        count(n, "partition"),
        key.1
    );
    core.progress_broker(&key, BrokerPhase::Reassigning, Some(detail), out);
    if core.reassigning.contains(&key) {
        return;
    }
    let settled: Vec<LivePartition> = live
        .partitions
        .iter()
        .filter(|p| !running.contains(&name(p)))
        .cloned()
        .collect();
    let (leaving, remaining) = brokers(core, &key.0);
    match reassignment::moves(&settled, &leaving, &remaining) {
        Ok(moves) if moves.is_empty() => {}
        Ok(moves) => {
            let throttle = throttle_rate(core, &key.0).map(|rate| Throttle {
                rate,
                brokers: running_brokers(core, &key.0),
            });
            core.reassigning.insert(key.clone());
            out.push(KafkaAdmin::Reassign {
                cluster: key.0.clone(),
                id: key.1,
                endpoints: endpoints(core, &key.0),
                moves,
                throttle,
            });
        }
        Err(reason) => {
            let address = Address::of_broker(&key.0, key.1);
            run::fail(
                core,
                format!("{address}: cannot move its replicas: {reason}"),
                out,
            );
        }
    }
}

/// `Event::ReassignmentAsked`: the controller took the moves (they show as
/// running from the next read on), or the apply fails saying why not.
pub(in crate::core) fn reassignment_asked(
    core: &mut Core,
    key: BrokerKey,
    error: Option<String>,
    out: &mut Out,
) {
    core.reassigning.remove(&key);
    if let (Some(e), Some(_)) = (error, step_of(core, &key)) {
        let address = Address::of_broker(&key.0, key.1);
        run::fail(
            core,
            format!("{address}: the partition reassignment was refused: {e}"),
            out,
        );
    }
}

/// `Event::ThrottleCleared`: the broker is stopped; a failed removal is
/// tried again after the next read.
pub(in crate::core) fn throttle_cleared(
    core: &mut Core,
    key: BrokerKey,
    error: Option<String>,
    now: u64,
    out: &mut Out,
) {
    core.reassigning.remove(&key);
    let Some(i) = step_of(core, &key) else {
        return;
    };
    match error {
        Some(e) => {
            let detail = format!("cannot remove the replication throttle yet: {e}");
            core.progress_broker(&key, BrokerPhase::Reassigning, Some(detail), out);
        }
        None => {
            core.probes.remove(&key);
            stop(core, i, &key, now, out);
        }
    }
}

/// Nothing is left on the broker: the throttle (if the cluster has one) is
/// removed, then the broker stopped.
fn finish(core: &mut Core, i: usize, key: &BrokerKey, now: u64, out: &mut Out) {
    if throttle_rate(core, &key.0).is_none() {
        core.probes.remove(key);
        return stop(core, i, key, now, out);
    }
    if core.reassigning.insert(key.clone()) {
        clear_throttle(core, key, out);
    }
}

/// The apply ended (failed or cancelled) while partitions moved off
/// brokers: the throttles it set go (the moves Kafka runs carry on,
/// unthrottled); the answers find no step and change nothing.
pub(super) fn abandoned(core: &Core, run: &ApplyRun, out: &mut Out) {
    let reassigning = run.steps.iter().filter(|s| s.stage == Stage::Reassigning);
    for step in reassigning {
        let throttled = run.target.clusters.get(&step.cluster);
        let throttled = throttled.is_some_and(|c| c.kafka.reassignment_throttle.is_some());
        if let (true, Some(id)) = (throttled, step.address.broker_id()) {
            clear_throttle(core, &(step.cluster.clone(), id), out);
        }
    }
}

fn clear_throttle(core: &Core, key: &BrokerKey, out: &mut Out) {
    out.push(KafkaAdmin::ClearThrottle {
        cluster: key.0.clone(),
        id: key.1,
        endpoints: endpoints(core, &key.0),
        brokers: running_brokers(core, &key.0),
    });
}

/// A partition's (topic, index).
fn name(p: &LivePartition) -> (&str, i32) {
    (p.topic.as_str(), p.partition)
}

/// The running apply's step destroying the broker, while it reassigns.
fn step_of(core: &Core, key: &BrokerKey) -> Option<usize> {
    let address = Address::of_broker(&key.0, key.1);
    run::find_step(core, |s| {
        s.address == address && s.stage == Stage::Reassigning
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
fn endpoints(core: &Core, cluster: &str) -> Vec<String> {
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
