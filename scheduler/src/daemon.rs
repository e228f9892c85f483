//! The daemon: the async shell around the decision core. One driver task
//! owns the core and feeds it events from the Mesos subscription, the HTTP
//! API, timers and finished Kafka operations; it carries out the commands the
//! core returns (Mesos calls, state writes, Kafka admin work, progress).
//!
//! [`Daemon::start`] prepares the API socket and the artifacts
//! ([`Prepared`]), loads the state, serves the artifacts and the API,
//! subscribes to the master and runs the driver; [`Daemon::wait`] returns
//! when the driver stops.

mod driver;
mod endpoints;
mod kafka_ops;
mod live_read;
mod mesos_calls;
mod prepared;
mod reassignment;

pub use driver::DriverError;
pub use mesos_calls::send_mesos_call;
pub use prepared::Prepared;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use mesos::proto::FrameworkId;
use mesos::scheduler::{long_running_framework, Scheduler, SchedulerConfig};
use tokio::sync::{mpsc, watch};

use crate::api::{self, Api};
use crate::core::{Core, CoreConfig};
use crate::daemon_handle::{DaemonHandle, ProgressLog, View};
use crate::metrics::Metrics;
use crate::store::StateStore;

/// The Mesos role brokers run under.
pub const ROLE: &str = "kafka";
/// How long the master keeps the framework's tasks while the scheduler is away.
pub const FAILOVER_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// What `kmesos scheduler` is started with.
pub struct Options {
    /// Master address (`host:port` or URL).
    pub master: String,
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
    /// Prepares and starts a daemon on `store`.
    pub async fn start(options: Options, store: Box<dyn StateStore>) -> anyhow::Result<Daemon> {
        Daemon::start_prepared(Prepared::new(options)?, store).await
    }

    /// Loads the state from `store`, subscribes to the master and serves.
    pub async fn start_prepared(
        prepared: Prepared,
        store: Box<dyn StateStore>,
    ) -> anyhow::Result<Daemon> {
        let (options, api_addr) = (prepared.options, prepared.api_addr);
        let doc = store
            .load()
            .with_context(|| format!("reading the state at {}", store.location()))?;
        let listener = tokio::net::TcpListener::from_std(prepared.listener)?;

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

        let view = View::of(&doc, false);
        let (view_tx, view_rx) = watch::channel(Arc::new(view));
        let (requests_tx, requests_rx) = mpsc::channel(64);
        let (changes_tx, changes_rx) = mpsc::unbounded_channel();
        let progress = Arc::new(ProgressLog::new());
        let metrics = Arc::new(Metrics::default());
        let handle = DaemonHandle::new(requests_tx, view_rx.clone(), progress.clone());

        let driver = driver::Driver {
            core: Core::new(prepared.config, doc),
            store,
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
                url: prepared.url,
            },
            prepared.artifacts,
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

    /// Waits until the driver stops, or until `lost` says this scheduler
    /// must stop acting: then the driver (with every state write and Mesos
    /// call it would make) and the API stop at once, and `lost`'s error is
    /// the answer.
    pub async fn wait_unless(
        mut self,
        lost: impl std::future::Future<Output = anyhow::Error>,
    ) -> anyhow::Result<()> {
        tokio::select! {
            result = &mut self.driver => {
                self.server.abort();
                match result {
                    Ok(result) => Ok(result?),
                    Err(e) => Err(anyhow::anyhow!("the scheduler's driver task failed: {e}")),
                }
            }
            error = lost => {
                self.driver.abort();
                self.server.abort();
                Err(error)
            }
        }
    }

    /// Waits until the driver stops (the master ended the framework, or the
    /// state could not be written).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.wait_unless(std::future::pending()).await
    }
}
