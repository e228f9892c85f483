//! `kmesos mesos-local`: the embedded Mesos master and agents on their own,
//! for running `kmesos scheduler` against them or for poking at the Mesos API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use mesos_local::{LocalCluster, LocalConfig};

use crate::async_runtime::{runtime, shutdown_signal};
use crate::logging::init_logging;

/// Run an embedded Mesos master with agents.
///
/// Example: `kmesos mesos-local --agents 5 --listen 127.0.0.1:5050`, or
/// `kmesos mesos-local --config agents.json` to give each agent its own
/// hostname (an IP it binds), resources and attributes:
///
/// {"listen": "127.0.0.1:5050", "work_dir": ".kmesos/mesos", "agents": [
///   {"hostname": "127.0.0.2", "port": 5051,
///    "resources": {"cpus": 4, "mem": 8192, "disk": 20480, "ports": [31000, 31999]},
///    "attributes": {"rack": "r1", "zone": "z1"}}]}
#[derive(clap::Args)]
pub struct Args {
    /// A JSON file describing the master and every agent (see above); the
    /// other options then do not apply.
    #[arg(long, conflicts_with_all = ["agents", "listen", "work_dir", "ports"])]
    config: Option<PathBuf>,
    /// How many agents (hostnames 127.0.0.2, 127.0.0.3, …; racks r1, r2, …).
    #[arg(long, default_value_t = 3)]
    agents: usize,
    /// Where the master listens.
    #[arg(long, default_value = "127.0.0.1:5050")]
    listen: SocketAddr,
    /// Agents' sandboxes and volumes.
    #[arg(long, default_value = ".kmesos/mesos")]
    work_dir: PathBuf,
    /// Ports the agents offer, BEGIN-END, split evenly between them: the
    /// agents share one machine, and a broker listens on all interfaces.
    #[arg(long, default_value = "31000-33999", value_parser = crate::port_range::parse)]
    ports: (u64, u64),
}

pub fn run(args: Args) -> Result<ExitCode> {
    init_logging();
    let config = match &args.config {
        Some(path) => read_config(path)?,
        None => {
            let mut config = LocalConfig::with_agents(
                args.listen,
                args.agents,
                std::path::absolute(&args.work_dir)?,
            );
            config.split_ports(args.ports)?;
            config.validate()?;
            config
        }
    };
    let agents = config.agents.len();
    runtime()?.block_on(async {
        let cluster = LocalCluster::start(config).await?;
        println!(
            "Mesos master at {} with {} agents; Ctrl-C or SIGTERM stops it and everything it runs.",
            cluster.master_url(),
            agents
        );
        shutdown_signal().await;
        cluster.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Reads a `--config` file; errors name the file, line and column.
fn read_config(path: &std::path::Path) -> Result<LocalConfig> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut config: LocalConfig = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
    config.work_dir = std::path::absolute(&config.work_dir)?;
    config
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(config)
}
