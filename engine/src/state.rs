//! The state: what the scheduler has recorded — for each cluster the settings
//! last applied and, for each broker, topic and client, the spec applied and
//! (for brokers) what runs. Documented in docs/state.md. `lineage` is fixed
//! when a state is first written. Two counters tell its facts apart: `serial`
//! goes up when the applied facts move (specs, settings, topics, clients,
//! drift), so a saved plan can tell whether what it diffed against changed;
//! `generation` goes up on every write, what runs included (a broker's task,
//! status, agent), so a broker failing over leaves saved plans valid.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::config::{BrokerSpec, ClientSpec, KafkaProperties, KafkaSpec, TopicSpec};

mod drift;
mod refresh;
mod waiting;
pub use drift::{
    current, Applied, ChangeOrigin, ConfigEdit, DriftRecord, OutsideChange, OutsideEvent,
    TopicEvent,
};
pub use refresh::{LiveBroker, LiveCluster, LiveConfig, LiveTopic};
pub use waiting::{AgentWait, OfferWait, WaitingFor};

/// The version of the state document this code writes.
pub const STATE_FORMAT_VERSION: u32 = 2;

/// The versions this code reads: 1 (before `generation`; every write bumped
/// `serial`) is migrated on reading, with `generation` taken from `serial`.
const READABLE_VERSIONS: [u64; 2] = [1, 2];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub format_version: u32,
    /// Identifies this state's history; empty for a state never written.
    pub lineage: String,
    /// Bumped when the applied facts change: what plans diff against.
    pub serial: u64,
    /// Bumped on every write, including changes to what runs.
    #[serde(default)]
    pub generation: u64,
    /// The Mesos framework id the scheduler registered with.
    #[serde(default)]
    pub framework_id: Option<String>,
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterState>,
}

/// One cluster as last applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterState {
    pub kafka: KafkaSpec,
    #[serde(default)]
    pub config: KafkaProperties,
    #[serde(default)]
    pub brokers: BTreeMap<u32, BrokerState>,
    #[serde(default)]
    pub topics: BTreeMap<String, TopicSpec>,
    #[serde(default)]
    pub clients: BTreeMap<String, ClientSpec>,
    /// Resources changed outside kmesos since it last applied them, by
    /// address (see [`DriftRecord`]); absent when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub drift: BTreeMap<Address, DriftRecord>,
}

/// One broker: the spec applied, and where and how it runs (none before its
/// first launch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerState {
    pub spec: BrokerSpec,
    #[serde(default)]
    pub runtime: Option<BrokerRuntime>,
}

/// What the scheduler last knew about a broker's task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerRuntime {
    #[serde(default)]
    pub task_id: Option<String>,
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub hostname: Option<String>,
    /// The agent's attributes (e.g. `rack`), to check placement constraints.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub status: Option<BrokerStatus>,
    /// RFC 3339 time of the last status change.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Why the broker is not running, while its task has ended and the
    /// scheduler waits for something before it can launch it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<WaitingFor>,
    /// How long its last rolling restart under kmesos took, in seconds:
    /// from its stop until it ran again, healthy and caught up on every
    /// partition it hosts. Kept across its relaunches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_seconds: Option<u64>,
}

impl BrokerRuntime {
    /// `HOST:PORT` where the broker serves Kafka clients, while it runs.
    pub fn serving_endpoint(&self) -> Option<String> {
        match (self.status, &self.hostname, self.port) {
            (Some(BrokerStatus::Running), Some(host), Some(port)) => Some(format!("{host}:{port}")),
            _ => None,
        }
    }

    /// The value of a placement attribute: `hostname` or an agent attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        match name {
            "hostname" => self.hostname.as_deref(),
            other => self.attributes.get(other).map(String::as_str),
        }
    }
}

/// Where a broker's task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerStatus {
    /// Waiting for an offer that fits.
    Pending,
    /// Launched, not yet answering Kafka requests.
    Starting,
    /// Answering Kafka requests.
    Running,
    /// Being stopped (restart, move, destroy).
    Stopping,
    /// Stopped on purpose.
    Stopped,
    /// Failed; waiting for the failover delay before relaunching.
    Failed,
}

impl BrokerStatus {
    /// The status as the state document spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            BrokerStatus::Pending => "pending",
            BrokerStatus::Starting => "starting",
            BrokerStatus::Running => "running",
            BrokerStatus::Stopping => "stopping",
            BrokerStatus::Stopped => "stopped",
            BrokerStatus::Failed => "failed",
        }
    }
}

/// Why a state file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{origin} is not a kmesos state file: {detail}")]
    NotAState { origin: String, detail: String },
    #[error("{origin}: state format_version {found} is not supported (this kmesos reads versions 1 and {STATE_FORMAT_VERSION})")]
    UnsupportedVersion { origin: String, found: u64 },
    #[error("{origin}:{line}:{column}: corrupt state: {detail}")]
    Corrupt {
        origin: String,
        line: usize,
        column: usize,
        detail: String,
    },
}

/// A state file that is not UTF-8 text is corrupt at its first bad byte.
impl From<crate::Diagnostic> for StateError {
    fn from(d: crate::Diagnostic) -> StateError {
        StateError::Corrupt {
            origin: d.file,
            line: d.line,
            column: d.column,
            detail: d.message,
        }
    }
}

impl Default for State {
    fn default() -> Self {
        State {
            format_version: STATE_FORMAT_VERSION,
            lineage: String::new(),
            serial: 0,
            generation: 0,
            framework_id: None,
            clusters: BTreeMap::new(),
        }
    }
}

impl State {
    /// A new, empty state with its lineage (the scheduler picks a fresh UUID).
    pub fn new(lineage: impl Into<String>) -> State {
        State {
            lineage: lineage.into(),
            ..State::default()
        }
    }

