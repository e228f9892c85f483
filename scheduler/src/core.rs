//! The scheduler's decision core: a state machine from (state, event, time) to
//! (new state, commands). It does no I/O and never blocks: the async shell
//! feeds it [`Event`]s and carries out the [`Command`]s it returns, in order.
//! Everything it must remember across a restart is in [`CoreState`], which it
//! hands out with [`Command::PersistState`] (always first in a batch, so the
//! Mesos calls and acknowledgements after it only happen once it is durable);
//! a core built from a persisted `CoreState` carries on: an apply in progress
//! resumes and its tasks are reconciled, never launched twice.
//!
//! The pieces: [`offers`] (the OfferMatcher) with [`constraints`] and
//! [`resources`]; [`launch`] builds the TaskInfo; [`scheduling`] hands offers
//! to pending brokers, then to client instances ([`clients`]); [`tasks`]
//! follows status updates, failover and reconciliation; [`apply`] runs a change set one safe step at a time,
//! with [`topics`] deciding where a topic operation runs;
//! [`reclaim`] gives back reservations and volumes no longer needed;
//! [`refresh`] reads the live brokers into the state before a plan;
//! [`waiting`] records why a broker whose task ended is not running.

mod apply;
mod clients;
mod commands;
mod config;
mod constraints;
mod events;
mod ids;
mod launch;
mod offers;
mod placement_preview;
mod plan_check;
mod quorum;
mod reclaim;
mod record;
mod refresh;
mod resources;
mod scheduling;
mod tasks;
mod topics;
mod volumes;
mod waiting;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use engine::state::{BrokerRuntime, BrokerState, BrokerStatus, ClusterState};
use engine::Address;
use mesos::proto::Offer;

pub use clients::InstanceKey;
pub use commands::{
    ApplyRefusal, BrokerPhase, Command, Counts, KafkaAdmin, MesosCall, Progress, RefreshOutcome,
    Reply, Throttle,
};
pub use config::{Artifact, CoreConfig, Program};
pub use constraints::{KnownValues, Site};
pub use events::{Event, LiveReassignment, PartitionHealth};
pub use offers::{Need, OfferMatcher, Placement};
pub use record::{
    ApplyRun, BrokerRecord, CoreState, InstanceRecord, SchedulerRecord, Stage, Step, TaskPhase,
    TaskRecord, VolumeRecord,
};
pub use topics::{TopicOp, TopicPlacement, TopicRefusal};

/// A broker as the core keys it: its cluster and id.
pub type BrokerKey = (String, u32);

/// The decision core. Build it with [`Core::new`], then feed it events.
#[derive(Debug)]
pub struct Core {
    config: CoreConfig,
    doc: CoreState,
    /// Subscribed to the master now.
    connected: bool,
    /// What the master was last told (unknown after a subscription).
    suppressed: Option<bool>,
    /// Next explicit reconciliation retry (unix ms) and its backoff (ms).
    reconcile_retry: Option<(u64, u64)>,
    /// Next periodic reconciliation (unix ms).
    next_reconcile: u64,
    /// Last probe (or reassignment read) sent per step's address (unix ms).
    probes: BTreeMap<Address, u64>,
    /// Steps moving partitions (brokers to destroy, clusters to rebalance)
    /// whose reassignment, throttle removal or leader election was sent
    /// and not answered yet: no other is sent meanwhile.
    reassigning: BTreeSet<Address>,
    /// Attribute values seen on offered agents (for `groupBy`).
    known_values: constraints::KnownValues,
    /// Apply steps whose Kafka admin call this core sent (addresses); one
    /// marked started but not sent was in flight when the scheduler stopped.
    sent: BTreeSet<Address>,
    /// Clusters whose brokers are being read for a refresh, with their state
    /// when the read was asked for.
    refreshing: BTreeMap<String, ClusterState>,
    /// Per broker waiting to be placed, per agent (hostname), why that
    /// agent's latest offer did not fit; published as the broker's
    /// `waiting_for` once a second.
    unfit: BTreeMap<BrokerKey, BTreeMap<String, String>>,
    /// Per agent id, its latest offer the core declined: what the agent has
    /// free, for placement previews. An accepted offer's agent is dropped
    /// until it offers again, as is a lost agent.
    free_offers: BTreeMap<String, Offer>,
}

