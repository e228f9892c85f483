//! The built-in command executor, in process: for a TaskInfo with `command`
//! and no executor, the agent runs the command itself (in its own process
//! group, in the sandbox) and reports what Mesos's command executor reports:
//! TASK_STARTING and TASK_RUNNING once started; on KILL, TASK_KILLING (if the
//! framework understands it), SIGTERM, SIGKILL after the kill policy's grace
//! period (3 s by default), then TASK_KILLED; on exit, TASK_FINISHED for
//! status 0, else TASK_FAILED.

use std::time::Duration;

use mesos::proto::framework_info::capability;
use mesos::proto::task_status::{Reason, Source};
use mesos::proto::{KillPolicy, TaskState};

use super::ending::grace_of;
use super::{Agent, ExecutorKey, ExecutorKind};

/// The built-in executor's default grace period between SIGTERM and SIGKILL.
const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(3);

impl Agent {
    pub(super) fn command_started(&mut self, key: &ExecutorKey) {
        let Some(run) = self.executors.get_mut(key) else {
            return;
        };
        let task_ids: Vec<String> = run.tasks.keys().cloned().collect();
        for task in run.tasks.values_mut() {
            task.delivered = true;
        }
        for task_id in task_ids {
            for (state, message) in [
                (TaskState::TaskStarting, "Starting command"),
                (TaskState::TaskRunning, "Command running"),
            ] {
                let status = self.executor_sourced(&task_id, &key.1, state, message);
                self.enqueue(&key.0, &key.1, status);
            }
        }
    }

    pub(super) fn command_kill(&mut self, key: &ExecutorKey, policy: Option<KillPolicy>) {
        let Some(run) = self.executors.get_mut(key) else {
            return;
        };
        if let ExecutorKind::Command { killing } = &mut run.kind {
            if *killing {
                return;
            }
            *killing = true;
        }
        let task_policy = run
            .tasks
            .values()
            .next()
            .and_then(|t| t.info.kill_policy.clone());
        let grace =
            grace_of(policy.as_ref().or(task_policy.as_ref())).unwrap_or(DEFAULT_KILL_GRACE);
        let killing_state = run
            .framework
            .capabilities
            .iter()
            .any(|c| c.r#type == Some(capability::Type::TaskKillingState as i32));
        let group = run.group;
        let task_ids: Vec<String> = run.tasks.keys().cloned().collect();
        if killing_state {
            for task_id in &task_ids {
                let status = self.executor_sourced(
                    task_id,
                    &key.1,
                    TaskState::TaskKilling,
                    "Killing command",
                );
                self.enqueue(&key.0, &key.1, status);
            }
        }
        match group {
            Some(group) => {
                tokio::spawn(group.terminate(grace));
            }
            // Not started yet (still fetching): it ends as soon as it starts.
            None => {
                if let Some(run) = self.executors.get_mut(key) {
                    run.ending = Some((
                        TaskState::TaskKilled,
                        Reason::ReasonTaskKilledDuringLaunch,
                        "Killed during launch".into(),
                    ));
                }
            }
        }
    }

    fn executor_sourced(
        &self,
        task_id: &str,
        executor_id: &str,
        state: TaskState,
        message: &str,
    ) -> mesos::proto::TaskStatus {
        let mut status = self.agent_status(
            task_id,
            executor_id,
            state,
            Reason::ReasonCommandExecutorFailed,
            message,
        );
        status.source = Some(Source::SourceExecutor as i32);
        status.reason = None;
        status
    }
}
