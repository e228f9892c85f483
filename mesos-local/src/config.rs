//! Configuration of the embedded cluster: where the master listens, and each
//! agent's hostname, executor-API address, resources and attributes.
//!
//! Plain serde data so `kmesos mesos-local` can read it from a file or build
//! it from flags; `validate` names the agent and field that is wrong.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The whole embedded cluster: one master and its agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalConfig {
    /// Where the master serves `/api/v1/scheduler` (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Root of agents' sandboxes and persistent volumes (one subdirectory per
    /// agent) and of `cluster.json`, which keeps reservations across restarts.
    pub work_dir: PathBuf,
    pub agents: Vec<AgentConfig>,
    /// Seconds between HEARTBEAT events to schedulers (Mesos: 15).
    #[serde(default = "defaults::heartbeat_secs")]
    pub heartbeat_interval_secs: f64,
    /// Seconds between retries of an unacknowledged status update (Mesos: 10, doubling).
    #[serde(default = "defaults::status_retry_secs")]
    pub status_update_retry_secs: f64,
    /// Seconds between allocation rounds (Mesos: 1).
    #[serde(default = "defaults::allocation_secs")]
    pub allocation_interval_secs: f64,
    /// How long an executor may take to SUBSCRIBE before it is killed (Mesos: 60).
    #[serde(default = "defaults::registration_secs")]
    pub executor_registration_timeout_secs: f64,
    /// Grace period between SHUTDOWN and SIGKILL when the ExecutorInfo sets none (Mesos: 5).
    #[serde(default = "defaults::grace_secs")]
    pub executor_shutdown_grace_secs: f64,
}

/// One agent: its identity on the network and what it offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Hostname put in offers; also the IP the agent's HTTP server binds.
    pub hostname: String,
    /// Port of the agent's `/api/v1/executor` (0 picks a free one).
    #[serde(default)]
    pub port: u16,
    pub resources: AgentResources,
    /// Text attributes offered with every offer (e.g. rack, zone).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// Unreserved resources an agent starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentResources {
    pub cpus: f64,
    /// Megabytes.
    pub mem: f64,
    /// Megabytes.
    pub disk: f64,
    /// Inclusive port range `[begin, end]`.
    pub ports: (u64, u64),
}

mod defaults {
    pub fn heartbeat_secs() -> f64 {
        15.0
    }
    pub fn status_retry_secs() -> f64 {
        10.0
    }
    pub fn allocation_secs() -> f64 {
        1.0
    }
    pub fn registration_secs() -> f64 {
        60.0
    }
    pub fn grace_secs() -> f64 {
        5.0
    }
}

/// A configuration value that cannot work, naming where it is.
#[derive(Debug, thiserror::Error)]
#[error("mesos-local config: {field}: {problem}")]
pub struct ConfigError {
    pub field: String,
    pub problem: String,
}

/// The ports the dev agents share between them (1000 each for three).
pub const DEV_PORTS: (u64, u64) = (31000, 33999);

/// `n` equal, disjoint slices of `begin..=end`; `None` if there are fewer
/// ports than slices.
fn port_slices((begin, end): (u64, u64), n: usize) -> Option<Vec<(u64, u64)>> {
    let size = (end.checked_sub(begin)? + 1) / (n.max(1) as u64);
    (size > 0).then(|| {
        (0..n as u64)
            .map(|i| (begin + size * i, begin + size * (i + 1) - 1))
            .collect()
    })
}

impl LocalConfig {
    /// The `kmesos dev` cluster: master on 127.0.0.1:5050 and three agents on
    /// 127.0.0.2-4 (distinct loopback IPs, so brokers on different agents can
    /// use the same port numbers), each with port 5051.
    pub fn dev_default() -> Self {
        Self::with_agents(
            SocketAddr::from(([127, 0, 0, 1], 5050)),
            3,
            std::env::temp_dir().join("kmesos-mesos-local"),
        )
    }

