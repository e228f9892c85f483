//! Does a running broker's placement still satisfy its constraints? A broker
//! whose agent no longer fits must move (be relaunched elsewhere).
//!
//! `like`, `unlike` and `cluster:VALUE` are checked against the broker's own
//! agent; `unique` and `cluster` against the brokers with lower ids (so of two
//! brokers sharing a host only the later one moves); `groupBy` spreads brokers
//! at launch and is never a reason to move a running one.

use std::collections::HashMap;

use crate::config::{BrokerSpec, Rule};
use crate::state::BrokerRuntime;

/// Where the running brokers of a cluster that stay are, indexed so that each
/// broker's check is independent of the cluster's size.
pub(super) struct Placements<'a> {
    /// The running broker with the lowest id.
    lowest: Option<(u32, &'a BrokerRuntime)>,
    /// (attribute, value) → the lowest id of a broker placed there.
    first: HashMap<(&'a str, &'a str), u32>,
}

impl<'a> Placements<'a> {
    /// `peers` in id order; `attributes` are those constraints mention.
    pub fn new(peers: &[(u32, &'a BrokerRuntime)], attributes: &[&'a str]) -> Placements<'a> {
        let mut first = HashMap::new();
        for (id, runtime) in peers {
            for attr in attributes {
                if let Some(value) = runtime.attribute(attr) {
                    first.entry((*attr, value)).or_insert(*id);
                }
            }
        }
        Placements {
            lowest: peers.first().copied(),
            first,
        }
    }
}

/// Why the broker `id` cannot stay where it runs, if it cannot.
pub(super) fn violation(
    id: u32,
    spec: &BrokerSpec,
    here: &BrokerRuntime,
    placements: &Placements,
) -> Option<String> {
    let host = here.hostname.as_deref().unwrap_or("its agent");
    for constraint in &spec.constraints {
        let attr = constraint.attribute.as_str();
        let value = here.attribute(attr);
        let shown = || match value {
            Some(v) => format!("{attr} is \"{v}\""),
            None => format!("{attr} is not set"),
        };
        let problem = match &constraint.rule {
            Rule::Like(p) if !value.is_some_and(|v| p.is_match(v)) => Some(shown()),
            Rule::Unlike(p) if value.is_some_and(|v| p.is_match(v)) => Some(shown()),
            Rule::Cluster(Some(want)) if value != Some(want.as_str()) => Some(shown()),
            Rule::Unique => value
                .and_then(|v| placements.first.get(&(attr, v)).map(|first| (v, *first)))
                .filter(|(_, first)| *first < id)
                .map(|(v, first)| format!("broker {first} also has {attr} \"{v}\"")),
            Rule::Cluster(None) => placements
                .lowest
                .filter(|(first, peer)| *first < id && peer.attribute(attr) != value)
                .map(|(first, peer)| {
                    format!(
                        "{} while broker {first} has \"{}\"",
                        shown(),
                        peer.attribute(attr).unwrap_or("")
                    )
                }),
            _ => None,
        };
        if let Some(problem) = problem {
            return Some(format!(
                "constraint {constraint} is not met on {host}: {problem}"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Constraint;
    use std::collections::BTreeMap;

    fn on(host: &str, rack: &str) -> BrokerRuntime {
        BrokerRuntime {
            task_id: None,
            agent_id: None,
            hostname: Some(host.into()),
            attributes: BTreeMap::from([("rack".to_string(), rack.to_string())]),
            port: None,
            status: None,
            updated_at: None,
            waiting_for: None,
            restart_seconds: None,
        }
    }

    fn spec(constraints: &[(&str, &str)]) -> BrokerSpec {
        BrokerSpec {
            cpus: 1.0,
            mem: 1024,
            heap: None,
            disk: 1024,
            port: crate::config::PortSpec::Any,
            constraints: constraints
                .iter()
                .map(|(a, r)| Constraint {
                    attribute: a.to_string(),
                    rule: r.parse().unwrap(),
                })
                .collect(),
            config: BTreeMap::new(),
            failover: Default::default(),
            stickiness: BrokerSpec::DEFAULT_STICKINESS,
            placement_timeout: BrokerSpec::DEFAULT_PLACEMENT_TIMEOUT,
        }
    }

    fn none() -> Placements<'static> {
        Placements::new(&[], &[])
    }

    #[test]
    fn like_unlike_and_cluster_value_check_the_own_agent() {
        let here = on("h1", "r3");
        assert!(
            violation(0, &spec(&[("rack", "like:r[12]")]), &here, &none())
                .unwrap()
                .contains("rack is \"r3\"")
        );
        assert!(violation(0, &spec(&[("rack", "like:r[1-3]")]), &here, &none()).is_none());
        assert!(violation(0, &spec(&[("hostname", "unlike:h1")]), &here, &none()).is_some());
        assert!(violation(0, &spec(&[("rack", "cluster:r1")]), &here, &none()).is_some());
        assert!(violation(0, &spec(&[("zone", "like:.*")]), &here, &none())
            .unwrap()
            .contains("zone is not set"));
    }

    #[test]
    fn unique_moves_only_the_later_broker() {
        let (a, b) = (on("h1", "r1"), on("h1", "r2"));
        let peers = Placements::new(&[(0, &a), (1, &b)], &["hostname", "rack"]);
        let unique = spec(&[("hostname", "unique")]);
        assert!(violation(0, &unique, &a, &peers).is_none());
        assert!(violation(1, &unique, &b, &peers)
            .unwrap()
            .contains("broker 0 also has hostname \"h1\""));
        assert!(violation(1, &spec(&[("rack", "groupBy")]), &b, &peers).is_none());
    }
}