/// The commands of one `handle` call, and whether the state changed.
#[derive(Debug, Default)]
struct Out {
    commands: Vec<Command>,
    /// Something to write: what runs, or the core's own records.
    dirty: bool,
    /// The applied facts moved (specs, settings, topics, clients, drift):
    /// the write bumps `serial`, and plans made before it are stale.
    applied: bool,
}

impl Out {
    fn push(&mut self, command: impl Into<Command>) {
        self.commands.push(command.into());
    }
}

const RECONCILE_FIRST_RETRY_MS: u64 = 5_000;
const RECONCILE_MAX_RETRY_MS: u64 = 60_000;

impl Core {
    /// A core over a persisted (or fresh) state. Tasks it records are
    /// reconciled at the next [`Event::Subscribed`] before anything replaces them.
    pub fn new(config: CoreConfig, state: CoreState) -> Core {
        Core {
            config,
            doc: with_recorded_tasks(state),
            connected: false,
            suppressed: None,
            reconcile_retry: None,
            next_reconcile: 0,
            probes: BTreeMap::new(),
            reassigning: BTreeSet::new(),
            sent: BTreeSet::new(),
            refreshing: BTreeMap::new(),
            known_values: BTreeMap::new(),
            unfit: BTreeMap::new(),
            free_offers: BTreeMap::new(),
        }
    }

    /// What the core holds now (the last `PersistState` it sent, plus nothing).
    pub fn state(&self) -> &CoreState {
        &self.doc
    }

    /// Handles one event at time `now` and returns the commands to carry
    /// out, in order.
    pub fn handle(&mut self, event: Event, now: SystemTime) -> Vec<Command> {
        let now = unix_ms(now);
        let mut out = Out::default();
        let tick = matches!(event, Event::Tick);
        match event {
            Event::Subscribed { framework_id } => self.subscribed(framework_id, now, &mut out),
            Event::Disconnected => {
                self.connected = false;
                self.suppressed = None;
            }
            Event::Offers(offers) => {
                waiting::agents_offering(self, &offers, &mut out);
                scheduling::offers(self, offers, now, &mut out);
            }
            // Offers are answered as they come, so a rescinded one is not held.
            Event::Rescinded(_) => {}
            Event::StatusUpdate(status) => tasks::status(self, status, now, &mut out),
            // The lost agent's tasks get their own updates; a broker bound
            // to the agent says it was lost while it waits for it.
            Event::AgentFailure { agent_id } => {
                self.free_offers.remove(&agent_id);
                waiting::agent_lost(self, agent_id, now, &mut out);
            }
            // The executor's tasks get their own updates.
            Event::ExecutorFailure { .. } => {}
            Event::ApplySubmitted {
                plan,
                config,
                holder,
                allow_unavailable,
            } => apply::submit(
                self,
                *plan,
                *config,
                holder,
                allow_unavailable,
                now,
                &mut out,
            ),
            Event::ApplyCancelled => apply::cancel(self, &mut out),
            Event::BrokerRestartRequested {
                cluster,
                id,
                holder,
            } => apply::restart_broker(self, &cluster, id, holder, now, &mut out),
            Event::RebalanceRequested { cluster, holder } => {
                apply::rebalance(self, &cluster, holder, now, &mut out)
            }
            Event::BrokerProbe {
                cluster,
                id,
                healthy,
                partitions,
            } => apply::probed(self, (cluster, id), healthy, partitions, now, &mut out),
            Event::DynamicConfigResult {
                cluster,
                broker,
                error,
            } => apply::dynamic_config_done(self, &cluster, broker, error, &mut out),
            Event::TopicOpResult {
                cluster,
                topic,
                error,
            } => apply::topic_done(self, &cluster, &topic, error, &mut out),
            Event::ChangedOutside {
                cluster,
                change,
                via,
            } => {
                let origin = engine::state::ChangeOrigin {
                    at: rfc3339(now),
                    via,
                };
                out.applied |= self
                    .doc
                    .state
                    .record_outside_change(&cluster, &change, &origin);
            }
            Event::ReassignmentRead { address, read } => {
                apply::reassignment_read(self, address, read, now, &mut out)
            }
            Event::ReassignmentAsked { address, error } => {
                apply::reassignment_asked(self, address, error, &mut out)
            }
            Event::ThrottleCleared { address, error } => {
                apply::throttle_cleared(self, address, error, now, &mut out)
            }
            Event::LeadersElected { cluster, elected } => {
                apply::leaders_elected(self, &cluster, elected, &mut out)
            }
            Event::RefreshRequested => refresh::requested(self, &mut out),
            Event::LiveRead { cluster, live } => refresh::read(self, cluster, live, now, &mut out),
            Event::Tick => tasks::tick(self, now, &mut out),
        }
        tasks::expire_delays(self, now, &mut out);
        apply::advance(self, now, &mut out);
        waiting::update(self, now, tick, &mut out);
        self.offer_interest(now, &mut out);
        if out.dirty || out.applied {
            let state = &mut self.doc.state;
            if out.applied {
                state.serial += 1;
            }
            state.generation += 1;
            out.commands
                .insert(0, Command::PersistState(Box::new(self.doc.clone())));
        }
        out.commands
    }

