//! The plan: what would change to make the state match the configuration.
//!
//! [`diff`] compares a [`Config`] with a [`State`] and returns a [`Plan`]: one
//! [`Change`] per resource address (`cluster.events`, `cluster.events.broker.1`,
//! `cluster.events.topic.orders`, `cluster.events.client.orders-load`), each
//! with an [`Action`] and the attributes that differ. A plan is plain data;
//! rendering it is [`crate::render`]'s job. Its JSON form is documented in
//! docs/plan-format.md and is also the saved plan file.

mod attrs;
pub mod availability;
pub mod balance;
mod broker;
mod drift;
pub mod dynamic_configs;
mod pairs;
mod placement;
mod placement_preview;
pub mod reassignment;
mod resources;
mod roll;
mod waiting;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::address::Address;
pub use crate::address::ResourceKind;
use crate::config::Config;
use crate::diagnostics::Diagnostics;
use crate::state::State;
pub use availability::Availability;
pub use drift::Drift;
use pairs::pairs;
pub use placement_preview::PlacementPreview;
pub use roll::{Roll, RollStep};
pub use waiting::Waiting;

/// The version of the plan document this code reads and writes.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// A plan, computed against one state (its lineage and serial).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// The lineage of the state the plan was computed against.
    pub lineage: String,
    /// The serial of the state the plan was computed against.
    pub serial: u64,
    /// The configuration the plan leads to, with secrets redacted.
    pub configuration: Config,
    /// Resources changed outside kmesos since it last applied them, in
    /// address order (the changes bring them back to the configuration).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<Drift>,
    /// One entry per resource, in address order; `no-op` ones included.
    pub changes: Vec<Change>,
    /// Brokers of the state that are not running, with what they wait for
    /// before the scheduler can launch them again, in address order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<Waiting>,
    /// The brokers the apply restarts or moves, in order, with what their
    /// last restarts took; absent when none restarts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roll: Option<Roll>,
    /// Where the brokers it creates or moves would land (filled in by
    /// `kmesos plan` against a live scheduler), in address order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement: Vec<PlacementPreview>,
    /// What the broker stops would do to the partitions the brokers host,
    /// when the plan stops any (filled in by whoever can read the live
    /// partitions: `kmesos plan` against a live scheduler).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<Availability>,
}

/// What happens to one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `cluster.events`, `cluster.events.broker.1`, `cluster.events.topic.orders`, ...
    pub address: Address,
    /// The cluster the resource belongs to (or is).
    pub cluster: String,
    pub kind: ResourceKind,
    /// The broker id, topic or client name; the cluster's name for a cluster.
    pub name: String,
    pub action: Action,
    /// The attributes that differ (all of them for create and destroy).
    pub attributes: Vec<AttrChange>,
    /// Why a restart or move is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Change {
    /// A change for the resource at `address`.
    pub fn new(address: Address, action: Action, attributes: Vec<AttrChange>) -> Change {
        Change {
            cluster: address.cluster().to_string(),
            kind: address.kind(),
            name: address.name(),
            address,
            action,
            attributes,
            reason: None,
        }
    }

    pub fn with_reason(mut self, reason: Option<String>) -> Change {
        self.reason = reason;
        self
    }

    /// The Kafka properties this update sets on the running brokers.
    pub fn dynamic_properties(&self) -> impl Iterator<Item = &str> {
        self.attributes
            .iter()
            .filter(|a| a.dynamic)
            .filter_map(|a| a.key.as_deref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A new resource.
    Create,
    /// Changed in place; brokers keep running.
    Update,
    /// The task is relaunched on the same agent (its data volume stays).
    Restart,
    /// The task is relaunched elsewhere: its placement violates the constraints.
    Move,
    Destroy,
    NoOp,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Restart => "restart",
            Action::Move => "move",
            Action::Destroy => "destroy",
            Action::NoOp => "no-op",
        })
    }
}

