//! `mesos-local`: an embedded Mesos master with N agents in one process,
//! serving the real Mesos v1 HTTP API (`/api/v1/scheduler` on the master,
//! `/api/v1/executor` on each agent, both encodings), so `kmesos dev` needs
//! no Mesos and tests exercise the real protocol with real processes. It
//! speaks through the `mesos` crate's messages, codecs and framing; the
//! clients and the executor never link it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kmesos_mesos_local::StartError> {
//! use kmesos_mesos_local::{LocalCluster, LocalConfig};
//! let cluster = LocalCluster::start(LocalConfig::dev_default()).await?;
//! println!("master at {}", cluster.master_url());
//! cluster.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Layout: `config` (what to start), `cluster` (start/stop), `master` (the
//! master task and its bookkeeping), `agent` (agent tasks: executors,
//! processes, sandboxes, volumes, status updates), `http` (routes),
//! `messages` (what they say to each other).

mod agent;
mod cluster;
mod config;
mod http;
mod master;
mod messages;

pub use self::agent::ProcessGroup;
pub use self::cluster::{LocalAgent, LocalCluster, StartError};
pub use self::config::{AgentConfig, AgentResources, ConfigError, LocalConfig};
