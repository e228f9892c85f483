//! Restarting or moving a broker, one at a time. It is stopped gracefully —
//! an Apache Kafka broker only once a probe finds that no partition would
//! fall below `min.insync.replicas` without it (`CheckingStop`) — relaunched
//! (on its volume, or placed afresh for a move; a KRaft voter stays), and
//! the step is done when it runs and a probe finds it healthy and caught up
//! on every partition it hosts (`Probing`).

use engine::config::KafkaKind;
use engine::plan::Action;
use engine::Address;

use super::broker_steps::{record_of, stop, target_spec};
use super::{placement_deadline, run};
use crate::core::record::{Stage, Step};
use crate::core::{millis, quorum, BrokerKey, BrokerPhase, Core, KafkaAdmin, Out, PartitionHealth};

pub(super) fn work_on(
    core: &mut Core,
    i: usize,
    step: &Step,
    key: &BrokerKey,
    now: u64,
    out: &mut Out,
) {
    let (record, running) = record_of(core, key);
    match step.stage {
        Stage::Pending if running && replicated(core, &key.0) => {
            run::set_stage(core, i, Stage::CheckingStop, out);
            probe(core, key, now, true, BrokerPhase::WaitingToStop, out);
        }
        // Nothing replicates its data, or it does not run: stopped at once.
        Stage::Pending => stop(core, i, key, now, out),
        Stage::CheckingStop if running => {
            probe(core, key, now, false, BrokerPhase::WaitingToStop, out);
        }
        // It stopped by itself meanwhile.
        Stage::CheckingStop => stop(core, i, key, now, out),
        Stage::Started if record.task.is_none() => relaunch(core, i, step, key, now, out),
        // Its task is still being killed.
        Stage::Started => {}
        Stage::Relaunching if record.gave_up => {
            let why = format!("{}: the broker keeps failing; gave up", step.address);
            run::fail(core, why, out);
        }
        Stage::Relaunching if running => {
            run::set_stage(core, i, Stage::Probing, out);
            probe(core, key, now, true, BrokerPhase::Probing, out);
        }
        Stage::Relaunching => {
            placement_deadline::overdue(core, step, key, now, out);
        }
        Stage::Probing if running => probe(core, key, now, false, BrokerPhase::Probing, out),
        // It failed again before it was found healthy.
        Stage::Probing => run::set_stage(core, i, Stage::Relaunching, out),
        // Destroys only.
        Stage::Reassigning | Stage::Done => {}
    }
}

/// The old task is gone: the broker is launched again, with the target's
/// spec, its failover counters reset.
fn relaunch(core: &mut Core, i: usize, step: &Step, key: &BrokerKey, now: u64, out: &mut Out) {
    let (cluster, id) = (key.0.as_str(), key.1);
    // A KRaft voter stays: the quorum every broker runs with names its host.
    let moving = step.action == Action::Move && !quorum::standing(core, cluster, id).voter;
    if let (Some(spec), Some(broker)) = (target_spec(core, key), core.broker_mut(cluster, id)) {
        out.applied |= broker.spec != spec;
        broker.spec = spec;
    }
    let record = core.record_mut(cluster, id);
    record.held = false;
    record.gave_up = false;
    record.failures = 0;
    record.relaunch_at = None;
    if moving {
        // Placed afresh where the constraints hold; the old volume is
        // given back when its agent offers it.
        record.volume = None;
    }
    core.set_pending(key, now, out);
    run::set_stage(core, i, Stage::Relaunching, out);
    if moving {
        placement_deadline::start(core, i, now, out);
    }
}

/// Whether the cluster's brokers replicate partitions (Apache Kafka), so
/// that stopping one must wait for its partitions' in-sync replicas. tansu
/// brokers hold the only copy of their data: nothing to wait for.
fn replicated(core: &Core, cluster: &str) -> bool {
    core.doc
        .state
        .clusters
        .get(cluster)
        .is_some_and(|c| c.kafka.kind == KafkaKind::Apache)
}

