//! `kmesos scheduler`: runs the scheduler daemon against a Mesos master
//! until it is stopped (Ctrl-C / SIGTERM) or the master ends the framework.
//! Stopping it leaves the brokers running: the framework fails over when the
//! scheduler comes back with the same state. With a `zk://` state several
//! schedulers run at once and the elected one leads; a leader that stops
//! leading exits (status 3) so that only its successor acts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use scheduler::daemon::{Daemon, Options};
use scheduler::high_availability::{self, Ensemble, LeadershipEnded};
use scheduler::store::StateStore;
use scheduler::zookeeper::{ZkLocation, DEFAULT_SESSION_TIMEOUT};

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
    /// Where the state lives: file:PATH (one scheduler), or
    /// zk://HOST:PORT[,HOST:PORT…]/PATH (any number; one leads).
    #[arg(long, value_name = "LOCATION")]
    state: String,
    /// With a zk:// state: the ZooKeeper session timeout in seconds, how
    /// long a leader may be silent before a standby takes over.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_SESSION_TIMEOUT.as_secs_f64())]
    zk_session_timeout: f64,
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

/// Exit status of a scheduler that stopped leading (its ZooKeeper session
/// lost, its framework failed over to another scheduler).
const LOST_LEADERSHIP: u8 = 3;

pub fn run(mut args: Args) -> Result<ExitCode> {
    init_logging();
    if args.executor.is_none() {
        let beside = tools::executor_beside_this_program().map_err(anyhow::Error::msg)?;
        args.executor = Some(beside);
    }
    match ZkLocation::parse(&args.state) {
        None => {
            let store = scheduler::store::open(&args.state)?;
            runtime()?.block_on(serve(daemon_options(args), store))
        }
        Some(location) => {
            let ensemble = Ensemble {
                location: location.map_err(anyhow::Error::msg)?,
                session_timeout: session_timeout(args.zk_session_timeout)?,
            };
            runtime()?.block_on(serve_replicated(ensemble, args))
        }
    }
}

fn session_timeout(seconds: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|t| *t >= Duration::from_secs(1))
        .ok_or_else(|| anyhow::anyhow!("--zk-session-timeout {seconds}: give at least 1 second"))
}

/// The daemon's options (the executor found by `run`).
fn daemon_options(args: Args) -> Options {
    let executor = args.executor.clone().unwrap_or_default();
    Options {
        master: args.master,
        api: args.api,
        advertised_url: args.advertise,
        kafka: args.kafka,
        token: args.token.filter(|t| !t.is_empty()),
        executor,
        tansu: args.tansu.or_else(|| tools::TANSU.find()),
        distributions: if args.distributions.is_empty() {
            tools::KAFKA_DISTRIBUTION.find().into_iter().collect()
        } else {
            args.distributions
        },
        tune: None,
    }
}

/// One of several schedulers on a ZooKeeper state, until a signal arrives
/// or leadership ends.
async fn serve_replicated(ensemble: Ensemble, args: Args) -> Result<ExitCode> {
    tokio::select! {
        result = high_availability::run(ensemble, daemon_options(args)) => match result {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(e) if e.is::<LeadershipEnded>() => {
                tracing::error!("{e:#}");
                eprintln!("error: {e:#}");
                Ok(ExitCode::from(LOST_LEADERSHIP))
            }
            Err(e) => Err(e),
        },
        _ = shutdown_signal() => {
            tracing::info!("stopping; brokers keep running and a standby takes over");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs the daemon until it stops or a signal arrives.
async fn serve(options: Options, store: Box<dyn StateStore>) -> Result<ExitCode> {
    let daemon = Daemon::start(options, store).await?;
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
