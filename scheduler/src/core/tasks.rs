//! Following tasks: status updates (recorded, then acknowledged), failover
//! of brokers whose task failed or was lost (relaunch after a delay that
//! doubles up to `max_delay`, up to `max_tries`), and reconciliation after
//! every subscription (explicit for the tasks the state knows, retried with
//! backoff, then implicit), which adopts running tasks the state owns and
//! kills the ones it does not.

use mesos::proto::task_status::{Reason, Source};
use mesos::proto::{AgentId, TaskId, TaskState, TaskStatus};

use engine::state::BrokerStatus;

use super::clients::{self, InstanceKey};
use super::{millis, BrokerKey, BrokerPhase, Core, MesosCall, Out, TaskPhase, TaskRecord};
use super::{RECONCILE_FIRST_RETRY_MS, RECONCILE_MAX_RETRY_MS};

/// States after which a task will not run (UNKNOWN: the master has no record of it).
fn gone(state: TaskState) -> bool {
    state.is_terminal() || state == TaskState::TaskUnknown
}

/// Where a task id is in the core's records.
enum Owner {
    Current(BrokerKey),
    Doomed(BrokerKey),
    Instance(InstanceKey),
    DoomedInstance(InstanceKey),
    Stranger,
}

fn owner(core: &Core, task_id: &str) -> Owner {
    for (cluster, records) in &core.doc.scheduler.brokers {
        for (id, record) in records {
            let key = || (cluster.clone(), *id);
            if record.task.as_ref().is_some_and(|t| t.task_id == task_id) {
                return Owner::Current(key());
            }
            if record.doomed.iter().any(|t| t.task_id == task_id) {
                return Owner::Doomed(key());
            }
        }
    }
    for key in core.instance_keys() {
        let Some(record) = core.instance(&key) else {
            continue;
        };
        if record.task.as_ref().is_some_and(|t| t.task_id == task_id) {
            return Owner::Instance(key);
        }
        if record.doomed.iter().any(|t| t.task_id == task_id) {
            return Owner::DoomedInstance(key);
        }
    }
    Owner::Stranger
}

/// Every task slot (current task, earlier doomed ones): brokers', then
/// client instances'.
fn slots(core: &Core) -> impl Iterator<Item = (&Option<TaskRecord>, &Vec<TaskRecord>)> {
    let brokers = core.doc.scheduler.brokers.values().flat_map(|r| r.values());
    let instances = core
        .doc
        .scheduler
        .clients
        .values()
        .flat_map(|names| names.values())
        .flat_map(|instances| instances.values());
    brokers
        .map(|r| (&r.task, &r.doomed))
        .chain(instances.map(|r| (&r.task, &r.doomed)))
}

/// [`slots`], to change.
fn slots_mut(
    core: &mut Core,
) -> impl Iterator<Item = (&mut Option<TaskRecord>, &mut Vec<TaskRecord>)> {
    let scheduler = &mut core.doc.scheduler;
    let brokers = scheduler.brokers.values_mut().flat_map(|r| r.values_mut());
    let instances = scheduler
        .clients
        .values_mut()
        .flat_map(|names| names.values_mut())
        .flat_map(|instances| instances.values_mut());
    brokers
        .map(|r| (&mut r.task, &mut r.doomed))
        .chain(instances.map(|r| (&mut r.task, &mut r.doomed)))
}

/// An update for a task killed (or lost) earlier: forgotten once gone,
/// killed again should it come back.
fn doomed_task(
    doomed: &mut Vec<TaskRecord>,
    task_id: &str,
    state: TaskState,
    agent: Option<&str>,
    out: &mut Out,
) {
    if gone(state) {
        doomed.retain(|t| t.task_id != task_id);
        out.dirty = true;
    } else if let Some(task) = doomed.iter_mut().find(|t| t.task_id == task_id) {
        // A lost task came back: it is not the owner's task any more.
        if state != TaskState::TaskUnreachable {
            task.phase = TaskPhase::Killing;
            out.dirty = true;
            out.push(kill(task_id, agent, None));
        }
    }
}

pub(super) fn kill(
    task_id: &str,
    agent_id: Option<&str>,
    grace: Option<std::time::Duration>,
) -> MesosCall {
    MesosCall::Kill {
        task_id: TaskId {
            value: task_id.to_string(),
        },
        agent_id: agent_id.map(|a| AgentId {
            value: a.to_string(),
        }),
        grace,
    }
}

