//! Drift: what changed outside kmesos since it last applied, read from the
//! state's drift records, as Terraform reports "objects have changed outside
//! Terraform". It is listed apart from the changes; the changes themselves
//! come from diffing the configuration against the state, which already holds
//! the values now in force, so they bring each resource back to the HCL.

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::state::{current, Applied, ClusterState, DriftRecord, OutsideChange, State};

use super::attrs::AttrDiff;
use super::{AttrChange, ResourceKind};

/// One resource changed outside kmesos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The resource's address, as in the changes.
    pub address: Address,
    pub cluster: String,
    pub kind: ResourceKind,
    /// The broker id, topic or cluster name.
    pub name: String,
    /// The resource no longer exists (a topic deleted outside kmesos).
    #[serde(default)]
    pub deleted: bool,
    /// `before`: what kmesos applied; `after`: what holds now.
    pub attributes: Vec<AttrChange>,
    /// The outside changes, oldest first: when, through what, what.
    pub changes: Vec<OutsideChange>,
}

/// The drift recorded in `state`, in address order; resources back at their
/// applied values are left out.
pub(super) fn drift(state: &State) -> Vec<Drift> {
    let mut found = Vec::new();
    for cs in state.clusters.values() {
        for (address, record) in &cs.drift {
            if let Some(d) = one(cs, address, record) {
                found.push(d);
            }
        }
    }
    found
}

fn one(cs: &ClusterState, address: &Address, record: &DriftRecord) -> Option<Drift> {
    let now = current(cs, address);
    let mut d = AttrDiff::default();
    match (&record.applied, &now) {
        (Applied::Cluster { config: b }, Some(Applied::Cluster { config: a }))
        | (Applied::Broker { config: b }, Some(Applied::Broker { config: a })) => {
            d.map("config", Some(b), Some(a), |_| false);
        }
        (Applied::Topic { spec: b }, now) => {
            let a = match now {
                Some(Applied::Topic { spec }) => Some(spec),
                _ => None,
            };
            d.field("partitions", Some(b), a, |t| t.partitions, false);
            d.field(
                "replication_factor",
                Some(b),
                a,
                |t| t.replication_factor,
                false,
            );
            d.map("config", Some(&b.config), a.map(|t| &t.config), |_| false);
        }
        // A broker removed since: its drift no longer matters.
        _ => return None,
    }
    if d.0.is_empty() {
        return None;
    }
    Some(Drift {
        address: address.clone(),
        cluster: address.cluster().to_string(),
        kind: address.kind(),
        name: address.name(),
        deleted: now.is_none(),
        attributes: d.0,
        changes: record.changes.clone(),
    })
}
