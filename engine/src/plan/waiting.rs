//! Brokers of the state that are not running and wait for something before
//! the scheduler can launch them again (their runtime's `waiting_for`). The
//! plan carries them as information beside the changes, as Terraform shows
//! warnings: nothing in the plan acts on them.

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::state::{BrokerStatus, State, WaitingFor};

/// One broker that is not running, and what it waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waiting {
    /// The broker's address, as in the changes.
    pub address: Address,
    pub cluster: String,
    /// The broker id.
    pub name: String,
    /// Its status in the state.
    pub status: Option<BrokerStatus>,
    pub waiting_for: WaitingFor,
}

/// The brokers of `state` that are not running and record what they wait
/// for, in address order.
pub(super) fn waiting(state: &State) -> Vec<Waiting> {
    let mut found = Vec::new();
    for (cluster, cs) in &state.clusters {
        for (id, broker) in &cs.brokers {
            let Some(runtime) = &broker.runtime else {
                continue;
            };
            let Some(waiting_for) = &runtime.waiting_for else {
                continue;
            };
            if runtime.status == Some(BrokerStatus::Running) {
                continue;
            }
            found.push(Waiting {
                address: Address::of_broker(cluster, *id),
                cluster: cluster.clone(),
                name: id.to_string(),
                status: runtime.status,
                waiting_for: waiting_for.clone(),
            });
        }
    }
    found
}
