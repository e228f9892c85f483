//! A seeded random walk through a misbehaving Mesos cluster. Each seed
//! builds a few agents and drives the core with a random mix of offers from
//! any subset of agents, status updates delivered late, twice, out of order
//! or never (agents resend what is not acknowledged), kills carried out or
//! lost, failing tasks, lost ACCEPTs, agents partitioned away and coming
//! back with or without their tasks, scheduler restarts from the last state
//! it persisted (also part way through carrying out a batch), master
//! failovers, clock jumps both ways, and applies of tansu and Apache
//! clusters submitted and cancelled. After every event it checks what an
//! operator relies on: never two live tasks for one broker, every live task
//! known to the core or being killed, every offer answered at once, no
//! broker launched against its constraints, no apply failing; then it
//! heals the cluster and checks that the apply in progress completes and
//! every broker of the configuration runs exactly once.
//!
//! `KMESOS_SIM_SEEDS` (default [`DEFAULT_SEEDS`]) sets how many seeds run;
//! `KMESOS_SIM_SEED=N` replays one. A failing seed prints the command that
//! replays it and the last events before the failure.

mod core_sim;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use core_sim::Sim;
use engine::config::Rule;
use engine::plan::Action;
use kmesos_scheduler::core::{Command, Event, MesosCall, PartitionHealth, Progress, Reply};
use mesos::proto::TaskState;

/// Seeds per `cargo test` run: 11 s of a debug build on two idle cores, 32 s
/// on two busy ones.
const DEFAULT_SEEDS: u64 = 2000;
/// Events per seed before the cluster is healed.
const STEPS: std::ops::Range<usize> = 60..240;
const REPLAY: &str = "cargo test -p kmesos-scheduler --test core_random";

#[test]
fn random_faults_never_break_the_invariants_and_applies_complete_once_healed() {
    let seeds: Vec<u64> = match std::env::var("KMESOS_SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("KMESOS_SIM_SEED is a number")],
        Err(_) => {
            let count = std::env::var("KMESOS_SIM_SEEDS")
                .map(|n| n.parse().expect("KMESOS_SIM_SEEDS is a number"))
                .unwrap_or(DEFAULT_SEEDS);
            (0..count).collect()
        }
    };
    let next = AtomicU64::new(0);
    let failed: Mutex<Option<(u64, String)>> = Mutex::new(None);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    // Failures are reported once, below, with their seed; a replayed seed
    // also shows where it panicked.
    let hook = panic::take_hook();
    if seeds.len() > 1 {
        panic::set_hook(Box::new(|_| {}));
    }
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&seed) = seeds.get(i as usize) else {
                    return;
                };
                if failed.lock().unwrap().is_some() {
                    return;
                }
                let trail = RefCell::new(Vec::new());
                if let Err(why) = panic::catch_unwind(AssertUnwindSafe(|| run(seed, &trail))) {
                    let why = why
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| why.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    let trail = trail.into_inner();
                    let last = &trail[trail.len().saturating_sub(60)..];
                    let report = format!("{why}\nlast events:\n  {}", last.join("\n  "));
                    let mut failed = failed.lock().unwrap();
                    if failed.as_ref().is_none_or(|(s, _)| seed < *s) {
                        *failed = Some((seed, report));
                    }
                }
            });
        }
    });
    panic::set_hook(hook);
    if let Some((seed, report)) = failed.into_inner().unwrap() {
        panic!("seed {seed} failed: {report}\n\nreplay: KMESOS_SIM_SEED={seed} {REPLAY}");
    }
}

