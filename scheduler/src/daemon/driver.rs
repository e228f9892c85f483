//! The driver: the one task that owns the decision core. It turns what
//! happens (Mesos events, API requests, the clock, finished Kafka work,
//! changes made through the Kafka endpoints) into core events, and carries
//! out the commands the core returns, in order: a state write is durable
//! before any Mesos call that follows it is sent.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mesos::scheduler::{Events, SchedulerEvent};
use tokio::sync::{mpsc, oneshot, watch};

use super::endpoints::Endpoints;
use super::{kafka_ops, live_read, mesos_calls};
use crate::core::{ApplyRefusal, Command, Core, CoreState, Event, Progress, RefreshOutcome};
use crate::daemon_handle::{ProgressLog, Request, View};
use crate::kafka_backend::EndpointChange;
use crate::metrics::{Metrics, OutcomeLabel, StateLabel};
use crate::store::StateStore;
use crate::wire::RunningApply;

/// How often the core hears the clock.
const TICK: Duration = Duration::from_secs(1);

/// Why the daemon stopped.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("the Mesos master ended the subscription: {0}")]
    Master(String),
    #[error("cannot write the state to {location}: {detail}")]
    Store { location: String, detail: String },
}

pub(super) struct Driver {
    pub core: Core,
    pub store: Box<dyn StateStore>,
    pub calls: mesos_calls::CallQueue,
    pub view: watch::Sender<Arc<View>>,
    pub progress: Arc<ProgressLog>,
    pub metrics: Arc<Metrics>,
    pub endpoints: Endpoints,
    /// Where the answer to the apply request being handled goes.
    pub pending_reply: Option<oneshot::Sender<Result<String, ApplyRefusal>>>,
    /// The refresh under way, if any.
    pub refresh: Option<Refresh>,
}

/// A refresh under way: the clusters still being read, the outcomes so far,
/// and who waits for them (a request made meanwhile joins it).
#[derive(Default)]
pub(super) struct Refresh {
    reading: BTreeSet<String>,
    outcomes: Vec<RefreshOutcome>,
    waiting: Vec<oneshot::Sender<Vec<RefreshOutcome>>>,
}

/// The inputs the driver waits on.
pub(super) struct Inputs {
    pub mesos: Events,
    pub requests: mpsc::Receiver<Request>,
    pub endpoint_changes: mpsc::UnboundedReceiver<EndpointChange>,
}

impl Driver {
    /// Runs until the master ends the subscription for good or the state
    /// cannot be written.
    pub async fn run(mut self, mut inputs: Inputs) -> Result<(), DriverError> {
        let (kafka_done, mut kafka_results) = mpsc::unbounded_channel::<Event>();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.endpoints.sync().await;
        loop {
            let event = tokio::select! {
                event = inputs.mesos.recv() => match event {
                    Some(event) => match self.core_event_of_mesos(event)? {
                        Some(event) => event,
                        None => continue,
                    },
                    None => return Err(DriverError::Master("the event stream ended".into())),
                },
                Some(request) = inputs.requests.recv() => match self.core_event_of_request(request) {
                    Some(event) => event,
                    None => continue,
                },
                Some(event) = kafka_results.recv() => {
                    self.count_kafka(&event);
                    event
                }
                Some(change) = inputs.endpoint_changes.recv() => {
                    // Recorded in the state as drift, for `kmesos plan`.
                    tracing::info!(%change, "changed through the Kafka endpoint");
                    match change.into_event() {
                        Some(event) => event,
                        None => continue,
                    }
                }
                _ = tick.tick() => Event::Tick,
            };
            let commands = self.core.handle(event, SystemTime::now());
            self.carry_out(commands, &kafka_done).await?;
            self.answer_refresh();
        }
    }

