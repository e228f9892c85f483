//! ACCEPT: the offers are checked as the real master checks them (each
//! valid, this framework's, one agent, one role); then the operations run in
//! order on the pooled resources — RESERVE, UNRESERVE, CREATE, DESTROY change
//! the agent's resources, LAUNCH validates and starts each task — and what
//! is left is declined with the call's filters. Invalid offers turn the
//! launches into TASK_DROPPED (TASK_LOST without PARTITION_AWARE); an invalid
//! task gets TASK_ERROR; an invalid reservation or volume operation is
//! dropped, as Mesos drops it, with a log line.

use std::collections::BTreeSet;

use crate::proto::offer::operation;
use crate::proto::scheduler::call;
use crate::proto::task_status::Reason;
use crate::proto::{executor_info, FrameworkId, TaskInfo, TaskState};

use super::convert::{bag_from, without};
use super::filters::refuse_duration;
use super::resources::ResourceBag;
use super::tasks::StatusNote;
use super::{ExecutorRecord, Master, Task};
use crate::local::messages::{AgentCommand, VolumeMount};

/// The pooled offers of one ACCEPT.
struct Pool {
    agent_id: String,
    role: String,
    resources: ResourceBag,
}

impl Master {
    pub(super) fn accept(&mut self, framework_id: &str, accept: call::Accept) {
        let pool = match self.take_offers(framework_id, &accept.offer_ids) {
            Ok(pool) => pool,
            Err(message) => {
                tracing::info!(framework_id, %message, "ACCEPT with invalid offers");
                let state = TaskState::TaskDropped;
                for task in accept
                    .operations
                    .iter()
                    .filter_map(|op| op.launch.as_ref())
                    .flat_map(|l| &l.task_infos)
                {
                    let (agent, task_id) = (
                        task.agent_id.as_ref().map(|a| a.value.as_str()),
                        task_id(task),
                    );
                    self.send_master_status(
                        framework_id,
                        StatusNote {
                            task_id,
                            agent_id: agent,
                            executor_id: None,
                            state,
                            reason: Reason::ReasonInvalidOffers,
                            message: &message,
                        },
                    );
                }
                return;
            }
        };
        let mut pool = pool;
        for op in accept.operations {
            let result = match op.r#type() {
                operation::Type::Launch => {
                    self.launch(
                        framework_id,
                        &mut pool,
                        op.launch.unwrap_or_default().task_infos,
                    );
                    Ok(())
                }
                operation::Type::Reserve => {
                    self.reserve(framework_id, &mut pool, &op.reserve.unwrap_or_default())
                }
                operation::Type::Unreserve => {
                    self.unreserve(&mut pool, &op.unreserve.unwrap_or_default().resources)
                }
                operation::Type::Create => self.create(
                    framework_id,
                    &mut pool,
                    &op.create.unwrap_or_default().volumes,
                ),
                operation::Type::Destroy => {
                    self.destroy(&mut pool, &op.destroy.unwrap_or_default().volumes)
                }
                other => Err(format!(
                    "{} is not supported by the embedded cluster",
                    other.as_str_name()
                )),
            };
            if let Err(problem) = result {
                tracing::warn!(framework_id, %problem, "dropping invalid offer operation");
            }
        }
        let refuse = refuse_duration(accept.filters.and_then(|f| f.refuse_seconds));
        self.filters.add(
            framework_id,
            &pool.agent_id,
            &pool.role,
            pool.resources,
            refuse,
        );
    }

    /// Removes the listed offers and pools them, or explains why they cannot be used.
    fn take_offers(
        &mut self,
        framework_id: &str,
        ids: &[crate::proto::OfferId],
    ) -> Result<Pool, String> {
        let mut seen = BTreeSet::new();
        let mut problem = None;
        let mut pool: Option<Pool> = None;
        if ids.is_empty() {
            problem = Some("No offers specified".to_string());
        }
        for id in ids {
            let id = id.value.as_str();
            if !seen.insert(id) {
                problem.get_or_insert(format!("Duplicate offer {id} in offer list"));
                continue;
            }
            let Some(offer) = self.offers.get(id) else {
                problem.get_or_insert(format!("Offer {id} is no longer valid"));
                continue;
            };
            if offer.framework_id != framework_id {
                problem.get_or_insert(format!(
                    "Offer {id} has invalid framework {} while framework {framework_id} is expected",
                    offer.framework_id
                ));
                continue;
            }
            let Some(offer) = self.offers.remove(id) else {
                continue;
            };
            match &mut pool {
                None => {
                    pool = Some(Pool {
                        agent_id: offer.agent_id,
                        role: offer.role,
                        resources: offer.resources,
                    })
                }
                Some(p) if p.role != offer.role => {
                    problem.get_or_insert(format!(
                        "Aggregated offers must be allocated to the same role. Offer {id} uses role '{}' but another is using role '{}'",
                        offer.role, p.role
                    ));
                }
                Some(p) if p.agent_id != offer.agent_id => {
                    problem.get_or_insert(format!(
                        "Aggregated offers must belong to one single agent. Offer {id} uses agent {} and agent {}",
                        offer.agent_id, p.agent_id
                    ));
                }
                Some(p) => p.resources.add_all(&offer.resources),
            }
        }
        match (problem, pool) {
            (None, Some(pool)) => Ok(pool),
            (Some(problem), _) => Err(problem),
            (None, None) => Err("No offers specified".to_string()),
        }
    }

    fn reserve(
        &mut self,
        framework_id: &str,
        pool: &mut Pool,
        reserve: &operation::Reserve,
    ) -> Result<(), String> {
        if !reserve.source.is_empty() {
            return Err("Reserve with 'source' is not yet implemented".into());
        }
        let reserved =
            bag_from(&reserve.resources).map_err(|e| format!("Invalid resources: {e}"))?;
        let principal = self
            .frameworks
            .get(framework_id)
            .and_then(|f| f.info.principal.clone());
        for (kind, _) in reserved.iter() {
            let Some(r) = kind.reservation.as_ref().filter(|r| r.dynamic) else {
                return Err(format!(
                    "Invalid resources: '{}' is not dynamically reserved",
                    kind.name
                ));
            };
            if r.role != pool.role {
                return Err(format!(
                    "Invalid reservation resources: role '{}' is not the offer's '{}'",
                    r.role, pool.role
                ));
            }
            if principal.is_some() && r.principal != principal {
                return Err(
                    "Invalid reservation resources: the principal is not the framework's".into(),
                );
            }
            if kind.volume.is_some() {
                return Err("Invalid resources: RESERVE cannot carry a persistent volume".into());
            }
        }
        self.convert(pool, &without(&reserved, true), &reserved)
    }

    fn unreserve(
        &mut self,
        pool: &mut Pool,
        resources: &[crate::proto::Resource],
    ) -> Result<(), String> {
        let reserved = bag_from(resources).map_err(|e| format!("Invalid resources: {e}"))?;
        if reserved
            .iter()
            .any(|(k, _)| k.reservation.is_none() || k.volume.is_some())
        {
            return Err(
                "Invalid resources: UNRESERVE takes reserved resources that hold no volume".into(),
            );
        }
        self.convert(pool, &reserved, &without(&reserved, true))
    }

    fn create(
        &mut self,
        framework_id: &str,
        pool: &mut Pool,
        volumes: &[crate::proto::Resource],
    ) -> Result<(), String> {
        let bag = bag_from(volumes).map_err(|e| format!("Invalid volume resources: {e}"))?;
        let principal = self
            .frameworks
            .get(framework_id)
            .and_then(|f| f.info.principal.clone());
        let existing: BTreeSet<String> = self
            .agents
            .get(&pool.agent_id)
            .map(|a| {
                a.link
                    .total
                    .volumes()
                    .map(|(_, v)| v.persistence_id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut mounts = Vec::new();
        for (kind, _) in bag.iter() {
            let (Some(volume), Some(reservation)) = (&kind.volume, &kind.reservation) else {
                return Err("Not a persistent volume: reserved disk with disk.persistence and disk.volume is needed".into());
            };
            if kind.name != "disk" {
                return Err(format!(
                    "Not a persistent volume: '{}' is not disk",
                    kind.name
                ));
            }
            if existing.contains(&volume.persistence_id) {
                return Err(format!(
                    "Persistence ID '{}' is not unique",
                    volume.persistence_id
                ));
            }
            if principal.is_some() && volume.principal.is_some() && volume.principal != principal {
                return Err(
                    "Invalid volume resources: the persistence principal is not the framework's"
                        .into(),
                );
            }
            mounts.push((reservation.role.clone(), volume.persistence_id.clone()));
        }
        self.convert(pool, &without(&bag, false), &bag)?;
        for (role, persistence_id) in mounts {
            self.command(
                &pool.agent_id,
                AgentCommand::CreateVolume {
                    role,
                    persistence_id,
                },
            );
        }
        Ok(())
    }

    fn destroy(
        &mut self,
        pool: &mut Pool,
        volumes: &[crate::proto::Resource],
    ) -> Result<(), String> {
        let bag = bag_from(volumes).map_err(|e| format!("Invalid resources: {e}"))?;
        if bag.iter().any(|(k, _)| k.volume.is_none()) {
            return Err("Not a persistent volume".into());
        }
        if !pool.resources.contains(&bag) {
            return Err("Persistent volumes not found".into());
        }
        let gone: Vec<(String, String)> = bag
            .iter()
            .filter_map(|(k, _)| {
                Some((
                    k.reservation.as_ref()?.role.clone(),
                    k.volume.as_ref()?.persistence_id.clone(),
                ))
            })
            .collect();
        self.convert(pool, &bag, &without(&bag, false))?;
        for (role, persistence_id) in gone {
            self.command(
                &pool.agent_id,
                AgentCommand::DestroyVolume {
                    role,
                    persistence_id,
                },
            );
        }
        Ok(())
    }

    /// Replaces `from` by `to` in the pool and in the agent's total.
    fn convert(
        &mut self,
        pool: &mut Pool,
        from: &ResourceBag,
        to: &ResourceBag,
    ) -> Result<(), String> {
        if !pool.resources.subtract(from) {
            return Err(
                "Invalid resources: they are not contained in the offered resources".into(),
            );
        }
        pool.resources.add_all(to);
        if let Some(agent) = self.agents.get_mut(&pool.agent_id) {
            agent.link.total.subtract_available(from);
            agent.link.total.add_all(to);
        }
        self.save_checkpoint();
        Ok(())
    }

    fn launch(&mut self, framework_id: &str, pool: &mut Pool, tasks: Vec<TaskInfo>) {
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
                            latest: None,
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
        if framework
            .tasks
            .get(&id)
            .is_some_and(|t| !t.state.is_terminal() || t.state == TaskState::TaskUnreachable)
        {
            return Err(format!("Task has duplicate ID: {id}"));
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

fn task_id(task: &TaskInfo) -> &str {
    task.task_id
        .as_ref()
        .map(|t| t.value.as_str())
        .unwrap_or_default()
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
