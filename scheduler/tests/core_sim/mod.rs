//! Drives the scheduler's decision core through event sequences the way a
//! Mesos master would produce them: agents with resources that RESERVE,
//! CREATE, LAUNCH, DESTROY and UNRESERVE really change, tasks whose status
//! updates the test chooses to deliver (in order, twice, or out of order),
//! and a clock the test moves. After every command batch it checks the
//! invariant: never a LAUNCH for a broker (or a client instance) that has
//! another live task. Client instances take unreserved resources.
//!
//! For tests that let the network misbehave, the master's side can also be
//! played asynchronously: updates [`Sim::emit`]ted by agents and the
//! master's own (reconciliation answers, unreachable tasks) wait in
//! [`Sim::network`] until the test delivers, repeats or drops them; an
//! agent resends its oldest unacknowledged update until the core
//! acknowledges it; partitioned agents come back with their tasks or
//! without; an ACCEPT can be lost; the scheduler can crash part way through
//! carrying out a batch.

#![allow(dead_code)] // each test file uses a different part of the driver

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kmesos_executor::launch::{ClientTask, LaunchSpec, TaskLaunch};
use kmesos_scheduler::core::{
    Artifact, Command, Core, CoreConfig, CoreState, Event, KafkaAdmin, MesosCall, PartitionHealth,
    Program,
};
use mesos::proto::offer::operation;
use mesos::proto::resource::AllocationInfo;
use mesos::proto::task_status::Source;
use mesos::proto::{
    value, AgentId, Attribute, FrameworkId, Offer, OfferId, Resource, TaskId, TaskState, TaskStatus,
};

pub const ROLE: &str = "kafka";

/// A reservation's identity on an agent: resource name, broker label, persistence id.
type ReservedKey = (String, Option<String>, Option<String>);
/// Reserved resources not in use: a template and the amount.
type Pool = BTreeMap<ReservedKey, (Resource, f64)>;

/// A simulated agent: free resources and what the framework reserved on it.
pub struct Agent {
    pub id: String,
    pub hostname: String,
    pub attributes: BTreeMap<String, String>,
    pub free: BTreeMap<String, f64>,
    pub ports: BTreeSet<u16>,
    /// Reserved resources not in use, by (name, label, persistence id).
    pub reserved: Pool,
    /// Reserved ports not in use, by broker label, with a resource template.
    pub reserved_ports: BTreeMap<String, (Resource, BTreeSet<u16>)>,
    pub reachable: bool,
}

/// What a task runs: a broker (cluster, id), or a client instance
/// (cluster, client, instance).
pub enum Runs {
    Broker((String, u32), LaunchSpec),
    Client((String, String, u32), ClientTask),
}

/// A launched task, as the master knows it.
pub struct SimTask {
    pub task_id: String,
    pub runs: Runs,
    pub agent: usize,
    pub state: TaskState,
    pub resources: Vec<Resource>,
    /// Its state when its agent was partitioned away.
    pub before_loss: Option<TaskState>,
    /// Came back with its agent after the master reported it unreachable:
    /// the broker may have been launched elsewhere meanwhile.
    pub resurfaced: bool,
    /// Resurfaced, and the core has had no update sent since (the emission
    /// number it came back at).
    pub unseen_since: Option<u64>,
    /// The agent's updates not acknowledged yet, oldest (in flight) first.
    pub unacked: VecDeque<TaskStatus>,
}

impl SimTask {
    /// The broker it runs (a test about brokers asks).
    pub fn broker(&self) -> &(String, u32) {
        match &self.runs {
            Runs::Broker(key, _) => key,
            Runs::Client(key, _) => panic!("task {} runs client {key:?}", self.task_id),
        }
    }

    /// Its broker's launch contract.
    pub fn launch(&self) -> &LaunchSpec {
        match &self.runs {
            Runs::Broker(_, launch) => launch,
            Runs::Client(key, _) => panic!("task {} runs client {key:?}", self.task_id),
        }
    }

    /// The client instance it runs, if it runs one.
    pub fn client(&self) -> Option<(&(String, String, u32), &ClientTask)> {
        match &self.runs {
            Runs::Client(key, task) => Some((key, task)),
            Runs::Broker(..) => None,
        }
    }

    /// Whether it runs what `other` runs.
    fn same_work(&self, other: &Runs) -> bool {
        match (&self.runs, other) {
            (Runs::Broker(a, _), Runs::Broker(b, _)) => a == b,
            (Runs::Client(a, _), Runs::Client(b, _)) => a == b,
            _ => false,
        }
    }

    /// Can it be serving (as far as the master can tell)?
    pub fn live(&self) -> bool {
        !self.state.is_terminal()
            && self.state != TaskState::TaskUnreachable
            && self.state != TaskState::TaskUnknown
    }
}

