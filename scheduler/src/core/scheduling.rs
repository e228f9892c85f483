//! Answering offers: each offer first gives back what the core no longer
//! needs on that agent, then goes to the first pending broker it fits (one
//! broker per offer per round, so `unique` and `groupBy` see the brokers
//! placed before), else to the first pending client instance it fits (one
//! per offer per round, so instances spread over the agents). Offers that
//! serve nothing are declined with a refuse filter sized to when they could
//! next be useful.

use std::collections::{BTreeMap, BTreeSet};

use engine::state::{BrokerRuntime, BrokerStatus};
use mesos::proto::{Filters, Offer};
use mesos::scheduler::operations;

use super::constraints::Site;
use super::ids;
use super::launch::{cluster_endpoint, task_info, Launch, JAVA_HOME_ATTRIBUTE};
use super::offers::{Need, OfferMatcher, Placement};
use super::reclaim::{reclaim, Keep};
use super::resources::attributes;
use super::tasks::launchable;
use super::{clients, millis, rfc3339, BrokerKey, BrokerPhase, Core, MesosCall, Out, TaskPhase};
use super::{quorum, volumes, waiting, TaskRecord};

/// Brokers that can be launched now, in (cluster, id) order: in the state,
/// without a task, not held, not given up, past their failover delay, and
/// with no earlier task that may still run (being killed, or unconfirmed).
pub(super) fn candidates(core: &Core, now: u64) -> Vec<BrokerKey> {
    if !core.connected {
        return Vec::new();
    }
    core.broker_keys()
        .into_iter()
        .filter(|(cluster, id)| match core.record(cluster, *id) {
            None => true,
            Some(r) => launchable(
                r.task.as_ref(),
                &r.doomed,
                r.held || r.gave_up,
                r.relaunch_at,
                now,
            ),
        })
        .collect()
}

/// How long an offer is of no use while nothing can be launched: until
/// the first failover delay ends (a broker or client instance waiting to be
/// relaunched), at least a second, else `refuse_idle`.
fn idle_refuse_seconds(core: &Core, now: u64) -> f64 {
    let idle = core.config.refuse_idle.as_secs_f64();
    core.broker_keys()
        .into_iter()
        .filter_map(|(cluster, id)| core.record(&cluster, id))
        .filter(|r| r.task.is_none() && !r.held && !r.gave_up)
        .filter_map(|r| r.relaunch_at)
        .filter(|at| *at > now)
        .chain(clients::next_relaunch(core, now))
        .map(|at| ((at - now) as f64 / 1000.0).max(1.0))
        .fold(idle, f64::min)
}

/// Keeps the volumes of brokers in the state, and their reservations on the
/// agent holding their volume.
struct StateKeep<'a>(&'a Core);

impl Keep for StateKeep<'_> {
    fn volume(&self, persistence_id: &str) -> bool {
        self.0.broker_keys().iter().any(|(c, id)| {
            self.0
                .record(c, *id)
                .and_then(|r| r.volume.as_ref())
                .is_some_and(|v| v.persistence_id == persistence_id)
        })
    }

    fn reservation(&self, cluster: &str, id: u32, agent_id: &str) -> bool {
        self.0.broker(cluster, id).is_some()
            && self
                .0
                .record(cluster, id)
                .and_then(|r| r.volume.as_ref())
                .is_some_and(|v| v.agent_id == agent_id)
    }
}

pub(super) fn offers(core: &mut Core, offers: Vec<Offer>, now: u64, out: &mut Out) {
    for offer in &offers {
        let values = std::iter::once(("hostname".to_string(), offer.hostname.clone()))
            .chain(attributes(&offer.attributes));
        for (name, value) in values {
            core.known_values.entry(name).or_default().insert(value);
        }
    }
    let quorums = core.doc.scheduler.quorums.len();
    let reserved = quorum::reserved_in_full(core);
    for offer in &offers {
        out.dirty |= volumes::check(core, offer);
    }
    quorum::fix_complete(core);
    let mut pending = candidates(core, now);
    let mut instances = clients::candidates(core, now);
    for offer in offers {
        let Some(offer_id) = offer.id.clone() else {
            continue;
        };
        let (mut operations, destroyed) = reclaim(&offer, &core.config.role, &StateKeep(core));
        if !destroyed.is_empty() {
            for records in core.doc.scheduler.brokers.values_mut() {
                for record in records.values_mut() {
                    if record
                        .volume
                        .as_ref()
                        .is_some_and(|v| destroyed.contains(&v.persistence_id))
                    {
                        record.volume = None;
                    }
                }
            }
            forget_orphans(core);
            out.dirty = true;
        }
        let placed = pending
            .iter()
            .position(|key| place(core, key, &offer, now, &mut operations, out));
        if let Some(i) = placed {
            pending.remove(i);
        } else if let Some(i) = instances
            .iter()
            .position(|key| clients::place(core, key, &offer, &mut operations, out))
        {
            instances.remove(i);
        }
        let agent_id = offer.agent_id.as_ref().map(|a| a.value.clone());
        if operations.is_empty() {
            core.free_offers
                .insert(agent_id.unwrap_or_default(), offer.clone());
            let refuse = if pending.is_empty() && instances.is_empty() {
                idle_refuse_seconds(core, now)
            } else {
                core.config.refuse_unfit.as_secs_f64()
            };
            out.push(MesosCall::Decline {
                offer_ids: vec![offer_id],
                refuse_seconds: refuse,
            });
        } else {
            core.free_offers.remove(&agent_id.unwrap_or_default());
            // What the launch leaves over goes back; soon if more brokers
            // wait, including a voter whose reservation just completed its
            // quorum and that is now to be launched there.
            let waiting = candidates(core, now).is_empty() && instances.is_empty();
            let refuse = if pending.is_empty() && waiting {
                idle_refuse_seconds(core, now)
            } else {
                1.0
            };
            out.push(MesosCall::Accept {
                offer_ids: vec![offer_id],
                operations,
                filters: Filters {
                    refuse_seconds: Some(refuse),
                },
            });
        }
    }
    // The last reservation of a quorum was sent, or a quorum was fixed: the
    // voters' agents were filtered above; REVIVE clears that, so they are
    // offered again, reservations and all, to confirm them and launch.
    if core.doc.scheduler.quorums.len() > quorums || quorum::reserved_in_full(core) > reserved {
        out.push(MesosCall::Revive);
    }
}