/// Found by seed 1888: broker 2 was destroyed while its task was
/// unreachable; the task came back (and was being killed) when broker 2 was
/// created again, and the new broker 2 was launched beside it.
#[test]
fn a_broker_created_again_waits_for_the_task_of_its_destroyed_namesake_to_end() {
    let agents = [("node-1", "r1"), ("node-2", "r2"), ("node-3", "r3")];
    let three = tansu_hcl(3, 512, "", 3);
    let mut sim = Sim::running(&agents, &three);
    let old = sim.task_of("quickstart", 2).task_id.clone();
    let home = sim.tasks[&old].agent;
    sim.lose_agent(home);
    sim.apply(&tansu_hcl(2, 512, "", 3));
    sim.settle();
    assert!(!sim.apply_running(), "broker 2 destroyed while unreachable");
    sim.restore_agent(home, false);
    let back = sim.network.pop().expect("the master reports the task back");
    let out = sim.handle(Event::StatusUpdate(back));
    assert!(out.iter().any(
        |c| matches!(c, Command::Mesos(MesosCall::Kill { task_id, .. }) if task_id.value == old)
    ));
    // The kill takes its grace period; meanwhile broker 2 is created again.
    sim.kills.clear();
    sim.apply(&three);
    sim.offer_all();
    assert!(
        sim.live()
            .get(&("quickstart".to_string(), 2))
            .is_some_and(|tasks| tasks.len() == 1 && tasks[0].task_id == old),
        "only the old task runs while it is being killed"
    );
    sim.update(&old, TaskState::TaskKilled);
    sim.settle();
    assert_ne!(
        sim.task_of("quickstart", 2).task_id,
        old,
        "broker 2 runs again"
    );
    assert!(!sim.apply_running());
}

/// One seed: random faults, then the cluster healed.
fn run(seed: u64, trail: &RefCell<Vec<String>>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let agents = rng.usize(4..=7);
    let names: Vec<(String, String)> = (0..agents)
        .map(|i| (format!("node-{}", i + 1), format!("r{}", i % 3 + 1)))
        .collect();
    let hosts: Vec<(&str, &str)> = names
        .iter()
        .map(|(h, r)| (h.as_str(), r.as_str()))
        .collect();
    let mut world = World {
        sim: Sim::new(&hosts),
        rng,
        trail,
        target: None,
    };
    world.sim.subscribe();
    world.submit();
    for _ in 0..world.rng.usize(STEPS) {
        world.step();
    }
    world.heal();
}

struct World<'a> {
    sim: Sim,
    rng: fastrand::Rng,
    trail: &'a RefCell<Vec<String>>,
    /// The configuration of the last apply the core accepted.
    target: Option<engine::Config>,
}

