//! RECONCILE as the real master answers it: implicit (no tasks listed) sends
//! the latest state of every task it knows for the framework; explicit sends,
//! per listed task, its latest state if known, else what the agent's state
//! implies (registered → TASK_GONE, unreachable → TASK_UNREACHABLE, unknown →
//! TASK_UNKNOWN; TASK_LOST without PARTITION_AWARE). Answers come from the
//! master: no uuid (never acknowledged), reason REASON_RECONCILIATION.

use mesos::proto::scheduler::call;
use mesos::proto::task_status::{Reason, Source};
use mesos::proto::{TaskState, TaskStatus};

use super::tasks::{update_event, visible_state, StatusNote};
use super::{now_secs, Master, Task};

impl Master {
    pub(super) fn reconcile(&mut self, framework_id: &str, reconcile: call::Reconcile) {
        let Some(framework) = self.frameworks.get(framework_id) else {
            return;
        };
        let mut answers = Vec::new();
        if reconcile.tasks.is_empty() {
            let partition_aware = framework.partition_aware();
            answers.extend(
                framework
                    .tasks
                    .values()
                    .map(|t| latest_state(t, partition_aware)),
            );
        } else {
            for wanted in &reconcile.tasks {
                let task_id = wanted
                    .task_id
                    .as_ref()
                    .map(|t| t.value.as_str())
                    .unwrap_or_default();
                let agent_id = wanted.agent_id.as_ref().map(|a| a.value.as_str());
                if let Some(task) = framework.tasks.get(task_id) {
                    answers.push(latest_state(task, framework.partition_aware()));
                    continue;
                }
                let agent = agent_id.and_then(|id| self.agents.get(id));
                let (state, message) = match agent {
                    Some(a) if a.unreachable_since.is_some() => (
                        TaskState::TaskUnreachable,
                        "Reconciliation: Task is unreachable",
                    ),
                    Some(_) => (
                        TaskState::TaskGone,
                        "Reconciliation: Task is unknown to the agent",
                    ),
                    None => (TaskState::TaskUnknown, "Reconciliation: Task is unknown"),
                };
                let reason = Reason::ReasonReconciliation;
                answers.push(self.master_status(
                    framework_id,
                    StatusNote {
                        task_id,
                        agent_id,
                        executor_id: None,
                        state,
                        reason,
                        message,
                    },
                ));
            }
        }
        for status in answers {
            self.send(framework_id, update_event(status));
        }
    }
}

/// A known task's latest state, restated by the master.
fn latest_state(task: &Task, partition_aware: bool) -> TaskStatus {
    let mut status = task.latest().cloned().unwrap_or_default();
    status.task_id = task.info.task_id.clone();
    status.state = visible_state(task.state, partition_aware) as i32;
    status.agent_id = task.info.agent_id.clone();
    status.executor_id = Some(mesos::proto::ExecutorId {
        value: task.executor_id.clone(),
    });
    status.source = Some(Source::SourceMaster as i32);
    status.reason = Some(Reason::ReasonReconciliation as i32);
    status.message = Some("Reconciliation: Latest task state".to_string());
    status.timestamp = Some(now_secs());
    status.uuid = None;
    status.data = None;
    status.labels = None;
    if task.state != TaskState::TaskUnreachable {
        status.unreachable_time = None;
    }
    status
}