    fn core_event_of_mesos(&mut self, event: SchedulerEvent) -> Result<Option<Event>, DriverError> {
        Ok(Some(match event {
            SchedulerEvent::Subscribed { framework_id, .. } => {
                tracing::info!(framework_id = %framework_id.value, "subscribed to the Mesos master");
                self.publish(|v| v.subscribed = true);
                Event::Subscribed {
                    framework_id: framework_id.value,
                }
            }
            SchedulerEvent::Offers(offers) => {
                self.metrics.offers_received.inc_by(offers.len() as u64);
                Event::Offers(offers)
            }
            SchedulerEvent::Rescind(offer_id) => Event::Rescinded(offer_id),
            SchedulerEvent::Update(status) => {
                let state = mesos::proto::TaskState::try_from(status.state)
                    .map(|s| s.as_str_name().to_string());
                let label = StateLabel {
                    state: state.unwrap_or_else(|_| status.state.to_string()),
                };
                self.metrics.status_updates.get_or_create(&label).inc();
                Event::StatusUpdate(status)
            }
            SchedulerEvent::Failure(failure) => {
                let agent_id = failure.agent_id.map(|a| a.value).unwrap_or_default();
                match failure.executor_id {
                    Some(executor) => Event::ExecutorFailure {
                        agent_id,
                        executor_id: executor.value,
                        status: failure.status,
                    },
                    None => Event::AgentFailure { agent_id },
                }
            }
            SchedulerEvent::Disconnected(reason) => {
                tracing::warn!(%reason, "lost the Mesos subscription; resubscribing");
                self.publish(|v| v.subscribed = false);
                Event::Disconnected
            }
            SchedulerEvent::Error(message) => return Err(DriverError::Master(message)),
            SchedulerEvent::Message(_) | SchedulerEvent::Heartbeat => return Ok(None),
        }))
    }

    fn core_event_of_request(&mut self, request: Request) -> Option<Event> {
        match request {
            Request::Apply {
                plan,
                config,
                holder,
                reply,
            } => {
                self.pending_reply = Some(reply);
                Some(Event::ApplySubmitted {
                    plan,
                    config,
                    holder,
                })
            }
            Request::RestartBroker {
                cluster,
                id,
                holder,
                reply,
            } => {
                self.pending_reply = Some(reply);
                Some(Event::BrokerRestartRequested {
                    cluster,
                    id,
                    holder,
                })
            }
            Request::Refresh { reply } => match &mut self.refresh {
                Some(refresh) => {
                    refresh.waiting.push(reply);
                    None
                }
                None => {
                    self.refresh = Some(Refresh {
                        waiting: vec![reply],
                        ..Refresh::default()
                    });
                    Some(Event::RefreshRequested)
                }
            },
            Request::Cancel { reply } => {
                let running = self.view.borrow().apply.is_some();
                let _ = reply.send(running);
                running.then_some(Event::ApplyCancelled)
            }
        }
    }

    async fn carry_out(
        &mut self,
        commands: Vec<Command>,
        kafka_done: &mpsc::UnboundedSender<Event>,
    ) -> Result<(), DriverError> {
        for command in commands {
            if mesos_calls::is_mesos_call(&command) {
                self.count_call(&command);
                let _ = self.calls.send(command);
                continue;
            }
            match command {
                Command::PersistState(mut doc) => {
                    let numbered = doc.state.serial;
                    self.store.save(&mut doc).map_err(|e| DriverError::Store {
                        location: self.store.location(),
                        detail: e.to_string(),
                    })?;
                    if doc.state.serial != numbered {
                        tracing::error!(
                            core = numbered,
                            stored = doc.state.serial,
                            "the core and the store disagree on the state serial"
                        );
                    }
                    self.metrics.state_writes.inc();
                    self.publish_doc(&doc);
                    self.endpoints.sync().await;
                }
                Command::ProbeBroker {
                    cluster,
                    id,
                    endpoint,
                } => {
                    spawn_kafka(kafka_done, kafka_ops::probe(cluster, id, endpoint));
                }
                Command::ApplyDynamicConfig {
                    cluster,
                    broker,
                    endpoint,
                    properties,
                } => {
                    spawn_kafka(
                        kafka_done,
                        kafka_ops::dynamic_config(cluster, broker, endpoint, properties),
                    );
                }
                Command::TopicOp {
                    cluster,
                    endpoint,
                    op,
                } => {
                    let (endpoints, replicated) = self.topic_endpoints(&cluster, endpoint);
                    spawn_kafka(
                        kafka_done,
                        kafka_ops::topic(cluster, endpoints, replicated, op),
                    );
                }
                Command::ReadLive {
                    cluster,
                    brokers,
                    topics,
                } => {
                    if let Some(refresh) = &mut self.refresh {
                        refresh.reading.insert(cluster.clone());
                    }
                    spawn_kafka(kafka_done, live_read::read(cluster, brokers, topics));
                }
                Command::Refreshed(outcome) => {
                    tracing::info!(cluster = %outcome.cluster, drifted = ?outcome.drifted, skipped = ?outcome.skipped, "refreshed from the brokers");
                    if let Some(refresh) = &mut self.refresh {
                        refresh.reading.remove(&outcome.cluster);
                        refresh.outcomes.push(outcome);
                    }
                }
                Command::ApplyAccepted { apply_id } => self.reply(Ok(apply_id)),
                Command::ApplyRefused(refusal) => self.reply(Err(refusal)),
                Command::ApplyProgress(progress) => self.progressed(progress),
                // Mesos calls were queued above.
                _ => {}
            }
        }
        Ok(())
    }

