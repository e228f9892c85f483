//! The KRaft controller quorum of an `apache` cluster. Every broker's
//! configuration lists the voters (host and controller port), so the voters
//! — the cluster's three lowest broker ids, or all if fewer — are first
//! placed without launching: their resources, volume and both ports are
//! reserved. A reservation counts once the master offers it back (an ACCEPT
//! can be lost, or never sent by a scheduler that stopped after recording
//! it); once all count, the quorum is fixed in the state and every broker
//! launches with it. Voters stay on the host and controller port the quorum
//! names, also when one is destroyed and created again. While one waits for
//! its agent, the state says whether the other voters keep a majority.

use engine::config::KafkaKind;
use kmesos_executor::launch::Voter;

use super::record::BrokerRecord;
use super::{BrokerKey, Core};

/// How many of a cluster's brokers are controller voters.
const VOTERS: usize = 3;

/// Where a broker stands with respect to its cluster's quorum.
pub(super) struct Standing {
    /// The cluster runs Apache Kafka (tansu has no quorum).
    pub apache: bool,
    /// The broker is one of the voters.
    pub voter: bool,
    /// The fixed quorum, once every voter holds its reservation.
    pub quorum: Option<Vec<Voter>>,
}

impl Standing {
    /// Voters are reserved, not launched, until the quorum is fixed.
    pub fn reserve_only(&self) -> bool {
        self.apache && self.quorum.is_none()
    }

    /// A voter of a fixed quorum: it runs only on the agent holding its
    /// volume and controller port, which the quorum names.
    pub fn pinned(&self) -> bool {
        self.voter && self.quorum.is_some()
    }

    /// Where the fixed quorum names voter `id`: its host and controller port.
    pub fn home(&self, id: u32) -> Option<(&str, u16)> {
        let voter = self.quorum.as_ref()?.iter().find(|v| v.node_id == id)?;
        Some((voter.host.as_str(), voter.port))
    }

    /// Nothing to do for this broker yet: a non-voter waits for the quorum,
    /// a voter that holds its reservation waits for the other voters.
    pub fn waiting(&self, record: &BrokerRecord) -> bool {
        self.reserve_only()
            && (!self.voter || (record.volume.is_some() && record.voter_ports.is_some()))
    }
}

pub(super) fn standing(core: &Core, cluster: &str, id: u32) -> Standing {
    let apache = core
        .doc
        .state
        .clusters
        .get(cluster)
        .is_some_and(|c| c.kafka.kind == KafkaKind::Apache);
    let quorum = core.doc.scheduler.quorums.get(cluster).cloned();
    let voter = apache
        && match &quorum {
            Some(voters) => voters.iter().any(|v| v.node_id == id),
            None => voter_ids(core, cluster).contains(&id),
        };
    Standing {
        apache,
        voter,
        quorum,
    }
}

fn voter_ids(core: &Core, cluster: &str) -> Vec<u32> {
    core.doc
        .state
        .clusters
        .get(cluster)
        .map(|c| c.brokers.keys().copied().take(VOTERS).collect())
        .unwrap_or_default()
}

/// How many `apache` clusters have a reservation recorded for every voter
/// (whether or not the master has offered it back yet).
pub(super) fn reserved_in_full(core: &Core) -> usize {
    let clusters = core.doc.state.clusters.iter();
    clusters
        .filter(|(_, c)| c.kafka.kind == KafkaKind::Apache)
        .filter(|(name, _)| {
            let ids = voter_ids(core, name);
            !ids.is_empty()
                && ids.iter().all(|id| {
                    core.record(name, *id)
                        .is_some_and(|r| r.volume.is_some() && r.voter_ports.is_some())
                })
        })
        .count()
}

/// Fixes the cluster's quorum once every voter's reservation exists.
fn fix_when_complete(core: &mut Core, cluster: &str) {
    let voters: Option<Vec<Voter>> = voter_ids(core, cluster)
        .into_iter()
        .map(|id| {
            let record = core.record(cluster, id)?;
            let (_, controller) = record.voter_ports?;
            let volume = record.volume.as_ref().filter(|v| v.confirmed)?;
            Some(Voter {
                node_id: id,
                host: volume.hostname.clone(),
                port: controller,
            })
        })
        .collect();
    if let Some(voters) = voters.filter(|v| !v.is_empty()) {
        core.doc
            .scheduler
            .quorums
            .insert(cluster.to_string(), voters);
    }
}

/// Fixes the quorum of every `apache` cluster whose voters' reservations
/// all exist.
pub(super) fn fix_complete(core: &mut Core) {
    let clusters: Vec<String> = core
        .doc
        .state
        .clusters
        .iter()
        .filter(|(name, c)| {
            c.kafka.kind == KafkaKind::Apache && !core.doc.scheduler.quorums.contains_key(*name)
        })
        .map(|(name, _)| name.clone())
        .collect();
    for cluster in clusters {
        fix_when_complete(core, &cluster);
    }
}

/// Whether the quorum keeps its majority without voter `key`, in words:
/// which of the other voters run, and how many it needs.
pub(super) fn without(core: &Core, key: &BrokerKey) -> String {
    let (cluster, id) = (key.0.as_str(), key.1);
    let voters = core
        .doc
        .scheduler
        .quorums
        .get(cluster)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let running: Vec<String> = voters
        .iter()
        .map(|v| v.node_id)
        .filter(|other| *other != id && core.running(cluster, *other))
        .map(|other| other.to_string())
        .collect();
    let majority = voters.len() / 2 + 1;
    let (count, total) = (running.len(), voters.len());
    if count >= majority {
        format!(
            "voters {} keep the quorum ({count} of {total} running)",
            and_list(&running)
        )
    } else {
        format!(
            "the controller quorum has no majority: {count} of {total} voters running, {majority} needed"
        )
    }
}

/// `0`, `0 and 2`, `0, 2 and 4`.
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    }
}