    /// The state when there is no state file yet.
    pub fn empty() -> State {
        State::default()
    }

    /// Reads a state document; `origin` names it in errors (e.g. the file path).
    pub fn parse(text: &str, origin: &str) -> Result<State, StateError> {
        // Check it is ours and of a version we read before decoding in full, so a
        // foreign JSON file or a newer state gets a clear message, not a field error.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| StateError::NotAState {
                origin: origin.to_string(),
                detail: format!("not JSON ({e})"),
            })?;
        let version = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64);
        match version {
            None => {
                return Err(StateError::NotAState {
                    origin: origin.to_string(),
                    detail: "it has no format_version".into(),
                })
            }
            Some(v) if !READABLE_VERSIONS.contains(&v) => {
                return Err(StateError::UnsupportedVersion {
                    origin: origin.to_string(),
                    found: v,
                })
            }
            Some(_) => {}
        }
        let mut state: State = serde_json::from_str(text).map_err(|e| StateError::Corrupt {
            origin: origin.to_string(),
            line: e.line(),
            column: e.column(),
            detail: e.to_string(),
        })?;
        if state.format_version == 1 {
            state.format_version = STATE_FORMAT_VERSION;
            state.generation = state.serial;
        }
        let exhausted = [("serial", state.serial), ("generation", state.generation)]
            .into_iter()
            .find(|(_, n)| *n == u64::MAX);
        if let Some((name, n)) = exhausted {
            return Err(StateError::NotAState {
                origin: origin.to_string(),
                detail: format!("its {name} {n} is the largest there is: no write could follow it"),
            });
        }
        Ok(state)
    }

    /// The state document as pretty JSON, secrets included (the scheduler
    /// needs them to relaunch brokers); use [`State::redacted`] for output.
    pub fn to_json(&self) -> String {
        // Serializing plain data into a String cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A copy with secret Kafka property values replaced by `(sensitive)`.
    pub fn redacted(&self) -> State {
        let mut copy = self.clone();
        copy.each_properties(|_, properties| crate::sensitive::redact(properties));
        copy
    }

    /// Where a secret property holds `(sensitive)` rather than its value:
    /// the state is a redacted copy (`kmesos state pull`), which would hand
    /// brokers the placeholder. The resource's address and the property.
    pub fn redacted_secret(&self) -> Option<String> {
        let mut found = None;
        self.clone().each_properties(|address, properties| {
            if found.is_none() {
                found = properties
                    .iter()
                    .find(|(name, value)| {
                        crate::sensitive::is_sensitive(name)
                            && value.as_str() == crate::sensitive::REDACTED
                    })
                    .map(|(name, _)| format!("{address} \"{name}\""));
            }
        });
        found
    }

    /// Calls `f` with every Kafka property map the state holds (applied and
    /// recorded before outside changes) and its resource's address.
    fn each_properties(&mut self, mut f: impl FnMut(&Address, &mut KafkaProperties)) {
        for (name, cluster) in self.clusters.iter_mut() {
            f(&Address::of_cluster(name), &mut cluster.config);
            for (id, broker) in cluster.brokers.iter_mut() {
                f(&Address::of_broker(name, *id), &mut broker.spec.config);
            }
            for (topic, spec) in cluster.topics.iter_mut() {
                f(&Address::of_topic(name, topic), &mut spec.config);
            }
            for (client, spec) in cluster.clients.iter_mut() {
                f(&Address::of_client(name, client), &mut spec.properties);
            }
            for (address, record) in cluster.drift.iter_mut() {
                match &mut record.applied {
                    Applied::Cluster { config } | Applied::Broker { config } => f(address, config),
                    Applied::Topic { spec } => f(address, &mut spec.config),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let mut state = State::new("a1b2");
        state.serial = 7;
        state.generation = 19;
        state.framework_id = Some("fw-1".into());
        let text = state.to_json();
        assert_eq!(State::parse(&text, "s.json").unwrap(), state);
    }

    #[test]
    fn a_status_is_spelled_as_in_the_document() {
        for status in [
            BrokerStatus::Pending,
            BrokerStatus::Starting,
            BrokerStatus::Running,
            BrokerStatus::Stopping,
            BrokerStatus::Stopped,
            BrokerStatus::Failed,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }

    #[test]
    fn tells_foreign_corrupt_and_future_files_apart() {
        let foreign = State::parse(
            "{\"version\": 4, \"terraform_version\": \"1.9\"}",
            "t.tfstate",
        )
        .unwrap_err();
        assert!(
            foreign
                .to_string()
                .contains("t.tfstate is not a kmesos state file"),
            "{foreign}"
        );
        let garbage = State::parse("not json", "s.json").unwrap_err();
        assert!(garbage.to_string().contains("not JSON"), "{garbage}");
        let future = State::parse("{\"format_version\": 9}", "s.json").unwrap_err();
        assert!(
            future
                .to_string()
                .contains("format_version 9 is not supported"),
            "{future}"
        );
        let corrupt =
            State::parse("{\"format_version\": 1,\n \"lineage\": 5}", "s.json").unwrap_err();
        assert!(corrupt.to_string().starts_with("s.json:2:"), "{corrupt}");
    }

    #[test]
    fn a_version_1_state_is_read_with_its_generation_from_its_serial() {
        let old = r#"{"format_version": 1, "lineage": "l", "serial": 12, "clusters": {}}"#;
        let state = State::parse(old, "s.json").unwrap();
        assert_eq!(state.format_version, 2);
        assert_eq!((state.serial, state.generation), (12, 12));
        let written = State::parse(&state.to_json(), "s.json").unwrap();
        assert_eq!(written, state);
    }
}