pub struct Sim {
    pub core: Core,
    pub now: SystemTime,
    pub agents: Vec<Agent>,
    pub tasks: BTreeMap<String, SimTask>,
    pub persisted: Option<CoreState>,
    /// Every command the core gave, in order.
    pub log: Vec<Command>,
    /// Probes, dynamic configs and topic operations not answered yet.
    pub asked: Vec<Command>,
    /// Kills not yet delivered.
    pub kills: Vec<String>,
    /// Every task a KILL was carried out for.
    pub killed: BTreeSet<String>,
    /// Status updates on their way to the scheduler, in the order sent.
    pub network: Vec<TaskStatus>,
    /// ACCEPT calls (launches and reservations) are lost on their way to the master.
    pub lose_accepts: bool,
    /// The scheduler crashes after carrying out this many commands of the
    /// next batch, and restarts from the state it last persisted.
    pub crash_after: Option<usize>,
    next_offer: u64,
    /// Counts status updates made; also their `timestamp`, to tell old from new.
    next_uuid: u64,
}

pub fn config() -> CoreConfig {
    let executor = Artifact {
        uri: "http://scheduler:7000/artifacts/kmesos-executor".into(),
        sha256: "a".repeat(64),
    };
    let tansu = Program::Fetched(Artifact {
        uri: "http://scheduler:7000/artifacts/tansu".into(),
        sha256: "b".repeat(64),
    });
    let mut config = CoreConfig::new(ROLE, executor, tansu);
    // A Kafka endpoint of its own, as `kmesos dev` has: it serves the first
    // cluster that names none.
    config.kafka = Some("scheduler:9092".into());
    config.distributions.insert(
        "kafka-4.1.0.tgz".into(),
        Artifact {
            uri: "http://scheduler:7000/artifacts/kafka-4.1.0.tgz".into(),
            sha256: "c".repeat(64),
        },
    );
    config
}

impl Agent {
    /// Agent number `i` (from 0), `agent-{i+1}`, with 4 cpus, 8 GiB, 20 GiB
    /// of disk and ports 31000-31009.
    fn new(i: usize, host: &str, rack: &str) -> Agent {
        Agent {
            id: format!("agent-{}", i + 1),
            hostname: host.to_string(),
            attributes: BTreeMap::from([("rack".to_string(), rack.to_string())]),
            free: BTreeMap::from([
                ("cpus".to_string(), 4.0),
                ("mem".to_string(), 8192.0),
                ("disk".to_string(), 20480.0),
            ]),
            ports: (31000..31010).collect(),
            reserved: BTreeMap::new(),
            reserved_ports: BTreeMap::new(),
            reachable: true,
        }
    }
}

pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

impl Sim {
    /// Agents `agent-1`.. with the given hostnames and racks, each with 4
    /// cpus, 8 GiB, 20 GiB of disk and ports 31000-31009.
    pub fn new(hosts: &[(&str, &str)]) -> Sim {
        Sim::with_state(
            hosts,
            CoreState::from_state(engine::State::new("lineage-1")),
        )
    }

    pub fn with_state(hosts: &[(&str, &str)], state: CoreState) -> Sim {
        let agents = hosts
            .iter()
            .enumerate()
            .map(|(i, (host, rack))| Agent::new(i, host, rack))
            .collect();
        Sim {
            core: Core::new(config(), state),
            now: t0(),
            agents,
            tasks: BTreeMap::new(),
            persisted: None,
            log: Vec::new(),
            asked: Vec::new(),
            kills: Vec::new(),
            killed: BTreeSet::new(),
            network: Vec::new(),
            lose_accepts: false,
            crash_after: None,
            next_offer: 0,
            next_uuid: 0,
        }
    }

    /// A new agent joins the cluster (offering from the next round).
    pub fn add_agent(&mut self, host: &str, rack: &str) {
        let agent = Agent::new(self.agents.len(), host, rack);
        self.agents.push(agent);
    }

    /// A subscribed simulation with `hcl` applied and every broker running.
    pub fn running(hosts: &[(&str, &str)], hcl: &str) -> Sim {
        let mut sim = Sim::new(hosts);
        sim.subscribe();
        sim.apply(hcl);
        sim.settle();
        assert!(!sim.apply_running(), "the first apply finished");
        sim
    }

    /// A new core built from the last persisted state (a scheduler restart),
    /// subscribed again.
    pub fn restart_scheduler(&mut self) -> Vec<Command> {
        let state = self
            .persisted
            .clone()
            .expect("the core persisted its state");
        self.core = Core::new(config(), state);
        self.asked.clear();
        self.handle(Event::Subscribed {
            framework_id: "fw-1".into(),
        })
    }

