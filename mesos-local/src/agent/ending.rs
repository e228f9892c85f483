//! Ending executors and tasks: KILL (to the executor, or done here for a
//! task it never got; if the task is still live after its grace period the
//! executor is shut down), SHUTDOWN (the executor's grace period, then its
//! process group is killed), the registration timeout, and the process exit
//! that turns every live task terminal and tells the master.

use std::time::Duration;

use nix::sys::signal::Signal;

use mesos::proto::executor::{event, Event};
use mesos::proto::task_status::{Reason, Source};
use mesos::proto::{KillPolicy, TaskId, TaskState};

use super::{Agent, AgentMsg, ExecutorKey, ExecutorKind};
use crate::messages::AgentReport;

impl Agent {
    pub(super) fn registration_timeout(&mut self, key: ExecutorKey, container_id: &str) {
        let Some(run) = self
            .executors
            .get_mut(&key)
            .filter(|r| r.container_id == container_id)
        else {
            return;
        };
        if run.subscribed_once {
            return;
        }
        tracing::warn!(agent = %self.id, executor = %key.1, "executor did not subscribe in time");
        let why = "Executor did not register within the registration timeout".to_string();
        run.ending = Some((
            TaskState::TaskFailed,
            Reason::ReasonExecutorRegistrationTimeout,
            why,
        ));
        if let Some(group) = run.group {
            group.signal(Signal::SIGKILL);
        }
    }

    /// SHUTDOWN (or framework removal): the executor is told to shut down and
    /// has its grace period before its process group is killed.
    pub(super) fn shutdown_executor(
        &mut self,
        key: &ExecutorKey,
        reason: (TaskState, Reason, String),
    ) {
        let default_grace = self.timings.default_grace;
        let Some(run) = self.executors.get_mut(key) else {
            return;
        };
        run.ending.get_or_insert(reason);
        let grace = shutdown_grace(&run.info, default_grace);
        let Some(group) = run.group else { return };
        match (&run.kind, &run.events) {
            (ExecutorKind::Custom, Some(events)) => {
                let _ = events.send(mesos::proto::executor::Event {
                    r#type: Some(mesos::proto::executor::event::Type::Shutdown as i32),
                    ..Default::default()
                });
                let (inbox, key, container_id) =
                    (self.inbox.clone(), key.clone(), run.container_id.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(grace).await;
                    let _ = inbox.send(AgentMsg::GraceExpired { key, container_id });
                });
            }
            (ExecutorKind::Custom, None) => group.signal(Signal::SIGKILL),
            (ExecutorKind::Command { .. }, _) => {
                tokio::spawn(group.terminate(grace));
            }
        }
    }

    pub(super) fn kill_task(
        &mut self,
        framework_id: &str,
        task_id: &str,
        policy: Option<KillPolicy>,
    ) {
        let Some((key, run)) = self
            .executors
            .iter_mut()
            .find(|((fw, _), run)| fw == framework_id && run.tasks.contains_key(task_id))
        else {
            return;
        };
        let key = key.clone();
        let delivered = run.tasks.get(task_id).is_some_and(|t| t.delivered);
        match run.kind {
            ExecutorKind::Command { .. } => self.command_kill(&key, policy),
            ExecutorKind::Custom if delivered => {
                let task_policy = run
                    .tasks
                    .get(task_id)
                    .and_then(|t| t.info.kill_policy.clone());
                let grace = grace_of(policy.as_ref().or(task_policy.as_ref()))
                    .unwrap_or(self.timings.default_grace);
                if let Some(events) = &run.events {
                    let _ = events.send(Event {
                        r#type: Some(event::Type::Kill as i32),
                        kill: Some(event::Kill {
                            task_id: Some(TaskId {
                                value: task_id.to_string(),
                            }),
                            kill_policy: policy,
                        }),
                        ..Default::default()
                    });
                }
                let (inbox, container_id, task_id) = (
                    self.inbox.clone(),
                    run.container_id.clone(),
                    task_id.to_string(),
                );
                tokio::spawn(async move {
                    tokio::time::sleep(grace).await;
                    let _ = inbox.send(AgentMsg::KillExpired {
                        key,
                        container_id,
                        task_id,
                    });
                });
            }
            ExecutorKind::Custom => {
                // Never reached the executor: killed here, as on Mesos.
                run.tasks.remove(task_id);
                let status = self.agent_status(
                    task_id,
                    &key.1,
                    TaskState::TaskKilled,
                    Reason::ReasonTaskKilledDuringLaunch,
                    "Killed before delivery to the executor",
                );
                self.enqueue(framework_id, &key.1, status);
            }
        }
    }

    /// A killed task's grace period is over: if its executor has not ended
    /// it, the executor is shut down (and, after its own grace, killed).
    pub(super) fn kill_expired(&mut self, key: ExecutorKey, container_id: &str, task_id: &str) {
        let Some(run) = self
            .executors
            .get(&key)
            .filter(|r| r.container_id == container_id)
        else {
            return;
        };
        if run
            .tasks
            .get(task_id)
            .is_some_and(|t| !t.state.is_terminal())
        {
            tracing::info!(agent = %self.id, task_id, "task outlived its kill grace period: shutting its executor down");
            let why =
                "Killed: the executor did not end the task within its grace period".to_string();
            self.shutdown_executor(
                &key,
                (TaskState::TaskKilled, Reason::ReasonExecutorTerminated, why),
            );
        }
    }

    /// The executor process is gone: its live tasks end, the master is told.
    pub(super) fn exited(&mut self, key: ExecutorKey, container_id: &str, status: Option<i32>) {
        if self
            .executors
            .get(&key)
            .is_none_or(|r| r.container_id != container_id)
        {
            return;
        }
        let Some(run) = self.executors.remove(&key) else {
            return;
        };
        let custom = run.kind == ExecutorKind::Custom;
        let (state, reason, message) = match (&run.kind, run.ending.clone()) {
            (_, Some(ending)) => ending,
            (ExecutorKind::Command { killing: true }, None) => (
                TaskState::TaskKilled,
                Reason::ReasonCommandExecutorFailed,
                "Command terminated by a kill".into(),
            ),
            (ExecutorKind::Command { .. }, None) => command_outcome(status),
            (ExecutorKind::Custom, None) => (
                TaskState::TaskFailed,
                Reason::ReasonExecutorTerminated,
                "Executor terminated".to_string(),
            ),
        };
        let source_executor =
            matches!(run.kind, ExecutorKind::Command { .. }) && run.ending.is_none();
        for (task_id, task) in &run.tasks {
            if task.state.is_terminal() {
                continue;
            }
            let mut update = self.agent_status(task_id, &key.1, state, reason, &message);
            if source_executor {
                update.source = Some(Source::SourceExecutor as i32);
            }
            self.enqueue(&key.0, &key.1, update);
        }
        tracing::info!(agent = %self.id, executor = %key.1, ?status, "executor exited");
        self.report(AgentReport::ExecutorExited {
            framework_id: key.0,
            executor_id: key.1,
            status,
            custom,
        });
    }
}