/// One attribute's before and after; for maps (`config`, `constraints`) one
/// entry per key. Secret values are `"(sensitive)"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    /// `cpus`, `failover.delay`, `config`, `cluster.config`, `kafka.dist`, ...
    pub name: String,
    /// The map key, for map attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// This change alone needs the broker (or client) relaunched.
    #[serde(default)]
    pub forces_restart: bool,
    #[serde(default)]
    pub sensitive: bool,
    /// A Kafka property the update sets on the running brokers (Kafka's
    /// dynamic broker configs), no restart needed; absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dynamic: bool,
}

impl AttrChange {
    /// `config["num.io.threads"]`, or just `cpus`.
    pub fn display_name(&self) -> String {
        match &self.key {
            Some(key) => format!("{}[\"{key}\"]", self.name),
            None => self.name.clone(),
        }
    }
}

/// How many resources each action touches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub restart: usize,
    #[serde(rename = "move")]
    pub moves: usize,
    pub destroy: usize,
}

/// Why a saved plan cannot be applied to the current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StalePlan {
    #[error("the saved plan was made for another state (lineage {planned:?}, the current state's is {current:?}); run `kmesos plan` again")]
    OtherLineage { planned: String, current: String },
    #[error("the state changed since the plan was saved (serial {planned} then, {current} now); run `kmesos plan` again")]
    StateMoved { planned: u64, current: u64 },
}

/// Why a saved plan file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("{origin} is not a kmesos plan: {detail}")]
    NotAPlan { origin: String, detail: String },
    #[error("{origin}: plan format_version {found} is not supported (this kmesos reads version {PLAN_FORMAT_VERSION})")]
    UnsupportedVersion { origin: String, found: u64 },
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Restart => s.restart += 1,
                Action::Move => s.moves += 1,
                Action::Destroy => s.destroy += 1,
                Action::NoOp => {}
            }
        }
        s
    }

    /// Refuses a saved plan when the state moved on since it was computed:
    /// another lineage, or a different serial.
    pub fn check_current(&self, state: &State) -> Result<(), StalePlan> {
        if self.lineage != state.lineage {
            return Err(StalePlan::OtherLineage {
                planned: self.lineage.clone(),
                current: state.lineage.clone(),
            });
        }
        if self.serial != state.serial {
            return Err(StalePlan::StateMoved {
                planned: self.serial,
                current: state.serial,
            });
        }
        Ok(())
    }

    /// Reads a saved plan (the JSON rendering); `origin` names it in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Plan, PlanFileError> {
        let not_a_plan = |detail: String| PlanFileError::NotAPlan {
            origin: origin.to_string(),
            detail,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| not_a_plan(format!("not JSON ({e})")))?;
        match value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
        {
            None => return Err(not_a_plan("it has no format_version".into())),
            Some(v) if v != u64::from(PLAN_FORMAT_VERSION) => {
                return Err(PlanFileError::UnsupportedVersion {
                    origin: origin.to_string(),
                    found: v,
                })
            }
            Some(_) => {}
        }
        serde_json::from_value(value).map_err(|e| not_a_plan(e.to_string()))
    }
}

/// Computes the plan that takes `state` to `config`. Fails with positioned
/// errors for changes kmesos cannot make (fewer partitions, a new replication
/// factor).
pub fn diff(config: &Config, state: &State) -> Result<Plan, Diagnostics> {
    let mut changes = Vec::new();
    let mut errors = Diagnostics::default();
    for (name, before, after) in pairs(Some(&state.clusters), Some(&config.clusters)) {
        resources::cluster(name, before, after, config, &mut changes, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors.sorted());
    }
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        lineage: state.lineage.clone(),
        serial: state.serial,
        // Positions belong to the files just read, not to the plan document.
        configuration: Config {
            positions: Default::default(),
            ..config.redacted()
        },
        drift: drift::drift(state),
        roll: roll::roll(&changes, state),
        changes,
        waiting: waiting::waiting(state),
        placement: Vec::new(),
        availability: None,
    })
}

#[cfg(test)]
mod tests;
