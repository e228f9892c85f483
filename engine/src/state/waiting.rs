//! Why a broker is not running: what the scheduler waits for before it can
//! launch the broker again. The scheduler records it on the broker's runtime
//! (`waiting_for`) when the broker's task ends and clears it when the broker
//! is launched; `kmesos state` and `kmesos plan` show it. Tagged by `kind`:
//! a broker bound to one agent, or one no offer fits (per agent, why).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What a broker whose task ended waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaitingFor {
    /// Only one agent may run the broker: it is launched again once that
    /// agent offers what it needs.
    Agent(AgentWait),
    /// No offer fits the broker: per agent, why the latest one did not.
    Offers(OfferWait),
}

/// A broker no offer fits yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferWait {
    /// Per agent (hostname), why its latest offer did not fit: a
    /// constraint, a resource short, no port in range, the volume's agent
    /// awaited. At most [`OfferWait::AGENTS_SHOWN`] agents.
    pub unfit: BTreeMap<String, String>,
    /// RFC 3339 time the wait began.
    pub since: String,
}

impl OfferWait {
    /// How many agents' reasons a wait keeps.
    pub const AGENTS_SHOWN: usize = 10;
}

/// A broker bound to one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentWait {
    pub agent_id: String,
    pub hostname: String,
    /// Why only that agent, and what holds meanwhile.
    pub why: String,
    /// RFC 3339 time the Mesos master reported the agent lost; absent while
    /// it is not known lost (no offer from it was taken yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_at: Option<String>,
    /// RFC 3339 time the wait began.
    pub since: String,
}

impl WaitingFor {
    /// What the broker waits for, in one line without the reason.
    pub fn headline(&self) -> String {
        match self {
            WaitingFor::Agent(wait) => {
                let agent = format!("agent {} ({})", wait.hostname, wait.agent_id);
                match &wait.lost_at {
                    Some(at) => {
                        format!("waits for {agent}, which the Mesos master reported lost at {at}")
                    }
                    None => format!("waits for an offer from {agent}"),
                }
            }
            WaitingFor::Offers(wait) => {
                let agents = wait.unfit.len();
                let plural = if agents == 1 { "" } else { "s" };
                format!("waits for an offer that fits (none from {agents} agent{plural} did)")
            }
        }
    }

    /// Why it waits for that.
    pub fn why(&self) -> String {
        match self {
            WaitingFor::Agent(wait) => wait.why.clone(),
            WaitingFor::Offers(wait) => wait
                .unfit
                .iter()
                .map(|(host, why)| format!("{host}: {why}"))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

impl fmt::Display for WaitingFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.headline(), self.why())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voter_wait(lost_at: Option<&str>) -> WaitingFor {
        WaitingFor::Agent(AgentWait {
            agent_id: "m-S2".into(),
            hostname: "127.0.0.3".into(),
            why: "a KRaft controller voter is relaunched only there".into(),
            lost_at: lost_at.map(str::to_string),
            since: "2026-01-01T00:00:00Z".into(),
        })
    }

    #[test]
    fn says_whether_the_master_reported_the_agent_lost() {
        assert_eq!(
            voter_wait(Some("2026-01-01T00:00:05Z")).to_string(),
            "waits for agent 127.0.0.3 (m-S2), which the Mesos master reported lost at \
             2026-01-01T00:00:05Z: a KRaft controller voter is relaunched only there"
        );
        assert_eq!(
            voter_wait(None).headline(),
            "waits for an offer from agent 127.0.0.3 (m-S2)"
        );
    }

    #[test]
    fn an_offer_wait_says_per_agent_why_its_offer_did_not_fit() {
        let wait = WaitingFor::Offers(OfferWait {
            unfit: BTreeMap::from([
                (
                    "127.0.0.2".to_string(),
                    "cpus: 4 wanted, 2 offered".to_string(),
                ),
                (
                    "127.0.0.3".to_string(),
                    "constraint rack like r9 (it is r3)".to_string(),
                ),
            ]),
            since: "2026-01-01T00:00:00Z".into(),
        });
        assert_eq!(
            wait.to_string(),
            "waits for an offer that fits (none from 2 agents did): 127.0.0.2: cpus: 4 wanted, \
             2 offered; 127.0.0.3: constraint rack like r9 (it is r3)"
        );
        let json = serde_json::to_value(&wait).unwrap();
        assert_eq!(json["kind"], "offers");
        assert_eq!(serde_json::from_value::<WaitingFor>(json).unwrap(), wait);
    }

    #[test]
    fn is_tagged_by_kind_and_refuses_unknown_fields() {
        let wait = voter_wait(None);
        let json = serde_json::to_value(&wait).unwrap();
        assert_eq!(json["kind"], "agent");
        assert!(json.get("lost_at").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<WaitingFor>(json).unwrap(), wait);
        let unknown = serde_json::json!({
            "kind": "agent", "agent_id": "a", "hostname": "h", "why": "w",
            "since": "s", "colour": "red"
        });
        assert!(serde_json::from_value::<WaitingFor>(unknown).is_err());
    }
}
