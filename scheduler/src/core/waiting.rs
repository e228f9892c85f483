//! Why a broker is not running: its runtime's `waiting_for` in the state,
//! which `kmesos state` and `kmesos plan` show. It is worked out again from
//! the core's records after every event, so it is set when the broker's task
//! ends, follows what happens meanwhile (its agent reported lost by the
//! master or offering again, the other voters), and is gone once the broker
//! is launched. Today one broker waits this way: a KRaft controller voter of
//! a fixed quorum, which is relaunched only on the agent holding its volume
//! and controller port.

use engine::state::{AgentWait, WaitingFor};
use mesos::proto::Offer;

use super::{quorum, rfc3339, BrokerKey, Core, Out};

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

/// Brings every broker's `waiting_for` up to date.
pub(super) fn update(core: &mut Core, now: u64, out: &mut Out) {
    for key in core.broker_keys() {
        let wanted = waiting_for(core, &key, now);
        let Some(runtime) = core
            .broker_mut(&key.0, key.1)
            .and_then(|b| b.runtime.as_mut())
        else {
            continue;
        };
        if runtime.waiting_for != wanted {
            runtime.waiting_for = wanted;
            out.dirty = true;
        }
    }
}

/// What broker `key` waits for, if its task ended and it can come back
/// only on one agent.
fn waiting_for(core: &Core, key: &BrokerKey, now: u64) -> Option<WaitingFor> {
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
