//! `kmesos dev`: a whole Kafka-on-Mesos setup in one process, on fixed local
//! ports: the embedded Mesos master with three agents (127.0.0.2-4, racks
//! r1-r3, each offering its own slice of 31000-33999 since brokers listen on
//! all interfaces of the one machine), the scheduler with its API (127.0.0.1:7000) and Kafka endpoint
//! (127.0.0.1:9092), state under ./.kmesos/, brokers from the Apache Kafka
//! distribution scripts/install-kafka.sh packed and tansu, whichever are
//! installed. With
//! `--apply PATH` it applies that configuration once the scheduler is up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use mesos_local::{LocalCluster, LocalConfig};
use scheduler::daemon::{Daemon, Options};

use crate::async_runtime::{runtime, shutdown_signal};
use crate::configuration::{load_config, VarArgs};
use crate::logging::init_logging_beside;
use crate::plan_availability::AllowUnavailable;
use crate::plan_submission::submit_and_follow;
use crate::scheduler_client::SchedulerClient;

/// How long to wait for the scheduler to subscribe before applying.
const SUBSCRIBE_DEADLINE: Duration = Duration::from_secs(60);

/// Run Mesos, the scheduler and its brokers locally.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  kmesos dev --apply examples/quickstart")]
pub struct Args {
    /// Apply this configuration once the scheduler is up.
    #[arg(long, value_name = "PATH")]
    apply: Option<PathBuf>,
    #[command(flatten)]
    vars: VarArgs,
    /// State and agents' work dirs.
    #[arg(long, default_value = ".kmesos")]
    dir: PathBuf,
    /// Number of agents.
    #[arg(long, default_value_t = 3)]
    agents: usize,
    /// Where the Mesos master listens.
    #[arg(long, default_value = "127.0.0.1:5050")]
    master: SocketAddr,
    /// Where the scheduler's API listens.
    #[arg(long, default_value = "127.0.0.1:7000")]
    api: SocketAddr,
    /// Where the Kafka endpoint listens for the first cluster whose
    /// configuration names no `kafka.endpoint`.
    #[arg(long, default_value = "127.0.0.1:9092")]
    kafka: String,
    /// Ports the agents offer, BEGIN-END, split evenly between them: the
    /// agents share one machine, and a broker listens on all interfaces.
    #[arg(long, default_value = "31000-33999", value_parser = crate::port_range::parse)]
    ports: (u64, u64),
}

pub fn run(args: Args) -> Result<ExitCode> {
    let dir = std::path::absolute(&args.dir)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let log_file = init_logging_beside(&dir.join("kmesos.log"));
    let tansu = tools::TANSU.find();
    let kafka = tools::KAFKA_DISTRIBUTION.find();
    if tansu.is_none() && kafka.is_none() {
        bail!(
            "no broker to run: neither Apache Kafka ({}) nor tansu ({})",
            tools::KAFKA_DISTRIBUTION.looked_for(),
            tools::TANSU.looked_for()
        );
    }
    let executor = tools::executor_beside_this_program().map_err(anyhow::Error::msg)?;
    let mut mesos = LocalConfig::with_agents(args.master, args.agents, dir.join("mesos"));
    mesos.split_ports(args.ports)?;
    mesos.validate()?;
    let store = scheduler::store::open(&format!("file:{}", dir.join("state.json").display()))?;
    runtime()?.block_on(async move {
        let cluster = LocalCluster::start(mesos).await?;
        let options = Options {
            master: cluster.master_url(),
            store,
            api: args.api,
            advertised_url: None,
            kafka: Some(args.kafka.clone()),
            token: None,
            executor,
            tansu,
            distributions: kafka.into_iter().collect(),
            tune: None,
        };
        let daemon = Daemon::start(options).await?;
        let api = format!("http://{}", daemon.api_addr);
        println!(
            "kmesos dev: Mesos master {}, {} agents; scheduler API {api}; Kafka endpoint {}; state in {}",
            cluster.master_url(),
            args.agents,
            args.kafka,
            dir.display()
        );
        if let Some(file) = &log_file {
            println!("Logs: {} (RUST_LOG=info to see them here)", file.display());
        }
        let client = SchedulerClient::new(&api, None);
        let outcome = tokio::select! {
            result = daemon.wait() => result.map(|()| ExitCode::SUCCESS),
            result = apply_then_wait(&client, args.apply.as_ref(), &args.vars) => result,
            _ = shutdown_signal() => Ok(ExitCode::SUCCESS),
        };
        cluster.shutdown().await;
        outcome
    })
}

/// Applies `path` once the scheduler is subscribed, then runs until stopped
/// (Ctrl-C or SIGTERM, handled by the caller).
async fn apply_then_wait(
    client: &SchedulerClient,
    path: Option<&PathBuf>,
    vars: &VarArgs,
) -> Result<ExitCode> {
    if let Some(path) = path {
        wait_subscribed(client).await?;
        let config = load_config(path, vars)?;
        let state = client.state().await?;
        let plan = engine::diff(&config, &state)?;
        submit_and_follow(client, plan, config, true, AllowUnavailable::default()).await?;
    }
    println!("Running; Ctrl-C stops everything.");
    std::future::pending().await
}

async fn wait_subscribed(client: &SchedulerClient) -> Result<()> {
    let started = Instant::now();
    loop {
        if client.health().await.is_ok_and(|h| h.subscribed) {
            return Ok(());
        }
        if started.elapsed() > SUBSCRIBE_DEADLINE {
            bail!(
                "the scheduler did not subscribe to the Mesos master within {SUBSCRIBE_DEADLINE:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
