//! The launch contract: what the scheduler puts in `TaskInfo.data` (JSON) so
//! the executor knows which broker (or client instance, [`client`]) to run
//! and how. It is versioned (`version`), documented in docs/executor.md, and
//! shared by both sides: the scheduler builds a [`LaunchSpec`] (or a
//! [`ClientLaunch`]) and serialises it with `to_bytes`; the executor decodes
//! it with [`TaskLaunch::decode`], which also checks the values, so a bad
//! contract fails the task with a message naming the field.

mod client;

pub use client::{ClientLaunch, ClientTask, Workload};

use std::collections::BTreeMap;
use std::path::{Component, Path};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The contract version this executor reads and writes.
pub const LAUNCH_VERSION: u32 = 1;

/// Everything the executor needs to run one broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchSpec {
    /// Contract version; must be [`LAUNCH_VERSION`].
    pub version: u32,
    /// The kmesos cluster name (from the HCL).
    pub cluster: String,
    /// The Kafka cluster id: 16 bytes, URL-safe base64 without padding (22
    /// characters), as `kafka-storage.sh random-uuid` prints. Generated once
    /// per cluster by the scheduler ([`new_cluster_id`]) and kept in its state.
    pub cluster_id: String,
    /// The broker's id (Kafka `node.id`).
    pub broker_id: u32,
    /// The port from the offer the broker listens on (all interfaces).
    pub port: u16,
    /// The host name clients are told to connect to: the agent's hostname.
    pub advertised_host: String,
    /// The agent's `rack` attribute, if it has one (Kafka `broker.rack`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
    /// Kafka properties, cluster ones overridden by broker ones (already merged).
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    /// The broker's data directory, relative to the sandbox: the persistent
    /// volume's `container_path`.
    pub data_dir: String,
    /// Which broker program to run, and its own settings.
    pub broker: BrokerProgram,
}

/// The broker program: the `kind` field of the JSON selects the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BrokerProgram {
    /// A tansu broker (dev and tests): one process, sqlite storage on the volume.
    Tansu(TansuProgram),
    /// An Apache Kafka (KRaft) broker.
    Apache(ApacheProgram),
}

/// How to run tansu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TansuProgram {
    /// The `tansu` binary: relative to the sandbox (fetched there) or absolute.
    pub binary: String,
    /// Lower-case hex sha256 of the binary, checked before it is run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The cluster's Kafka endpoint on the scheduler (`HOST:PORT`). When
    /// set, tansu listens on loopback behind a front on the broker's port
    /// that sends cluster-wide requests there (see `front`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// How to run Apache Kafka.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApacheProgram {
    /// The distribution: a directory holding `libs/kafka_*.jar` (or a
    /// single top-level directory that does), or a `.tgz`/`.tar.gz` of one;
    /// relative to the sandbox or absolute. Apache's official archive and
    /// the one scripts/install-kafka.sh packs from Maven Central both are.
    pub distribution: String,
    /// Lower-case hex sha256 of the distribution archive, checked before it
    /// is unpacked (only for an archive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// JVM heap in MiB (`-Xms`/`-Xmx`).
    pub heap_mib: u32,
    /// The JVM's home (its `bin/java` runs Kafka), from the agent's
    /// `kafka.java_home` attribute; none: the executor's `JAVA_HOME`, else
    /// `java` on its `PATH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub java_home: Option<String>,
    /// The KRaft controller quorum. A broker whose id is among the voters
    /// runs as `broker,controller` and listens for the quorum on
    /// `controller_port`.
    pub quorum: Vec<Voter>,
    /// A second offered port for the controller listener; required when
    /// this broker is a voter, refused otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_port: Option<u16>,
}

/// One KRaft controller quorum voter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Voter {
    pub node_id: u32,
    pub host: String,
    pub port: u16,
}

/// Why a launch contract was refused; the message names the field.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("launch data is not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("launch data has no numeric `version` field")]
    NoVersion,
    #[error("launch data version {found} is not supported (this executor reads version {LAUNCH_VERSION})")]
    Version { found: u64 },
    #[error("launch data{}: {message}", located(.path))]
    Field { path: String, message: String },
}

/// What one task runs: a broker, or an instance of a client.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskLaunch {
    Broker(LaunchSpec),
    Client(ClientLaunch),
}

