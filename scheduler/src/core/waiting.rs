//! Why a broker is not running: its runtime's `waiting_for` in the state,
//! which `kmesos state` and `kmesos plan` show. It is worked out again from
//! the core's records after every event, so it is set when the broker's task
//! ends, follows what happens meanwhile (its agent reported lost by the
//! master or offering again, the other voters), and is gone once the broker
//! is launched. Two waits: a KRaft controller voter of a fixed quorum, which
//! is relaunched only on the agent holding its volume and controller port;
//! and a broker no offer fits, with per agent why its latest offer did not
//! (worked out as offers come, published once a second so that offers do
//! not each rewrite the state).

use engine::state::{AgentWait, OfferWait, WaitingFor};
use mesos::proto::Offer;

use super::{quorum, rfc3339, BrokerKey, BrokerPhase, Core, Out};

/// The master reported `agent_id` lost; remembered while a broker's volume
/// is there, until the agent offers again.
pub(super) fn agent_lost(core: &mut Core, agent_id: String, now: u64, out: &mut Out) {
    let holds_volume = core
        .doc
        .scheduler
        .brokers
        .values()
        .flat_map(|records| records.values())
        .any(|r| r.volume.as_ref().is_some_and(|v| v.agent_id == agent_id));
    if holds_volume && !core.doc.scheduler.lost_agents.contains_key(&agent_id) {
        core.doc
            .scheduler
            .lost_agents
            .insert(agent_id, rfc3339(now));
        out.dirty = true;
    }
}

/// Agents that offer are back.
pub(super) fn agents_offering(core: &mut Core, offers: &[Offer], out: &mut Out) {
    for agent_id in offers.iter().filter_map(|o| o.agent_id.as_ref()) {
        if core
            .doc
            .scheduler
            .lost_agents
            .remove(&agent_id.value)
            .is_some()
        {
            out.dirty = true;
        }
    }
}

/// The offer of the agent `hostname` did not fit broker `key`, for `why`.
pub(super) fn offer_unfit(core: &mut Core, key: &BrokerKey, hostname: &str, why: String) {
    let unfit = core.unfit.entry(key.clone()).or_default();
    if unfit.len() < OfferWait::AGENTS_SHOWN || unfit.contains_key(hostname) {
        unfit.insert(hostname.to_string(), why);
    }
}

/// Brings every broker's `waiting_for` up to date; offer waits on a `tick`
/// (their end at once).
pub(super) fn update(core: &mut Core, now: u64, tick: bool, out: &mut Out) {
    core.unfit.retain(|key, _| {
        core.doc
            .state
            .clusters
            .get(&key.0)
            .is_some_and(|c| c.brokers.contains_key(&key.1))
    });
    for key in core.broker_keys() {
        let current = core
            .broker(&key.0, key.1)
            .and_then(|b| b.runtime.as_ref())
            .and_then(|r| r.waiting_for.clone());
        let wanted =
            agent_wait(core, &key, now).or_else(|| offer_wait(core, &key, now, tick, &current));
        if current == wanted {
            continue;
        }
        if let Some(wait @ WaitingFor::Offers(_)) = &wanted {
            core.progress_broker(
                &key,
                BrokerPhase::WaitingForOffer,
                Some(wait.to_string()),
                out,
            );
        }
        if let Some(runtime) = core
            .broker_mut(&key.0, key.1)
            .and_then(|b| b.runtime.as_mut())
        {
            runtime.waiting_for = wanted;
            out.dirty = true;
        }
    }
}

/// Why no offer took broker `key` yet, while it waits to be placed: from
/// the reasons gathered, on a `tick`; else the wait already published.
fn offer_wait(
    core: &Core,
    key: &BrokerKey,
    now: u64,
    tick: bool,
    current: &Option<WaitingFor>,
) -> Option<WaitingFor> {
    let (cluster, id) = (key.0.as_str(), key.1);
    let placed_or_off = core
        .record(cluster, id)
        .is_some_and(|r| r.task.is_some() || r.held || r.gave_up);
    if placed_or_off {
        return None;
    }
    if !tick {
        return current
            .clone()
            .filter(|w| matches!(w, WaitingFor::Offers(_)));
    }
    let unfit = core.unfit.get(key).filter(|u| !u.is_empty())?;
    let since = match current {
        Some(WaitingFor::Offers(wait)) => wait.since.clone(),
        _ => rfc3339(now),
    };
    Some(WaitingFor::Offers(OfferWait {
        unfit: unfit.clone(),
        since,
    }))
}

/// What broker `key` waits for, if its task ended and it can come back
/// only on one agent.
fn agent_wait(core: &Core, key: &BrokerKey, now: u64) -> Option<WaitingFor> {
    let (cluster, id) = (key.0.as_str(), key.1);
    let record = core.record(cluster, id)?;
    let runtime = core.broker(cluster, id)?.runtime.as_ref()?;
    // A broker that never had a task is being placed, not relaunched; one
    // held or given up is not to be launched at all.
    let ended = runtime.task_id.is_some() && record.task.is_none();
    if !ended || record.held || record.gave_up || !quorum::standing(core, cluster, id).pinned() {
        return None;
    }
    let volume = record.volume.as_ref()?;
    let since = match &runtime.waiting_for {
        Some(WaitingFor::Agent(wait)) if wait.agent_id == volume.agent_id => wait.since.clone(),
        _ => rfc3339(now),
    };
    Some(WaitingFor::Agent(AgentWait {
        agent_id: volume.agent_id.clone(),
        hostname: volume.hostname.clone(),
        why: format!(
            "the agent holds the broker's volume and controller port, and a KRaft controller voter \
             is relaunched only there; {}",
            quorum::without(core, key)
        ),
        lost_at: core
            .doc
            .scheduler
            .lost_agents
            .get(&volume.agent_id)
            .cloned(),
        since,
    }))
}
