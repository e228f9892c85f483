//! Client instances: each `client` block of the state with `instances = N`
//! wants N tasks, instance 0 to N-1, each an Apache Kafka performance tool
//! under the kmesos executor. An instance is launched once its cluster has a
//! running broker (whose endpoints it bootstraps from) and its topic is in
//! the state; it fails over as a broker does (delay doubling up to
//! `max_delay`, `max_tries`); it is stopped gracefully when its client is
//! restarted, scaled down or destroyed. [`launch`] builds the TaskInfo,
//! [`placing`] puts an instance on an offer, [`status`] follows its tasks.

mod launch;
mod placing;
mod status;

pub(super) use placing::place;
pub(super) use status::current_task;

use engine::config::ClientKind;

use super::record::InstanceRecord;
use super::tasks::{kill, launchable};
use super::{Core, Out, TaskPhase};

/// An instance as the core keys it: its cluster, client name and index.
pub type InstanceKey = (String, String, u32);

impl Core {
    pub(super) fn instance(&self, key: &InstanceKey) -> Option<&InstanceRecord> {
        self.doc
            .scheduler
            .clients
            .get(&key.0)?
            .get(&key.1)?
            .get(&key.2)
    }

    pub(super) fn instance_mut(&mut self, key: &InstanceKey) -> &mut InstanceRecord {
        self.doc
            .scheduler
            .clients
            .entry(key.0.clone())
            .or_default()
            .entry(key.1.clone())
            .or_default()
            .entry(key.2)
            .or_default()
    }

    /// The instances the core keeps records of, in key order.
    pub(super) fn instance_keys(&self) -> Vec<InstanceKey> {
        let clients = &self.doc.scheduler.clients;
        clients
            .iter()
            .flat_map(|(cluster, names)| {
                names.iter().flat_map(move |(name, instances)| {
                    instances
                        .keys()
                        .map(move |i| (cluster.clone(), name.clone(), *i))
                })
            })
            .collect()
    }
}

/// Instances the state's clients want running: instance 0 to N-1 of each
/// client whose topic is in the state (a command client may name none).
fn wanted(core: &Core) -> Vec<InstanceKey> {
    let mut keys = Vec::new();
    for (cluster, cs) in &core.doc.state.clusters {
        for (name, spec) in &cs.clients {
            let runnable = match &spec.topic {
                Some(topic) => cs.topics.contains_key(topic),
                None => spec.kind == ClientKind::Command,
            };
            if runnable {
                keys.extend((0..spec.instances).map(|i| (cluster.clone(), name.clone(), i)));
            }
        }
    }
    keys
}

/// Instances that can be launched now, in key order: wanted, without a
/// task, not held, not given up, past their failover delay, with no earlier
/// task that may still run, in a cluster with a running broker.
pub(super) fn candidates(core: &Core, now: u64) -> Vec<InstanceKey> {
    if !core.connected {
        return Vec::new();
    }
    wanted(core)
        .into_iter()
        .filter(|key| !bootstrap_servers(core, &key.0).is_empty())
        .filter(|key| match core.instance(key) {
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

/// The `HOST:PORT` of every running broker of the cluster.
pub(super) fn bootstrap_servers(core: &Core, cluster: &str) -> Vec<String> {
    let Some(cs) = core.doc.state.clusters.get(cluster) else {
        return Vec::new();
    };
    cs.brokers
        .keys()
        .filter_map(|id| core.endpoint(cluster, *id))
        .collect()
}

/// Stops the client's instances from `from` on, gracefully: they are held
/// (not relaunched) and their tasks killed.
pub(super) fn stop(core: &mut Core, cluster: &str, client: &str, from: u32, out: &mut Out) {
    let grace = core.config.kill_grace;
    let keys: Vec<InstanceKey> = core
        .instance_keys()
        .into_iter()
        .filter(|(c, n, i)| c == cluster && n == client && *i >= from)
        .collect();
    for key in keys {
        let record = core.instance_mut(&key);
        record.held = true;
        record.relaunch_at = None;
        out.dirty = true;
        if let Some(task) = record.task.as_mut() {
            if task.phase != TaskPhase::Killing {
                task.phase = TaskPhase::Killing;
                out.push(kill(&task.task_id, Some(&task.agent_id), Some(grace)));
            }
        }
    }
}

/// Whether the client's instances from `from` on are gone (no task, no
/// earlier one that may still run); their records are forgotten then.
pub(super) fn forget_stopped(
    core: &mut Core,
    cluster: &str,
    client: &str,
    from: u32,
    out: &mut Out,
) -> bool {
    let Some(instances) = core
        .doc
        .scheduler
        .clients
        .get_mut(cluster)
        .and_then(|names| names.get_mut(client))
    else {
        return true;
    };
    let live = |r: &InstanceRecord| {
        r.task.is_some() || r.doomed.iter().any(|t| t.phase != TaskPhase::Unreachable)
    };
    if instances.range(from..).any(|(_, r)| live(r)) {
        return false;
    }
    // A lost task's record stays doomed, so the task is killed should it return.
    let before = instances.len();
    instances.retain(|i, r| *i < from || !r.doomed.is_empty());
    for (_, r) in instances.range_mut(from..) {
        *r = InstanceRecord {
            doomed: std::mem::take(&mut r.doomed),
            ..Default::default()
        };
    }
    out.dirty |= instances.len() != before;
    let names = core.doc.scheduler.clients.entry(cluster.to_string());
    if let std::collections::btree_map::Entry::Occupied(mut names) = names {
        names.get_mut().retain(|_, instances| !instances.is_empty());
        if names.get().is_empty() {
            names.remove();
        }
    }
    true
}

/// Whether every wanted instance of the client runs; an error when one
/// gave up.
pub(super) fn all_running(core: &Core, cluster: &str, client: &str) -> Result<bool, String> {
    let mut all = true;
    for key in wanted(core)
        .into_iter()
        .filter(|(c, n, _)| c == cluster && n == client)
    {
        let record = core.instance(&key);
        if let Some(r) = record.filter(|r| r.gave_up) {
            let why = r.failure.as_deref().unwrap_or("it keeps failing");
            return Err(format!(
                "instance {} of client {client} of {cluster} is not relaunched: {why}",
                key.2
            ));
        }
        all &= record
            .and_then(|r| r.task.as_ref())
            .is_some_and(|t| t.phase == TaskPhase::Running);
    }
    Ok(all)
}

/// Instances whose failover delay ran out may be launched again.
pub(super) fn expire_delays(core: &mut Core, now: u64, out: &mut Out) {
    for key in core.instance_keys() {
        let record = core.instance_mut(&key);
        if record.relaunch_at.is_some_and(|at| at <= now) {
            record.relaunch_at = None;
            out.dirty = true;
        }
    }
}

/// The earliest failover relaunch still ahead, if any (unix ms).
pub(super) fn next_relaunch(core: &Core, now: u64) -> Option<u64> {
    core.doc
        .scheduler
        .clients
        .values()
        .flat_map(|names| names.values())
        .flat_map(|instances| instances.values())
        .filter(|r| r.task.is_none() && !r.held && !r.gave_up)
        .filter_map(|r| r.relaunch_at)
        .filter(|at| *at > now)
        .min()
}
