//! The allocator: each round, every reachable agent's free resources are
//! offered, per role, to subscribed frameworks whose role is not suppressed
//! and not filtered, rotating which framework goes first. An offer holds its
//! resources until accepted, declined or rescinded.

use std::collections::BTreeMap;

use mesos::proto::framework_info::capability;
use mesos::proto::resource::AllocationInfo;
use mesos::proto::scheduler::{call, event, Event};
use mesos::proto::{value, AgentId, Attribute, ExecutorId, FrameworkId, Offer, OfferId, Url};

use super::convert::bag_to;
use super::filters::refuse_duration;
use super::resources::ResourceBag;
use super::{Master, OfferRecord};

/// Mesos's smallest allocatable amounts: less than this is not offered.
const MIN_CPUS: f64 = 0.01;
const MIN_MEM: f64 = 32.0;

impl Master {
    /// What an agent has that is neither used by tasks and executors nor offered.
    pub(super) fn available(&self, agent_id: &str) -> ResourceBag {
        let Some(agent) = self.agents.get(agent_id) else {
            return ResourceBag::new();
        };
        let mut free = agent.link.total.clone();
        for framework in self.frameworks.values() {
            for task in framework
                .tasks
                .values()
                .filter(|t| t.agent_id == agent_id && !t.state.is_terminal())
            {
                free.subtract_available(&task.resources);
            }
        }
        for executor in agent.executors.values() {
            free.subtract_available(&executor.resources);
        }
        for offer in self.offers.values().filter(|o| o.agent_id == agent_id) {
            free.subtract_available(&offer.resources);
        }
        free
    }