/// Records of brokers no longer in the state, once their volume is given back.
fn forget_orphans(core: &mut Core) {
    let state = &core.doc.state;
    for (cluster, records) in core.doc.scheduler.brokers.iter_mut() {
        records.retain(|id, r| {
            r.volume.is_some()
                || state
                    .clusters
                    .get(cluster)
                    .is_some_and(|c| c.brokers.contains_key(id))
        });
    }
    core.doc
        .scheduler
        .brokers
        .retain(|_, records| !records.is_empty());
}

/// Places broker `key` on `offer` if it fits, adding the RESERVE, CREATE and
/// LAUNCH operations; true if it did.
fn place(
    core: &mut Core,
    key: &BrokerKey,
    offer: &Offer,
    now: u64,
    operations: &mut Vec<mesos::proto::offer::Operation>,
    out: &mut Out,
) -> bool {
    let (cluster, id) = (key.0.as_str(), key.1);
    let Some(broker) = core.broker(cluster, id) else {
        return false;
    };
    let spec = broker.spec.clone();
    let record = core.record(cluster, id).cloned().unwrap_or_default();
    let standing = quorum::standing(core, cluster, id);
    if standing.waiting(&record) {
        return false;
    }
    // A voter of a fixed quorum never leaves its agent: the quorum names it.
    let sticky = record.volume.is_some()
        && (record
            .stopped_at
            .is_some_and(|at| now < at + millis(spec.stickiness))
            || standing.pinned());
    let peers = peer_sites(core, key);
    let lineage = core.doc.state.lineage.clone();
    let sequence = core.doc.scheduler.sequence + 1;
    let fresh_volume = ids::persistence_id(cluster, id, &lineage, sequence);
    // Ports of the other brokers; its own old port it may take again.
    let taken_ports: BTreeSet<u16> = core
        .doc
        .state
        .clusters
        .iter()
        .flat_map(|(c, cs)| cs.brokers.iter().map(move |(other, b)| ((c, *other), b)))
        .filter(|((c, other), _)| (c.as_str(), *other) != (cluster, id))
        .filter_map(|(_, b)| b.runtime.as_ref()?.port)
        .collect();
    let matcher = OfferMatcher {
        role: &core.config.role,
        principal: core.config.principal.as_deref(),
    };
    let need = Need {
        cluster,
        id,
        spec: &spec,
        volume: record.volume.as_ref(),
        sticky,
        taken_ports: &taken_ports,
        voter: standing.voter,
        voter_ports: record.voter_ports,
        home: standing.home(id),
    };
    let peer_sites: Vec<Site> = peers
        .iter()
        .map(|(host, attrs)| Site {
            hostname: host,
            attributes: attrs,
        })
        .collect();
    let placement =
        match matcher.place(offer, &need, &peer_sites, &core.known_values, &fresh_volume) {
            Ok(placement) => placement,
            Err(why) => {
                waiting::offer_unfit(core, key, &offer.hostname, why);
                return false;
            }
        };
    core.unfit.remove(key);
    let agent_id = placement.volume.agent_id.clone();
    let attrs = attributes(&offer.attributes);
    if standing.reserve_only() {
        reserve_voter(
            core, key, offer, placement, attrs, sequence, now, operations, out,
        );
        return true;
    }
    let task_id = ids::task_id(cluster, id, &lineage, sequence);
    let cluster_id = core
        .doc
        .scheduler
        .cluster_ids
        .entry(cluster.to_string())
        .or_insert_with(|| ids::kafka_cluster_id(cluster, &lineage, sequence))
        .clone();
    let Some(cluster_state) = core.doc.state.clusters.get(cluster) else {
        return false;
    };
    let built = task_info(
        &core.config,
        Launch {
            cluster,
            cluster_state,
            endpoint: cluster_endpoint(&core.config, &core.doc.state, cluster),
            cluster_id: &cluster_id,
            id,
            spec: &spec,
            task_id: &task_id,
            agent_id: &agent_id,
            framework_id: core.doc.state.framework_id.as_deref(),
            hostname: &offer.hostname,
            rack: attrs.get("rack").map(String::as_str),
            java_home: attrs.get(JAVA_HOME_ATTRIBUTE).map(String::as_str),
            port: placement.port,
            quorum: standing.quorum.as_deref().unwrap_or_default(),
            controller_port: placement.controller_port,
            resources: placement.task_resources.clone(),
        },
    );
    out.dirty = true;
    let task = match built {
        Ok(task) => task,
        Err(why) => {
            // The configuration cannot be launched at all: stop trying.
            core.record_mut(cluster, id).gave_up = true;
            core.set_status(key, BrokerStatus::Failed, BrokerPhase::Failed, now, out);
            core.progress_broker(key, BrokerPhase::Failed, Some(why), out);
            return false;
        }
    };
    core.doc.scheduler.sequence = sequence;
    if !placement.reserve.is_empty() {
        operations.push(operations::reserve(placement.reserve));
    }
    if !placement.create.is_empty() {
        operations.push(operations::create(placement.create));
    }
    operations.push(operations::launch(vec![task]));
    let record = core.record_mut(cluster, id);
    record.task = Some(TaskRecord {
        task_id: task_id.clone(),
        agent_id: agent_id.clone(),
        phase: TaskPhase::Launched,
    });
    record.volume = Some(placement.volume);
    record.voter_ports = placement.controller_port.map(|c| (placement.port, c));
    record.stopped_at = None;
    record.running_since = None;
    if let Some(broker) = core.broker_mut(cluster, id) {
        let restart_seconds = broker.runtime.as_ref().and_then(|r| r.restart_seconds);
        broker.runtime = Some(BrokerRuntime {
            task_id: Some(task_id),
            agent_id: Some(agent_id),
            hostname: Some(offer.hostname.clone()),
            attributes: attrs,
            port: Some(placement.port),
            status: Some(BrokerStatus::Starting),
            updated_at: Some(rfc3339(now)),
            waiting_for: None,
            restart_seconds,
        });
    }
    core.progress_broker(
        key,
        BrokerPhase::Launching,
        Some(offer.hostname.clone()),
        out,
    );
    true
}