    pub fn handle(&mut self, event: Event) -> Vec<Command> {
        if let Event::StatusUpdate(status) = &event {
            self.seen(status);
        }
        let commands = self.core.handle(event, self.now);
        let carried_out = self.crash_after.take().unwrap_or(commands.len());
        for command in commands.iter().take(carried_out) {
            self.execute(command);
        }
        self.log.extend(commands.iter().take(carried_out).cloned());
        if carried_out < commands.len() {
            self.restart_scheduler();
        }
        commands
    }

    /// The core hears of a resurfaced task since it came back.
    fn seen(&mut self, status: &TaskStatus) {
        let id = status.task_id.as_ref().map(|t| t.value.as_str());
        if let Some(task) = id.and_then(|id| self.tasks.get_mut(id)) {
            let sent = status.timestamp.unwrap_or_default() as u64;
            if task.unseen_since.is_some_and(|at| sent >= at) {
                task.unseen_since = None;
            }
        }
    }

    pub fn subscribe(&mut self) -> Vec<Command> {
        self.handle(Event::Subscribed {
            framework_id: "fw-1".into(),
        })
    }

    pub fn advance(&mut self, by: Duration) -> Vec<Command> {
        self.now += by;
        self.handle(Event::Tick)
    }

    fn execute(&mut self, command: &Command) {
        match command {
            Command::PersistState(state) => {
                if let Some(before) = &self.persisted {
                    let (was, now) = (&before.state, &state.state);
                    assert!(now.generation > was.generation, "generation goes up");
                    assert_eq!(
                        now.serial > was.serial,
                        applied_facts(now) != applied_facts(was),
                        "INVARIANT: serial moves exactly when the applied facts do ({} -> {})",
                        was.serial,
                        now.serial
                    );
                    assert!(now.serial >= was.serial, "serial never goes back");
                }
                self.persisted = Some((**state).clone());
            }
            Command::Mesos(MesosCall::Accept {
                offer_ids,
                operations,
                ..
            }) => {
                assert_eq!(offer_ids.len(), 1, "one offer per ACCEPT");
                if self.lose_accepts {
                    return;
                }
                let agent = agent_of(&offer_ids[0]);
                for op in operations {
                    self.operate(agent, op);
                }
            }
            Command::Mesos(MesosCall::Kill { task_id, .. }) => {
                self.kills.push(task_id.value.clone());
                self.killed.insert(task_id.value.clone());
            }
            Command::Mesos(MesosCall::Acknowledge { task_id, uuid, .. }) => {
                self.acknowledged(&task_id.value, uuid)
            }
            Command::Mesos(MesosCall::Reconcile { tasks }) => self.answer_reconcile(tasks),
            Command::Kafka(KafkaAdmin::ProbeBroker { .. })
            | Command::Kafka(KafkaAdmin::ApplyDynamicConfig { .. })
            | Command::Kafka(KafkaAdmin::TopicOp { .. })
            | Command::Kafka(KafkaAdmin::ReadReassignment { .. })
            | Command::Kafka(KafkaAdmin::Reassign { .. })
            | Command::Kafka(KafkaAdmin::ClearThrottle { .. })
            | Command::Kafka(KafkaAdmin::ElectPreferredLeaders { .. }) => {
                self.asked.push(command.clone())
            }
            _ => {}
        }
    }

