//! Refreshing the state from the live brokers before a plan, as Terraform
//! does: for each `apache` cluster the core asks the shell to read its
//! running brokers ([`KafkaAdmin::ReadLive`]), then records what the brokers
//! report that the state does not hold as drift (`State::refresh`), and
//! answers one [`RefreshOutcome`] per cluster. A read is recorded only if
//! the cluster's state did not move while it ran and no apply runs (the
//! brokers may be midway through it); tansu clusters have no dynamic
//! configs worth reading and are left out.

use std::collections::BTreeMap;

use engine::config::KafkaKind;
use engine::state::LiveCluster;

use super::{rfc3339, Core, KafkaAdmin, Out, RefreshOutcome, Reply};

/// `Event::RefreshRequested`: a read of every `apache` cluster with a
/// running broker; the others are answered at once.
pub(super) fn requested(core: &mut Core, out: &mut Out) {
    let apply = core.doc.scheduler.apply.as_ref().map(|run| run.id.clone());
    let clusters: Vec<String> = core
        .doc
        .state
        .clusters
        .iter()
        .filter(|(_, cs)| cs.kafka.kind == KafkaKind::Apache)
        .map(|(name, _)| name.clone())
        .collect();
    for cluster in clusters {
        if let Some(id) = &apply {
            out.push(skipped(cluster, format!("apply {id} is running")));
            continue;
        }
        let Some(cs) = core.doc.state.clusters.get(&cluster) else {
            continue;
        };
        let brokers: BTreeMap<u32, String> = cs
            .brokers
            .keys()
            .filter_map(|id| Some((*id, core.endpoint(&cluster, *id)?)))
            .collect();
        if brokers.is_empty() {
            out.push(skipped(cluster, "no broker of it is running".into()));
            continue;
        }
        let topics = cs.topics.keys().cloned().collect();
        core.refreshing.insert(cluster.clone(), cs.clone());
        out.push(KafkaAdmin::ReadLive {
            cluster,
            brokers,
            topics,
        });
    }
}

/// `Event::LiveRead`: the brokers' answer, recorded unless the cluster's
/// state moved meanwhile.
pub(super) fn read(
    core: &mut Core,
    cluster: String,
    live: Result<Box<LiveCluster>, String>,
    now: u64,
    out: &mut Out,
) {
    let basis = core.refreshing.remove(&cluster);
    let live = match live {
        Ok(live) => live,
        Err(e) => return out.push(skipped(cluster, e)),
    };
    if let Some(run) = &core.doc.scheduler.apply {
        let why = format!("apply {} started while the brokers were read", run.id);
        return out.push(skipped(cluster, why));
    }
    if basis.is_none() || basis.as_ref() != core.doc.state.clusters.get(&cluster) {
        let why = "the cluster's state changed while its brokers were read".to_string();
        return out.push(skipped(cluster, why));
    }
    let drifted = core.doc.state.refresh(&cluster, &live, &rfc3339(now));
    out.applied |= !drifted.is_empty();
    out.push(Reply::Refreshed(RefreshOutcome {
        cluster,
        drifted,
        skipped: None,
    }));
}

fn skipped(cluster: String, why: String) -> Reply {
    Reply::Refreshed(RefreshOutcome {
        cluster,
        drifted: Vec::new(),
        skipped: Some(why),
    })
}
