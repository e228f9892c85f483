//! Tasks after launch: status updates relayed from agents to frameworks
//! (the master fills agent_id, executor_id and timestamp), acknowledgements
//! relayed back, KILL / SHUTDOWN / MESSAGE to agents, executor exits (FAILURE
//! for custom executors). Agent loss and return are in `agent_loss.rs`.

use mesos::proto::scheduler::{call, event, Event};
use mesos::proto::task_status::{Reason, Source};
use mesos::proto::{AgentId, ExecutorId, TaskId, TaskState, TaskStatus, TimeInfo};

use super::{now_secs, Master};
use crate::messages::{AgentCommand, AgentReport};

impl Master {
    pub(super) fn agent_report(&mut self, agent_id: &str, report: AgentReport) {
        let Some(agent) = self.agents.get_mut(agent_id) else {
            return;
        };
        if agent.unreachable_since.is_some() {
            // Cut off: the agent's messages do not arrive (it retries updates).
            return;
        }
        match report {
            AgentReport::StatusUpdate {
                framework_id,
                status,
            } => self.status_update(agent_id, &framework_id, status),
            AgentReport::ExecutorStarted {
                framework_id,
                executor_id,
                sandbox,
            } => {
                if let Some(framework) = self.frameworks.get_mut(&framework_id) {
                    let tasks = framework
                        .tasks
                        .values_mut()
                        .filter(|t| t.executor_id == executor_id && t.sandbox.is_none());
                    tasks.for_each(|t| t.sandbox = Some(sandbox.clone()));
                }
                if let Some(record) = agent.executors.get_mut(&(framework_id, executor_id)) {
                    record.sandbox = Some(sandbox);
                }
            }
            AgentReport::ExecutorExited {
                framework_id,
                executor_id,
                status,
                custom,
            } => {
                agent
                    .executors
                    .remove(&(framework_id.clone(), executor_id.clone()));
                if custom {
                    let failure = Event {
                        r#type: Some(event::Type::Failure as i32),
                        failure: Some(event::Failure {
                            agent_id: Some(AgentId {
                                value: agent_id.to_string(),
                            }),
                            executor_id: Some(ExecutorId { value: executor_id }),
                            status,
                        }),
                        ..Default::default()
                    };
                    self.send(&framework_id, failure);
                }
            }
            AgentReport::ExecutorMessage {
                framework_id,
                executor_id,
                data,
            } => {
                let message = Event {
                    r#type: Some(event::Type::Message as i32),
                    message: Some(event::Message {
                        agent_id: Some(AgentId {
                            value: agent_id.to_string(),
                        }),
                        executor_id: Some(ExecutorId { value: executor_id }),
                        data,
                    }),
                    ..Default::default()
                };
                self.send(&framework_id, message);
            }
            AgentReport::Reregistered { executors, tasks } => {
                self.reregistered(agent_id, &executors, tasks)
            }
        }
    }

    fn status_update(&mut self, agent_id: &str, framework_id: &str, mut status: TaskStatus) {
        let Some(framework) = self.frameworks.get_mut(framework_id) else {
            // The framework is gone: nobody will acknowledge, so stop the retries.
            if let Some(uuid) = status.uuid.clone() {
                let task_id = status
                    .task_id
                    .as_ref()
                    .map(|t| t.value.clone())
                    .unwrap_or_default();
                let framework_id = framework_id.to_string();
                self.command(
                    agent_id,
                    AgentCommand::Acknowledge {
                        framework_id,
                        task_id,
                        uuid,
                    },
                );
            }
            return;
        };
        let task_id = status
            .task_id
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        status.agent_id.get_or_insert_with(|| AgentId {
            value: agent_id.to_string(),
        });
        status.timestamp.get_or_insert_with(now_secs);
        if let Some(task) = framework.tasks.get_mut(&task_id) {
            status.executor_id.get_or_insert_with(|| ExecutorId {
                value: task.executor_id.clone(),
            });
            task.state = status.state();
            task.record(&status);
        }
        self.send(framework_id, update_event(status));
    }

    /// Sends a master-generated update (no uuid, so not to be acknowledged).
    pub(super) fn send_master_status(&self, framework_id: &str, note: StatusNote<'_>) {
        self.send(
            framework_id,
            update_event(self.master_status(framework_id, note)),
        );
    }

