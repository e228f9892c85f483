//! Giving back what the core reserved and no longer needs, as offers show it:
//! volumes of brokers that were destroyed or moved (DESTROY, then UNRESERVE
//! their disk) and reservations labelled for a broker that will not run on
//! this agent again (UNRESERVE). Reservations and volumes the core did not
//! make (no label, another persistence id prefix) are left alone.

use mesos::proto::offer::Operation;
use mesos::proto::{Offer, Resource};
use mesos::scheduler::operations;

use super::ids::{parse_broker_label, VOLUME_PREFIX};
use super::resources::{holder, persistence_id, without_volume, Holder};

/// What the core still needs, asked per offer.
pub trait Keep {
    /// Is this persistent volume still some broker's?
    fn volume(&self, persistence_id: &str) -> bool;
    /// Does broker `id` of `cluster` still want reservations on `agent_id`?
    fn reservation(&self, cluster: &str, id: u32, agent_id: &str) -> bool;
}

/// The operations that give back what `offer` holds for the core and the
/// core no longer needs (empty if nothing).
pub fn reclaim(offer: &Offer, role: &str, keep: &impl Keep) -> (Vec<Operation>, Vec<String>) {
    let agent = offer.agent_id.as_ref().map_or("", |a| a.value.as_str());
    let mut destroy: Vec<Resource> = Vec::new();
    let mut unreserve: Vec<Resource> = Vec::new();
    let mut destroyed_ids = Vec::new();
    for resource in &offer.resources {
        let Holder::Ours(label) = holder(resource, role) else {
            continue;
        };
        match persistence_id(resource) {
            Some(id) if id.starts_with(VOLUME_PREFIX) && !keep.volume(id) => {
                destroy.push(resource.clone());
                unreserve.push(without_volume(resource));
                destroyed_ids.push(id.to_string());
            }
            Some(_) => {}
            None => {
                let owner = label.as_deref().and_then(parse_broker_label);
                if let Some((cluster, id)) = owner {
                    if !keep.reservation(cluster, id, agent) {
                        unreserve.push(resource.clone());
                    }
                }
            }
        }
    }
    let mut ops = Vec::new();
    if !destroy.is_empty() {
        ops.push(operations::destroy(destroy));
    }
    if !unreserve.is_empty() {
        ops.push(operations::unreserve(unreserve));
    }
    (ops, destroyed_ids)
}