    fn operate(&mut self, agent: usize, op: &mesos::proto::offer::Operation) {
        let kind = op.r#type.and_then(|t| operation::Type::try_from(t).ok());
        let a = &mut self.agents[agent];
        match kind {
            Some(operation::Type::Reserve) => {
                for r in &op.reserve.as_ref().unwrap().resources {
                    if r.name == "ports" {
                        let label = key(r).1.expect("reserved ports are labelled");
                        let entry = a
                            .reserved_ports
                            .entry(label)
                            .or_insert_with(|| (r.clone(), BTreeSet::new()));
                        for p in ports_of(r) {
                            assert!(a.ports.remove(&p), "RESERVE of port {p}, not free");
                            entry.1.insert(p);
                        }
                        continue;
                    }
                    let amount = r.scalar.as_ref().unwrap().value;
                    let free = a.free.get_mut(&r.name).unwrap();
                    assert!(
                        *free + 1e-9 >= amount,
                        "RESERVE {} {amount} of {free} free",
                        r.name
                    );
                    *free -= amount;
                    add(&mut a.reserved, r, amount);
                }
            }
            Some(operation::Type::Create) => {
                for v in &op.create.as_ref().unwrap().volumes {
                    let amount = v.scalar.as_ref().unwrap().value;
                    let mut plain = v.clone();
                    plain.disk = None;
                    take(&mut a.reserved, &plain, amount);
                    add(&mut a.reserved, v, amount);
                }
            }
            Some(operation::Type::Destroy) => {
                for v in &op.destroy.as_ref().unwrap().volumes {
                    let amount = v.scalar.as_ref().unwrap().value;
                    take(&mut a.reserved, v, amount);
                    let mut plain = v.clone();
                    plain.disk = None;
                    add(&mut a.reserved, &plain, amount);
                }
            }
            Some(operation::Type::Unreserve) => {
                for r in &op.unreserve.as_ref().unwrap().resources {
                    if r.name == "ports" {
                        let label = key(r).1.expect("reserved ports are labelled");
                        for p in ports_of(r) {
                            assert!(a.reserved_ports.get_mut(&label).unwrap().1.remove(&p));
                            a.ports.insert(p);
                        }
                        continue;
                    }
                    let amount = r.scalar.as_ref().unwrap().value;
                    take(&mut a.reserved, r, amount);
                    *a.free.get_mut(&r.name).unwrap() += amount;
                }
            }
            Some(operation::Type::Launch) => {
                for task in &op.launch.as_ref().unwrap().task_infos {
                    let runs = match TaskLaunch::decode(task.data.as_deref().unwrap())
                        .expect("a valid launch contract")
                    {
                        TaskLaunch::Broker(launch) => {
                            Runs::Broker((launch.cluster.clone(), launch.broker_id), launch)
                        }
                        TaskLaunch::Client(launch) => {
                            let c = launch.client;
                            Runs::Client((c.cluster.clone(), c.name.clone(), c.instance), c)
                        }
                    };
                    // A task back from a partition the core has not heard
                    // of yet cannot stop it.
                    let others: Vec<&String> = self
                        .tasks
                        .values()
                        .filter(|t| t.same_work(&runs) && t.live() && t.unseen_since.is_none())
                        .map(|t| &t.task_id)
                        .collect();
                    assert!(
                        others.is_empty(),
                        "INVARIANT: {} launched while {others:?} live",
                        task.name
                    );
                    for r in &task.resources {
                        if r.name == "ports" {
                            for port in ports_of(r) {
                                let free = match key(r).1 {
                                    Some(label) => a
                                        .reserved_ports
                                        .get_mut(&label)
                                        .is_some_and(|(_, set)| set.remove(&port)),
                                    None => a.ports.remove(&port),
                                };
                                assert!(free, "port {port} not available on {}", a.hostname);
                            }
                        } else if r.reservation.is_none() && r.reservations.is_empty() {
                            let amount = r.scalar.as_ref().unwrap().value;
                            let free = a.free.get_mut(&r.name).unwrap();
                            assert!(
                                *free + 1e-9 >= amount,
                                "LAUNCH {} {amount} of {free} free",
                                r.name
                            );
                            *free -= amount;
                        } else {
                            take(&mut a.reserved, r, r.scalar.as_ref().unwrap().value);
                        }
                    }
                    let task_id = task.task_id.as_ref().unwrap().value.clone();
                    assert!(
                        !self.tasks.contains_key(&task_id),
                        "task id {task_id} reused"
                    );
                    self.tasks.insert(
                        task_id.clone(),
                        SimTask {
                            task_id,
                            runs,
                            agent,
                            state: TaskState::TaskStaging,
                            resources: task.resources.clone(),
                            before_loss: None,
                            resurfaced: false,
                            unseen_since: None,
                            unacked: VecDeque::new(),
                        },
                    );
                }
            }
            other => panic!("unexpected operation {other:?}"),
        }
    }

    /// One offer per reachable agent, holding all its free resources and
    /// the framework's reservations not in use.
    pub fn offers(&mut self) -> Vec<Offer> {
        let reachable: Vec<usize> = (0..self.agents.len())
            .filter(|i| self.agents[*i].reachable)
            .collect();
        self.offers_from(&reachable)
    }

