//! The launch contract of a client instance: one of a `client` block's
//! producer or consumer tasks, run with Apache Kafka's own performance tools
//! from the distribution the cluster's brokers run, or a command task, run
//! by the shell with the cluster's bootstrap servers in its environment. The JSON is
//! `{"version": 1, "client": {...}}`; [`super::TaskLaunch::decode`] tells it
//! from a broker's by its `client` field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{check_host, check_java_home, check_program_path, check_sha256, field, LaunchError};

/// Everything the executor needs to run one client instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientLaunch {
    /// Contract version; must be [`super::LAUNCH_VERSION`].
    pub version: u32,
    pub client: ClientTask,
}

/// One instance of a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientTask {
    /// The kmesos cluster name.
    pub cluster: String,
    /// The client's name (a consumer's group).
    pub name: String,
    /// Which instance of the client this is, from 0.
    pub instance: u32,
    /// The cluster's running brokers, `HOST:PORT`.
    pub bootstrap_servers: Vec<String>,
    /// The topic produced to or consumed from.
    pub topic: String,
    /// What runs, and its own settings.
    pub workload: Workload,
    /// Kafka producer or consumer properties, written to the client's
    /// properties file (never to its command line: they may hold secrets).
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    /// The Kafka distribution, as for an Apache broker: a directory or an
    /// archive, relative to the sandbox or absolute.
    pub distribution: String,
    /// Lower-case hex sha256 of the distribution archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// JVM heap in MiB.
    pub heap_mib: u32,
    /// The JVM's home on the agent (its `kafka.java_home` attribute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub java_home: Option<String>,
}

/// The workload: the `kind` field of the JSON selects the variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Workload {
    /// `ProducerPerformance`: `rate` messages of `message_size` bytes a second.
    Producer { rate: u64, message_size: u32 },
    /// `ConsumerPerformance` in the group named after the client.
    Consumer,
    /// A shell command line, with `KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_TOPIC`
    /// (when the client names one) and `KAFKA_HOME` (the distribution, for
    /// its tools) in its environment.
    Command { command: String },
}

impl ClientLaunch {
    /// The JSON bytes for `TaskInfo.data`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Checks the values serde cannot: names, servers, paths, properties.
    pub fn check(&self) -> Result<(), LaunchError> {
        let c = &self.client;
        let mut named = vec![("client.cluster", &c.cluster), ("client.name", &c.name)];
        // A command client may work on no topic of its own.
        if !matches!(c.workload, Workload::Command { .. }) || !c.topic.is_empty() {
            named.push(("client.topic", &c.topic));
        }
        for (path, value) in named {
            if value.trim().is_empty() || value.chars().any(char::is_control) {
                return Err(field(path, "must be a non-empty single-line string"));
            }
        }
        if let Workload::Command { command } = &c.workload {
            if command.trim().is_empty() || command.contains('\0') {
                return Err(field(
                    "client.workload.command",
                    "must be a non-empty command line",
                ));
            }
        }
        if c.bootstrap_servers.is_empty() {
            return Err(field(
                "client.bootstrap_servers",
                "needs at least one broker",
            ));
        }
        for (i, server) in c.bootstrap_servers.iter().enumerate() {
            let path = format!("client.bootstrap_servers[{i}]");
            let Some((host, port)) = server.rsplit_once(':') else {
                return Err(field(&path, &format!("{server:?} is not HOST:PORT")));
            };
            check_host(&path, host)?;
            if !matches!(port.parse::<u16>(), Ok(p) if p > 0) {
                return Err(field(&path, &format!("{port:?} is not a port")));
            }
        }
        if let Workload::Producer { rate, message_size } = c.workload {
            if rate == 0 || message_size == 0 {
                return Err(field(
                    "client.workload",
                    "rate and message_size must be at least 1",
                ));
            }
        }
        for (name, value) in &c.properties {
            if let Some(problem) = engine::config::client_property_problem(name, value) {
                return Err(field(&format!("client.properties.{name}"), &problem));
            }
        }
        check_program_path("client.distribution", &c.distribution)?;
        check_sha256("client.sha256", c.sha256.as_deref())?;
        if c.heap_mib == 0 {
            return Err(field("client.heap_mib", "must be at least 1"));
        }
        check_java_home("client.java_home", c.java_home.as_deref())
    }
}
