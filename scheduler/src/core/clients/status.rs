//! A client instance's task updates: its phase (never moving back), and
//! failover when it ended without being stopped: relaunched after the
//! client's `failover` delay, doubling up to `max_delay`, until `max_tries`
//! failures in a row.

use mesos::proto::task_status::Reason;
use mesos::proto::{TaskState, TaskStatus};

use super::InstanceKey;
use crate::core::tasks::{backoff, kill};
use crate::core::{millis, Core, Out, TaskPhase, TaskRecord};

/// An update for the instance's current task.
pub(in crate::core) fn current_task(
    core: &mut Core,
    key: &InstanceKey,
    status: &TaskStatus,
    state: TaskState,
    now: u64,
    out: &mut Out,
) {
    let record = core.instance_mut(key);
    let Some(task) = record.task.clone() else {
        return;
    };
    let killing = task.phase == TaskPhase::Killing;
    match state {
        TaskState::TaskStaging | TaskState::TaskStarting
            if matches!(task.phase, TaskPhase::Launched | TaskPhase::Unconfirmed) =>
        {
            set_phase(core, key, TaskPhase::Starting, out);
        }
        TaskState::TaskRunning if !killing => {
            set_phase(core, key, TaskPhase::Running, out);
            let record = core.instance_mut(key);
            if record.running_since.is_none() {
                record.running_since = Some(now);
                out.dirty = true;
            }
        }
        TaskState::TaskKilling => set_phase(core, key, TaskPhase::Killing, out),
        // An older state repeated, or still alive while being killed.
        TaskState::TaskStaging | TaskState::TaskStarting | TaskState::TaskRunning => {}
        TaskState::TaskUnreachable => {
            // Relaunched elsewhere after the failover delay; the lost task
            // is killed should it come back.
            let record = core.instance_mut(key);
            record.task = None;
            record.doomed.push(TaskRecord {
                phase: TaskPhase::Unreachable,
                ..task.clone()
            });
            out.push(kill(&task.task_id, Some(&task.agent_id), None));
            ended(core, key, !killing, status, now, out);
        }
        _ => {
            // Terminal (or unknown to the master); an offer gone before the
            // ACCEPT reached the master is not the instance's fault.
            let invalid_offer = status.reason == Some(Reason::ReasonInvalidOffers as i32);
            core.instance_mut(key).task = None;
            ended(core, key, !killing && !invalid_offer, status, now, out);
        }
    }
}

fn set_phase(core: &mut Core, key: &InstanceKey, phase: TaskPhase, out: &mut Out) {
    if let Some(task) = core.instance_mut(key).task.as_mut() {
        if task.phase != phase {
            task.phase = phase;
            out.dirty = true;
        }
    }
}

/// The instance's task ended; `failed` when it was not stopped on purpose.
fn ended(
    core: &mut Core,
    key: &InstanceKey,
    failed: bool,
    status: &TaskStatus,
    now: u64,
    out: &mut Out,
) {
    out.dirty = true;
    let Some(failover) = core
        .doc
        .state
        .clusters
        .get(&key.0)
        .and_then(|cs| cs.clients.get(&key.1))
        .map(|spec| spec.failover.clone())
    else {
        return;
    };
    let record = core.instance_mut(key);
    let ran_stably = record
        .running_since
        .take()
        .is_some_and(|since| now.saturating_sub(since) >= millis(failover.max_delay));
    if !failed {
        return;
    }
    if ran_stably {
        record.failures = 0;
    }
    record.failures += 1;
    record.failure = status.message.clone();
    if failover.max_tries > 0 && record.failures > failover.max_tries {
        record.gave_up = true;
        record.relaunch_at = None;
    } else {
        record.relaunch_at = Some(now + backoff(&failover, record.failures));
    }
}