    /// One offer from each of the agents `indices`.
    pub fn offers_from(&mut self, indices: &[usize]) -> Vec<Offer> {
        let mut offers = Vec::new();
        for &i in indices {
            let a = &self.agents[i];
            self.next_offer += 1;
            let mut resources: Vec<Resource> = a
                .free
                .iter()
                .filter(|(_, v)| **v > 0.0)
                .map(|(name, v)| scalar(name, *v))
                .collect();
            let mut ports: Vec<value::Range> = Vec::new();
            for p in &a.ports {
                match ports.last_mut() {
                    Some(r) if r.end + 1 == u64::from(*p) => r.end += 1,
                    _ => ports.push(value::Range {
                        begin: (*p).into(),
                        end: (*p).into(),
                    }),
                }
            }
            if !ports.is_empty() {
                resources.push(Resource {
                    name: "ports".into(),
                    r#type: value::Type::Ranges as i32,
                    ranges: Some(value::Ranges { range: ports }),
                    ..Default::default()
                });
            }
            for (template, set) in a.reserved_ports.values().filter(|(_, set)| !set.is_empty()) {
                let mut r = template.clone();
                r.ranges = Some(value::Ranges {
                    range: set
                        .iter()
                        .map(|p| value::Range {
                            begin: (*p).into(),
                            end: (*p).into(),
                        })
                        .collect(),
                });
                resources.push(r);
            }
            for (r, amount) in a.reserved.values() {
                if *amount > 1e-9 {
                    let mut r = r.clone();
                    r.scalar = Some(value::Scalar { value: *amount });
                    resources.push(r);
                }
            }
            for r in &mut resources {
                r.allocation_info = Some(AllocationInfo {
                    role: Some(ROLE.into()),
                });
            }
            offers.push(Offer {
                id: Some(OfferId {
                    value: format!("O-{i}-{}", self.next_offer),
                }),
                framework_id: Some(FrameworkId {
                    value: "fw-1".into(),
                }),
                agent_id: Some(AgentId {
                    value: a.id.clone(),
                }),
                hostname: a.hostname.clone(),
                resources,
                attributes: a
                    .attributes
                    .iter()
                    .map(|(k, v)| Attribute {
                        name: k.clone(),
                        r#type: value::Type::Text as i32,
                        text: Some(value::Text { value: v.clone() }),
                        ..Default::default()
                    })
                    .collect(),
                allocation_info: Some(AllocationInfo {
                    role: Some(ROLE.into()),
                }),
                ..Default::default()
            });
        }
        offers
    }

    pub fn offer_all(&mut self) -> Vec<Command> {
        let offers = self.offers();
        self.handle(Event::Offers(offers))
    }

    /// A status update as an executor or agent sends it (with a uuid), or as
    /// the master makes it (`reliable = false`: no uuid).
    pub fn status(&mut self, task_id: &str, state: TaskState, reliable: bool) -> TaskStatus {
        self.next_uuid += 1;
        let agent = self
            .tasks
            .get(task_id)
            .map(|t| self.agents[t.agent].id.clone());
        TaskStatus {
            task_id: Some(TaskId {
                value: task_id.into(),
            }),
            state: state as i32,
            agent_id: agent.map(|value| AgentId { value }),
            uuid: reliable.then(|| u128::from(self.next_uuid).to_be_bytes().to_vec()),
            source: Some(if reliable {
                Source::SourceExecutor
            } else {
                Source::SourceMaster
            } as i32),
            timestamp: Some(self.next_uuid as f64),
            ..Default::default()
        }
    }

    /// The task changes state (the master's view) and the update is sent.
    pub fn update(&mut self, task_id: &str, state: TaskState) -> Vec<Command> {
        self.set_state(task_id, state);
        let status = self.status(task_id, state, true);
        self.handle(Event::StatusUpdate(status))
    }

    pub fn set_state(&mut self, task_id: &str, state: TaskState) {
        let Some(task) = self.tasks.get_mut(task_id) else {
            return;
        };
        let was_live = !task.state.is_terminal();
        task.state = state;
        if was_live && state.is_terminal() {
            let a = &mut self.agents[task.agent];
            for r in &task.resources {
                if r.name == "ports" {
                    for port in ports_of(r) {
                        match key(r).1 {
                            Some(label) => {
                                let entry = a.reserved_ports.entry(label);
                                entry
                                    .or_insert_with(|| (r.clone(), BTreeSet::new()))
                                    .1
                                    .insert(port);
                            }
                            None => {
                                a.ports.insert(port);
                            }
                        }
                    }
                } else if r.reservation.is_none() && r.reservations.is_empty() {
                    *a.free.get_mut(&r.name).unwrap() += r.scalar.as_ref().unwrap().value;
                } else {
                    add(&mut a.reserved, r, r.scalar.as_ref().unwrap().value);
                }
            }
        }
    }

    /// The agent disappears: its tasks become unreachable (master-made updates).
    pub fn lose_agent(&mut self, index: usize) -> Vec<Command> {
        let mut commands = self.handle(Event::AgentFailure {
            agent_id: self.agents[index].id.clone(),
        });
        for status in self.cut_off(index) {
            commands.extend(self.handle(Event::StatusUpdate(status)));
        }
        commands
    }

    /// The agent is partitioned away; the master's FAILURE and its tasks'
    /// TASK_UNREACHABLE go on the network.
    pub fn partition_agent(&mut self, index: usize) -> Vec<Command> {
        let statuses = self.cut_off(index);
        self.network.extend(statuses);
        self.handle(Event::AgentFailure {
            agent_id: self.agents[index].id.clone(),
        })
    }

