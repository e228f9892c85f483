//! What a plan's restarts cost: the brokers it restarts or moves, in the
//! order the apply takes them (one at a time, in address order), each with
//! how long its last restart under kmesos took (the runtime's
//! `restart_seconds`, from the stop until it ran healthy and caught up on
//! every partition), and an estimate of the whole roll: the sum of those,
//! with a broker never timed counted at the mean of the ones that were.

use serde::{Deserialize, Serialize};

use super::{Action, Change, ResourceKind};
use crate::address::Address;
use crate::state::State;

/// The plan's rolling restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roll {
    /// The brokers restarted or moved, in the order they go.
    pub brokers: Vec<RollStep>,
    /// How long the whole roll should take, in seconds; absent when no
    /// broker of it was timed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_seconds: Option<u64>,
}

/// One broker of the roll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollStep {
    pub address: Address,
    pub action: Action,
    /// How long its last restart took, in seconds, if kmesos timed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_restart_seconds: Option<u64>,
}

/// The roll of `changes` against `state`; `None` when nothing restarts.
pub(super) fn roll(changes: &[Change], state: &State) -> Option<Roll> {
    let brokers: Vec<RollStep> = changes
        .iter()
        .filter(|c| c.kind == ResourceKind::Broker)
        .filter(|c| matches!(c.action, Action::Restart | Action::Move))
        .map(|c| RollStep {
            address: c.address.clone(),
            action: c.action,
            last_restart_seconds: last_restart(state, &c.address),
        })
        .collect();
    if brokers.is_empty() {
        return None;
    }
    let timed: Vec<u64> = brokers
        .iter()
        .filter_map(|b| b.last_restart_seconds)
        .collect();
    let estimate_seconds = (!timed.is_empty()).then(|| {
        let total: u64 = timed.iter().sum();
        let mean = total / timed.len() as u64;
        total + mean * (brokers.len() - timed.len()) as u64
    });
    Some(Roll {
        brokers,
        estimate_seconds,
    })
}

fn last_restart(state: &State, address: &Address) -> Option<u64> {
    let id = address.broker_id()?;
    let cluster = state.clusters.get(address.cluster())?;
    cluster.brokers.get(&id)?.runtime.as_ref()?.restart_seconds
}