    /// A master-generated status, in the states a framework without
    /// PARTITION_AWARE understands.
    pub(super) fn master_status(&self, framework_id: &str, note: StatusNote<'_>) -> TaskStatus {
        let StatusNote {
            task_id,
            agent_id,
            executor_id,
            state,
            reason,
            message,
        } = note;
        let partition_aware = self
            .frameworks
            .get(framework_id)
            .is_some_and(|f| f.partition_aware());
        let state = visible_state(state, partition_aware);
        let unreachable = self
            .agents
            .get(agent_id.unwrap_or_default())
            .and_then(|a| a.unreachable_since)
            .filter(|_| {
                state == TaskState::TaskUnreachable || reason == Reason::ReasonAgentRemoved
            });
        TaskStatus {
            task_id: Some(TaskId {
                value: task_id.to_string(),
            }),
            state: state as i32,
            message: Some(message.to_string()),
            agent_id: agent_id.map(|a| AgentId {
                value: a.to_string(),
            }),
            timestamp: Some(now_secs()),
            executor_id: executor_id.map(|e| ExecutorId {
                value: e.to_string(),
            }),
            source: Some(Source::SourceMaster as i32),
            reason: Some(reason as i32),
            unreachable_time: unreachable.map(|nanoseconds| TimeInfo { nanoseconds }),
            ..Default::default()
        }
    }

    pub(super) fn acknowledge(&mut self, framework_id: &str, ack: call::Acknowledge) {
        let agent_id = ack.agent_id.map(|a| a.value).unwrap_or_default();
        let task_id = ack.task_id.map(|t| t.value).unwrap_or_default();
        if let Some(framework) = self.frameworks.get_mut(framework_id) {
            let terminal_acked = framework.tasks.get(&task_id).is_some_and(|t| {
                t.state.is_terminal() && t.latest().and_then(|s| s.uuid.as_ref()) == Some(&ack.uuid)
            });
            if terminal_acked {
                framework.complete(&task_id);
            }
        }
        let command = AgentCommand::Acknowledge {
            framework_id: framework_id.to_string(),
            task_id,
            uuid: ack.uuid,
        };
        self.command(&agent_id, command);
    }

    /// KILL: to the task's agent; an unknown task is reconciled instead.
    pub(super) fn kill(&mut self, framework_id: &str, kill: call::Kill) {
        let task_id = kill
            .task_id
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        let known = self
            .frameworks
            .get(framework_id)
            .and_then(|f| f.tasks.get(&task_id))
            .map(|t| t.agent_id.clone());
        match known {
            Some(agent_id) => {
                let command = AgentCommand::KillTask {
                    framework_id: framework_id.to_string(),
                    task_id,
                    kill_policy: kill.kill_policy,
                };
                self.command(&agent_id, command);
            }
            None => {
                let task = call::reconcile::Task {
                    task_id: kill.task_id,
                    agent_id: kill.agent_id,
                };
                self.reconcile(framework_id, call::Reconcile { tasks: vec![task] });
            }
        }
    }

    pub(super) fn shutdown_executor(&mut self, framework_id: &str, shutdown: call::Shutdown) {
        let agent_id = shutdown.agent_id.map(|a| a.value).unwrap_or_default();
        let executor_id = shutdown.executor_id.map(|e| e.value).unwrap_or_default();
        self.command(
            &agent_id,
            AgentCommand::ShutdownExecutor {
                framework_id: framework_id.to_string(),
                executor_id,
            },
        );
    }

    pub(super) fn framework_message(&mut self, framework_id: &str, message: call::Message) {
        let agent_id = message.agent_id.map(|a| a.value).unwrap_or_default();
        let executor_id = message.executor_id.map(|e| e.value).unwrap_or_default();
        let command = AgentCommand::FrameworkMessage {
            framework_id: framework_id.to_string(),
            executor_id,
            data: message.data,
        };
        self.command(&agent_id, command);
    }

    pub(super) fn record_status(&mut self, framework_id: &str, task_id: &str, status: &TaskStatus) {
        if let Some(task) = self
            .frameworks
            .get_mut(framework_id)
            .and_then(|f| f.tasks.get_mut(task_id))
        {
            task.record(status);
        }
    }
}

/// A state as a framework sees it: without PARTITION_AWARE, the partition
/// states are all TASK_LOST.
pub(super) fn visible_state(state: TaskState, partition_aware: bool) -> TaskState {
    match state {
        TaskState::TaskDropped
        | TaskState::TaskUnreachable
        | TaskState::TaskGone
        | TaskState::TaskGoneByOperator
        | TaskState::TaskUnknown
            if !partition_aware =>
        {
            TaskState::TaskLost
        }
        other => other,
    }
}

/// What the master says about a task in an update it generates.
pub(super) struct StatusNote<'a> {
    pub task_id: &'a str,
    pub agent_id: Option<&'a str>,
    pub executor_id: Option<&'a str>,
    pub state: TaskState,
    pub reason: Reason,
    pub message: &'a str,
}

pub(super) fn update_event(status: TaskStatus) -> Event {
    Event {
        r#type: Some(event::Type::Update as i32),
        update: Some(event::Update {
            status: Some(status),
        }),
        ..Default::default()
    }
}