    /// Marks the agent unreachable and its tasks so; their updates.
    fn cut_off(&mut self, index: usize) -> Vec<TaskStatus> {
        self.agents[index].reachable = false;
        let ids: Vec<String> = self
            .tasks
            .values()
            .filter(|t| t.agent == index && t.live())
            .map(|t| t.task_id.clone())
            .collect();
        ids.iter()
            .map(|id| {
                let task = self.tasks.get_mut(id).expect("a live task");
                task.before_loss = Some(task.state);
                self.set_state(id, TaskState::TaskUnreachable);
                self.status(id, TaskState::TaskUnreachable, false)
            })
            .collect()
    }

    /// A partitioned agent comes back: with its tasks as they were, or
    /// (`rebooted`) without them (TASK_GONE); the master sends each task's
    /// state.
    pub fn restore_agent(&mut self, index: usize, rebooted: bool) {
        self.agents[index].reachable = true;
        let ids: Vec<String> = self
            .tasks
            .values()
            .filter(|t| t.agent == index && t.before_loss.is_some())
            .map(|t| t.task_id.clone())
            .collect();
        for id in ids {
            let task = self.tasks.get_mut(&id).expect("a task");
            let before = task.before_loss.take().expect("lost");
            let state = if rebooted {
                TaskState::TaskGone
            } else {
                before
            };
            if !rebooted {
                task.resurfaced = true;
                task.unseen_since = Some(self.next_uuid + 1);
            }
            self.set_state(&id, state);
            let status = self.status(&id, state, false);
            self.network.push(status);
        }
    }

    /// The task's agent reports a new state: a reliable update, sent once
    /// those before it are acknowledged.
    pub fn emit(&mut self, task_id: &str, state: TaskState) {
        self.set_state(task_id, state);
        let status = self.status(task_id, state, true);
        let task = self.tasks.get_mut(task_id).expect("a task");
        task.unacked.push_back(status.clone());
        if task.unacked.len() == 1 {
            self.network.push(status);
        }
    }

    /// The agent of `task_id` sends its oldest unacknowledged update again.
    pub fn resend(&mut self, task_id: &str) {
        let Some(task) = self.tasks.get(task_id) else {
            return;
        };
        if let (true, Some(head)) = (self.agents[task.agent].reachable, task.unacked.front()) {
            self.network.push(head.clone());
        }
    }

    fn acknowledged(&mut self, task_id: &str, uuid: &[u8]) {
        let Some(task) = self.tasks.get_mut(task_id) else {
            return;
        };
        if task.unacked.front().and_then(|s| s.uuid.as_deref()) != Some(uuid) {
            return;
        }
        task.unacked.pop_front();
        if let Some(next) = task.unacked.front() {
            self.network.push(next.clone());
        }
    }

    /// The master answers RECONCILE with the latest state it knows, or for
    /// a task it does not know what its agent implies (as `mesos::local`).
    fn answer_reconcile(&mut self, asked: &[(TaskId, Option<AgentId>)]) {
        let ids: Vec<(String, Option<String>)> = if asked.is_empty() {
            let known = self.tasks.values().filter(|t| !t.state.is_terminal());
            known.map(|t| (t.task_id.clone(), None)).collect()
        } else {
            let agent = |a: &Option<AgentId>| a.as_ref().map(|a| a.value.clone());
            asked
                .iter()
                .map(|(t, a)| (t.value.clone(), agent(a)))
                .collect()
        };
        for (id, agent_id) in ids {
            let mut status = match self.tasks.get(&id) {
                Some(task) => self.status(&id, task.state, false),
                None => {
                    let agent = self
                        .agents
                        .iter()
                        .find(|a| Some(&a.id) == agent_id.as_ref());
                    let state = match agent {
                        Some(a) if !a.reachable => TaskState::TaskUnreachable,
                        Some(_) => TaskState::TaskGone,
                        None => TaskState::TaskUnknown,
                    };
                    self.status(&id, state, false)
                }
            };
            status.agent_id = status.agent_id.or(agent_id.map(|value| AgentId { value }));
            status.reason = Some(mesos::proto::task_status::Reason::ReasonReconciliation as i32);
            self.network.push(status);
        }
    }

    /// Runs the cluster until nothing changes: offers go round, launched
    /// tasks start and run, kills are carried out, probes, dynamic configs
    /// and topic operations succeed.
    /// Every staged task on a reachable agent starts and runs.
    pub fn start_staged(&mut self) {
        let staging: Vec<String> = self
            .tasks
            .values()
            .filter(|t| t.state == TaskState::TaskStaging && self.agents[t.agent].reachable)
            .map(|t| t.task_id.clone())
            .collect();
        for id in staging {
            self.update(&id, TaskState::TaskStarting);
            self.update(&id, TaskState::TaskRunning);
        }
    }

