//! Putting a client instance on an offer: its `cpus` and `mem` come from the
//! offer's unreserved resources (a client keeps nothing on the agent, so
//! nothing is reserved), and a LAUNCH joins the offer's operations.

use mesos::proto::offer::Operation;
use mesos::proto::{Offer, Resource};
use mesos::scheduler::operations;

use super::launch::{task_info, InstanceLaunch};
use super::{bootstrap_servers, InstanceKey};
use crate::core::launch::JAVA_HOME_ATTRIBUTE;
use crate::core::resources::{attributes, holder, quantize, scalar, with_amount, Holder};
use crate::core::{ids, Core, Out, TaskPhase, TaskRecord};

/// Launches instance `key` on `offer` if it fits; true if it did.
pub(in crate::core) fn place(
    core: &mut Core,
    key: &InstanceKey,
    offer: &Offer,
    operations: &mut Vec<Operation>,
    out: &mut Out,
) -> bool {
    let (cluster, name, instance) = key;
    let Some(cluster_state) = core.doc.state.clusters.get(cluster) else {
        return false;
    };
    let Some(spec) = cluster_state.clients.get(name) else {
        return false;
    };
    let Some(resources) = free_share(offer, &core.config.role, spec.cpus, spec.mem as f64) else {
        return false;
    };
    let lineage = &core.doc.state.lineage;
    let sequence = core.doc.scheduler.sequence + 1;
    let task_id = ids::client_task_id(cluster, name, *instance, lineage, sequence);
    let agent_id = offer
        .agent_id
        .as_ref()
        .map(|a| a.value.clone())
        .unwrap_or_default();
    let attrs = attributes(&offer.attributes);
    let built = task_info(
        &core.config,
        InstanceLaunch {
            key,
            spec,
            cluster_state,
            task_id: &task_id,
            agent_id: &agent_id,
            framework_id: core.doc.state.framework_id.as_deref(),
            java_home: attrs.get(JAVA_HOME_ATTRIBUTE).map(String::as_str),
            bootstrap_servers: bootstrap_servers(core, cluster),
            resources,
        },
    );
    out.dirty = true;
    let task = match built {
        Ok(task) => task,
        Err(why) => {
            // The configuration cannot be launched at all: stop trying.
            let record = core.instance_mut(key);
            record.gave_up = true;
            record.failure = Some(why);
            return false;
        }
    };
    core.doc.scheduler.sequence = sequence;
    operations.push(operations::launch(vec![task]));
    let record = core.instance_mut(key);
    record.task = Some(TaskRecord {
        task_id,
        agent_id,
        phase: TaskPhase::Launched,
    });
    record.hostname = Some(offer.hostname.clone());
    record.running_since = None;
    true
}

/// `cpus` and `mem` from one unreserved resource each, if the offer has them.
fn free_share(offer: &Offer, role: &str, cpus: f64, mem: f64) -> Option<Vec<Resource>> {
    [("cpus", cpus), ("mem", mem)]
        .into_iter()
        .map(|(name, wanted)| {
            offer
                .resources
                .iter()
                .filter(|r| r.name == name && r.disk.is_none())
                .filter(|r| holder(r, role) == Holder::Free)
                .find(|r| scalar(r) + 1e-9 >= quantize(wanted))
                .map(|r| with_amount(r, wanted))
        })
        .collect()
}
