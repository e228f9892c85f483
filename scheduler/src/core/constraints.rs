//! Placement constraints checked against an offer's agent, in the meaning of
//! mesos/kafka: `like`/`unlike` match the agent's own value, `unique` and
//! `cluster` compare it with where the cluster's other brokers run, `groupBy`
//! spreads brokers evenly over the values (`groupBy:N`: over N values;
//! `groupBy`: over the values the agents offered so far have).

use std::collections::{BTreeMap, BTreeSet};

/// Attribute name (and `hostname`) → every value seen on an offered agent.
pub type KnownValues = BTreeMap<String, BTreeSet<String>>;

use engine::config::{Constraint, Rule};

/// Where a broker runs or could run: an agent's hostname and attributes.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub hostname: &'a str,
    pub attributes: &'a BTreeMap<String, String>,
}

impl<'a> Site<'a> {
    fn value(&self, attribute: &str) -> Option<&'a str> {
        match attribute {
            "hostname" => Some(self.hostname),
            other => self.attributes.get(other).map(String::as_str),
        }
    }
}

/// Why `candidate` does not satisfy `constraints` given the `peers` (the
/// other brokers of the cluster that are placed) and the values agents are
/// `known` to have, if it does not.
pub fn violation(
    constraints: &[Constraint],
    candidate: Site,
    peers: &[Site],
    known: &KnownValues,
) -> Option<String> {
    constraints
        .iter()
        .find_map(|c| check(c, candidate, peers, known).map(|why| format!("{c}: {why}")))
}

fn check(
    constraint: &Constraint,
    candidate: Site,
    peers: &[Site],
    known: &KnownValues,
) -> Option<String> {
    let attr = constraint.attribute.as_str();
    let Some(value) = candidate.value(attr) else {
        // Only `unlike` is satisfied by an agent without the attribute.
        return match constraint.rule {
            Rule::Unlike(_) => None,
            _ => Some(format!("the agent has no {attr}")),
        };
    };
    let peer_values = || peers.iter().filter_map(|p| p.value(attr));
    match &constraint.rule {
        Rule::Like(p) if !p.is_match(value) => Some(format!("{attr} is \"{value}\"")),
        Rule::Unlike(p) if p.is_match(value) => Some(format!("{attr} is \"{value}\"")),
        Rule::Unique if peer_values().any(|v| v == value) => {
            Some(format!("another broker runs with {attr} \"{value}\""))
        }
        Rule::Cluster(Some(want)) if want != value => Some(format!("{attr} is \"{value}\"")),
        Rule::Cluster(None) => peer_values()
            .find(|v| *v != value)
            .map(|v| format!("the cluster runs with {attr} \"{v}\"")),
        Rule::GroupBy(groups) => {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            if groups.is_none() {
                // Every value an agent is known to have is a group, used or not.
                for v in known.get(attr).into_iter().flatten() {
                    counts.insert(v, 0);
                }
                counts.entry(value).or_default();
            }
            for v in peer_values() {
                *counts.entry(v).or_default() += 1;
            }
            // With fewer values in use than groups, the least-used group is
            // an unused one (count 0).
            let unused_groups = groups.is_some_and(|n| counts.len() < n as usize);
            let least = if unused_groups {
                0
            } else {
                counts.values().copied().min().unwrap_or(0)
            };
            let here = counts.get(value).copied().unwrap_or(0);
            (here > least).then(|| {
                format!("{here} brokers already run with {attr} \"{value}\", others have {least}")
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(attribute: &str, rule: &str) -> Constraint {
        Constraint {
            attribute: attribute.to_string(),
            rule: rule.parse().unwrap(),
        }
    }

    fn attrs(rack: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("rack".to_string(), rack.to_string())])
    }

    #[test]
    fn group_by_fills_the_emptiest_value_first() {
        let (r1, r2) = (attrs("r1"), attrs("r2"));
        let placed = [Site {
            hostname: "a",
            attributes: &r1,
        }];
        let by_rack = [constraint("rack", "groupBy")];
        let on = |a| Site {
            hostname: "b",
            attributes: a,
        };
        let mut known = KnownValues::new();
        known.entry("rack".into()).or_default().insert("r1".into());
        assert!(
            violation(&by_rack, on(&r1), &placed, &known).is_none(),
            "one group so far"
        );
        known.entry("rack".into()).or_default().insert("r2".into());
        assert!(
            violation(&by_rack, on(&r1), &placed, &known).is_some(),
            "r2 is emptier"
        );
        assert!(violation(&by_rack, on(&r2), &placed, &known).is_none());
        let two = [constraint("rack", "groupBy:2")];
        assert!(violation(&two, on(&r1), &placed, &known).is_some());
        assert!(violation(&two, on(&r2), &placed, &known).is_none());
    }

    #[test]
    fn unlike_accepts_a_missing_attribute_like_does_not() {
        let none = BTreeMap::new();
        let site = Site {
            hostname: "h",
            attributes: &none,
        };
        assert!(violation(
            &[constraint("rack", "unlike:r1")],
            site,
            &[],
            &KnownValues::new()
        )
        .is_none());
        assert!(violation(
            &[constraint("rack", "like:r1")],
            site,
            &[],
            &KnownValues::new()
        )
        .is_some());
    }
}
