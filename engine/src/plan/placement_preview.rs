//! Where the brokers a plan creates or moves would land: per broker, the
//! agent (and its rack) the scheduler would place it on given the agents'
//! latest offers, or why no agent can take it. `kmesos plan` against a live
//! scheduler asks it (`POST /v1/placement`) and carries the answer; nothing
//! in the plan acts on it.

use serde::{Deserialize, Serialize};

use crate::address::Address;

/// One broker's preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementPreview {
    pub address: Address,
    /// The agent's hostname it would land on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// That agent's `rack` attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
    /// Why it cannot be placed now (per agent, why its offer does not fit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unplaced: Option<String>,
}
