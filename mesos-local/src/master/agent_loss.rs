//! The test hook's agent loss and return. Partition and removal make the
//! agent unreachable: its tasks turn TASK_UNREACHABLE (TASK_LOST without
//! PARTITION_AWARE; REASON_AGENT_REMOVED, no uuid), every framework gets
//! FAILURE{agent_id}, and its offers are rescinded. Restore makes the agent
//! re-register: tasks it still runs come back, the others are TASK_GONE.

use axum::http::StatusCode;

use mesos::proto::scheduler::{event, Event};
use mesos::proto::task_status::Reason;
use mesos::proto::{AgentId, TaskState};

use super::tasks::{update_event, StatusNote};
use super::{now_nanos, Master};
use crate::messages::{AgentCommand, HookAction, LiveTask, Refusal};

impl Master {
    /// The test hook. Partition and removal make the agent unreachable: its
    /// tasks turn TASK_UNREACHABLE, frameworks get FAILURE{agent_id} and its
    /// offers are rescinded. Restore brings it back to re-register.
    pub(super) fn hook(&mut self, agent: &str, action: HookAction) -> Result<String, Refusal> {
        let agent_id = self
            .agents
            .iter()
            .find(|(id, a)| id.as_str() == agent || a.link.info.hostname == agent)
            .map(|(id, _)| id.clone())
            .ok_or_else(|| (StatusCode::NOT_FOUND, format!("No agent '{agent}'")))?;
        let unreachable = self
            .agents
            .get(&agent_id)
            .is_some_and(|a| a.unreachable_since.is_some());
        match action {
            HookAction::Partition | HookAction::Remove if unreachable => Err((
                StatusCode::CONFLICT,
                format!("Agent {agent_id} is already unreachable"),
            )),
            HookAction::Restore if !unreachable => Err((
                StatusCode::CONFLICT,
                format!("Agent {agent_id} is reachable"),
            )),
            HookAction::Restore => {
                if let Some(a) = self.agents.get_mut(&agent_id) {
                    a.unreachable_since = None;
                }
                self.command(&agent_id, AgentCommand::Reregister);
                Ok(format!("Agent {agent_id} restored"))
            }
            HookAction::Partition | HookAction::Remove => {
                if action == HookAction::Remove {
                    self.command(&agent_id, AgentCommand::Crash);
                }
                self.agent_lost(&agent_id);
                Ok(format!("Agent {agent_id} is unreachable"))
            }
        }
    }

    fn agent_lost(&mut self, agent_id: &str) {
        let hostname = match self.agents.get_mut(agent_id) {
            Some(agent) => {
                agent.unreachable_since = Some(now_nanos());
                agent.link.info.hostname.clone()
            }
            None => return,
        };
        self.rescind_offers_on(agent_id);
        let mut lost = Vec::new();
        for (framework_id, framework) in self.frameworks.iter_mut() {
            for (task_id, task) in framework.tasks.iter_mut() {
                if task.agent_id == agent_id && !task.state.is_terminal() {
                    task.state = TaskState::TaskUnreachable;
                    lost.push((
                        framework_id.clone(),
                        task_id.clone(),
                        task.executor_id.clone(),
                    ));
                }
            }
        }
        let message = format!("Agent {hostname} is unreachable");
        for (framework_id, task_id, executor_id) in &lost {
            let status = self.master_status(
                framework_id,
                StatusNote {
                    task_id,
                    agent_id: Some(agent_id),
                    executor_id: Some(executor_id),
                    state: TaskState::TaskUnreachable,
                    reason: Reason::ReasonAgentRemoved,
                    message: &message,
                },
            );
            self.record_status(framework_id, task_id, &status);
            self.send(framework_id, update_event(status));
        }
        let failure = Event {
            r#type: Some(event::Type::Failure as i32),
            failure: Some(event::Failure {
                agent_id: Some(AgentId {
                    value: agent_id.to_string(),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let connected: Vec<String> = self.frameworks.keys().cloned().collect();
        for framework_id in connected {
            self.send(&framework_id, failure.clone());
        }
    }

    /// A restored agent re-registered with `executors` and `live` tasks: those come back in
    /// their reported state; the others it lost are TASK_GONE.
    pub(super) fn reregistered(
        &mut self,
        agent_id: &str,
        executors: &[(String, String)],
        live: Vec<LiveTask>,
    ) {
        let mut changes = Vec::new();
        for (framework_id, framework) in self.frameworks.iter() {
            for (task_id, task) in framework
                .tasks
                .iter()
                .filter(|(_, t)| t.agent_id == agent_id)
            {
                if task.state != TaskState::TaskUnreachable {
                    continue;
                }
                let reported = live
                    .iter()
                    .find(|l| &l.framework_id == framework_id && &l.task_id == task_id);
                let state = reported.map(|l| l.state).unwrap_or(TaskState::TaskGone);
                changes.push((
                    framework_id.clone(),
                    task_id.clone(),
                    task.executor_id.clone(),
                    state,
                ));
            }
        }
        if let Some(agent) = self.agents.get_mut(agent_id) {
            agent.executors.retain(|key, _| executors.contains(key));
        }
        for (framework_id, task_id, executor_id, state) in changes {
            let message = if state == TaskState::TaskGone {
                "Task is gone: its agent re-registered without it"
            } else {
                "Agent re-registered; task state reported by the agent"
            };
            let status = self.master_status(
                &framework_id,
                StatusNote {
                    task_id: &task_id,
                    agent_id: Some(agent_id),
                    executor_id: Some(&executor_id),
                    state,
                    reason: Reason::ReasonAgentReregistered,
                    message,
                },
            );
            if let Some(task) = self
                .frameworks
                .get_mut(&framework_id)
                .and_then(|f| f.tasks.get_mut(&task_id))
            {
                task.state = state;
            }
            self.record_status(&framework_id, &task_id, &status);
            self.send(&framework_id, update_event(status));
            if state == TaskState::TaskGone {
                if let Some(framework) = self.frameworks.get_mut(&framework_id) {
                    framework.complete(&task_id);
                }
            }
        }
        self.allocate();
    }
}