pub(super) fn status(core: &mut Core, status: TaskStatus, now: u64, out: &mut Out) {
    let Some(task_id) = status.task_id.as_ref().map(|t| t.value.clone()) else {
        return;
    };
    let state = TaskState::try_from(status.state).unwrap_or(TaskState::TaskUnknown);
    let agent = status.agent_id.as_ref().map(|a| a.value.clone());
    match owner(core, &task_id) {
        Owner::Current(key) => {
            if launched(&status, state) {
                confirm_volume(core, &key, out);
            }
            current_task(core, &key, &status, state, now, out)
        }
        Owner::Doomed(key) => {
            let doomed = &mut core.record_mut(&key.0, key.1).doomed;
            doomed_task(doomed, &task_id, state, agent.as_deref(), out);
        }
        Owner::Instance(key) => clients::current_task(core, &key, &status, state, now, out),
        Owner::DoomedInstance(key) => {
            let doomed = &mut core.instance_mut(&key).doomed;
            doomed_task(doomed, &task_id, state, agent.as_deref(), out);
        }
        Owner::Stranger => {
            if !gone(state) && state != TaskState::TaskUnreachable {
                out.push(kill(&task_id, agent.as_deref(), None));
            }
        }
    }
    if let (Some(uuid), Some(agent_id)) = (status.uuid, status.agent_id) {
        out.push(MesosCall::Acknowledge {
            agent_id,
            task_id: TaskId { value: task_id },
            uuid,
        });
    }
}

/// Whether the update shows the task reached the master, and with it the
/// operations of its ACCEPT (the volume it runs on): the master knows it, or
/// its agent reported on it.
fn launched(status: &TaskStatus, state: TaskState) -> bool {
    let from_master = status.source == Some(Source::SourceMaster as i32);
    match state {
        TaskState::TaskStaging
        | TaskState::TaskStarting
        | TaskState::TaskRunning
        | TaskState::TaskKilling
        | TaskState::TaskUnreachable => true,
        TaskState::TaskFinished | TaskState::TaskFailed | TaskState::TaskKilled => !from_master,
        _ => false,
    }
}

fn confirm_volume(core: &mut Core, key: &BrokerKey, out: &mut Out) {
    if let Some(volume) = core.record_mut(&key.0, key.1).volume.as_mut() {
        if !volume.confirmed {
            volume.confirmed = true;
            out.dirty = true;
        }
    }
}

fn current_task(
    core: &mut Core,
    key: &BrokerKey,
    status: &TaskStatus,
    state: TaskState,
    now: u64,
    out: &mut Out,
) {
    let record = core.record_mut(&key.0, key.1);
    let Some(task) = record.task.clone() else {
        return;
    };
    let killing = task.phase == TaskPhase::Killing;
    let started = task.phase != TaskPhase::Launched;
    match state {
        // Updates for one task come in order, but reconciliation answers
        // and redeliveries may repeat an older state: never go back.
        TaskState::TaskStaging | TaskState::TaskStarting
            if matches!(task.phase, TaskPhase::Launched | TaskPhase::Unconfirmed) =>
        {
            set_phase(core, key, TaskPhase::Starting, out);
            core.set_status(key, BrokerStatus::Starting, BrokerPhase::Starting, now, out);
        }
        TaskState::TaskRunning if !killing => {
            set_phase(core, key, TaskPhase::Running, out);
            let record = core.record_mut(&key.0, key.1);
            if record.running_since.is_none() {
                record.running_since = Some(now);
                out.dirty = true;
            }
            core.set_status(key, BrokerStatus::Running, BrokerPhase::Running, now, out);
        }
        // Being stopped: wait for the terminal update.
        TaskState::TaskKilling => {
            if !killing {
                set_phase(core, key, TaskPhase::Killing, out);
            }
        }
        // An older state repeated (a reconciliation answer or a redelivery
        // arriving after a newer update), or still alive while being
        // killed: nothing changes.
        TaskState::TaskStaging | TaskState::TaskStarting | TaskState::TaskRunning => {}
        TaskState::TaskUnreachable => {
            // Its agent is gone, maybe for good: the broker is relaunched
            // after the failover delay, and the task is killed should it
            // come back.
            let record = core.record_mut(&key.0, key.1);
            record.task = None;
            record.doomed.push(TaskRecord {
                phase: TaskPhase::Unreachable,
                ..task.clone()
            });
            out.push(kill(&task.task_id, Some(&task.agent_id), None));
            ended(core, key, !killing, started, now, out);
        }
        _ => {
            // Terminal (or unknown to the master). A launch on an offer that
            // was gone before the ACCEPT reached the master is not the
            // broker's fault.
            let invalid_offer = status.reason == Some(Reason::ReasonInvalidOffers as i32);
            core.record_mut(&key.0, key.1).task = None;
            ended(core, key, !killing && !invalid_offer, started, now, out);
        }
    }
}

