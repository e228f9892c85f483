//! The daemon's handle: how the rest of the process (the HTTP API, the
//! Kafka endpoints, the metrics) talks to the running daemon without
//! importing it. Requests go to the driver task over a channel (the driver
//! owns the core; nobody else touches it), the latest view of the state is
//! published on a watch channel, and apply progress is kept in a log that
//! followers replay before they get live events.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use engine::plan::PlacementPreview;
use engine::{Address, Config, Plan, State};
use futures::Stream;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::core::{ApplyRefusal, CoreState, InstanceKey, Progress, RefreshOutcome};
use crate::wire::RunningApply;

/// A request the API hands to the driver; each carries where to answer.
#[derive(Debug)]
pub enum Request {
    Apply {
        plan: Box<Plan>,
        config: Box<Config>,
        holder: String,
        allow_unavailable: bool,
        reply: oneshot::Sender<Result<String, ApplyRefusal>>,
    },
    RestartBroker {
        cluster: String,
        id: u32,
        holder: String,
        reply: oneshot::Sender<Result<String, ApplyRefusal>>,
    },
    Rebalance {
        cluster: String,
        holder: String,
        reply: oneshot::Sender<Result<String, ApplyRefusal>>,
    },
    /// Answers whether an apply was running to cancel.
    Cancel { reply: oneshot::Sender<bool> },
    /// Refreshes the state from the live brokers; answers how it went, per
    /// cluster, once what was read is recorded.
    Refresh {
        reply: oneshot::Sender<Vec<RefreshOutcome>>,
    },
    /// Where the brokers `brokers` of `target` would land now (answered by
    /// the driver from the core, nothing changes).
    PreviewPlacement {
        target: Box<Config>,
        brokers: Vec<Address>,
        reply: oneshot::Sender<Vec<PlacementPreview>>,
    },
}

/// What the driver last published: the state and how the daemon is doing.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub state: State,
    /// Whether a Mesos subscription is live.
    pub subscribed: bool,
    pub apply: Option<RunningApply>,
    /// Kafka cluster id per kmesos cluster.
    pub cluster_ids: BTreeMap<String, String>,
    /// The current task of each client instance that has one.
    pub client_tasks: BTreeMap<InstanceKey, String>,
}

impl View {
    /// What `doc` shows, with the subscription as it is.
    pub(crate) fn of(doc: &CoreState, subscribed: bool) -> View {
        View {
            state: doc.state.clone(),
            subscribed,
            apply: doc.scheduler.apply.as_ref().map(|run| RunningApply {
                apply_id: run.id.clone(),
                holder: run.holder.clone(),
                since: run.since.clone(),
            }),
            cluster_ids: doc.scheduler.cluster_ids.clone(),
            client_tasks: client_tasks(doc),
        }
    }
}

/// The current task id of every client instance that has one.
fn client_tasks(doc: &CoreState) -> BTreeMap<InstanceKey, String> {
    let mut tasks = BTreeMap::new();
    for (cluster, clients) in &doc.scheduler.clients {
        for (client, instances) in clients {
            for (instance, record) in instances {
                if let Some(task) = &record.task {
                    let key = (cluster.clone(), client.clone(), *instance);
                    tasks.insert(key, task.task_id.clone());
                }
            }
        }
    }
    tasks
}

/// Why the daemon could not answer.
#[derive(Debug, thiserror::Error)]
#[error("the scheduler is shutting down")]
pub struct Gone;

/// A cloneable handle on the daemon.
#[derive(Clone)]
pub struct DaemonHandle {
    requests: mpsc::Sender<Request>,
    view: watch::Receiver<Arc<View>>,
    progress: Arc<ProgressLog>,
}

impl DaemonHandle {
    pub(crate) fn new(
        requests: mpsc::Sender<Request>,
        view: watch::Receiver<Arc<View>>,
        progress: Arc<ProgressLog>,
    ) -> DaemonHandle {
        DaemonHandle {
            requests,
            view,
            progress,
        }
    }

    /// The latest published view.
    pub fn view(&self) -> Arc<View> {
        self.view.borrow().clone()
    }

    /// Submits an apply; answers its id, or why it was refused.
    pub async fn apply(
        &self,
        plan: Plan,
        config: Config,
        holder: String,
        allow_unavailable: bool,
    ) -> Result<Result<String, ApplyRefusal>, Gone> {
        self.ask(|reply| Request::Apply {
            plan: Box::new(plan),
            config: Box::new(config),
            holder,
            allow_unavailable,
            reply,
        })
        .await
    }

