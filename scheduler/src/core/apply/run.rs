//! The running apply's bookkeeping: each step's stage, a step done (counted,
//! reported, its drift cleared), the Kafka admin calls this core sent, and
//! the run's end (finished, failed or cancelled), which gives back the
//! apply lock (and removes the replication throttle of a scale-down left
//! unfinished).

use engine::plan::Action;
use engine::Address;

use super::reassign;
use crate::core::record::{ApplyRun, Stage, Step};
use crate::core::{Core, Out, Progress};

/// Step `i` of the running apply.
pub(super) fn step(core: &Core, i: usize) -> Option<&Step> {
    core.doc.scheduler.apply.as_ref()?.steps.get(i)
}

/// The first step of the running apply that `matches`.
pub(super) fn find_step(core: &Core, matches: impl Fn(&Step) -> bool) -> Option<usize> {
    core.doc
        .scheduler
        .apply
        .as_ref()?
        .steps
        .iter()
        .position(matches)
}

pub(super) fn set_stage(core: &mut Core, i: usize, stage: Stage, out: &mut Out) {
    if let Some(step) = run_mut(core).and_then(|r| r.steps.get_mut(i)) {
        step.stage = stage;
        out.dirty = true;
    }
}

/// Whether this core sent the step's Kafka admin call already; a step
/// started but not sent by it was in flight when the scheduler stopped, and
/// is sent again.
pub(super) fn sent(core: &Core, step: &Step) -> bool {
    step.stage != Stage::Pending && core.sent.contains(&step.address)
}

/// Records that step `i`'s Kafka admin call was sent.
pub(super) fn mark_sent(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    core.sent.insert(step.address.clone());
    set_stage(core, i, Stage::Started, out);
}

pub(super) fn done(core: &mut Core, i: usize, out: &mut Out) {
    let Some(run) = run_mut(core) else {
        return;
    };
    let Some(step) = run.steps.get_mut(i) else {
        return;
    };
    step.stage = Stage::Done;
    // A balancing step is the apply's own: its progress said what it did.
    if step.balancing.is_some() {
        out.dirty = true;
        return;
    }
    let address = step.address.clone();
    match step.action {
        Action::Create => run.counts.created += 1,
        Action::Update => run.counts.updated += 1,
        Action::Restart | Action::Move => run.counts.restarted += 1,
        Action::Destroy => run.counts.destroyed += 1,
        Action::NoOp => {}
    }
    let progress = Progress::StepDone {
        apply_id: run.id.clone(),
        address: step.address.clone(),
        action: step.action,
    };
    out.push(progress);
    out.dirty = true;
    // The resource now matches the configuration: its outside changes are undone.
    out.applied |= core.doc.state.clear_drift(&address);
}

pub(super) fn finish(core: &mut Core, out: &mut Out) {
    if let Some(run) = core.doc.scheduler.apply.take() {
        out.push(Progress::Finished {
            apply_id: run.id,
            counts: run.counts,
        });
        out.dirty = true;
    }
}

/// Ends the apply with an error; brokers stopped for a restart are let go
/// (failover relaunches them as they were).
pub(super) fn fail(core: &mut Core, message: String, out: &mut Out) {
    if let Some(run) = core.doc.scheduler.apply.take() {
        release(core, &run);
        reassign::abandoned(core, &run, out);
        out.push(Progress::Failed {
            apply_id: run.id,
            message,
            counts: run.counts,
        });
        out.dirty = true;
    }
}

pub(in crate::core) fn cancel(core: &mut Core, out: &mut Out) {
    if let Some(run) = core.doc.scheduler.apply.take() {
        release(core, &run);
        reassign::abandoned(core, &run, out);
        out.push(Progress::Cancelled {
            apply_id: run.id,
            counts: run.counts,
        });
        out.dirty = true;
    }
}

fn release(core: &mut Core, run: &ApplyRun) {
    for step in run.steps.iter().filter(|s| s.stage != Stage::Done) {
        if let Address::Broker { cluster, id } = &step.address {
            if core.broker(cluster, *id).is_some() {
                core.record_mut(cluster, *id).held = false;
            }
        }
    }
}

pub(super) fn step_mut(core: &mut Core, i: usize) -> Option<&mut Step> {
    run_mut(core)?.steps.get_mut(i)
}

fn run_mut(core: &mut Core) -> Option<&mut ApplyRun> {
    core.doc.scheduler.apply.as_mut()
}
