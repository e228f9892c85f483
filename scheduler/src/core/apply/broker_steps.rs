//! A broker's step: created (recorded, launched through the offers, done
//! once it runs); updated in place (its spec recorded, the dynamic
//! properties the plan marked set on it while it runs); destroyed (its
//! partitions moved off first, [`super::reassign`]; stopped, then removed,
//! its record kept while its volume waits to be given back). Restarts and
//! moves are [`super::restarts`].

use engine::plan::Action;
use engine::state::BrokerState;

use super::{dynamic_configs, placement_deadline, reassign, restarts, run, target};
use crate::core::record::{BrokerRecord, Stage, Step};
use crate::core::{tasks, BrokerKey, BrokerPhase, Core, Out, TaskPhase};

pub(super) fn work_on(core: &mut Core, i: usize, step: &Step, now: u64, out: &mut Out) {
    let Some(id) = step.address.broker_id() else {
        return run::fail(core, format!("{}: not a broker", step.address), out);
    };
    let key = (step.cluster.clone(), id);
    match step.action {
        Action::Create => create(core, i, step, &key, now, out),
        Action::Update => update(core, i, step, &key, out),
        Action::Restart | Action::Move => restarts::work_on(core, i, step, &key, now, out),
        Action::Destroy => destroy(core, i, step, &key, now, out),
        Action::NoOp => {}
    }
}

/// The broker's record (a default one when it has none yet) and whether its
/// task runs.
pub(super) fn record_of(core: &Core, key: &BrokerKey) -> (BrokerRecord, bool) {
    let record = core.record(&key.0, key.1).cloned().unwrap_or_default();
    let running = record
        .task
        .as_ref()
        .is_some_and(|t| t.phase == TaskPhase::Running);
    (record, running)
}

/// The broker's spec in the apply's target, if it has one.
pub(super) fn target_spec(core: &Core, key: &BrokerKey) -> Option<engine::config::BrokerSpec> {
    target::target_cluster(core, &key.0)
        .and_then(|c| c.brokers.get(&key.1))
        .cloned()
}

/// Stops the broker's task (gracefully) and moves step `i` on to wait for it.
pub(super) fn stop(core: &mut Core, i: usize, key: &BrokerKey, now: u64, out: &mut Out) {
    tasks::stop(core, key, now, out);
    if let Some(step) = run::step_mut(core, i) {
        step.stopped_at = Some(now);
    }
    run::set_stage(core, i, Stage::Started, out);
}

fn create(core: &mut Core, i: usize, step: &Step, key: &BrokerKey, now: u64, out: &mut Out) {
    if step.stage == Stage::Pending {
        return record_new(core, i, step, key, now, out);
    }
    let (record, running) = record_of(core, key);
    if record.gave_up {
        let why = format!("{}: the broker keeps failing; gave up", step.address);
        run::fail(core, why, out);
    } else if running {
        run::done(core, i, out);
    } else {
        placement_deadline::overdue(core, step, key, now, out);
    }
}

/// Puts the new broker in the state, waiting for an offer.
fn record_new(core: &mut Core, i: usize, step: &Step, key: &BrokerKey, now: u64, out: &mut Out) {
    let Some(spec) = target_spec(core, key) else {
        let why = format!("{}: not in the configuration", step.address);
        return run::fail(core, why, out);
    };
    let Some(cs) = core.doc.state.clusters.get_mut(&key.0) else {
        let why = format!("{}: its cluster is not in the state", step.address);
        return run::fail(core, why, out);
    };
    cs.brokers.insert(
        key.1,
        BrokerState {
            spec,
            runtime: None,
        },
    );
    out.applied = true;
    // A task of an earlier broker of that id may still be live (it was
    // unreachable when that broker was destroyed): it stays doomed, and
    // blocks the launch until it is gone.
    let record = core.record_mut(&key.0, key.1);
    *record = BrokerRecord {
        doomed: std::mem::take(&mut record.doomed),
        ..Default::default()
    };
    core.set_pending(key, now, out);
    run::set_stage(core, i, Stage::Started, out);
    placement_deadline::start(core, i, now, out);
}

fn update(core: &mut Core, i: usize, step: &Step, key: &BrokerKey, out: &mut Out) {
    match step.stage {
        Stage::Pending => {
            if let (Some(spec), Some(broker)) =
                (target_spec(core, key), core.broker_mut(&key.0, key.1))
            {
                broker.spec = spec;
                out.applied = true;
            }
            let (_, running) = record_of(core, key);
            if step.dynamic.is_empty() || !running {
                return run::done(core, i, out);
            }
            dynamic_configs::send(core, i, step, Some(key.1), out);
        }
        Stage::Started => dynamic_configs::send(core, i, step, Some(key.1), out),
        Stage::CheckingStop
        | Stage::Reassigning
        | Stage::Relaunching
        | Stage::Probing
        | Stage::Done => {}
    }
}

fn destroy(core: &mut Core, i: usize, step: &Step, key: &BrokerKey, now: u64, out: &mut Out) {
    match step.stage {
        Stage::Pending if reassign::needed(core, &key.0) => {
            reassign::start(core, i, &step.address, now, out)
        }
        Stage::Pending => stop(core, i, key, now, out),
        Stage::Reassigning => reassign::work_on(core, &step.address, now, out),
        Stage::Started => remove_once_stopped(core, i, key, out),
        Stage::CheckingStop | Stage::Relaunching | Stage::Probing | Stage::Done => {}
    }
}

/// Removes the broker once none of its tasks can come back.
fn remove_once_stopped(core: &mut Core, i: usize, key: &BrokerKey, out: &mut Out) {
    let (cluster, id) = (key.0.as_str(), key.1);
    let (record, _) = record_of(core, key);
    let doomed_alive = record
        .doomed
        .iter()
        .any(|t| t.phase != TaskPhase::Unreachable);
    if record.task.is_some() || doomed_alive {
        return;
    }
    if let Some(cs) = core.doc.state.clusters.get_mut(cluster) {
        out.applied |= cs.brokers.remove(&id).is_some();
    }
    // The record stays while its volume waits to be given back.
    if record.volume.is_none() {
        if let Some(records) = core.doc.scheduler.brokers.get_mut(cluster) {
            records.remove(&id);
        }
    }
    core.progress_broker(key, BrokerPhase::Destroyed, None, out);
    run::done(core, i, out);
}