    fn subscribed(&mut self, framework_id: String, now: u64, out: &mut Out) {
        self.connected = true;
        self.suppressed = None;
        if self.doc.state.framework_id.as_deref() != Some(framework_id.as_str()) {
            self.doc.state.framework_id = Some(framework_id);
            out.dirty = true;
        }
        tasks::reconcile_all(self, now, out);
        self.next_reconcile = now + millis(self.config.reconcile_interval);
    }

    /// Revive when a broker or client instance waits for an offer (or a
    /// volume waits to be given back), suppress when nothing does.
    fn offer_interest(&mut self, now: u64, out: &mut Out) {
        if !self.connected {
            return;
        }
        let wanted = !scheduling::candidates(self, now).is_empty()
            || !clients::candidates(self, now).is_empty()
            || self.has_orphan_volumes();
        if self.suppressed != Some(!wanted) {
            out.push(if wanted {
                MesosCall::Revive
            } else {
                MesosCall::Suppress
            });
            self.suppressed = Some(!wanted);
        }
    }

    /// Records of brokers removed from the state whose volume is not given back yet.
    fn has_orphan_volumes(&self) -> bool {
        self.doc.scheduler.brokers.iter().any(|(cluster, records)| {
            records
                .iter()
                .any(|(id, r)| r.volume.is_some() && self.broker(cluster, *id).is_none())
        })
    }

    fn broker(&self, cluster: &str, id: u32) -> Option<&BrokerState> {
        self.doc.state.clusters.get(cluster)?.brokers.get(&id)
    }

    fn broker_mut(&mut self, cluster: &str, id: u32) -> Option<&mut BrokerState> {
        self.doc
            .state
            .clusters
            .get_mut(cluster)?
            .brokers
            .get_mut(&id)
    }

    fn record(&self, cluster: &str, id: u32) -> Option<&BrokerRecord> {
        self.doc.scheduler.brokers.get(cluster)?.get(&id)
    }

    fn record_mut(&mut self, cluster: &str, id: u32) -> &mut BrokerRecord {
        self.doc
            .scheduler
            .brokers
            .entry(cluster.to_string())
            .or_default()
            .entry(id)
            .or_default()
    }

    /// Every broker in the state, in (cluster, id) order.
    fn broker_keys(&self) -> Vec<BrokerKey> {
        self.doc
            .state
            .clusters
            .iter()
            .flat_map(|(c, cs)| cs.brokers.keys().map(move |id| (c.clone(), *id)))
            .collect()
    }

