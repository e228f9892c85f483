//! The daemon: the async shell around the decision core. One driver task
//! owns the core and feeds it events from the Mesos subscription, the HTTP
//! API, timers and finished Kafka operations; it carries out the commands the
//! core returns (Mesos calls, state writes, Kafka admin work, progress).
//!
//! [`Daemon::start`] opens the state, serves the artifacts and the API,
//! subscribes to the master and runs the driver; [`Daemon::wait`] returns
//! when the driver stops.

mod driver;
mod endpoints;
mod kafka_ops;
mod live_read;
mod mesos_calls;

pub use driver::DriverError;
pub use mesos_calls::send_mesos_call;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use mesos::proto::FrameworkId;
use mesos::scheduler::{long_running_framework, Scheduler, SchedulerConfig};
use tokio::sync::{mpsc, watch};

use crate::api::{self, Api};
use crate::artifacts::Artifacts;
use crate::core::{Artifact, Core, CoreConfig, Program};
use crate::daemon_handle::{DaemonHandle, ProgressLog, View};
use crate::metrics::Metrics;
use crate::store::StateStore;
use crate::wire::RunningApply;

/// The Mesos role brokers run under.
pub const ROLE: &str = "kafka";
/// How long the master keeps the framework's tasks while the scheduler is away.
pub const FAILOVER_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// What `kmesos scheduler` is started with.
pub struct Options {
    /// Master address (`host:port` or URL).
    pub master: String,
    pub store: Box<dyn StateStore>,
    /// Where the HTTP API listens.
    pub api: SocketAddr,
    /// The API's URL as agents reach it (artifacts); from `api` if unset.
    pub advertised_url: Option<String>,
    /// Kafka endpoint address for the first cluster whose configuration
    /// names no `kafka.endpoint`.
    pub kafka: Option<String>,
    pub token: Option<String>,
    /// The executor binary agents fetch.
    pub executor: PathBuf,
    /// The tansu binary agents fetch for tansu clusters; none: not served.
    pub tansu: Option<PathBuf>,
    /// Apache Kafka distributions (`.tgz`) for apache clusters, served to
    /// agents; a cluster's `kafka.dist` names one by its path as given here
    /// or by its file name.
    pub distributions: Vec<PathBuf>,
    /// Timing of the core; `None` for its defaults.
    pub tune: Option<fn(&mut CoreConfig)>,
}

/// A running daemon.
pub struct Daemon {
    pub handle: DaemonHandle,
    pub api_addr: SocketAddr,
    driver: tokio::task::JoinHandle<Result<(), DriverError>>,
    server: tokio::task::JoinHandle<()>,
}

impl Daemon {
    pub async fn start(options: Options) -> anyhow::Result<Daemon> {
        let doc = options
            .store
            .load()
            .with_context(|| format!("reading the state at {}", options.store.location()))?;
        let listener = tokio::net::TcpListener::bind(options.api)
            .await
            .with_context(|| format!("cannot listen on {} for the API", options.api))?;
        let api_addr = listener.local_addr()?;
        let base_url = options
            .advertised_url
            .clone()
            .unwrap_or_else(|| format!("http://{api_addr}"));

        let mut artifacts = Artifacts::new(base_url);
        let executor = artifacts.add(&options.executor, true)?.clone();
        let executor = Artifact {
            uri: artifacts.uri(&executor),
            sha256: executor.sha256,
        };
        let tansu = match &options.tansu {
            Some(path) => {
                let tansu = artifacts.add(path, true)?.clone();
                Program::Fetched(Artifact {
                    uri: artifacts.uri(&tansu),
                    sha256: tansu.sha256,
                })
            }
            None => Program::Installed("tansu".into()),
        };
        let mut config = CoreConfig::new(ROLE, executor, tansu);
        config.principal = Some("kmesos".into());
        config.kafka = options.kafka.clone();
        for path in &options.distributions {
            let served = artifacts.add(path, false)?.clone();
            let artifact = Artifact {
                uri: artifacts.uri(&served),
                sha256: served.sha256.clone(),
            };
            config
                .distributions
                .insert(path.display().to_string(), artifact.clone());
            config.distributions.insert(served.name, artifact);
        }
        if let Some(tune) = options.tune {
            tune(&mut config);
        }

        let mut framework =
            long_running_framework("root", "kmesos", vec![ROLE.into()], FAILOVER_TIMEOUT);
        framework.principal = Some("kmesos".into());
        framework.id = doc
            .state
            .framework_id
            .clone()
            .map(|value| FrameworkId { value });
        let (scheduler, mesos_events) =
            Scheduler::subscribe(SchedulerConfig::new(options.master.clone(), framework))?;

        let view = View {
            state: doc.state.clone(),
            subscribed: false,
            apply: doc.scheduler.apply.as_ref().map(|run| RunningApply {
                apply_id: run.id.clone(),
                holder: run.holder.clone(),
                since: run.since.clone(),
            }),
            cluster_ids: doc.scheduler.cluster_ids.clone(),
        };
        let (view_tx, view_rx) = watch::channel(Arc::new(view));
        let (requests_tx, requests_rx) = mpsc::channel(64);
        let (changes_tx, changes_rx) = mpsc::unbounded_channel();
        let progress = Arc::new(ProgressLog::new());
        let metrics = Arc::new(Metrics::default());
        let handle = DaemonHandle::new(requests_tx, view_rx.clone(), progress.clone());

        let driver = driver::Driver {
            core: Core::new(config, doc),
            store: options.store,
            calls: mesos_calls::start(scheduler),
            view: view_tx,
            progress,
            metrics: metrics.clone(),
            endpoints: endpoints::Endpoints::new(options.kafka, view_rx, changes_tx),
            pending_reply: None,
            refresh: None,
        };
        let inputs = driver::Inputs {
            mesos: mesos_events,
            requests: requests_rx,
            endpoint_changes: changes_rx,
        };
        let driver = tokio::spawn(driver.run(inputs));

        let router = api::router(
            Api {
                daemon: handle.clone(),
                metrics,
                master: options.master,
                token: options.token,
            },
            artifacts,
        );
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "the API server stopped");
            }
        });
        tracing::info!(api = %api_addr, "scheduler API listening");
        Ok(Daemon {
            handle,
            api_addr,
            driver,
            server,
        })
    }

    /// Waits until the driver stops (the master ended the framework, or the
    /// state could not be written).
    pub async fn wait(self) -> anyhow::Result<()> {
        let result = self.driver.await;
        self.server.abort();
        match result {
            Ok(result) => Ok(result?),
            Err(e) => Err(anyhow::anyhow!("the scheduler's driver task failed: {e}")),
        }
    }
}