    pub(super) fn allocate(&mut self) {
        let candidates: Vec<(String, Vec<String>)> = self
            .frameworks
            .iter()
            .filter(|(_, f)| f.subscription.is_some())
            .map(|(id, f)| {
                (
                    id.clone(),
                    f.roles()
                        .into_iter()
                        .filter(|r| !f.suppressed.contains(r))
                        .collect(),
                )
            })
            .collect();
        if candidates.is_empty() {
            return;
        }
        self.allocation_round = self.allocation_round.wrapping_add(1);
        let start = self.allocation_round % candidates.len();
        let mut batches: BTreeMap<String, Vec<Offer>> = BTreeMap::new();
        let agent_ids: Vec<String> = self
            .agents
            .iter()
            .filter(|(_, a)| a.unreachable_since.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for agent_id in agent_ids {
            let mut free = self.available(&agent_id);
            for i in 0..candidates.len() {
                let (framework_id, roles) = &candidates[(start + i) % candidates.len()];
                for role in roles {
                    let usable = free.usable_by(role);
                    let allocatable =
                        usable.scalar("cpus") >= MIN_CPUS || usable.scalar("mem") >= MIN_MEM;
                    if !allocatable || self.filters.refuses(framework_id, &agent_id, role, &usable)
                    {
                        continue;
                    }
                    free.subtract_available(&usable);
                    let offer = self.make_offer(framework_id, &agent_id, role, usable);
                    batches.entry(framework_id.clone()).or_default().push(offer);
                }
            }
        }
        for (framework_id, offers) in batches {
            let event = Event {
                r#type: Some(event::Type::Offers as i32),
                offers: Some(event::Offers { offers }),
                ..Default::default()
            };
            self.send(&framework_id, event);
        }
    }

    fn make_offer(
        &mut self,
        framework_id: &str,
        agent_id: &str,
        role: &str,
        resources: ResourceBag,
    ) -> Offer {
        let id = format!("{}-O{}", self.setup_id, self.next_offer);
        self.next_offer += 1;
        let framework = self.frameworks.get(framework_id);
        let refinement =
            framework.is_some_and(|f| f.has_capability(capability::Type::ReservationRefinement));
        let agent = self.agents.get(agent_id);
        let info = agent.map(|a| a.link.info.clone()).unwrap_or_default();
        let executor_ids = agent
            .map(|a| {
                a.executors
                    .keys()
                    .filter(|(fw, _)| fw == framework_id)
                    .map(|(_, e)| ExecutorId { value: e.clone() })
                    .collect()
            })
            .unwrap_or_default();
        let offer = Offer {
            id: Some(OfferId { value: id.clone() }),
            framework_id: Some(FrameworkId {
                value: framework_id.to_string(),
            }),
            agent_id: Some(AgentId {
                value: agent_id.to_string(),
            }),
            hostname: info.hostname.clone(),
            resources: bag_to(&resources, Some(role), refinement),
            executor_ids,
            attributes: info.attributes.clone(),
            url: agent.map(|a| agent_url(&info, &a.link.url)),
            allocation_info: Some(AllocationInfo {
                role: Some(role.to_string()),
            }),
        };
        let record = OfferRecord {
            framework_id: framework_id.to_string(),
            agent_id: agent_id.to_string(),
            role: role.to_string(),
            resources,
        };
        self.offers.insert(id, record);
        offer
    }

    pub(super) fn decline(&mut self, framework_id: &str, decline: call::Decline) {
        let refuse = refuse_duration(decline.filters.and_then(|f| f.refuse_seconds));
        for offer_id in decline.offer_ids {
            let mine = self
                .offers
                .get(&offer_id.value)
                .is_some_and(|o| o.framework_id == framework_id);
            if let Some(offer) = mine.then(|| self.offers.remove(&offer_id.value)).flatten() {
                self.filters.add(
                    framework_id,
                    &offer.agent_id,
                    &offer.role,
                    offer.resources,
                    refuse,
                );
            }
        }
    }

    /// REVIVE: unsuppress `roles` (all if empty) and drop their filters.
    pub(super) fn revive(&mut self, framework_id: &str, roles: Vec<String>) {
        if let Some(framework) = self.frameworks.get_mut(framework_id) {
            if roles.is_empty() {
                framework.suppressed.clear();
            } else {
                framework.suppressed.retain(|r| !roles.contains(r));
            }
        }
        self.filters.revive(framework_id, &roles);
        self.allocate();
    }

    /// SUPPRESS: no more offers for `roles` (all if empty); outstanding ones stay.
    pub(super) fn suppress(&mut self, framework_id: &str, roles: Vec<String>) {
        if let Some(framework) = self.frameworks.get_mut(framework_id) {
            let roles = if roles.is_empty() {
                framework.roles()
            } else {
                roles
            };
            framework.suppressed.extend(roles);
        }
    }

    /// Drops a framework's offers without telling it (it failed over or left).
    pub(super) fn remove_offers_of(&mut self, framework_id: &str) {
        self.offers.retain(|_, o| o.framework_id != framework_id);
    }

    /// Rescinds every offer of an agent that became unreachable.
    pub(super) fn rescind_offers_on(&mut self, agent_id: &str) {
        let ids: Vec<String> = self
            .offers
            .iter()
            .filter(|(_, o)| o.agent_id == agent_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            if let Some(offer) = self.offers.remove(&id) {
                let event = Event {
                    r#type: Some(event::Type::Rescind as i32),
                    rescind: Some(event::Rescind {
                        offer_id: Some(OfferId { value: id }),
                    }),
                    ..Default::default()
                };
                self.send(&offer.framework_id, event);
            }
        }
    }
}

/// The agent's URL as offers carry it: scheme, address, and libprocess path.
fn agent_url(info: &mesos::proto::AgentInfo, base: &str) -> Url {
    let port = base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(5051);
    Url {
        scheme: "http".into(),
        address: Some(mesos::proto::Address {
            hostname: Some(info.hostname.clone()),
            ip: Some(info.hostname.clone()),
            port,
        }),
        path: Some("/slave(1)".into()),
        ..Default::default()
    }
}

/// A TEXT attribute, as agents' `rack` and `zone` are offered.
pub fn text_attribute(name: &str, text: &str) -> Attribute {
    Attribute {
        name: name.to_string(),
        r#type: value::Type::Text as i32,
        text: Some(value::Text {
            value: text.to_string(),
        }),
        ..Default::default()
    }
}
