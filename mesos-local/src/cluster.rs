//! Starting and stopping the embedded cluster: bind the master's and every
//! agent's HTTP server, start the master and agent tasks, and on shutdown
//! (or drop) kill every executor's process group.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use mesos::proto::{value, AgentId, AgentInfo, Resource};

use super::agent::{Agent, AgentDirs, AgentMsg, AgentTimings};
use super::config::{AgentConfig, LocalConfig};
use super::http::{agent_routes, master_routes, AgentEndpoint, MasterEndpoint};
use super::master::{
    bag_from, restore, text_attribute, AgentLink, Checkpoint, ClusterRecord, Master, MasterSetup,
};
use super::messages::MasterMsg;

/// Why the cluster could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] super::config::ConfigError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot prepare work dir {path}: {source}")]
    WorkDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One agent of a running cluster, as a caller sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalAgent {
    /// The AgentID the master assigned (`<master-id>-S<n>`).
    pub id: String,
    pub hostname: String,
    /// Where its `/api/v1/executor` and `/files/read` are served.
    pub address: SocketAddr,
    /// Its work dir (sandboxes under `slaves/`, volumes under `volumes/`).
    pub work_dir: PathBuf,
}

/// A running master with its agents. Dropping it kills every executor.
pub struct LocalCluster {
    master_addr: SocketAddr,
    agents: Vec<LocalAgent>,
    master: mpsc::UnboundedSender<MasterMsg>,
    agent_inboxes: Vec<mpsc::UnboundedSender<AgentMsg>>,
    stop_servers: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl LocalCluster {
    pub async fn start(config: LocalConfig) -> Result<LocalCluster, StartError> {
        config.validate()?;
        // Sandboxes go into executors' environment and are their working
        // directory: they must not depend on this process's cwd.
        let root = std::path::absolute(&config.work_dir).map_err(|source| StartError::WorkDir {
            path: config.work_dir.clone(),
            source,
        })?;
        std::fs::create_dir_all(&root).map_err(|source| StartError::WorkDir {
            path: root.clone(),
            source,
        })?;
        let checkpoint = Checkpoint::new(&root);
        let record = checkpoint.load().unwrap_or_else(|| ClusterRecord {
            master_id: uuid::Uuid::new_v4().to_string(),
            ..ClusterRecord::default()
        });
        let master_id = record.master_id.clone();
        let (stop_servers, stop) = watch::channel(false);
        let mut tasks = Vec::new();
        let master_listener = bind(config.listen).await?;
        let master_addr = local_addr(&master_listener, config.listen)?;
        let (master_tx, master_rx) = mpsc::unbounded_channel();
        let timings = AgentTimings {
            status_retry: secs(config.status_update_retry_secs),
            registration_timeout: secs(config.executor_registration_timeout_secs),
            default_grace: secs(config.executor_shutdown_grace_secs),
        };
        let heartbeat = secs(config.heartbeat_interval_secs);
        let mut links = Vec::new();
        let mut agents = Vec::new();
        let mut agent_inboxes = Vec::new();
        for (index, agent_config) in config.agents.iter().enumerate() {
            let ip = agent_config
                .ip()
                .ok_or_else(|| super::config::ConfigError {
                    field: format!("agents[{index}].hostname"),
                    problem: "must be an IP address".into(),
                })?;
            let wanted = SocketAddr::new(ip, agent_config.port);
            let listener = bind(wanted).await?;
            let address = local_addr(&listener, wanted)?;
            let id = format!("{master_id}-S{index}");
            let work_dir = root.join(format!("agent-{index}"));
            // Old sandboxes belong to executors that died with the last run;
            // volumes stay, for the reservations kept in the record.
            let _ = std::fs::remove_dir_all(work_dir.join("slaves"));
            std::fs::create_dir_all(&work_dir).map_err(|source| StartError::WorkDir {
                path: work_dir.clone(),
                source,
            })?;
            let info = agent_info(&id, agent_config, address.port());
            let dirs = AgentDirs::new(work_dir.clone());
            let (commands_tx, commands_rx) = mpsc::unbounded_channel();
            let (inbox_tx, inbox_rx) = mpsc::unbounded_channel();
            let agent = Agent::new(
                info.clone(),
                address.to_string(),
                dirs.clone(),
                timings.clone(),
                master_tx.clone(),
                inbox_tx.clone(),
            );
            tasks.push(tokio::spawn(agent.run(commands_rx, inbox_rx)));
            let routes = agent_routes(AgentEndpoint {
                agent: inbox_tx.clone(),
                dirs,
                heartbeat: Duration::from_secs(30 * 60),
            });
            tasks.push(tokio::spawn(serve(listener, routes, stop.clone())));
            let configured = bag_from(&info.resources).unwrap_or_default();
            let total = match record.reserved.get(&id) {
                Some(stored) => restore(configured, stored),
                None => configured,
            };
            links.push(AgentLink {
                info,
                url: format!("http://{address}"),
                total,
                commands: commands_tx,
            });
            agents.push(LocalAgent {
                id,
                hostname: agent_config.hostname.clone(),
                address,
                work_dir,
            });
            agent_inboxes.push(inbox_tx);
        }
        let master = Master::new(MasterSetup {
            id: master_id,
            address: master_addr,
            heartbeat,
            allocation_interval: secs(config.allocation_interval_secs),
            agents: links,
            checkpoint,
            next_framework: record.next_framework,
        });
        tasks.push(tokio::spawn(master.run(master_rx)));
        let routes = master_routes(MasterEndpoint {
            master: master_tx.clone(),
            heartbeat,
        });
        tasks.push(tokio::spawn(serve(master_listener, routes, stop)));
        tracing::info!(%master_addr, agents = agents.len(), "mesos-local started");
        Ok(LocalCluster {
            master_addr,
            agents,
            master: master_tx,
            agent_inboxes,
            stop_servers,
            tasks,
        })
    }

    /// `http://<master address>`, the base URL of `/api/v1/scheduler`.
    pub fn master_url(&self) -> String {
        format!("http://{}", self.master_addr)
    }

    pub fn master_addr(&self) -> SocketAddr {
        self.master_addr
    }

    pub fn agents(&self) -> &[LocalAgent] {
        &self.agents
    }

    /// The cluster state as `GET /master/state` serves it.
    pub async fn state(&self) -> Option<serde_json::Value> {
        let (reply, answer) = oneshot::channel();
        self.master.send(MasterMsg::State { reply }).ok()?;
        answer.await.ok()
    }

    /// Kills every executor's process group and stops serving.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    async fn stop(&mut self) {
        for inbox in self.agent_inboxes.drain(..) {
            let (reply, done) = oneshot::channel();
            if inbox.send(AgentMsg::Shutdown { reply }).is_ok() {
                let _ = done.await;
            }
        }
        let _ = self.stop_servers.send(true);
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        // Aborting drops each agent, whose Drop kills its process groups.
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, StartError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })
}

