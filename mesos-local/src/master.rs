//! The master: one task owning all cluster-wide state (frameworks, tasks,
//! agents' resources, offers, filters), fed by `MasterMsg`s from the HTTP
//! handlers and the agents. Each concern is an `impl Master` block in its own
//! file: `frameworks` (subscribe, failover, teardown), `offers` (allocation,
//! decline, revive, suppress), `accept` (offer checks and operations),
//! `launch` (task checks), `tasks` (status updates, kill, executors),
//! `agent_loss` (the test hook), `reconcile`, `state`, `checkpoint` (what
//! survives a restart).

mod accept;
mod agent_loss;
mod calls;
mod checkpoint;
mod convert;
mod filters;
mod frameworks;
mod launch;
mod offers;
mod reconcile;
mod resources;
mod state;
mod tasks;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use mesos::proto::{scheduler, AgentInfo, FrameworkInfo, TaskInfo, TaskState, TaskStatus};

use self::filters::OfferFilters;
use self::resources::ResourceBag;
use super::messages::{AgentCommand, MasterMsg, SchedulerEvents};

pub(crate) use self::checkpoint::{restore, Checkpoint, ClusterRecord};
pub(crate) use self::convert::bag_from;
pub(crate) use self::offers::text_attribute;

/// The version `GET /version` reports: the Mesos API level this speaks.
pub const MESOS_VERSION: &str = "1.11.0";

/// Fixed facts the master is started with.
pub struct MasterSetup {
    pub id: String,
    pub address: SocketAddr,
    pub heartbeat: Duration,
    pub allocation_interval: Duration,
    pub agents: Vec<AgentLink>,
    /// Where reservations are kept across restarts.
    pub checkpoint: Checkpoint,
    pub next_framework: u64,
}

/// An agent as the master starts out knowing it.
pub struct AgentLink {
    pub info: AgentInfo,
    /// Base URL of the agent's HTTP server (`http://ip:port`).
    pub url: String,
    pub total: ResourceBag,
    pub commands: mpsc::UnboundedSender<AgentCommand>,
}

struct Agent {
    link: AgentLink,
    /// Set while partitioned or removed: since when (ns since the epoch).
    unreachable_since: Option<i64>,
    /// Live executors: (framework, executor) → their own resources and sandbox.
    executors: BTreeMap<(String, String), ExecutorRecord>,
}

struct ExecutorRecord {
    resources: ResourceBag,
    sandbox: Option<PathBuf>,
}

struct Subscription {
    stream_id: String,
    events: SchedulerEvents,
}

struct Framework {
    info: FrameworkInfo,
    subscription: Option<Subscription>,
    suppressed: BTreeSet<String>,
    /// When a disconnected framework is removed.
    failover_deadline: Option<Instant>,
    /// Tasks until their terminal update is acknowledged.
    tasks: BTreeMap<String, Task>,
    /// Tasks whose terminal update was acknowledged, newest last (bounded).
    completed: Vec<Task>,
}

struct Task {
    info: TaskInfo,
    agent_id: String,
    executor_id: String,
    state: TaskState,
    /// The status updates the master received or made for it, oldest
    /// first, without their `data` (a resend of the last is not repeated).
    statuses: Vec<TaskStatus>,
    resources: ResourceBag,
    /// The executor's sandbox, once the agent has created it.
    sandbox: Option<PathBuf>,
}

impl Task {
    fn latest(&self) -> Option<&TaskStatus> {
        self.statuses.last()
    }

    /// Keeps `status` in the task's history, unless it resends the last.
    fn record(&mut self, status: &TaskStatus) {
        let resent = self
            .latest()
            .is_some_and(|last| last.uuid.is_some() && last.uuid == status.uuid);
        if !resent {
            let mut kept = status.clone();
            kept.data = None;
            self.statuses.push(kept);
        }
    }
}

struct OfferRecord {
    framework_id: String,
    agent_id: String,
    role: String,
    resources: ResourceBag,
}

pub struct Master {
    setup_id: String,
    address: SocketAddr,
    heartbeat: Duration,
    allocation_interval: Duration,
    agents: BTreeMap<String, Agent>,
    frameworks: BTreeMap<String, Framework>,
    removed_frameworks: BTreeSet<String>,
    offers: HashMap<String, OfferRecord>,
    filters: OfferFilters,
    checkpoint: Checkpoint,
    next_framework: u64,
    next_offer: u64,
    /// Rotates which framework is offered an agent first.
    allocation_round: usize,
}

