//! LAUNCH inside an ACCEPT: each task is checked as the real master checks
//! it (id, agent, command xor executor, resources contained in what the
//! earlier operations left, with a new executor's own), then recorded as
//! TASK_STAGING and sent to its agent with the volumes it uses; a task that
//! fails a check gets TASK_ERROR (REASON_TASK_INVALID) with Mesos's message.

use mesos::proto::task_status::Reason;
use mesos::proto::{executor_info, FrameworkId, TaskInfo, TaskState};

use super::accept::{task_id, Pool};
use super::convert::bag_from;
use super::resources::ResourceBag;
use super::tasks::StatusNote;
use super::{ExecutorRecord, Master, Task};
use crate::messages::{AgentCommand, VolumeMount};

impl Master {
    pub(super) fn launch(&mut self, framework_id: &str, pool: &mut Pool, tasks: Vec<TaskInfo>) {
        for mut task in tasks {
            let id = task_id(&task).to_string();
            match self.validate_task(framework_id, pool, &mut task) {
                Err(message) => {
                    let agent = Some(pool.agent_id.as_str());
                    self.send_master_status(
                        framework_id,
                        StatusNote {
                            task_id: &id,
                            agent_id: agent,
                            executor_id: None,
                            state: TaskState::TaskError,
                            reason: Reason::ReasonTaskInvalid,
                            message: &message,
                        },
                    );
                }
                Ok(Launchable {
                    resources,
                    executor_id,
                    new_executor,
                    volumes,
                }) => {
                    pool.resources.subtract(&resources);
                    let executor_key = (framework_id.to_string(), executor_id.clone());
                    let mut sandbox = None;
                    if let Some(agent) = self.agents.get_mut(&pool.agent_id) {
                        match new_executor {
                            Some(executor_resources) => {
                                let record = ExecutorRecord {
                                    resources: executor_resources,
                                    sandbox: None,
                                };
                                agent.executors.insert(executor_key, record);
                            }
                            None => {
                                sandbox = agent
                                    .executors
                                    .get(&executor_key)
                                    .and_then(|e| e.sandbox.clone())
                            }
                        }
                    }
                    let Some(framework) = self.frameworks.get_mut(framework_id) else {
                        return;
                    };
                    let task_resources = bag_from(&task.resources).unwrap_or_default();
                    framework.tasks.insert(
                        id.clone(),
                        Task {
                            info: task.clone(),
                            agent_id: pool.agent_id.clone(),
                            executor_id,
                            state: TaskState::TaskStaging,
                            statuses: Vec::new(),
                            resources: task_resources,
                            sandbox,
                        },
                    );
                    let command = AgentCommand::RunTask {
                        framework: framework.info.clone(),
                        task,
                        volumes,
                    };
                    tracing::info!(framework_id, task_id = %id, agent_id = %pool.agent_id, "launching task");
                    self.command(&pool.agent_id, command);
                }
            }
        }
    }