/// Sends a probe if none was sent within the probe interval (or
/// `immediately`), reporting the broker in `phase` meanwhile.
fn probe(
    core: &mut Core,
    key: &BrokerKey,
    now: u64,
    immediately: bool,
    phase: BrokerPhase,
    out: &mut Out,
) {
    let address = Address::of_broker(&key.0, key.1);
    if !due(core, &address, now, immediately) {
        return;
    }
    let Some(endpoint) = core.endpoint(&key.0, key.1) else {
        return;
    };
    core.probes.insert(address, now);
    if immediately {
        core.progress_broker(key, phase, None, out);
    }
    out.push(KafkaAdmin::ProbeBroker {
        cluster: key.0.clone(),
        id: key.1,
        endpoint,
    });
}

/// Whether a probe (or reassignment read) for the step at `address` is
/// due: none was sent within the probe interval, or it is wanted
/// `immediately`.
pub(super) fn due(core: &Core, address: &Address, now: u64, immediately: bool) -> bool {
    let interval = millis(core.config.probe_interval);
    immediately
        || core
            .probes
            .get(address)
            .is_none_or(|at| now >= at + interval)
}

/// `Event::BrokerProbe`: a broker waiting to stop is stopped once that is
/// safe; a relaunched one is done once healthy and caught up.
pub(in crate::core) fn probed(
    core: &mut Core,
    key: BrokerKey,
    healthy: bool,
    partitions: PartitionHealth,
    now: u64,
    out: &mut Out,
) {
    let address = Address::of_broker(&key.0, key.1);
    let Some(i) = run::find_step(core, |s| {
        s.address == address && matches!(s.stage, Stage::Probing | Stage::CheckingStop)
    }) else {
        return;
    };
    let id = key.1;
    let Some(stage) = run::step(core, i).map(|s| s.stage.clone()) else {
        return;
    };
    match stage {
        Stage::Probing if healthy && partitions.catching_up == 0 => {
            core.probes.remove(&address);
            timed(core, i, &key, now);
            run::done(core, i, out);
        }
        Stage::Probing => {
            let detail = if healthy {
                format!(
                    "waiting for {} to catch up on broker {id}",
                    count(partitions.catching_up, "partition")
                )
            } else {
                "not answering Kafka requests yet".to_string()
            };
            core.progress_broker(&key, BrokerPhase::Probing, Some(detail), out);
        }
        // A broker that does not answer serves no client: nothing to wait
        // for; nor when the operator allowed partitions to go unavailable.
        Stage::CheckingStop if !healthy || partitions.needing_it == 0 || allowed(core) => {
            core.probes.remove(&address);
            stop(core, i, &key, now, out);
        }
        Stage::CheckingStop => {
            let detail = format!(
                "waiting: {} would fall below min.insync.replicas without broker {id}",
                count(partitions.needing_it, "partition")
            );
            core.progress_broker(&key, BrokerPhase::WaitingToStop, Some(detail), out);
        }
        // Found for the stages above only.
        Stage::Pending | Stage::Started | Stage::Relaunching | Stage::Reassigning | Stage::Done => {
        }
    }
}

/// Records how long step `i`'s restart took, from the stop until now, in
/// the broker's runtime (what the next plan's roll estimate reads).
fn timed(core: &mut Core, i: usize, key: &BrokerKey, now: u64) {
    let Some(stopped_at) = run::step(core, i).and_then(|s| s.stopped_at) else {
        return;
    };
    let seconds = (now.saturating_sub(stopped_at) + 500) / 1000;
    let runtime = core
        .broker_mut(&key.0, key.1)
        .and_then(|b| b.runtime.as_mut());
    if let Some(runtime) = runtime {
        runtime.restart_seconds = Some(seconds);
    }
}

/// Whether the running apply may stop brokers that partitions need.
fn allowed(core: &Core) -> bool {
    core.doc
        .scheduler
        .apply
        .as_ref()
        .is_some_and(|run| run.allow_unavailable)
}

/// "1 partition", "4 partitions".
pub(super) fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