/// A KRaft voter's first placement: RESERVE (with both ports) and CREATE,
/// no LAUNCH until the whole quorum is reserved.
#[allow(clippy::too_many_arguments)]
fn reserve_voter(
    core: &mut Core,
    key: &BrokerKey,
    offer: &Offer,
    placement: Placement,
    attributes: BTreeMap<String, String>,
    sequence: u64,
    now: u64,
    operations: &mut Vec<mesos::proto::offer::Operation>,
    out: &mut Out,
) {
    let (cluster, id) = (key.0.as_str(), key.1);
    out.dirty = true;
    core.doc.scheduler.sequence = sequence;
    if !placement.reserve.is_empty() {
        operations.push(operations::reserve(placement.reserve));
    }
    if !placement.create.is_empty() {
        operations.push(operations::create(placement.create));
    }
    let agent_id = placement.volume.agent_id.clone();
    let record = core.record_mut(cluster, id);
    record.volume = Some(placement.volume);
    record.voter_ports = placement.controller_port.map(|c| (placement.port, c));
    if let Some(broker) = core.broker_mut(cluster, id) {
        let restart_seconds = broker.runtime.as_ref().and_then(|r| r.restart_seconds);
        broker.runtime = Some(BrokerRuntime {
            task_id: None,
            agent_id: Some(agent_id),
            hostname: Some(offer.hostname.clone()),
            attributes,
            port: Some(placement.port),
            status: Some(BrokerStatus::Pending),
            updated_at: Some(rfc3339(now)),
            waiting_for: None,
            restart_seconds,
        });
    }
    let detail = format!("reserved on {} for the controller quorum", offer.hostname);
    core.progress_broker(key, BrokerPhase::WaitingForOffer, Some(detail), out);
}

/// Where the cluster's other brokers run (or will, once launched or relaunched).
fn peer_sites(core: &Core, key: &BrokerKey) -> Vec<(String, BTreeMap<String, String>)> {
    let Some(cluster) = core.doc.state.clusters.get(&key.0) else {
        return Vec::new();
    };
    cluster
        .brokers
        .iter()
        .filter(|(id, _)| **id != key.1)
        .filter(|(id, _)| {
            core.record(&key.0, **id)
                .is_some_and(|r| r.task.is_some() || r.volume.is_some())
        })
        .filter_map(|(_, b)| {
            let runtime = b.runtime.as_ref()?;
            Some((runtime.hostname.clone()?, runtime.attributes.clone()))
        })
        .collect()
}