fn set_phase(core: &mut Core, key: &BrokerKey, phase: TaskPhase, out: &mut Out) {
    if let Some(task) = core.record_mut(&key.0, key.1).task.as_mut() {
        if task.phase != phase {
            task.phase = phase;
            out.dirty = true;
        }
    }
}

/// The broker's task ended; `failed` when it was not stopped on purpose.
/// `started`: it had reported STARTING or RUNNING, so its volume exists and
/// the broker prefers that agent for `stickiness`.
fn ended(core: &mut Core, key: &BrokerKey, failed: bool, started: bool, now: u64, out: &mut Out) {
    out.dirty = true;
    let Some(spec) = core.broker(&key.0, key.1).map(|b| b.spec.clone()) else {
        return;
    };
    let record = core.record_mut(&key.0, key.1);
    record.stopped_at = started.then_some(now);
    let ran_stably = record
        .running_since
        .take()
        .is_some_and(|since| now.saturating_sub(since) >= millis(spec.failover.max_delay));
    if !failed {
        let held = record.held;
        let (status, phase) = if held {
            (BrokerStatus::Stopped, BrokerPhase::Stopped)
        } else {
            (BrokerStatus::Pending, BrokerPhase::WaitingForOffer)
        };
        core.set_status(key, status, phase, now, out);
        return;
    }
    if ran_stably {
        record.failures = 0;
    }
    record.failures += 1;
    let failures = record.failures;
    let max_tries = spec.failover.max_tries;
    let detail = if max_tries > 0 && failures > max_tries {
        record.gave_up = true;
        record.relaunch_at = None;
        format!("failed {failures} times in a row; not relaunched (max_tries = {max_tries})")
    } else {
        let delay = backoff(&spec.failover, failures);
        record.relaunch_at = Some(now + delay);
        format!(
            "failed; relaunch in {}",
            humantime::format_duration(std::time::Duration::from_millis(delay))
        )
    };
    core.set_status(key, BrokerStatus::Failed, BrokerPhase::Failed, now, out);
    core.progress_broker(key, BrokerPhase::Failed, Some(detail), out);
}

/// The failover delay before relaunch number `failures` (1 = first): `delay`
/// doubled for each earlier failure, at most `max_delay`.
pub(super) fn backoff(failover: &engine::config::Failover, failures: u32) -> u64 {
    let first = millis(failover.delay);
    let doubled = first.saturating_mul(1u64 << failures.saturating_sub(1).min(40));
    doubled.min(millis(failover.max_delay).max(first))
}

/// Brokers (and client instances) whose failover delay ran out wait for an
/// offer again.
pub(super) fn expire_delays(core: &mut Core, now: u64, out: &mut Out) {
    clients::expire_delays(core, now, out);
    for key in core.broker_keys() {
        let record = core.record_mut(&key.0, key.1);
        if record.relaunch_at.is_some_and(|at| at <= now) {
            record.relaunch_at = None;
            out.dirty = true;
            core.set_pending(&key, now, out);
        }
    }
}

/// After a (re)subscription: every task the state knows is unconfirmed until
/// the master answers for it; ask explicitly, then implicitly for the rest.
pub(super) fn reconcile_all(core: &mut Core, now: u64, out: &mut Out) {
    let mut kills = Vec::new();
    for (task, doomed) in slots_mut(core) {
        if let Some(task) = task.as_mut() {
            match task.phase {
                TaskPhase::Killing => kills.push(task.clone()),
                TaskPhase::Unconfirmed => {}
                _ => {
                    task.phase = TaskPhase::Unconfirmed;
                    out.dirty = true;
                }
            }
        }
        kills.extend(
            doomed
                .iter()
                .filter(|t| t.phase == TaskPhase::Killing)
                .cloned(),
        );
    }
    explicit(core, out);
    out.push(MesosCall::Reconcile { tasks: Vec::new() });
    for task in kills {
        out.push(kill(
            &task.task_id,
            Some(&task.agent_id),
            Some(core.config.kill_grace),
        ));
    }
    core.reconcile_retry = Some((now + RECONCILE_FIRST_RETRY_MS, RECONCILE_FIRST_RETRY_MS));
}