    /// Sets a broker's recorded status (and its time), and tells a running
    /// apply.
    fn set_status(
        &mut self,
        key: &BrokerKey,
        status: BrokerStatus,
        phase: BrokerPhase,
        now: u64,
        out: &mut Out,
    ) {
        let Some(broker) = self.broker_mut(&key.0, key.1) else {
            return;
        };
        let runtime = broker.runtime.get_or_insert_with(BrokerRuntime::default);
        if runtime.status == Some(status) {
            return;
        }
        runtime.status = Some(status);
        runtime.updated_at = Some(rfc3339(now));
        out.dirty = true;
        self.progress_broker(key, phase, None, out);
    }

    /// The broker waits for an offer.
    fn set_pending(&mut self, key: &BrokerKey, now: u64, out: &mut Out) {
        self.set_status(
            key,
            BrokerStatus::Pending,
            BrokerPhase::WaitingForOffer,
            now,
            out,
        );
    }

    fn progress_broker(
        &self,
        key: &BrokerKey,
        phase: BrokerPhase,
        detail: Option<String>,
        out: &mut Out,
    ) {
        if let Some(run) = &self.doc.scheduler.apply {
            out.push(Progress::Broker {
                apply_id: run.id.clone(),
                cluster: key.0.clone(),
                id: key.1,
                phase,
                detail,
            });
        }
    }

    fn progress_cluster(&self, cluster: &str, detail: String, out: &mut Out) {
        if let Some(run) = &self.doc.scheduler.apply {
            out.push(Progress::Cluster {
                apply_id: run.id.clone(),
                cluster: cluster.to_string(),
                detail,
            });
        }
    }

    /// Whether the broker's task runs.
    fn running(&self, cluster: &str, id: u32) -> bool {
        self.record(cluster, id)
            .and_then(|r| r.task.as_ref())
            .is_some_and(|t| t.phase == TaskPhase::Running)
    }

    /// `host:port` of a broker whose task runs.
    fn endpoint(&self, cluster: &str, id: u32) -> Option<String> {
        let runtime = self.broker(cluster, id)?.runtime.as_ref()?;
        match (self.running(cluster, id), &runtime.hostname, runtime.port) {
            (true, Some(host), Some(port)) => Some(format!("{host}:{port}")),
            _ => None,
        }
    }

    /// Any running broker of the cluster, for Kafka admin calls.
    fn any_endpoint(&self, cluster: &str) -> Option<String> {
        let cs = self.doc.state.clusters.get(cluster)?;
        cs.brokers.keys().find_map(|id| self.endpoint(cluster, *id))
    }
}

/// A task the state document names but the core's records do not (a state
/// written without them) is taken as unconfirmed, so it is reconciled
/// rather than launched a second time.
fn with_recorded_tasks(mut doc: CoreState) -> CoreState {
    for (cluster, cs) in &doc.state.clusters {
        for (id, broker) in &cs.brokers {
            let Some(runtime) = &broker.runtime else {
                continue;
            };
            let (Some(task_id), Some(agent_id)) = (&runtime.task_id, &runtime.agent_id) else {
                continue;
            };
            let record = doc
                .scheduler
                .brokers
                .entry(cluster.clone())
                .or_default()
                .entry(*id)
                .or_default();
            let known = record
                .task
                .iter()
                .chain(&record.doomed)
                .any(|t| &t.task_id == task_id);
            let ended = matches!(
                runtime.status,
                Some(BrokerStatus::Stopped | BrokerStatus::Failed | BrokerStatus::Pending)
            );
            if !known && !ended && record.task.is_none() {
                record.task = Some(TaskRecord {
                    task_id: task_id.clone(),
                    agent_id: agent_id.clone(),
                    phase: TaskPhase::Unconfirmed,
                });
            }
        }
    }
    doc
}

pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn rfc3339(ms: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}
