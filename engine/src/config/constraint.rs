//! Placement constraints in the vocabulary of mesos/kafka: on an agent attribute
//! (`hostname` or any attribute the agent advertises), one of
//! `like:RE`, `unlike:RE`, `unique`, `cluster[:VALUE]`, `groupBy[:N]`.

use std::fmt;
use std::str::FromStr;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// One constraint: `attribute = "rule"` in HCL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    /// `hostname` or an agent attribute name such as `rack`.
    pub attribute: String,
    pub rule: Rule,
}

/// What the attribute's value must satisfy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Rule {
    /// The value matches the regular expression (whole value).
    Like(Pattern),
    /// The value does not match the regular expression.
    Unlike(Pattern),
    /// No two brokers of the cluster share a value.
    Unique,
    /// Every broker has the same value: the given one, or the first broker's.
    Cluster(Option<String>),
    /// Brokers are spread evenly over the values (over N values if given).
    GroupBy(Option<u32>),
}

/// A regular expression anchored to the whole value, as mesos/kafka matches it.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    anchored: Regex,
}

impl Pattern {
    pub fn new(source: &str) -> Result<Pattern, String> {
        let anchored = Regex::new(&format!("^(?:{source})$")).map_err(|e| {
            // regex's syntax errors draw a caret over several lines; keep the last, the reason.
            let text = e.to_string();
            let reason = text
                .lines()
                .last()
                .unwrap_or_default()
                .trim_start_matches("error: ")
                .to_string();
            format!("\"{source}\" is not a valid regular expression: {reason}")
        })?;
        Ok(Pattern {
            source: source.to_string(),
            anchored,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn is_match(&self, value: &str) -> bool {
        self.anchored.is_match(value)
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Rule {}

impl FromStr for Rule {
    type Err = String;

    fn from_str(text: &str) -> Result<Rule, String> {
        let (op, arg) = match text.split_once(':') {
            Some((op, arg)) => (op, Some(arg)),
            None => (text, None),
        };
        match (op, arg) {
            ("like", Some(re)) => Pattern::new(re).map(Rule::Like),
            ("unlike", Some(re)) => Pattern::new(re).map(Rule::Unlike),
            ("unique", None) => Ok(Rule::Unique),
            ("cluster", value) => Ok(Rule::Cluster(value.map(str::to_string))),
            ("groupBy", None) => Ok(Rule::GroupBy(None)),
            ("groupBy", Some(n)) => match n.parse::<u32>() {
                Ok(n) if n > 0 => Ok(Rule::GroupBy(Some(n))),
                _ => Err(format!("groupBy takes a positive count, not \"{n}\"")),
            },
            _ => Err(format!(
                "\"{text}\" is not a constraint; use like:RE, unlike:RE, unique, cluster[:VALUE] or groupBy[:N]"
            )),
        }
    }
}

impl TryFrom<String> for Rule {
    type Error = String;
    fn try_from(text: String) -> Result<Rule, String> {
        text.parse()
    }
}

impl From<Rule> for String {
    fn from(rule: Rule) -> String {
        rule.to_string()
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Like(p) => write!(f, "like:{}", p.as_str()),
            Rule::Unlike(p) => write!(f, "unlike:{}", p.as_str()),
            Rule::Unique => f.write_str("unique"),
            Rule::Cluster(None) => f.write_str("cluster"),
            Rule::Cluster(Some(v)) => write!(f, "cluster:{v}"),
            Rule::GroupBy(None) => f.write_str("groupBy"),
            Rule::GroupBy(Some(n)) => write!(f, "groupBy:{n}"),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=\"{}\"", self.attribute, self.rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_mesos_kafka_vocabulary() {
        for text in [
            "like:agent-[0-9]+",
            "unlike:bad",
            "unique",
            "cluster",
            "cluster:r1",
            "groupBy",
            "groupBy:3",
        ] {
            assert_eq!(
                text.parse::<Rule>().map(|r| r.to_string()),
                Ok(text.to_string())
            );
        }
    }

    #[test]
    fn like_matches_the_whole_value() {
        let Ok(Rule::Like(p)) = "like:agent-1".parse::<Rule>() else {
            panic!("not like")
        };
        assert!(p.is_match("agent-1"));
        assert!(!p.is_match("agent-10"));
    }

    #[test]
    fn refuses_unknown_rules_and_bad_patterns() {
        assert!("near:x"
            .parse::<Rule>()
            .unwrap_err()
            .contains("not a constraint"));
        assert!("like:("
            .parse::<Rule>()
            .unwrap_err()
            .contains("not a valid regular expression"));
        assert!("groupBy:0"
            .parse::<Rule>()
            .unwrap_err()
            .contains("positive count"));
        assert!("unique:x".parse::<Rule>().is_err());
    }
}