    /// The Kafka work asked since the last call, taken out.
    pub fn take_kafka_work(&mut self) -> Vec<KafkaAdmin> {
        std::mem::take(&mut self.asked)
            .into_iter()
            .filter_map(|c| match c {
                Command::Kafka(work) => Some(work),
                _ => None,
            })
            .collect()
    }

    pub fn settle(&mut self) {
        for _ in 0..50 {
            let before = self.log.len();
            self.offer_all();
            self.start_staged();
            self.deliver_kills();
            self.answer_all(true, PartitionHealth::default());
            let quiet = self.log[before..].iter().all(|c| {
                matches!(
                    c,
                    Command::Mesos(MesosCall::Decline { .. })
                        | Command::Mesos(MesosCall::Suppress)
                        | Command::Mesos(MesosCall::Revive)
                )
            });
            if quiet && self.asked.is_empty() {
                return;
            }
        }
        panic!("the cluster does not settle");
    }

    /// The master answers a reconciliation of every live task: running
    /// (no uuid, as reconciliation answers carry none).
    pub fn reconcile_as_running(&mut self) -> Vec<Command> {
        let ids: Vec<String> = self
            .live()
            .values()
            .flatten()
            .map(|t| t.task_id.clone())
            .collect();
        let mut out = Vec::new();
        for id in &ids {
            let status = self.status(id, TaskState::TaskRunning, false);
            out.extend(self.handle(Event::StatusUpdate(status)));
        }
        out
    }

    pub fn deliver_kills(&mut self) {
        for id in std::mem::take(&mut self.kills) {
            let reachable = self
                .tasks
                .get(&id)
                .is_some_and(|t| self.agents[t.agent].reachable);
            if reachable && self.tasks.get(&id).is_some_and(|t| !t.state.is_terminal()) {
                self.update(&id, TaskState::TaskKilled);
            }
        }
    }

    /// Answers the probes, dynamic config changes and topic operations asked.
    pub fn answer_all(&mut self, healthy: bool, partitions: PartitionHealth) {
        for asked in std::mem::take(&mut self.asked) {
            if let Some(event) = answer(asked, healthy, partitions) {
                self.handle(event);
            }
        }
    }

    /// Submits the plan from the state the core holds to the configuration in `hcl`.
    pub fn apply(&mut self, hcl: &str) -> Vec<Command> {
        let config = load(hcl);
        let plan = engine::diff(&config, &self.core.state().state).expect("a plan");
        self.handle(Event::ApplySubmitted {
            plan: Box::new(plan),
            config: Box::new(config),
            holder: "tester".into(),
            allow_unavailable: false,
        })
    }

    /// Live tasks by broker.
    pub fn live(&self) -> BTreeMap<(String, u32), Vec<&SimTask>> {
        let mut by_broker: BTreeMap<(String, u32), Vec<&SimTask>> = BTreeMap::new();
        for t in self.tasks.values().filter(|t| t.live()) {
            if let Runs::Broker(key, _) = &t.runs {
                by_broker.entry(key.clone()).or_default().push(t);
            }
        }
        by_broker
    }

    /// Live tasks by client instance (cluster, client, instance).
    pub fn live_instances(&self) -> BTreeMap<(String, String, u32), Vec<&SimTask>> {
        let mut by_instance: BTreeMap<_, Vec<&SimTask>> = BTreeMap::new();
        for t in self.tasks.values().filter(|t| t.live()) {
            if let Some((key, _)) = t.client() {
                by_instance.entry(key.clone()).or_default().push(t);
            }
        }
        by_instance
    }

    /// The live task of a broker (exactly one).
    pub fn task_of(&self, cluster: &str, id: u32) -> &SimTask {
        let live = self.live();
        let tasks = live
            .get(&(cluster.to_string(), id))
            .map(Vec::as_slice)
            .unwrap_or_default();
        assert_eq!(
            tasks.len(),
            1,
            "broker {id}: live tasks {:?}",
            tasks.iter().map(|t| &t.task_id).collect::<Vec<_>>()
        );
        tasks[0]
    }

    pub fn since(&self, mark: usize) -> &[Command] {
        &self.log[mark..]
    }

    pub fn apply_running(&self) -> bool {
        self.core.state().scheduler.apply.is_some()
    }
}