impl TaskLaunch {
    /// Decodes and checks the contract from `TaskInfo.data`: a client's has
    /// a `client` field, a broker's has none.
    pub fn decode(data: &[u8]) -> Result<TaskLaunch, LaunchError> {
        let value = versioned(data)?;
        if value.get("client").is_none() {
            return LaunchSpec::from_value(value).map(TaskLaunch::Broker);
        }
        let spec: ClientLaunch = typed("", value)?;
        spec.check()?;
        Ok(TaskLaunch::Client(spec))
    }
}

/// The contract as JSON, once its version is known to be this executor's.
/// The version is checked first so that a newer scheduler gets a version
/// error rather than a confusing field error.
fn versioned(data: &[u8]) -> Result<serde_json::Value, LaunchError> {
    let value: serde_json::Value = serde_json::from_slice(data).map_err(LaunchError::NotJson)?;
    let found = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or(LaunchError::NoVersion)?;
    if found != u64::from(LAUNCH_VERSION) {
        return Err(LaunchError::Version { found });
    }
    Ok(value)
}

impl LaunchSpec {
    /// Decodes and checks a broker's contract from `TaskInfo.data`.
    pub fn decode(data: &[u8]) -> Result<LaunchSpec, LaunchError> {
        LaunchSpec::from_value(versioned(data)?)
    }

    fn from_value(value: serde_json::Value) -> Result<LaunchSpec, LaunchError> {
        let broker = value.get("broker").cloned();
        let spec: LaunchSpec = typed("", value).map_err(|e| match (&e, broker) {
            // serde reads a tagged enum as one blob and loses the path inside
            // it; reading the variant on its own finds the field at fault.
            (LaunchError::Field { path, .. }, Some(broker)) if path == "broker" => {
                broker_error(broker).unwrap_or(e)
            }
            _ => e,
        })?;
        spec.check()?;
        Ok(spec)
    }

    /// The JSON bytes for `TaskInfo.data`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// The endpoint clients use: `advertised_host:port`.
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.advertised_host, self.port)
    }

    /// Checks the values serde cannot: ports, paths, ids, reserved properties.
    pub fn check(&self) -> Result<(), LaunchError> {
        if self.cluster.trim().is_empty() {
            return Err(field("cluster", "must not be empty"));
        }
        check_cluster_id(&self.cluster_id)?;
        if self.port == 0 {
            return Err(field("port", "must be an offered port, not 0"));
        }
        check_host("advertised_host", &self.advertised_host)?;
        if let Some(rack) = &self.rack {
            if rack.is_empty() || rack.chars().any(char::is_control) {
                return Err(field("rack", "must be a non-empty single-line string"));
            }
        }
        check_relative("data_dir", &self.data_dir)?;
        for (name, value) in &self.properties {
            if let Some(problem) = engine::config::property_problem(name, value) {
                return Err(field(&format!("properties.{name}"), &problem));
            }
        }
        match &self.broker {
            BrokerProgram::Tansu(tansu) => {
                check_program_path("broker.binary", &tansu.binary)?;
                check_sha256("broker.sha256", tansu.sha256.as_deref())?;
            }
            BrokerProgram::Apache(apache) => {
                check_program_path("broker.distribution", &apache.distribution)?;
                check_sha256("broker.sha256", apache.sha256.as_deref())?;
                if apache.heap_mib == 0 {
                    return Err(field("broker.heap_mib", "must be at least 1"));
                }
                check_java_home("broker.java_home", apache.java_home.as_deref())?;
                self.check_quorum(&apache.quorum, apache.controller_port)?;
            }
        }
        Ok(())
    }

    fn check_quorum(
        &self,
        quorum: &[Voter],
        controller_port: Option<u16>,
    ) -> Result<(), LaunchError> {
        if quorum.is_empty() {
            return Err(field(
                "broker.quorum",
                "needs at least one controller voter",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, voter) in quorum.iter().enumerate() {
            check_host(&format!("broker.quorum[{i}].host"), &voter.host)?;
            if voter.port == 0 {
                return Err(field(&format!("broker.quorum[{i}].port"), "must not be 0"));
            }
            if !seen.insert(voter.node_id) {
                return Err(field(
                    &format!("broker.quorum[{i}].node_id"),
                    &format!("node {} is listed twice", voter.node_id),
                ));
            }
        }
        let me = quorum.iter().find(|v| v.node_id == self.broker_id);
        match (me, controller_port) {
            (Some(voter), Some(port)) if voter.port != port => Err(field(
                "broker.controller_port",
                &format!(
                    "{port} differs from this broker's voter port {}",
                    voter.port
                ),
            )),
            (Some(voter), Some(port)) if port == self.port => Err(field(
                "broker.controller_port",
                &format!("{} is also the client port", voter.port),
            )),
            (Some(_), None) => Err(field(
                "broker.controller_port",
                "is required: this broker is a controller voter",
            )),
            (None, Some(_)) => Err(field(
                "broker.controller_port",
                "is set but this broker is not a controller voter",
            )),
            _ => Ok(()),
        }
    }
}

/// A fresh Kafka cluster id: a random UUID as 22 characters of URL-safe
/// base64 without padding (the form Kafka's storage tool accepts).
pub fn new_cluster_id() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

/// Deserialises `value`, naming the path of the field at fault under `prefix`.
fn typed<T: serde::de::DeserializeOwned>(
    prefix: &str,
    value: serde_json::Value,
) -> Result<T, LaunchError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = match (prefix, inner.as_str()) {
            (p, ".") => p.to_string(),
            ("", i) => i.to_string(),
            (p, i) => format!("{p}.{i}"),
        };
        LaunchError::Field {
            path,
            message: e.into_inner().to_string(),
        }
    })
}

