//! ACCEPT: the offers are checked as the real master checks them (each
//! valid, this framework's, one agent, one role); then the operations run in
//! order on the pooled resources — RESERVE, UNRESERVE, CREATE, DESTROY change
//! the agent's resources, LAUNCH validates and starts each task — and what
//! is left is declined with the call's filters. Invalid offers turn the
//! launches into TASK_DROPPED (TASK_LOST without PARTITION_AWARE); an invalid
//! reservation or volume operation is dropped, as Mesos drops it, with a log
//! line. LAUNCH itself is in `launch.rs`.

use std::collections::BTreeSet;

use mesos::proto::offer::operation;
use mesos::proto::scheduler::call;
use mesos::proto::task_status::Reason;
use mesos::proto::{TaskInfo, TaskState};

use super::convert::{bag_from, without};
use super::filters::refuse_duration;
use super::resources::ResourceBag;
use super::tasks::StatusNote;
use super::Master;
use crate::messages::AgentCommand;

/// The pooled offers of one ACCEPT.
pub(super) struct Pool {
    pub agent_id: String,
    pub role: String,
    pub resources: ResourceBag,
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
        ids: &[mesos::proto::OfferId],
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
        resources: &[mesos::proto::Resource],
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
        volumes: &[mesos::proto::Resource],
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
        volumes: &[mesos::proto::Resource],
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
}

pub(super) fn task_id(task: &TaskInfo) -> &str {
    task.task_id
        .as_ref()
        .map(|t| t.value.as_str())
        .unwrap_or_default()
}