impl World<'_> {
    fn note(&self, event: String) {
        self.trail.borrow_mut().push(event);
    }

    /// One random event, then the invariants.
    fn step(&mut self) {
        self.sim.lose_accepts = self.rng.u8(..20) == 0;
        match self.rng.u32(..100) {
            0..20 => self.offers(),
            20..45 => self.deliver_update(),
            45..60 => self.agent_works(),
            60..65 => self.resend(),
            65..72 => self.deliver_kill(),
            72..80 => self.answer_kafka(),
            80..88 => self.clock(),
            88..90 => self.fail_task(),
            90..92 => self.partition(),
            92..94 => self.restore(),
            94..96 => self.submit(),
            96 => self.cancel(),
            97 => self.restart_broker(),
            98 => self.restart_scheduler(),
            _ => self.master_failover(),
        }
        self.sim.lose_accepts = false;
        self.check();
    }

    fn handle(&mut self, event: Event) -> Vec<Command> {
        let launched_before: BTreeSet<String> = self.sim.tasks.keys().cloned().collect();
        let offers = match &event {
            Event::Offers(offers) => offers.iter().filter_map(|o| o.id.clone()).collect(),
            _ => Vec::new(),
        };
        let commands = self.sim.handle(event);
        for command in &commands {
            match command {
                Command::Mesos(MesosCall::Kill { task_id, .. }) => {
                    self.note(format!("  core kills {}", task_id.value))
                }
                Command::Mesos(MesosCall::Accept { .. }) => {
                    for task in core_sim::launches(std::slice::from_ref(command)) {
                        let id = task.task_id.map(|t| t.value).unwrap_or_default();
                        self.note(format!("  core launches {id}"));
                    }
                }
                Command::Mesos(MesosCall::Reconcile { tasks }) => {
                    self.note(format!("  core reconciles {tasks:?}"))
                }
                _ => {}
            }
        }
        for offer in offers {
            let answers = commands
                .iter()
                .filter(|c| match c {
                    Command::Mesos(MesosCall::Accept { offer_ids, .. })
                    | Command::Mesos(MesosCall::Decline { offer_ids, .. }) => {
                        offer_ids.contains(&offer)
                    }
                    _ => false,
                })
                .count();
            assert_eq!(answers, 1, "INVARIANT: offer {} answered once", offer.value);
        }
        let launched: Vec<String> = self
            .sim
            .tasks
            .keys()
            .filter(|id| !launched_before.contains(*id))
            .cloned()
            .collect();
        for task in launched {
            self.check_constraints(&task);
        }
        commands
    }

    fn offers(&mut self) {
        let reachable: Vec<usize> = (0..self.sim.agents.len())
            .filter(|i| self.sim.agents[*i].reachable)
            .collect();
        let from: Vec<usize> = reachable.into_iter().filter(|_| self.rng.bool()).collect();
        self.note(format!(
            "offers from agents {from:?}{}",
            if self.sim.lose_accepts {
                " (ACCEPTs lost)"
            } else {
                ""
            }
        ));
        let offers = self.sim.offers_from(&from);
        self.handle(Event::Offers(offers));
    }

    fn deliver_update(&mut self) {
        if self.sim.network.is_empty() {
            return;
        }
        // The master's event stream keeps each task's updates in order;
        // those of different tasks interleave.
        let task_id = &self.sim.network[self.rng.usize(..self.sim.network.len())].task_id;
        let i = self
            .sim
            .network
            .iter()
            .position(|s| &s.task_id == task_id)
            .expect("the update picked");
        let status = &self.sim.network[i];
        let reliable = status.uuid.is_some();
        let what = format!(
            "{} {:?}{}",
            status.task_id.as_ref().map_or("?", |t| t.value.as_str()),
            TaskState::try_from(status.state).unwrap_or(TaskState::TaskUnknown),
            if status.uuid.is_some() {
                ""
            } else {
                " (master)"
            }
        );
        match self.rng.u8(..10) {
            0 => {
                self.note(format!("update lost: {what}"));
                self.sim.network.remove(i);
            }
            // An agent resends what was not acknowledged; the master's own
            // updates are sent once.
            1 if reliable => {
                self.note(format!("update delivered, and again later: {what}"));
                let status = self.sim.network.remove(i);
                self.sim.network.push(status.clone());
                self.handle(Event::StatusUpdate(status));
            }
            _ => {
                self.note(format!("update delivered: {what}"));
                let status = self.sim.network.remove(i);
                self.handle(Event::StatusUpdate(status));
            }
        }
    }

    /// An executor moves a task on: STAGING → STARTING → RUNNING, or a
    /// task being killed ends.
    fn agent_works(&mut self) {
        let Some(id) = self.pick_task(|t| {
            matches!(
                t.state,
                TaskState::TaskStaging | TaskState::TaskStarting | TaskState::TaskKilling
            )
        }) else {
            return;
        };
        let next = match self.sim.tasks[&id].state {
            TaskState::TaskStaging => TaskState::TaskStarting,
            TaskState::TaskStarting => TaskState::TaskRunning,
            _ => TaskState::TaskKilled,
        };
        self.note(format!("agent: {id} {next:?}"));
        self.sim.emit(&id, next);
    }

    fn resend(&mut self) {
        if let Some(id) = self.pick_task(|t| !t.unacked.is_empty()) {
            self.note(format!("agent resends {id}'s oldest update"));
            self.sim.resend(&id);
        }
    }

    fn deliver_kill(&mut self) {
        let Some(id) = take_any(&mut self.rng, &mut self.sim.kills) else {
            return;
        };
        let Some(task) = self.sim.tasks.get(&id) else {
            return;
        };
        let reachable = self.sim.agents[task.agent].reachable;
        if !reachable || !task.live() || self.rng.u8(..5) == 0 {
            self.note(format!("kill of {id} lost"));
            return;
        }
        let state = if self.rng.bool() {
            TaskState::TaskKilling
        } else {
            TaskState::TaskKilled
        };
        self.note(format!("kill of {id}: {state:?}"));
        if task.state != TaskState::TaskKilling || state == TaskState::TaskKilled {
            self.sim.emit(&id, state);
        }
    }

    /// Probes, dynamic configs and topic operations answered (probes not
    /// always healthy, or with partitions that still need the broker).
    fn answer_kafka(&mut self) {
        let Some(asked) = take_any(&mut self.rng, &mut self.sim.asked) else {
            return;
        };
        let healthy = self.rng.u8(..4) != 0;
        let partitions = PartitionHealth {
            catching_up: if self.rng.bool() {
                0
            } else {
                self.rng.u32(..3)
            },
            needing_it: if self.rng.bool() {
                0
            } else {
                self.rng.u32(..3)
            },
        };
        let event = core_sim::answer(asked, healthy, partitions).expect("a Kafka request");
        self.note(format!("kafka answer: {event:?}"));
        self.handle(event);
    }

    fn clock(&mut self) {
        let secs = match self.rng.u8(..20) {
            0 => -(self.rng.i64(1..60)),
            1..3 => self.rng.i64(600..3600),
            _ => self.rng.i64(1..120),
        };
        self.note(format!("clock {secs:+}s"));
        if secs < 0 {
            self.sim.now -= Duration::from_secs(secs.unsigned_abs());
        } else {
            self.sim.now += Duration::from_secs(secs as u64);
        }
        self.handle(Event::Tick);
    }

    fn fail_task(&mut self) {
        if let Some(id) = self.pick_task(|t| t.state == TaskState::TaskRunning) {
            self.note(format!("{id} fails"));
            self.sim.emit(&id, TaskState::TaskFailed);
        }
    }

    fn partition(&mut self) {
        let reachable: Vec<usize> = (0..self.sim.agents.len())
            .filter(|i| self.sim.agents[*i].reachable)
            .collect();
        // Keep a majority of agents so the cluster can still make progress.
        if reachable.len() * 2 <= self.sim.agents.len() + 1 {
            return;
        }
        let agent = reachable[self.rng.usize(..reachable.len())];
        self.note(format!("agent {agent} partitioned away"));
        self.sim.partition_agent(agent);
    }

    fn restore(&mut self) {
        let lost: Vec<usize> = (0..self.sim.agents.len())
            .filter(|i| !self.sim.agents[*i].reachable)
            .collect();
        if lost.is_empty() {
            return;
        }
        let agent = lost[self.rng.usize(..lost.len())];
        let rebooted = self.rng.u8(..3) == 0;
        self.note(format!("agent {agent} back (rebooted: {rebooted})"));
        self.sim.restore_agent(agent, rebooted);
    }

    /// Submits a random configuration.
    fn submit(&mut self) {
        let hcl = random_hcl(&mut self.rng);
        let config = parsed(&hcl);
        self.submit_config(config);
    }

    fn submit_config(&mut self, config: engine::Config) {
        // A configuration the planner refuses (fewer partitions) is not submitted.
        let Ok(plan) = engine::diff(&config, &self.sim.core.state().state) else {
            return;
        };
        let changes: Vec<String> = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .map(|c| format!("{:?} {}", c.action, c.address))
            .collect();
        let answer = self.handle(Event::ApplySubmitted {
            plan: Box::new(plan),
            config: Box::new(config.clone()),
            holder: "random".into(),
            allow_unavailable: false,
        });
        let accepted = answer
            .iter()
            .any(|c| matches!(c, Command::Reply(Reply::ApplyAccepted { .. })));
        self.note(format!(
            "apply submitted (accepted: {accepted}): {changes:?}"
        ));
        if accepted {
            self.target = Some(config);
        }
    }

    fn cancel(&mut self) {
        self.note("apply cancelled".into());
        self.handle(Event::ApplyCancelled);
    }

    fn restart_broker(&mut self) {
        let brokers: Vec<(String, u32)> = self
            .sim
            .core
            .state()
            .state
            .clusters
            .iter()
            .flat_map(|(c, cs)| cs.brokers.keys().map(move |id| (c.clone(), *id)))
            .collect();
        if brokers.is_empty() {
            return;
        }
        let (cluster, id) = brokers[self.rng.usize(..brokers.len())].clone();
        self.note(format!("restart of broker {cluster}/{id} requested"));
        self.handle(Event::BrokerRestartRequested {
            cluster,
            id,
            holder: "random".into(),
        });
    }

    fn restart_scheduler(&mut self) {
        if self.sim.persisted.is_none() {
            return;
        }
        if self.rng.bool() {
            let after = self.rng.usize(..4);
            self.note(format!(
                "the scheduler will crash after {after} commands of its next batch"
            ));
            self.sim.crash_after = Some(after);
        } else {
            self.note("the scheduler restarts".into());
            self.sim.restart_scheduler();
        }
    }

    fn master_failover(&mut self) {
        self.note("master failover: disconnected, subscribed again".into());
        self.handle(Event::Disconnected);
        self.handle(Event::Subscribed {
            framework_id: "fw-1".into(),
        });
    }

    fn pick_task(&mut self, wanted: impl Fn(&core_sim::SimTask) -> bool) -> Option<String> {
        let ids: Vec<&String> = self
            .sim
            .tasks
            .values()
            .filter(|t| self.sim.agents[t.agent].reachable && wanted(t))
            .map(|t| &t.task_id)
            .collect();
        if ids.is_empty() {
            return None;
        }
        Some(ids[self.rng.usize(..ids.len())].clone())
    }

    /// The broker's task the core follows now, if any.
    fn current_task(&self, broker: &(String, u32)) -> Option<String> {
        let record = self.sim.core.state().scheduler.brokers.get(&broker.0)?;
        Some(record.get(&broker.1)?.task.as_ref()?.task_id.clone())
    }

    /// The live tasks that count for broker `broker`: a task back from a
    /// partition that is not the broker's task any more is the core's to
    /// kill once it hears of it, and does not count.
    fn counted(&self, broker: &(String, u32)) -> Vec<String> {
        let current = self.current_task(broker);
        self.sim
            .tasks
            .values()
            .filter(|t| t.broker() == broker && t.live())
            .filter(|t| !t.resurfaced || current.as_ref() == Some(&t.task_id))
            .map(|t| t.task_id.clone())
            .collect()
    }

    fn check(&self) {
        let state = self.sim.core.state();
        let brokers: BTreeSet<(String, u32)> = self
            .sim
            .tasks
            .values()
            .map(|t| t.broker().clone())
            .collect();
        for broker in &brokers {
            let live = self.counted(broker);
            assert!(
                live.len() <= 1,
                "INVARIANT: broker {broker:?} has live tasks {live:?}"
            );
        }
        for task in self.sim.tasks.values().filter(|t| t.live()) {
            let record = state
                .scheduler
                .brokers
                .get(&task.broker().0)
                .and_then(|r| r.get(&task.broker().1));
            let tracked = record.is_some_and(|r| {
                r.task
                    .iter()
                    .chain(&r.doomed)
                    .any(|t| t.task_id == task.task_id)
            });
            assert!(
                tracked || self.sim.killed.contains(&task.task_id),
                "INVARIANT: live task {} ({:?}) is neither followed by the core nor being killed",
                task.task_id,
                task.state
            );
            // One the core heard of since it came back, and no longer wants, is killed.
            if task.resurfaced
                && task.unseen_since.is_none()
                && self.current_task(task.broker()).as_ref() != Some(&task.task_id)
            {
                assert!(
                    self.sim.killed.contains(&task.task_id),
                    "INVARIANT: task {} came back after its broker moved on, and is not killed",
                    task.task_id
                );
            }
        }
        let failed = self.sim.log.iter().find_map(|c| match c {
            Command::ApplyProgress(Progress::Failed { message, .. }) => Some(message),
            _ => None,
        });
        let why: Vec<&String> = self
            .sim
            .log
            .iter()
            .filter_map(|c| match c {
                Command::ApplyProgress(Progress::Broker { detail, .. }) => detail.as_ref(),
                _ => None,
            })
            .filter(|d| !d.starts_with("failed; relaunch in"))
            .collect();
        assert!(
            failed.is_none(),
            "INVARIANT: an apply failed: {failed:?}; brokers said {why:?}"
        );
    }

    /// Each constraint of the launched broker's spec holds against the
    /// tasks of the cluster's other brokers.
    fn check_constraints(&self, task_id: &str) {
        let task = &self.sim.tasks[task_id];
        let (cluster, id) = task.broker();
        let spec = &self.sim.core.state().state.clusters[cluster].brokers[id].spec;
        let agent = &self.sim.agents[task.agent];
        for constraint in &spec.constraints {
            let value = |a: &core_sim::Agent| match constraint.attribute.as_str() {
                "hostname" => a.hostname.clone(),
                name => a.attributes[name].clone(),
            };
            match &constraint.rule {
                Rule::Unique => {
                    let peers: Vec<(u32, String)> = self
                        .sim
                        .tasks
                        .values()
                        .filter(|t| &t.broker().0 == cluster && t.broker().1 != *id)
                        .filter(|t| self.counted(t.broker()).contains(&t.task_id))
                        .map(|t| (t.broker().1, value(&self.sim.agents[t.agent])))
                        .collect();
                    assert!(
                        peers.iter().all(|(_, v)| *v != value(agent)),
                        "INVARIANT: broker {cluster}/{id} launched on {} = {} beside {peers:?}",
                        constraint.attribute,
                        value(agent)
                    );
                }
                Rule::Unlike(_) => {
                    let rule = constraint.rule.to_string();
                    assert_ne!(
                        rule,
                        format!("unlike:{}", value(agent)),
                        "INVARIANT: broker {cluster}/{id} launched on {}",
                        agent.hostname
                    );
                }
                other => panic!("the driver does not check {other} constraints"),
            }
        }
    }

    /// The faults stop and every agent comes back; the cluster runs until
    /// nothing changes. Then the last accepted configuration is applied
    /// again and must be what runs.
    fn heal(&mut self) {
        self.note("healing".into());
        for agent in 0..self.sim.agents.len() {
            if !self.sim.agents[agent].reachable {
                self.sim.restore_agent(agent, false);
            }
        }
        self.settle();
        assert!(
            self.sim.core.state().scheduler.apply.is_none(),
            "INVARIANT: the apply in progress completes once the cluster is healed: {:?}",
            self.sim
                .core
                .state()
                .scheduler
                .apply
                .as_ref()
                .map(|a| &a.steps)
        );
        let Some(target) = self.target.clone() else {
            return;
        };
        self.submit_config(target.clone());
        self.settle();
        let state = self.sim.core.state();
        assert!(state.scheduler.apply.is_none(), "the last apply completes");
        let plan = engine::diff(&target, &state.state).expect("a plan");
        let left: Vec<&engine::Address> = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .map(|c| &c.address)
            .collect();
        assert!(
            left.is_empty(),
            "the configuration is applied; left: {left:?}"
        );
        let mut hosts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (cluster, spec) in &target.clusters {
            for id in spec.brokers.keys() {
                let broker = (cluster.clone(), *id);
                let live = self.counted(&broker);
                assert_eq!(live.len(), 1, "broker {broker:?} runs once: {live:?}");
                let task = &self.sim.tasks[&live[0]];
                assert_eq!(task.state, TaskState::TaskRunning, "broker {broker:?} runs");
                assert_eq!(self.current_task(&broker), Some(task.task_id.clone()));
                hosts
                    .entry(cluster.clone())
                    .or_default()
                    .push(self.sim.agents[task.agent].hostname.clone());
            }
        }
        let strays: Vec<&String> = self
            .sim
            .tasks
            .values()
            .filter(|t| t.live())
            .filter(|t| {
                target
                    .clusters
                    .get(&t.broker().0)
                    .is_none_or(|c| !c.brokers.contains_key(&t.broker().1))
            })
            .map(|t| &t.task_id)
            .collect();
        assert!(
            strays.is_empty(),
            "no task runs for a destroyed broker: {strays:?}"
        );
        for (cluster, hosts) in hosts {
            let spec = &target.clusters[&cluster];
            let unique_hosts = spec.brokers.values().all(|b| {
                b.constraints
                    .iter()
                    .any(|c| c.attribute == "hostname" && matches!(c.rule, Rule::Unique))
            });
            let distinct: BTreeSet<&String> = hosts.iter().collect();
            if unique_hosts {
                assert_eq!(
                    distinct.len(),
                    hosts.len(),
                    "{cluster}: one broker per host"
                );
            }
        }
    }

    /// Runs the healed cluster until nothing is left to do: every update
    /// delivered, kills carried out, tasks started, Kafka requests answered
    /// healthy, offers from every agent, time moving on.
    fn settle(&mut self) {
        for _ in 0..300 {
            for _ in 0..10_000 {
                if self.sim.network.is_empty() {
                    break;
                }
                let status = self.sim.network.remove(0);
                self.handle(Event::StatusUpdate(status));
            }
            for id in std::mem::take(&mut self.sim.kills) {
                if self.sim.tasks.get(&id).is_some_and(|t| t.live()) {
                    self.sim.emit(&id, TaskState::TaskKilled);
                }
            }
            let starting: Vec<String> = self
                .sim
                .tasks
                .values()
                .filter(|t| matches!(t.state, TaskState::TaskStaging | TaskState::TaskStarting))
                .map(|t| t.task_id.clone())
                .collect();
            for id in starting {
                self.sim.emit(&id, TaskState::TaskRunning);
            }
            let ids: Vec<String> = self.sim.tasks.keys().cloned().collect();
            for id in ids {
                self.sim.resend(&id);
            }
            for asked in std::mem::take(&mut self.sim.asked) {
                let healthy = PartitionHealth::default();
                self.handle(core_sim::answer(asked, true, healthy).expect("a Kafka request"));
            }
            let offers = self.sim.offers();
            self.handle(Event::Offers(offers));
            self.sim.now += Duration::from_secs(10);
            self.handle(Event::Tick);
            self.check();
            if self.quiet() {
                return;
            }
        }
        panic!("the healed cluster does not settle:\n{}", self.describe());
    }

    /// What the core and the master hold, for a failure report.
    fn describe(&self) -> String {
        let state = self.sim.core.state();
        let steps = state.scheduler.apply.iter().flat_map(|a| &a.steps);
        let open: Vec<String> = steps
            .filter(|s| s.stage != kmesos_scheduler::core::Stage::Done)
            .map(|s| format!("{} {:?} {:?}", s.address, s.action, s.stage))
            .collect();
        let records: Vec<String> = state
            .scheduler
            .brokers
            .iter()
            .flat_map(|(c, r)| r.iter().map(move |(id, r)| format!("{c}/{id}: {r:?}")))
            .collect();
        let tasks: Vec<String> = self
            .sim
            .tasks
            .values()
            .filter(|t| !t.state.is_terminal())
            .map(|t| format!("{} on agent {}: {:?}", t.task_id, t.agent, t.state))
            .collect();
        let quorums = &state.scheduler.quorums;
        format!("open steps: {open:#?}\nrecords: {records:#?}\nquorums: {quorums:?}\nmaster's tasks: {tasks:#?}")
    }

    /// No apply runs, nothing is in flight, and every broker's task runs.
    fn quiet(&self) -> bool {
        let state = self.sim.core.state();
        let all_running = state.state.clusters.iter().all(|(cluster, cs)| {
            cs.brokers.keys().all(|id| {
                let broker = (cluster.clone(), *id);
                self.current_task(&broker)
                    .and_then(|t| self.sim.tasks.get(&t))
                    .is_some_and(|t| t.state == TaskState::TaskRunning)
            })
        });
        state.scheduler.apply.is_none()
            && all_running
            && self.sim.network.is_empty()
            && self.sim.kills.is_empty()
            && self.sim.asked.is_empty()
            && self.sim.tasks.values().all(|t| t.unacked.is_empty())
    }
}