/// How many completed tasks a framework keeps for `/master/state`.
const COMPLETED_KEPT: usize = 100;

impl Master {
    pub fn new(setup: MasterSetup) -> Self {
        let agents = setup
            .agents
            .into_iter()
            .filter_map(|link| {
                let id = link.info.id.as_ref()?.value.clone();
                Some((
                    id,
                    Agent {
                        link,
                        unreachable_since: None,
                        executors: BTreeMap::new(),
                    },
                ))
            })
            .collect();
        Master {
            setup_id: setup.id,
            address: setup.address,
            heartbeat: setup.heartbeat,
            allocation_interval: setup.allocation_interval,
            agents,
            frameworks: BTreeMap::new(),
            removed_frameworks: BTreeSet::new(),
            offers: HashMap::new(),
            filters: OfferFilters::default(),
            checkpoint: setup.checkpoint,
            next_framework: setup.next_framework,
            next_offer: 0,
            allocation_round: 0,
        }
    }

    /// Serves the inbox until every sender is gone.
    pub async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<MasterMsg>) {
        let mut tick = tokio::time::interval(self.allocation_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                msg = inbox.recv() => match msg {
                    Some(msg) => self.handle(msg),
                    None => break,
                },
                _ = tick.tick() => {
                    self.expire_failovers();
                    self.allocate();
                }
            }
        }
    }

    fn handle(&mut self, msg: MasterMsg) {
        match msg {
            MasterMsg::Subscribe {
                subscribe,
                stream_id,
                events,
            } => self.subscribe(subscribe, stream_id, events),
            MasterMsg::Call {
                call,
                stream_id,
                reply,
            } => {
                let _ = reply.send(self.call(call, stream_id));
            }
            MasterMsg::StreamClosed { stream_id } => self.stream_closed(&stream_id),
            MasterMsg::Agent { agent_id, report } => self.agent_report(&agent_id, report),
            MasterMsg::Hook {
                agent,
                action,
                reply,
            } => {
                let _ = reply.send(self.hook(&agent, action));
            }
            MasterMsg::State { reply } => {
                let _ = reply.send(self.state_json());
            }
        }
    }

    /// Sends an event to a framework if it is connected; Mesos drops events
    /// for disconnected frameworks (reliable updates are retried by agents).
    fn send(&self, framework_id: &str, event: scheduler::Event) {
        if let Some(sub) = self
            .frameworks
            .get(framework_id)
            .and_then(|f| f.subscription.as_ref())
        {
            let _ = sub.events.send(event);
        }
    }

    /// Saves what must survive a restart (after reservations change, or a
    /// framework id is handed out).
    fn save_checkpoint(&self) {
        let reserved = self
            .agents
            .iter()
            .map(|(id, a)| (id.clone(), checkpoint::reserved_json(&a.link.total)))
            .collect();
        let record = ClusterRecord {
            master_id: self.setup_id.clone(),
            next_framework: self.next_framework,
            reserved,
        };
        self.checkpoint.save(&record);
    }

    fn command(&self, agent_id: &str, command: AgentCommand) {
        match self.agents.get(agent_id) {
            Some(agent) if agent.unreachable_since.is_none() => {
                let _ = agent.link.commands.send(command);
            }
            _ => tracing::debug!(
                agent_id,
                command = command.name(),
                "agent unreachable; command dropped"
            ),
        }
    }
}

impl Framework {
    fn has_capability(&self, capability: mesos::proto::framework_info::capability::Type) -> bool {
        self.info
            .capabilities
            .iter()
            .any(|c| c.r#type == Some(capability as i32))
    }

    fn partition_aware(&self) -> bool {
        self.has_capability(mesos::proto::framework_info::capability::Type::PartitionAware)
    }

    /// The roles the framework subscribes with: `roles` under MULTI_ROLE,
    /// else the legacy single `role` (default `*`).
    fn roles(&self) -> Vec<String> {
        if self.has_capability(mesos::proto::framework_info::capability::Type::MultiRole) {
            self.info.roles.clone()
        } else {
            vec![self.info.role.clone().unwrap_or_else(|| "*".to_string())]
        }
    }

    /// Records a task as done, keeping a bounded history.
    fn complete(&mut self, task_id: &str) {
        if let Some(task) = self.tasks.remove(task_id) {
            self.completed.push(task);
            if self.completed.len() > COMPLETED_KEPT {
                self.completed.remove(0);
            }
        }
    }
}

/// Seconds since the epoch, as TaskStatus.timestamp has it.
fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Nanoseconds since the epoch, as TimeInfo has it.
fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}