/// The precise error inside a `broker` object that failed to deserialise.
fn broker_error(broker: serde_json::Value) -> Option<LaunchError> {
    let serde_json::Value::Object(mut fields) = broker else {
        return None;
    };
    let kind = fields.remove("kind");
    let rest = serde_json::Value::Object(fields);
    match kind.as_ref().and_then(serde_json::Value::as_str) {
        Some("tansu") => typed::<TansuProgram>("broker", rest).err(),
        Some("apache") => typed::<ApacheProgram>("broker", rest).err(),
        Some(other) => Some(field(
            "broker.kind",
            &format!("unknown broker kind {other:?}: expected \"tansu\" or \"apache\""),
        )),
        None => Some(field(
            "broker.kind",
            "missing: expected \"tansu\" or \"apache\"",
        )),
    }
}

fn located(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" field `{path}`")
    }
}

fn field(path: &str, message: &str) -> LaunchError {
    LaunchError::Field {
        path: path.to_string(),
        message: message.to_string(),
    }
}

fn check_cluster_id(id: &str) -> Result<(), LaunchError> {
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id);
    match decoded {
        Ok(bytes) if bytes.len() == 16 => Ok(()),
        _ => Err(field(
            "cluster_id",
            &format!("{id:?} is not 16 bytes of URL-safe base64 (22 characters)"),
        )),
    }
}

/// A host brokers and clients can reach: an IPv4 address or a DNS name
/// (dot-separated labels of letters, digits, '-' and '_', 1 to 63
/// characters, not starting or ending with '-'). IPv6 literals are refused:
/// they would need brackets in every `HOST:PORT` the broker is given.
fn check_host(path: &str, host: &str) -> Result<(), LaunchError> {
    if host.contains(':') {
        return Err(field(
            path,
            &format!("{host:?} is not a host name or IPv4 address (IPv6 literals are not supported; give the agent a host name)"),
        ));
    }
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    };
    let ok = host.parse::<std::net::Ipv4Addr>().is_ok()
        || (host.len() <= 253 && host.split('.').all(label));
    if ok {
        Ok(())
    } else {
        Err(field(
            path,
            &format!("{host:?} is not a host name or IPv4 address"),
        ))
    }
}

/// A path inside the sandbox: relative, and never climbing out of it.
fn check_relative(path: &str, value: &str) -> Result<(), LaunchError> {
    let p = Path::new(value);
    if value.is_empty() || p.is_absolute() {
        return Err(field(
            path,
            &format!("{value:?} must be a path relative to the sandbox"),
        ));
    }
    if p.components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(field(
            path,
            &format!("{value:?} must stay inside the sandbox (no '..')"),
        ));
    }
    Ok(())
}

/// A program is either fetched into the sandbox (relative) or installed on
/// the agent (absolute).
fn check_program_path(path: &str, value: &str) -> Result<(), LaunchError> {
    if Path::new(value).is_absolute() {
        Ok(())
    } else {
        check_relative(path, value)
    }
}

fn check_java_home(path: &str, home: Option<&str>) -> Result<(), LaunchError> {
    match home {
        Some(home) if !home.starts_with('/') || home.chars().any(char::is_control) => {
            Err(field(path, "must be an absolute path"))
        }
        _ => Ok(()),
    }
}

fn check_sha256(path: &str, value: Option<&str>) -> Result<(), LaunchError> {
    match value {
        Some(v)
            if v.len() != 64
                || !v
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) =>
        {
            Err(field(
                path,
                &format!("{v:?} is not 64 lower-case hex digits"),
            ))
        }
        _ => Ok(()),
    }
}
