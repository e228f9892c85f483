//! `kmesos scheduler`: runs the scheduler daemon against a Mesos master
//! until it is stopped (Ctrl-C / SIGTERM) or the master ends the framework.
//! Stopping it leaves the brokers running: the framework fails over when the
//! scheduler comes back with the same state.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use scheduler::daemon::{Daemon, Options};

use crate::async_runtime::{runtime, shutdown_signal};
use crate::logging::init_logging;

/// Run the scheduler daemon.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  kmesos scheduler --master http://127.0.0.1:5050 --state file:state.json --api 127.0.0.1:7000"
)]
pub struct Args {
    /// The Mesos master (`host:port` or URL).
    #[arg(long, env = "KMESOS_MASTER")]
    master: String,
    /// Where the state lives: file:PATH.
    #[arg(long, value_name = "LOCATION")]
    state: String,
    /// Where the HTTP API listens.
    #[arg(long, default_value = "127.0.0.1:7000")]
    api: SocketAddr,
    /// The API's URL as agents reach it (for fetching the executor and broker).
    #[arg(long, value_name = "URL")]
    advertise: Option<String>,
    /// The Kafka endpoint's address for the first cluster whose
    /// configuration names no `kafka.endpoint`.
    #[arg(long, value_name = "ADDR")]
    kafka: Option<String>,
    /// Require this bearer token on every API call but health.
    #[arg(long, env = "KMESOS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The executor binary (default: kmesos-executor next to kmesos).
    #[arg(long, value_name = "PATH")]
    executor: Option<PathBuf>,
    /// The tansu binary served to agents (default: found like `kmesos dev` does).
    #[arg(long, value_name = "PATH")]
    tansu: Option<PathBuf>,
    /// An Apache Kafka distribution (.tgz) to serve to agents, named by a
    /// cluster's `kafka.dist` (this path, or its file name); repeatable.
    /// Default: the one scripts/install-kafka.sh packed, if any; a cluster
    /// that names no `kafka.dist` runs the only one served.
    #[arg(long = "dist", value_name = "PATH")]
    distributions: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    init_logging();
    let store = scheduler::store::open(&args.state)?;
    let options = Options {
        master: args.master,
        store,
        api: args.api,
        advertised_url: args.advertise,
        kafka: args.kafka,
        token: args.token.filter(|t| !t.is_empty()),
        executor: match args.executor {
            Some(path) => path,
            None => tools::executor_beside_this_program().map_err(anyhow::Error::msg)?,
        },
        tansu: args.tansu.or_else(|| tools::TANSU.find()),
        distributions: if args.distributions.is_empty() {
            tools::KAFKA_DISTRIBUTION.find().into_iter().collect()
        } else {
            args.distributions
        },
        tune: None,
    };
    runtime()?.block_on(serve(options))
}

/// Runs the daemon until it stops or a signal arrives.
pub async fn serve(options: Options) -> Result<ExitCode> {
    let daemon = Daemon::start(options).await?;
    tokio::select! {
        result = daemon.wait() => {
            result?;
            Ok(ExitCode::SUCCESS)
        }
        _ = shutdown_signal() => {
            tracing::info!("stopping; brokers keep running until the scheduler returns");
            Ok(ExitCode::SUCCESS)
        }
    }
}
