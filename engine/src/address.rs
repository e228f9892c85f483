//! Resource addresses: how plans, the state, the scheduler and the CLI name a
//! cluster and its brokers, topics and clients — `cluster.events`,
//! `cluster.events.broker.3`, `cluster.events.topic.orders`,
//! `cluster.events.client.load` — built, shown and read back here alone.
//!
//! A cluster's name holds no `.` (the configuration refuses one), so what
//! follows `.topic.` or `.client.` is the whole name, dots included: Kafka
//! allows them in topic names.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The forms an address takes, as errors tell them.
const FORMS: &str = "cluster.NAME[.broker.ID|.topic.NAME|.client.NAME]";

/// What sort of resource an address names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Cluster,
    Broker,
    Topic,
    Client,
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Cluster => "cluster",
            ResourceKind::Broker => "broker",
            ResourceKind::Topic => "topic",
            ResourceKind::Client => "client",
        })
    }
}

/// One resource's address. It is written, compared and serialized as its
/// text (`cluster.events.broker.3`), so maps keyed by address keep the order
/// and the JSON they had when keyed by the text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Address {
    Cluster { cluster: String },
    Broker { cluster: String, id: u32 },
    Topic { cluster: String, name: String },
    Client { cluster: String, name: String },
}

impl Address {
    /// `cluster.CLUSTER`.
    pub fn of_cluster(cluster: &str) -> Address {
        Address::Cluster {
            cluster: cluster.to_string(),
        }
    }

    /// `cluster.CLUSTER.broker.ID`.
    pub fn of_broker(cluster: &str, id: u32) -> Address {
        Address::Broker {
            cluster: cluster.to_string(),
            id,
        }
    }

    /// `cluster.CLUSTER.topic.NAME`.
    pub fn of_topic(cluster: &str, name: &str) -> Address {
        Address::Topic {
            cluster: cluster.to_string(),
            name: name.to_string(),
        }
    }

    /// `cluster.CLUSTER.client.NAME`.
    pub fn of_client(cluster: &str, name: &str) -> Address {
        Address::Client {
            cluster: cluster.to_string(),
            name: name.to_string(),
        }
    }

    /// The cluster the resource belongs to (or is).
    pub fn cluster(&self) -> &str {
        match self {
            Address::Cluster { cluster }
            | Address::Broker { cluster, .. }
            | Address::Topic { cluster, .. }
            | Address::Client { cluster, .. } => cluster,
        }
    }

    /// What sort of resource it names.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Address::Cluster { .. } => ResourceKind::Cluster,
            Address::Broker { .. } => ResourceKind::Broker,
            Address::Topic { .. } => ResourceKind::Topic,
            Address::Client { .. } => ResourceKind::Client,
        }
    }

    /// The broker id, for a broker's address.
    pub fn broker_id(&self) -> Option<u32> {
        match self {
            Address::Broker { id, .. } => Some(*id),
            Address::Cluster { .. } | Address::Topic { .. } | Address::Client { .. } => None,
        }
    }

    /// The broker id, topic or client name; the cluster's name for a cluster
    /// (the `name` plans and apply steps carry beside the address).
    pub fn name(&self) -> String {
        match self {
            Address::Cluster { cluster } => cluster.clone(),
            Address::Broker { id, .. } => id.to_string(),
            Address::Topic { name, .. } | Address::Client { name, .. } => name.clone(),
        }
    }

    /// The text in pieces (`cluster.`, the cluster's name, then `.broker.`
    /// and the id, `.topic.` and the name, ...), a broker id's digits written
    /// into `digits`: one source for showing and for comparing addresses.
    fn pieces<'a>(&'a self, digits: &'a mut [u8; 10]) -> [&'a str; 4] {
        let (kind, name) = match self {
            Address::Cluster { .. } => ("", ""),
            Address::Broker { id, .. } => (".broker.", decimal(*id, digits)),
            Address::Topic { name, .. } => (".topic.", name.as_str()),
            Address::Client { name, .. } => (".client.", name.as_str()),
        };
        ["cluster.", self.cluster(), kind, name]
    }
}

/// `n` in decimal, written at the end of `digits` (a `u32` has at most ten).
fn decimal(mut n: u32, digits: &mut [u8; 10]) -> &str {
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&digits[start..]).unwrap_or_default()
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces(&mut [0; 10])
            .into_iter()
            .try_for_each(|piece| f.write_str(piece))
    }
}

/// As the text, quoted: logs and test failures read as they did when
/// addresses were strings.
impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl Ord for Address {
    /// As the texts sort (`cluster.a-b` before `cluster.a.broker.1`,
    /// `broker.10` before `broker.2`). Two addresses share a text only when a
    /// cluster name holds a dot (the loader refuses one); their kind and
    /// cluster then tell them apart, as `==` does.
    fn cmp(&self, other: &Address) -> Ordering {
        let (mut ours, mut theirs) = ([0; 10], [0; 10]);
        let text = self.pieces(&mut ours).into_iter().flat_map(str::bytes);
        let other_text = other.pieces(&mut theirs).into_iter().flat_map(str::bytes);
        text.cmp(other_text)
            .then_with(|| (self.kind(), self.cluster()).cmp(&(other.kind(), other.cluster())))
    }
}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Address) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a text is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a resource address: {problem}; addresses are {FORMS}")]
pub struct AddressError {
    text: String,
    problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Problem {
    #[error("it does not start with \"cluster.\"")]
    NotCluster,
    #[error("the cluster name is missing")]
    NoCluster,
    #[error("{0:?} is not a kind of resource (broker, topic or client)")]
    UnknownKind(String),
    #[error("the {0} is missing")]
    NoName(&'static str),
    #[error("{0:?} is not a broker id (a whole number such as 0 or 12, without leading zeros)")]
    NotAnId(String),
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Address, AddressError> {
        let fail = |problem| AddressError {
            text: text.to_string(),
            problem,
        };
        let rest = text
            .strip_prefix("cluster.")
            .ok_or_else(|| fail(Problem::NotCluster))?;
        let (cluster, resource) = match rest.split_once('.') {
            Some((cluster, resource)) => (cluster, Some(resource)),
            None => (rest, None),
        };
        if cluster.is_empty() {
            return Err(fail(Problem::NoCluster));
        }
        let Some(resource) = resource else {
            return Ok(Address::of_cluster(cluster));
        };
        let (kind, name) = resource.split_once('.').unwrap_or((resource, ""));
        match (kind, name) {
            ("broker", "") => Err(fail(Problem::NoName("broker id"))),
            ("broker", id) => broker_id(id)
                .map(|id| Address::of_broker(cluster, id))
                .ok_or_else(|| fail(Problem::NotAnId(id.to_string()))),
            ("topic", "") => Err(fail(Problem::NoName("topic name"))),
            ("topic", name) => Ok(Address::of_topic(cluster, name)),
            ("client", "") => Err(fail(Problem::NoName("client name"))),
            ("client", name) => Ok(Address::of_client(cluster, name)),
            (other, _) => Err(fail(Problem::UnknownKind(other.to_string()))),
        }
    }
}

/// A broker id as addresses write it: decimal digits, no sign, no leading
/// zero (so that reading an address and writing it gives the same text).
fn broker_id(text: &str) -> Option<u32> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if digits && (text == "0" || !text.starts_with('0')) {
        text.parse().ok()
    } else {
        None
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Address, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