/// FINISHED on exit 0, FAILED otherwise, as the command executor reports.
fn command_outcome(status: Option<i32>) -> (TaskState, Reason, String) {
    let code = status.map(|s| {
        if s & 0x7f == 0 {
            (s >> 8) & 0xff
        } else {
            -(s & 0x7f)
        }
    });
    match code {
        Some(0) => (
            TaskState::TaskFinished,
            Reason::ReasonCommandExecutorFailed,
            "Command exited with status 0".into(),
        ),
        Some(c) if c < 0 => (
            TaskState::TaskFailed,
            Reason::ReasonCommandExecutorFailed,
            format!("Command terminated with signal {}", -c),
        ),
        Some(c) => (
            TaskState::TaskFailed,
            Reason::ReasonCommandExecutorFailed,
            format!("Command exited with status {c}"),
        ),
        None => (
            TaskState::TaskFailed,
            Reason::ReasonCommandExecutorFailed,
            "Command exit status unknown".into(),
        ),
    }
}

/// A kill policy's grace period, if it has a valid one.
pub(super) fn grace_of(policy: Option<&KillPolicy>) -> Option<Duration> {
    let nanoseconds = policy?.grace_period.as_ref()?.nanoseconds;
    u64::try_from(nanoseconds).ok().map(Duration::from_nanos)
}

/// An executor's shutdown grace period: its own, or the agent's default.
pub(super) fn shutdown_grace(info: &mesos::proto::ExecutorInfo, default: Duration) -> Duration {
    let own = info
        .shutdown_grace_period
        .as_ref()
        .and_then(|d| u64::try_from(d.nanoseconds).ok());
    own.map(Duration::from_nanos).unwrap_or(default)
}