/// The answer to a probe, dynamic config change, topic operation or
/// partition reassignment the core asked for (a probe with `healthy` and
/// `partitions`; a reassignment read finds no partition left; the others
/// succeed); `None` for other commands.
pub fn answer(asked: Command, healthy: bool, partitions: PartitionHealth) -> Option<Event> {
    let Command::Kafka(work) = asked else {
        return None;
    };
    Some(match work {
        KafkaAdmin::ProbeBroker { cluster, id, .. } => Event::BrokerProbe {
            cluster,
            id,
            healthy,
            partitions,
        },
        KafkaAdmin::ApplyDynamicConfig {
            cluster, broker, ..
        } => Event::DynamicConfigResult {
            cluster,
            broker,
            error: None,
        },
        KafkaAdmin::TopicOp { cluster, op, .. } => Event::TopicOpResult {
            cluster,
            topic: op.topic().to_string(),
            error: None,
        },
        KafkaAdmin::ReadReassignment { address, .. } => Event::ReassignmentRead {
            address,
            read: Ok(Default::default()),
        },
        KafkaAdmin::Reassign { address, .. } => Event::ReassignmentAsked {
            address,
            error: None,
        },
        KafkaAdmin::ClearThrottle { address, .. } => Event::ThrottleCleared {
            address,
            error: None,
        },
        KafkaAdmin::ElectPreferredLeaders { cluster, .. } => Event::LeadersElected {
            cluster,
            elected: Ok(0),
        },
        KafkaAdmin::ReadLive { .. } => return None,
    })
}

/// Four agents on three racks, for Apache Kafka clusters.
pub const APACHE_AGENTS: &[(&str, &str)] = &[
    ("node-1", "r1"),
    ("node-2", "r2"),
    ("node-3", "r3"),
    ("node-4", "r1"),
];

/// An Apache Kafka cluster of four brokers, one per agent.
pub const APACHE_EVENTS: &str = r#"
cluster "events" {
  kafka {
    kind = "apache"
    dist = "kafka-4.1.0.tgz"
  }
  broker "0..3" {
    cpus = 1
    mem  = 2048
    disk = 4096
    port = "31000..31999"
    constraints = {
      hostname = "unique"
    }
    stickiness = "1m"
  }
}
"#;

pub fn load(hcl: &str) -> engine::Config {
    let files = [engine::SourceFile::new("main.hcl", hcl)];
    engine::load(&files, &engine::Vars::new()).unwrap_or_else(|d| panic!("{d:?}"))
}

fn scalar(name: &str, v: f64) -> Resource {
    Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: v }),
        ..Default::default()
    }
}

fn key(r: &Resource) -> ReservedKey {
    let label = r
        .reservation
        .as_ref()
        .and_then(|i| i.labels.as_ref())
        .and_then(|l| l.labels.first())
        .and_then(|l| l.value.clone());
    let pid = r
        .disk
        .as_ref()
        .and_then(|d| d.persistence.as_ref())
        .map(|p| p.id.clone());
    (r.name.clone(), label, pid)
}

fn add(pool: &mut Pool, r: &Resource, amount: f64) {
    let entry = pool.entry(key(r)).or_insert_with(|| (r.clone(), 0.0));
    entry.1 += amount;
}

fn take(pool: &mut Pool, r: &Resource, amount: f64) {
    let k = key(r);
    let entry = pool
        .get_mut(&k)
        .unwrap_or_else(|| panic!("{k:?} is not reserved"));
    assert!(
        entry.1 + 1e-9 >= amount,
        "{k:?}: {amount} wanted, {} reserved",
        entry.1
    );
    entry.1 -= amount;
}

fn ports_of(r: &Resource) -> Vec<u16> {
    r.ranges
        .iter()
        .flat_map(|rs| &rs.range)
        .flat_map(|x| x.begin..=x.end)
        .map(|p| p as u16)
        .collect()
}

fn agent_of(offer: &OfferId) -> usize {
    offer
        .value
        .split('-')
        .nth(1)
        .and_then(|i| i.parse().ok())
        .expect("a simulated offer id")
}

/// The offer operations of the ACCEPTs among `commands`.
fn accepted(commands: &[Command]) -> impl Iterator<Item = &mesos::proto::offer::Operation> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Mesos(MesosCall::Accept { operations, .. }) => Some(operations),
            _ => None,
        })
        .flatten()
}

/// The tasks launched by `commands`.
pub fn launches(commands: &[Command]) -> Vec<mesos::proto::TaskInfo> {
    accepted(commands)
        .filter_map(|op| op.launch.as_ref())
        .flat_map(|l| l.task_infos.clone())
        .collect()
}

/// The types of the offer operations `commands` accept with, in order.
pub fn op_types(commands: &[Command]) -> Vec<operation::Type> {
    accepted(commands)
        .filter_map(|op| op.r#type.and_then(|t| operation::Type::try_from(t).ok()))
        .collect()
}

/// A state's applied facts: what plans diff against, without what runs.
pub fn applied_facts(state: &engine::State) -> engine::State {
    let mut facts = state.clone();
    facts.serial = 0;
    facts.generation = 0;
    facts.framework_id = None;
    for cluster in facts.clusters.values_mut() {
        for broker in cluster.brokers.values_mut() {
            broker.runtime = None;
        }
    }
    facts
}