fn local_addr(
    listener: &tokio::net::TcpListener,
    wanted: SocketAddr,
) -> Result<SocketAddr, StartError> {
    listener.local_addr().map_err(|source| StartError::Bind {
        addr: wanted,
        source,
    })
}

async fn serve(
    listener: tokio::net::TcpListener,
    routes: axum::Router,
    mut stop: watch::Receiver<bool>,
) {
    let shutdown = async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    if let Err(e) = axum::serve(listener, routes)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::error!(%e, "mesos-local HTTP server failed");
    }
}

fn secs(value: f64) -> Duration {
    Duration::try_from_secs_f64(value).unwrap_or(Duration::from_secs(1))
}

fn agent_info(id: &str, config: &AgentConfig, port: u16) -> AgentInfo {
    let r = &config.resources;
    let scalar = |name: &str, value: f64| Resource {
        name: name.to_string(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value }),
        ..Default::default()
    };
    let ports = Resource {
        name: "ports".to_string(),
        r#type: value::Type::Ranges as i32,
        ranges: Some(value::Ranges {
            range: vec![value::Range {
                begin: r.ports.0,
                end: r.ports.1,
            }],
        }),
        ..Default::default()
    };
    AgentInfo {
        hostname: config.hostname.clone(),
        resources: vec![
            scalar("cpus", r.cpus),
            scalar("mem", r.mem),
            scalar("disk", r.disk),
            ports,
        ],
        attributes: config
            .attributes
            .iter()
            .map(|(k, v)| text_attribute(k, v))
            .collect(),
        id: Some(AgentId {
            value: id.to_string(),
        }),
        port: Some(i32::from(port)),
    }
}