/// Removes and returns a random element of `items`.
fn take_any<T>(rng: &mut fastrand::Rng, items: &mut Vec<T>) -> Option<T> {
    (!items.is_empty()).then(|| items.remove(rng.usize(..items.len())))
}

/// A tansu cluster and an Apache Kafka cluster of random sizes (either may
/// be absent), settings and constraints; sized so that every broker fits
/// on four agents.
fn random_hcl(rng: &mut fastrand::Rng) -> String {
    let mut hcl = String::new();
    let tansu = rng.u32(..4);
    if tansu > 0 {
        let constraint = [
            "hostname = \"unique\"",
            "hostname = \"unique\"\n      rack = \"unlike:r3\"",
            "",
        ][rng.usize(..3)];
        let (mem, partitions) = ([512, 768][rng.usize(..2)], [3, 6][rng.usize(..2)]);
        hcl += &tansu_hcl(tansu, mem, constraint, partitions);
        let retention = ["3600000", "7200000"][rng.usize(..2)];
        hcl = hcl.replace("3600000", retention);
    }
    let apache = [0, 3, 4][rng.usize(..3)];
    if apache > 0 {
        hcl += &format!(
            r#"
cluster "events" {{
  kafka {{
    kind = "apache"
    dist = "kafka-4.1.0.tgz"
    # The scheduler's own address serves the tansu cluster.
    endpoint = "scheduler:9093"
  }}
  broker "0..{last}" {{
    cpus = 1
    mem  = {mem}
    disk = 4096
    port = "31000..31999"
    # Agents come and go for as long as the walk lasts: no deadline.
    placement_timeout = "8760h"
    constraints = {{
      hostname = "unique"
    }}
    failover {{
      delay     = "5s"
      max_delay = "1m"
    }}
  }}
  topic "audit" {{
    partitions         = {partitions}
    replication_factor = 3
  }}
}}
"#,
            last = apache - 1,
            mem = [2048, 3072][rng.usize(..2)],
            partitions = [3, 6][rng.usize(..2)],
        );
    }
    hcl
}