    /// Where a topic operation runs: the broker the core chose, and for a
    /// tansu cluster every other live broker too.
    /// The endpoints of `cluster`'s running brokers, `chosen` first, and
    /// whether they are one replicated cluster (Apache) rather than
    /// independent brokers (tansu).
    fn topic_endpoints(&self, cluster: &str, chosen: String) -> (Vec<String>, bool) {
        let view = self.view.borrow().clone();
        let Some(state) = view.state.clusters.get(cluster) else {
            return (vec![chosen], false);
        };
        let replicated = state.kafka.kind == engine::config::KafkaKind::Apache;
        let mut endpoints = vec![chosen];
        for broker in state.brokers.values() {
            let Some(runtime) = &broker.runtime else {
                continue;
            };
            if runtime.status != Some(engine::state::BrokerStatus::Running) {
                continue;
            }
            if let (Some(host), Some(port)) = (&runtime.hostname, runtime.port) {
                let endpoint = format!("{host}:{port}");
                if !endpoints.contains(&endpoint) {
                    endpoints.push(endpoint);
                }
            }
        }
        (endpoints, replicated)
    }

    /// Answers the refresh under way once no cluster is being read.
    fn answer_refresh(&mut self) {
        if self.refresh.as_ref().is_some_and(|r| r.reading.is_empty()) {
            if let Some(refresh) = self.refresh.take() {
                for reply in refresh.waiting {
                    let _ = reply.send(refresh.outcomes.clone());
                }
            }
        }
    }

    fn reply(&mut self, answer: Result<String, ApplyRefusal>) {
        match self.pending_reply.take() {
            Some(reply) => {
                let _ = reply.send(answer);
            }
            None => tracing::warn!(?answer, "an apply answer with no request waiting"),
        }
    }

    fn progressed(&mut self, progress: Progress) {
        let outcome = match &progress {
            Progress::Finished { .. } => Some("complete"),
            Progress::Failed { .. } => Some("failed"),
            Progress::Cancelled { .. } => Some("cancelled"),
            _ => None,
        };
        if let Some(outcome) = outcome {
            self.metrics
                .applies
                .get_or_create(&OutcomeLabel {
                    outcome: outcome.into(),
                })
                .inc();
        }
        tracing::info!(progress = %serde_json::to_string(&progress).unwrap_or_default(), "apply");
        self.progress.push(progress);
    }

    fn count_call(&self, command: &Command) {
        match command {
            Command::Decline { offer_ids, .. } => {
                self.metrics.offers_declined.inc_by(offer_ids.len() as u64);
            }
            Command::Accept { operations, .. } => {
                let launches: usize = operations
                    .iter()
                    .filter_map(|op| op.launch.as_ref())
                    .map(|l| l.task_infos.len())
                    .sum();
                self.metrics.tasks_launched.inc_by(launches as u64);
            }
            _ => {}
        };
    }

    fn count_kafka(&self, event: &Event) {
        let failed = match event {
            Event::DynamicConfigResult { error, .. } | Event::TopicOpResult { error, .. } => {
                error.is_some()
            }
            Event::BrokerProbe { healthy, .. } => !healthy,
            Event::LiveRead { live, .. } => live.is_err(),
            _ => false,
        };
        let outcome = if failed { "error" } else { "ok" };
        self.metrics
            .kafka_operations
            .get_or_create(&OutcomeLabel {
                outcome: outcome.into(),
            })
            .inc();
    }

    fn publish_doc(&self, doc: &CoreState) {
        let apply = doc.scheduler.apply.as_ref().map(|run| RunningApply {
            apply_id: run.id.clone(),
            holder: run.holder.clone(),
            since: run.since.clone(),
        });
        self.publish(|view| {
            view.state = doc.state.clone();
            view.apply = apply;
            view.cluster_ids = doc.scheduler.cluster_ids.clone();
        });
    }

    fn publish(&self, change: impl FnOnce(&mut View)) {
        self.view.send_modify(|view| {
            let mut next = View::clone(view);
            change(&mut next);
            *view = Arc::new(next);
        });
    }
}

fn spawn_kafka(
    done: &mpsc::UnboundedSender<Event>,
    work: impl std::future::Future<Output = Event> + Send + 'static,
) {
    let done = done.clone();
    tokio::spawn(async move {
        let _ = done.send(work.await);
    });
}