    /// The checks of the real master's task validation that a framework can
    /// trip, with its messages.
    fn validate_task(
        &self,
        framework_id: &str,
        pool: &Pool,
        task: &mut TaskInfo,
    ) -> Result<Launchable, String> {
        let id = task_id(task).to_string();
        if id.is_empty()
            || id == "."
            || id == ".."
            || id.contains('/')
            || id.chars().any(char::is_control)
        {
            return Err(format!("Task ID '{id}' is invalid"));
        }
        let framework = self
            .frameworks
            .get(framework_id)
            .ok_or("Framework cannot be found")?;
        match framework.tasks.get(&id).map(|t| t.state) {
            Some(TaskState::TaskUnreachable) => {
                return Err(format!("Task reuses the ID of an unreachable task: {id}"));
            }
            Some(state) if !state.is_terminal() => {
                return Err(format!("Task has duplicate ID: {id}"))
            }
            _ => {}
        }
        let agent = task
            .agent_id
            .as_ref()
            .map(|a| a.value.clone())
            .unwrap_or_default();
        if agent != pool.agent_id {
            return Err(format!(
                "Task uses invalid agent {agent} while agent {} is expected",
                pool.agent_id
            ));
        }
        if task.executor.is_some() == task.command.is_some() {
            return Err("Task should have at least one (but not both) of CommandInfo or ExecutorInfo present".into());
        }
        if task
            .kill_policy
            .as_ref()
            .and_then(|k| k.grace_period.as_ref())
            .is_some_and(|g| g.nanoseconds < 0)
        {
            return Err("Task's 'kill_policy.grace_period' must be non-negative".into());
        }
        if task.resources.is_empty() {
            return Err("Task uses no resources".into());
        }
        let mut total =
            bag_from(&task.resources).map_err(|e| format!("Task uses invalid resources: {e}"))?;
        let mut new_executor = None;
        let executor_id = match &mut task.executor {
            None => id.clone(),
            Some(executor) => {
                let executor_id = executor
                    .executor_id
                    .as_ref()
                    .map(|e| e.value.clone())
                    .unwrap_or_default();
                match &executor.framework_id {
                    Some(fw) if fw.value != framework_id => {
                        return Err(format!(
                            "Executor has an invalid FrameworkID '{}'",
                            fw.value
                        ));
                    }
                    _ => {
                        executor.framework_id = Some(FrameworkId {
                            value: framework_id.to_string(),
                        })
                    }
                }
                if executor.command.is_none() {
                    return Err("'ExecutorInfo.command' must be set".into());
                }
                if executor
                    .r#type
                    .is_some_and(|t| t != executor_info::Type::Custom as i32)
                {
                    return Err("'ExecutorInfo.type' must be 'CUSTOM'".into());
                }
                let running = self.agents.get(&pool.agent_id).is_some_and(|a| {
                    a.executors
                        .contains_key(&(framework_id.to_string(), executor_id.clone()))
                });
                if !running {
                    let executor_resources = bag_from(&executor.resources)
                        .map_err(|e| format!("Executor uses invalid resources: {e}"))?;
                    total.add_all(&executor_resources);
                    new_executor = Some(executor_resources);
                }
                executor_id
            }
        };
        if task.command.is_some() {
            new_executor = Some(ResourceBag::new());
        }
        if !pool.resources.contains(&total) {
            return Err(format!(
                "Total resources {} required by task and its executor is more than available {}",
                describe(&total),
                describe(&pool.resources)
            ));
        }
        let volumes = total
            .volumes()
            .filter_map(|(kind, v)| {
                Some(VolumeMount {
                    role: kind.reservation.as_ref()?.role.clone(),
                    persistence_id: v.persistence_id.clone(),
                    container_path: v.container_path.clone(),
                })
            })
            .collect();
        Ok(Launchable {
            resources: total,
            executor_id,
            new_executor,
            volumes,
        })
    }
}

/// A task that passed validation.
struct Launchable {
    /// Task plus (new) executor resources, taken from the pool.
    resources: ResourceBag,
    executor_id: String,
    /// The executor's own resources when this launch starts it.
    new_executor: Option<ResourceBag>,
    volumes: Vec<VolumeMount>,
}

/// Resources as Mesos prints them: `cpus(allocated: kafka):2; ports:[31000-31999]`.
fn describe(bag: &ResourceBag) -> String {
    use super::resources::Amount;
    bag.iter()
        .map(|(kind, amount)| {
            let role = kind
                .reservation
                .as_ref()
                .map(|r| format!("({})", r.role))
                .unwrap_or_default();
            let amount = match amount {
                Amount::Scalar(v) => format!("{}", *v as f64 / 1000.0),
                Amount::Ranges(r) => {
                    let parts: Vec<String> = r.iter().map(|(a, b)| format!("{a}-{b}")).collect();
                    format!("[{}]", parts.join(", "))
                }
                Amount::Set(s) => {
                    format!("{{{}}}", s.iter().cloned().collect::<Vec<_>>().join(", "))
                }
            };
            let volume = kind
                .volume
                .as_ref()
                .map(|v| format!("[{}:{}]", v.persistence_id, v.container_path))
                .unwrap_or_default();
            format!("{}{role}{volume}:{amount}", kind.name)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