/// The tansu cluster `quickstart` with brokers `0..brokers-1`.
fn tansu_hcl(brokers: u32, mem: u32, constraint: &str, partitions: u32) -> String {
    format!(
        r#"
cluster "quickstart" {{
  kafka {{
    kind = "tansu"
  }}
  broker "0..{last}" {{
    cpus = 0.5
    mem  = {mem}
    disk = 1024
    port = "31000..31999"
    # Agents come and go for as long as the walk lasts: no deadline.
    placement_timeout = "8760h"
    constraints = {{
      {constraint}
    }}
    failover {{
      delay     = "5s"
      max_delay = "1m"
    }}
  }}
  topic "orders" {{
    partitions         = {partitions}
    replication_factor = 1
  }}
  config = {{
    "log.retention.ms" = "3600000"
  }}
}}
"#,
        last = brokers - 1
    )
}

/// The configuration `hcl` describes, parsed once per thread.
fn parsed(hcl: &str) -> engine::Config {
    thread_local! {
        static PARSED: RefCell<HashMap<String, engine::Config>> = RefCell::new(HashMap::new());
    }
    PARSED.with(|cache| {
        cache
            .borrow_mut()
            .entry(hcl.to_string())
            .or_insert_with(|| core_sim::load(hcl))
            .clone()
    })
}