    /// `n` agents like the dev default's: hostnames 127.0.0.2, 127.0.0.3, …,
    /// racks r1, r2, …, all in zone z1, each serving its executor API on the
    /// master's port + 1 (or a free port when the master's port is 0).
    pub fn with_agents(listen: SocketAddr, n: usize, work_dir: PathBuf) -> Self {
        let agent_port = if listen.port() == 0 {
            0
        } else {
            listen.port().saturating_add(1)
        };
        // More agents than DEV_PORTS has ports: each offers all of them.
        let slices = port_slices(DEV_PORTS, n).unwrap_or_default();
        let agents = (0..n)
            .map(|i| {
                let ip =
                    Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)).saturating_add(i as u32));
                AgentConfig {
                    hostname: ip.to_string(),
                    port: agent_port,
                    resources: AgentResources {
                        cpus: 4.0,
                        mem: 8192.0,
                        disk: 20480.0,
                        ports: slices.get(i).copied().unwrap_or(DEV_PORTS),
                    },
                    attributes: BTreeMap::from([
                        ("rack".to_string(), format!("r{}", i + 1)),
                        ("zone".to_string(), "z1".to_string()),
                    ]),
                }
            })
            .collect();
        LocalConfig {
            listen,
            work_dir,
            agents,
            heartbeat_interval_secs: defaults::heartbeat_secs(),
            status_update_retry_secs: defaults::status_retry_secs(),
            allocation_interval_secs: defaults::allocation_secs(),
            executor_registration_timeout_secs: defaults::registration_secs(),
            executor_shutdown_grace_secs: defaults::grace_secs(),
        }
    }

    /// Checks what serde cannot: agents' addresses parse and are distinct,
    /// resources are sane, intervals positive.
    /// Gives each agent its own equal slice of `range`: agents sharing one
    /// machine must not offer the same port, since brokers listen on all
    /// addresses (as they would on hosts of their own).
    pub fn split_ports(&mut self, range: (u64, u64)) -> Result<(), ConfigError> {
        let slices = port_slices(range, self.agents.len()).ok_or_else(|| ConfigError {
            field: "ports".into(),
            problem: format!(
                "{}-{} has fewer ports than there are agents ({})",
                range.0,
                range.1,
                self.agents.len()
            ),
        })?;
        for (agent, ports) in self.agents.iter_mut().zip(slices) {
            agent.resources.ports = ports;
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |field: String, problem: &str| {
            Err(ConfigError {
                field,
                problem: problem.to_string(),
            })
        };
        if self.agents.is_empty() {
            return err("agents".into(), "at least one agent is needed");
        }
        for (name, v) in [
            ("heartbeat_interval_secs", self.heartbeat_interval_secs),
            ("status_update_retry_secs", self.status_update_retry_secs),
            ("allocation_interval_secs", self.allocation_interval_secs),
            (
                "executor_registration_timeout_secs",
                self.executor_registration_timeout_secs,
            ),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return err(name.into(), "must be a positive number of seconds");
            }
        }
        if !(self.executor_shutdown_grace_secs.is_finite()
            && self.executor_shutdown_grace_secs >= 0.0)
        {
            return err(
                "executor_shutdown_grace_secs".into(),
                "must be zero or more seconds",
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, agent) in self.agents.iter().enumerate() {
            let at = |f: &str| format!("agents[{i}].{f}");
            if agent.ip().is_none() {
                return err(
                    at("hostname"),
                    "must be an IP address the agent can bind (e.g. 127.0.0.2)",
                );
            }
            if agent.port != 0 && !seen.insert((agent.hostname.clone(), agent.port)) {
                return err(
                    at("port"),
                    "another agent already uses this hostname and port",
                );
            }
            let r = &agent.resources;
            for (f, v) in [
                ("resources.cpus", r.cpus),
                ("resources.mem", r.mem),
                ("resources.disk", r.disk),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    return err(at(f), "must be a non-negative number");
                }
            }
            if r.ports.0 > r.ports.1 || r.ports.1 > u64::from(u16::MAX) {
                return err(
                    at("resources.ports"),
                    "must be [begin, end] with begin <= end <= 65535",
                );
            }
        }
        Ok(())
    }
}

impl AgentConfig {
    /// The IP the agent binds: its hostname, which must be an address.
    pub fn ip(&self) -> Option<IpAddr> {
        self.hostname.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_default_has_three_distinct_loopback_agents() {
        let c = LocalConfig::dev_default();
        c.validate().unwrap();
        let hosts: Vec<_> = c.agents.iter().map(|a| a.hostname.as_str()).collect();
        assert_eq!(hosts, ["127.0.0.2", "127.0.0.3", "127.0.0.4"]);
        assert_eq!(c.listen.to_string(), "127.0.0.1:5050");
        assert!(c.agents.iter().all(|a| a.port == 5051));
        let ports: Vec<_> = c.agents.iter().map(|a| a.resources.ports).collect();
        assert_eq!(ports, [(31000, 31999), (32000, 32999), (33000, 33999)]);
        assert_eq!(c.agents[2].attributes["rack"], "r3");
    }

    #[test]
    fn config_reads_from_json_with_defaults_and_rejects_bad_agents() {
        let json = r#"{"listen":"127.0.0.1:0","work_dir":"/tmp/x","agents":[
            {"hostname":"127.0.0.5","resources":{"cpus":1,"mem":64,"disk":10,"ports":[1,2]}}]}"#;
        let c: LocalConfig = serde_json::from_str(json).unwrap();
        assert_eq!(c.heartbeat_interval_secs, 15.0);
        c.validate().unwrap();

        let mut bad = c.clone();
        bad.agents[0].hostname = "node1".into();
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("agents[0].hostname"));
        let mut bad = c;
        bad.agents[0].resources.ports = (10, 2);
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("agents[0].resources.ports"));
    }

    #[test]
    fn split_ports_gives_each_agent_a_disjoint_equal_slice() {
        let mut c = LocalConfig::dev_default();
        c.split_ports((31000, 31999)).unwrap();
        let ports: Vec<_> = c.agents.iter().map(|a| a.resources.ports).collect();
        assert_eq!(ports, [(31000, 31332), (31333, 31665), (31666, 31998)]);
        c.validate().unwrap();

        let refused = c.split_ports((40000, 40001)).unwrap_err().to_string();
        assert!(
            refused.contains("ports") && refused.contains("fewer ports than there are agents (3)"),
            "{refused}"
        );
    }
}