    pub async fn restart_broker(
        &self,
        cluster: String,
        id: u32,
        holder: String,
    ) -> Result<Result<String, ApplyRefusal>, Gone> {
        self.ask(|reply| Request::RestartBroker {
            cluster,
            id,
            holder,
            reply,
        })
        .await
    }

    pub async fn rebalance(
        &self,
        cluster: String,
        holder: String,
    ) -> Result<Result<String, ApplyRefusal>, Gone> {
        self.ask(|reply| Request::Rebalance {
            cluster,
            holder,
            reply,
        })
        .await
    }

    /// Cancels the running apply; `false` when none runs.
    pub async fn cancel(&self) -> Result<bool, Gone> {
        self.ask(|reply| Request::Cancel { reply }).await
    }

    /// Refreshes the state from the live brokers (see [`Request::Refresh`]).
    pub async fn refresh(&self) -> Result<Vec<RefreshOutcome>, Gone> {
        self.ask(|reply| Request::Refresh { reply }).await
    }

    /// Where the brokers a plan creates or moves would land now.
    pub async fn preview_placement(
        &self,
        target: Config,
        brokers: Vec<Address>,
    ) -> Result<Vec<PlacementPreview>, Gone> {
        self.ask(|reply| Request::PreviewPlacement {
            target: Box::new(target),
            brokers,
            reply,
        })
        .await
    }

    async fn ask<T>(&self, request: impl FnOnce(oneshot::Sender<T>) -> Request) -> Result<T, Gone> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(request(reply)).await.map_err(|_| Gone)?;
        answer.await.map_err(|_| Gone)
    }

    /// The progress of apply `apply_id`: what happened so far, then live
    /// events until it ends. `None` when no such apply is known.
    pub fn follow(&self, apply_id: &str) -> Option<impl Stream<Item = Progress> + Send + 'static> {
        let running = self
            .view()
            .apply
            .as_ref()
            .is_some_and(|a| a.apply_id == apply_id);
        let (replay, live) = self.progress.subscribe(apply_id, running)?;
        let done = replay.last().is_some_and(is_final);
        let id = apply_id.to_string();
        let replayed = futures::stream::iter(replay);
        let live = futures::stream::unfold((live, done, id), |(mut live, done, id)| async move {
            if done {
                return None;
            }
            loop {
                match live.recv().await {
                    Ok(event) if apply_id_of(&event) == id => {
                        let done = is_final(&event);
                        return Some((event, (live, done, id)));
                    }
                    Ok(_) => continue,
                    // A follower too slow for the buffer misses steps, not the end.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Some(futures::StreamExt::chain(replayed, live))
    }
}

/// The progress of the latest apply, kept for followers that join late.
pub(crate) struct ProgressLog {
    inner: Mutex<(Option<String>, Vec<Progress>)>,
    live: broadcast::Sender<Progress>,
}

impl ProgressLog {
    pub(crate) fn new() -> ProgressLog {
        ProgressLog {
            inner: Mutex::new((None, Vec::new())),
            live: broadcast::channel(1024).0,
        }
    }

    /// Records and broadcasts one event; a new apply id starts a new log.
    pub(crate) fn push(&self, event: Progress) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let id = apply_id_of(&event);
        if inner.0.as_deref() != Some(id) {
            *inner = (Some(id.to_string()), Vec::new());
        }
        inner.1.push(event.clone());
        // Sent under the lock so a subscriber sees each event exactly once.
        let _ = self.live.send(event);
    }

    fn subscribe(
        &self,
        apply_id: &str,
        running: bool,
    ) -> Option<(Vec<Progress>, broadcast::Receiver<Progress>)> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let replay = if inner.0.as_deref() == Some(apply_id) {
            inner.1.clone()
        } else if running {
            // Resumed after a restart: its earlier events are gone.
            Vec::new()
        } else {
            return None;
        };
        Some((replay, self.live.subscribe()))
    }
}

/// The apply an event belongs to.
pub fn apply_id_of(event: &Progress) -> &str {
    match event {
        Progress::Started { apply_id, .. }
        | Progress::Broker { apply_id, .. }
        | Progress::Cluster { apply_id, .. }
        | Progress::StepDone { apply_id, .. }
        | Progress::Finished { apply_id, .. }
        | Progress::Failed { apply_id, .. }
        | Progress::Cancelled { apply_id, .. } => apply_id,
    }
}

/// Whether an event ends its apply.
pub fn is_final(event: &Progress) -> bool {
    matches!(
        event,
        Progress::Finished { .. } | Progress::Failed { .. } | Progress::Cancelled { .. }
    )
}