/// Tasks whose state the core is not sure of: launched without an update
/// yet, unconfirmed since a subscription, being killed, or lost.
fn unsettled(core: &Core) -> impl Iterator<Item = &TaskRecord> {
    slots(core).flat_map(|(task, doomed)| {
        task.iter()
            .filter(|t| {
                matches!(
                    t.phase,
                    TaskPhase::Launched | TaskPhase::Unconfirmed | TaskPhase::Killing
                )
            })
            .chain(doomed)
    })
}

/// RECONCILE the unsettled tasks; false if there are none.
fn explicit(core: &Core, out: &mut Out) -> bool {
    reconcile(unsettled(core), out)
}

/// RECONCILE `tasks`; false if there are none.
fn reconcile<'a>(tasks: impl Iterator<Item = &'a TaskRecord>, out: &mut Out) -> bool {
    let tasks: Vec<(TaskId, Option<AgentId>)> = tasks
        .map(|t| {
            (
                TaskId {
                    value: t.task_id.clone(),
                },
                Some(AgentId {
                    value: t.agent_id.clone(),
                }),
            )
        })
        .collect();
    if tasks.is_empty() {
        return false;
    }
    out.push(MesosCall::Reconcile { tasks });
    true
}

/// Time-driven work: reconciliation retries and the periodic one.
pub(super) fn tick(core: &mut Core, now: u64, out: &mut Out) {
    if !core.connected {
        return;
    }
    match core.reconcile_retry {
        Some((at, backoff)) if now >= at => {
            core.reconcile_retry = if explicit(core, out) {
                // A KILL may have been lost as well as an update.
                for task in unsettled(core).filter(|t| t.phase == TaskPhase::Killing) {
                    out.push(kill(
                        &task.task_id,
                        Some(&task.agent_id),
                        Some(core.config.kill_grace),
                    ));
                }
                let next = (backoff * 2).min(RECONCILE_MAX_RETRY_MS);
                Some((now + next, next))
            } else {
                None
            };
        }
        Some(_) => {}
        None => {
            // A launch whose ACCEPT never reached the master, or a kill that
            // got lost, would otherwise wait forever for an update.
            if unsettled(core).next().is_some() {
                core.reconcile_retry =
                    Some((now + RECONCILE_FIRST_RETRY_MS, RECONCILE_FIRST_RETRY_MS));
            }
        }
    }
    if now >= core.next_reconcile {
        // Every task the core follows, explicitly: the master sends some
        // updates (TASK_GONE of a rebooted agent's tasks) only once, and an
        // implicit reconciliation says nothing of tasks it no longer knows.
        reconcile(
            slots(core).flat_map(|(task, doomed)| task.iter().chain(doomed)),
            out,
        );
        out.push(MesosCall::Reconcile { tasks: Vec::new() });
        core.next_reconcile = now + millis(core.config.reconcile_interval);
    }
}

/// Whether a broker or client instance can be launched now: no task, not
/// held, not given up, past its failover delay, and no earlier task that
/// may still run (being killed, or unconfirmed).
pub(super) fn launchable(
    task: Option<&TaskRecord>,
    doomed: &[TaskRecord],
    stopped: bool,
    relaunch_at: Option<u64>,
    now: u64,
) -> bool {
    task.is_none()
        && !stopped
        && relaunch_at.is_none_or(|at| at <= now)
        && doomed.iter().all(|t| t.phase == TaskPhase::Unreachable)
}

/// Kills the broker's task gracefully (restart, move, destroy); true if
/// there was a live one.
pub(super) fn stop(core: &mut Core, key: &BrokerKey, now: u64, out: &mut Out) -> bool {
    let grace = core.config.kill_grace;
    let record = core.record_mut(&key.0, key.1);
    record.held = true;
    record.relaunch_at = None;
    out.dirty = true;
    let Some(task) = record.task.as_mut() else {
        core.set_status(key, BrokerStatus::Stopped, BrokerPhase::Stopped, now, out);
        return false;
    };
    task.phase = TaskPhase::Killing;
    let command = kill(&task.task_id, Some(&task.agent_id), Some(grace));
    out.push(command);
    core.set_status(key, BrokerStatus::Stopping, BrokerPhase::Stopping, now, out);
    true
}
