//! Why a broker is not running: what the scheduler waits for before it can
//! launch the broker again. The scheduler records it on the broker's runtime
//! (`waiting_for`) when the broker's task ends and clears it when the broker
//! is launched; `kmesos state` and `kmesos plan` show it. Tagged by `kind`,
//! so that other waits (offers that did not fit, per agent) can join.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a broker whose task ended waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaitingFor {
    /// Only one agent may run the broker: it is launched again once that
    /// agent offers what it needs.
    Agent(AgentWait),
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
        }
    }

    /// Why it waits for that.
    pub fn why(&self) -> &str {
        match self {
            WaitingFor::Agent(wait) => &wait.why,
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
