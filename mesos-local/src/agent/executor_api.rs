//! The agent's side of `/api/v1/executor`, after HTTP validation: SUBSCRIBE
//! opens the executor's event stream (SUBSCRIBED, then the tasks waiting for
//! it as LAUNCH events; resent updates are re-queued and tasks lost in
//! transit are dropped), UPDATE enters the task's status stream and is
//! ACKNOWLEDGED at once, MESSAGE goes to the scheduler.

use axum::http::StatusCode;
use tokio::sync::mpsc;

use mesos::proto::executor::{event, Call, Event};
use mesos::proto::framework_info::capability;
use mesos::proto::task_status::Reason;
use mesos::proto::{ContainerId, TaskState};

use super::{Agent, ExecutorKey};
use crate::messages::{AgentReport, Refusal};

impl Agent {
    fn executor_key(&self, call: &Call) -> Result<ExecutorKey, Refusal> {
        let framework_id = call
            .framework_id
            .as_ref()
            .map(|f| f.value.clone())
            .unwrap_or_default();
        let executor_id = call
            .executor_id
            .as_ref()
            .map(|e| e.value.clone())
            .unwrap_or_default();
        if !self.executors.keys().any(|(fw, _)| *fw == framework_id) {
            return Err((StatusCode::BAD_REQUEST, "Framework cannot be found".into()));
        }
        let key = (framework_id, executor_id);
        if !self.executors.contains_key(&key) {
            return Err((StatusCode::BAD_REQUEST, "Executor cannot be found".into()));
        }
        Ok(key)
    }

    pub(super) fn executor_subscribe(
        &mut self,
        call: Call,
    ) -> Result<mpsc::UnboundedReceiver<Event>, Refusal> {
        let key = self.executor_key(&call)?;
        let subscribe = call.subscribe.unwrap_or_default();
        let (tx, rx) = mpsc::unbounded_channel();
        let agent_info = self.info.clone();
        let Some(run) = self.executors.get_mut(&key) else {
            return Err((StatusCode::BAD_REQUEST, "Executor cannot be found".into()));
        };
        let mut framework_info = run.framework.clone();
        framework_info
            .id
            .get_or_insert_with(|| mesos::proto::FrameworkId {
                value: key.0.clone(),
            });
        let _ = tx.send(Event {
            r#type: Some(event::Type::Subscribed as i32),
            subscribed: Some(event::Subscribed {
                executor_info: Some(run.info.clone()),
                framework_info: Some(framework_info),
                agent_info: Some(agent_info),
                container_id: Some(ContainerId {
                    value: run.container_id.clone(),
                }),
            }),
            ..Default::default()
        });
        // A second SUBSCRIBE replaces (and so closes) the previous stream.
        run.events = Some(tx);
        run.subscribed_once = true;
        let known: Vec<String> = subscribe
            .unacknowledged_tasks
            .iter()
            .filter_map(|t| t.task_id.as_ref().map(|id| id.value.clone()))
            .collect();
        let lost: Vec<String> = run
            .tasks
            .iter()
            .filter(|(id, t)| {
                t.delivered && t.state == TaskState::TaskStaging && !known.contains(id)
            })
            .map(|(id, _)| id.clone())
            .collect();
        let partition_aware = run
            .framework
            .capabilities
            .iter()
            .any(|c| c.r#type == Some(capability::Type::PartitionAware as i32));
        for update in subscribe.unacknowledged_updates {
            if let Some(status) = update.status {
                self.enqueue(&key.0, &key.1, status);
            }
        }
        for task_id in lost {
            let state = if partition_aware {
                TaskState::TaskDropped
            } else {
                TaskState::TaskLost
            };
            let status = self.agent_status(
                &task_id,
                &key.1,
                state,
                Reason::ReasonExecutorReregistrationTimeout,
                "Task was not received by the executor",
            );
            self.enqueue(&key.0, &key.1, status);
        }
        self.deliver_queued(&key);
        Ok(rx)
    }

    /// Sends LAUNCH for every task the subscribed executor has not been given.
    pub(super) fn deliver_queued(&mut self, key: &ExecutorKey) {
        let Some(run) = self.executors.get_mut(key) else {
            return;
        };
        let Some(events) = run.events.clone() else {
            return;
        };
        for task in run.tasks.values_mut().filter(|t| !t.delivered) {
            task.delivered = true;
            let launch = Event {
                r#type: Some(event::Type::Launch as i32),
                launch: Some(event::Launch {
                    task: Some(task.info.clone()),
                }),
                ..Default::default()
            };
            let _ = events.send(launch);
        }
    }

    pub(super) fn executor_update(&mut self, call: Call) -> Result<(), Refusal> {
        let key = self.executor_key(&call)?;
        let subscribed = self.executors.get(&key).is_some_and(|r| r.subscribed_once);
        if !subscribed {
            return Err((StatusCode::FORBIDDEN, "Executor is not subscribed".into()));
        }
        let Some(mut status) = call.update.and_then(|u| u.status) else {
            return Err((
                StatusCode::BAD_REQUEST,
                "Expecting 'update' to be present".into(),
            ));
        };
        let task_id = status
            .task_id
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        let uuid = status.uuid.clone().unwrap_or_default();
        status
            .executor_id
            .get_or_insert_with(|| mesos::proto::ExecutorId {
                value: key.1.clone(),
            });
        status
            .agent_id
            .get_or_insert_with(|| mesos::proto::AgentId {
                value: self.id.clone(),
            });
        self.enqueue(&key.0, &key.1, status);
        if let Some(events) = self.executors.get(&key).and_then(|r| r.events.as_ref()) {
            let _ = events.send(Event {
                r#type: Some(event::Type::Acknowledged as i32),
                acknowledged: Some(event::Acknowledged {
                    task_id: Some(mesos::proto::TaskId { value: task_id }),
                    uuid,
                }),
                ..Default::default()
            });
        }
        Ok(())
    }

    pub(super) fn executor_message(&mut self, call: Call) -> Result<(), Refusal> {
        let key = self.executor_key(&call)?;
        let data = call.message.map(|m| m.data).unwrap_or_default();
        self.report(AgentReport::ExecutorMessage {
            framework_id: key.0,
            executor_id: key.1,
            data,
        });
        Ok(())
    }
}
