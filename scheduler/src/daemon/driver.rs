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
use super::{kafka_ops, live_read, mesos_calls, reassignment};
use crate::core::{
    ApplyRefusal, Command, Core, CoreState, Event, KafkaAdmin, MesosCall, Progress, RefreshOutcome,
    Reply,
};
use crate::daemon_handle::{ProgressLog, Request, View};
use crate::kafka_backend::EndpointChange;
use crate::metrics::{Metrics, OutcomeLabel, StateLabel};
use crate::store::StateStore;

/// How often the core hears the clock.
const TICK: Duration = Duration::from_millis(250);

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
                allow_unavailable,
                reply,
            } => {
                self.pending_reply = Some(reply);
                Some(Event::ApplySubmitted {
                    plan,
                    config,
                    holder,
                    allow_unavailable,
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
            Request::Rebalance {
                cluster,
                holder,
                reply,
            } => {
                self.pending_reply = Some(reply);
                Some(Event::RebalanceRequested { cluster, holder })
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
            Request::PreviewPlacement {
                target,
                brokers,
                reply,
            } => {
                let _ = reply.send(self.core.preview_placement(&target, &brokers));
                None
            }
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
            match command {
                Command::PersistState(doc) => self.persist(doc).await?,
                Command::Mesos(call) => {
                    self.count_call(&call);
                    let _ = self.calls.send(call);
                }
                Command::Kafka(work) => self.start_kafka(work, kafka_done),
                Command::Reply(reply) => self.reply(reply),
                Command::ApplyProgress(progress) => self.progressed(progress),
            }
        }
        Ok(())
    }

    /// Writes the state, publishes it, and keeps the Kafka endpoints in step.
    async fn persist(&mut self, mut doc: Box<CoreState>) -> Result<(), DriverError> {
        let numbered = doc.state.generation;
        self.store.save(&mut doc).map_err(|e| DriverError::Store {
            location: self.store.location(),
            detail: e.to_string(),
        })?;
        if doc.state.generation != numbered {
            tracing::error!(
                core = numbered,
                stored = doc.state.generation,
                "the core and the store disagree on the state generation"
            );
        }
        self.metrics.state_writes.inc();
        self.publish_doc(&doc);
        self.endpoints.sync().await;
        Ok(())
    }

    /// Starts Kafka admin work in a task of its own; its answer comes back
    /// through `done`.
    fn start_kafka(&mut self, work: KafkaAdmin, done: &mpsc::UnboundedSender<Event>) {
        match work {
            KafkaAdmin::ProbeBroker {
                cluster,
                id,
                endpoint,
            } => spawn_kafka(done, kafka_ops::probe(cluster, id, endpoint)),
            KafkaAdmin::ApplyDynamicConfig {
                cluster,
                broker,
                endpoint,
                properties,
            } => spawn_kafka(
                done,
                kafka_ops::dynamic_config(cluster, broker, endpoint, properties),
            ),
            KafkaAdmin::TopicOp {
                cluster,
                op,
                placement,
            } => spawn_kafka(done, kafka_ops::topic(cluster, op, placement)),
            KafkaAdmin::ReadLive {
                cluster,
                brokers,
                topics,
            } => {
                if let Some(refresh) = &mut self.refresh {
                    refresh.reading.insert(cluster.clone());
                }
                spawn_kafka(done, live_read::read(cluster, brokers, topics));
            }
            KafkaAdmin::ReadReassignment { address, endpoints } => {
                spawn_kafka(done, reassignment::read(address, endpoints))
            }
            KafkaAdmin::Reassign {
                address,
                endpoints,
                moves,
                throttle,
            } => spawn_kafka(
                done,
                reassignment::reassign(address, endpoints, moves, throttle),
            ),
            KafkaAdmin::ClearThrottle {
                address,
                endpoints,
                brokers,
            } => spawn_kafka(
                done,
                reassignment::clear_throttle(address, endpoints, brokers),
            ),
            KafkaAdmin::ElectPreferredLeaders { cluster, endpoints } => spawn_kafka(
                done,
                reassignment::elect_preferred_leaders(cluster, endpoints),
            ),
        }
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

    fn reply(&mut self, reply: Reply) {
        match reply {
            Reply::ApplyAccepted { apply_id } => self.answer_apply(Ok(apply_id)),
            Reply::ApplyRefused(refusal) => self.answer_apply(Err(refusal)),
            Reply::Refreshed(outcome) => {
                tracing::info!(cluster = %outcome.cluster, drifted = ?outcome.drifted, skipped = ?outcome.skipped, "refreshed from the brokers");
                if let Some(refresh) = &mut self.refresh {
                    refresh.reading.remove(&outcome.cluster);
                    refresh.outcomes.push(outcome);
                }
            }
        }
    }

    fn answer_apply(&mut self, answer: Result<String, ApplyRefusal>) {
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
            Progress::Started { .. }
            | Progress::Broker { .. }
            | Progress::Cluster { .. }
            | Progress::StepDone { .. } => None,
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

    fn count_call(&self, call: &MesosCall) {
        match call {
            MesosCall::Decline { offer_ids, .. } => {
                self.metrics.offers_declined.inc_by(offer_ids.len() as u64);
            }
            MesosCall::Accept { operations, .. } => {
                let launches: usize = operations
                    .iter()
                    .filter_map(|op| op.launch.as_ref())
                    .map(|l| l.task_infos.len())
                    .sum();
                self.metrics.tasks_launched.inc_by(launches as u64);
            }
            MesosCall::Kill { .. }
            | MesosCall::Acknowledge { .. }
            | MesosCall::Reconcile { .. }
            | MesosCall::Revive
            | MesosCall::Suppress => {}
        }
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
        self.publish(|view| *view = View::of(doc, view.subscribed));
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
