//! Running a change set one safe step at a time, in phases: creates first
//! (clusters, then brokers, launched in parallel), then changes in place
//! (dynamic Kafka configs through a live broker, topics, recorded settings),
//! then restarts and moves one broker at a time (stop gracefully, relaunch,
//! wait until it runs and a probe finds it healthy with no under-replicated
//! partitions), then destroys (topics, clients, brokers, clusters). The run
//! and each step's stage live in the persisted state, so a core rebuilt from
//! it resumes the apply where it stopped.

use std::collections::BTreeMap;

use engine::config::{ClusterSpec, Config, KafkaKind, KafkaProperties};
use engine::plan::dynamic_configs::update_mode;
use engine::plan::{Action, Plan, ResourceKind};
use engine::state::{BrokerState, ClusterState, State};

use super::record::{ApplyRun, BrokerRecord, Stage, Step};
use super::{plan_check, quorum};
use super::{
    rfc3339, tasks, ApplyRefusal, BrokerKey, BrokerPhase, Command, Core, Counts, Out,
    PartitionHealth, Progress, TaskPhase, TopicOp,
};

pub(super) fn submit(
    core: &mut Core,
    plan: Plan,
    config: Config,
    holder: String,
    now: u64,
    out: &mut Out,
) {
    if refuse_if_busy(core, out) {
        return;
    }
    let changes = match plan_check::checked_changes(&plan, &config, &core.doc.state) {
        Ok(changes) => changes,
        Err(refusal) => {
            out.push(Command::ApplyRefused(refusal));
            return;
        }
    };
    let steps = changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| Step {
            address: c.address.clone(),
            cluster: c.cluster.clone(),
            kind: c.kind,
            name: c.name.clone(),
            action: c.action,
            stage: Stage::Pending,
            dynamic: dynamic_changes(
                &core.doc.state,
                &config,
                c.kind,
                c.action,
                &c.cluster,
                &c.name,
            ),
        })
        .collect();
    // Resources the plan leaves as they are already match the configuration
    // (it was updated to accept their outside changes): no drift is left.
    for change in changes.iter().filter(|c| c.action == Action::NoOp) {
        core.doc.state.clear_drift(&change.address);
    }
    // Changed cluster settings are recorded at once so that every broker
    // launched from now on runs with them; the dynamic ones reach running
    // brokers in the update phase, the static ones with their restarts.
    for (name, spec) in &config.clusters {
        if let Some(cluster) = core.doc.state.clusters.get_mut(name) {
            cluster.kafka = spec.kafka.clone();
            cluster.config = spec.config.clone();
        }
    }
    start(core, config, steps, holder, now, out);
}

/// `kmesos broker restart`: a one-step apply.
pub(super) fn restart_broker(
    core: &mut Core,
    cluster: &str,
    id: u32,
    holder: String,
    now: u64,
    out: &mut Out,
) {
    if refuse_if_busy(core, out) {
        return;
    }
    if core.broker(cluster, id).is_none() {
        let why = format!("cluster {cluster:?} has no broker {id}");
        out.push(Command::ApplyRefused(ApplyRefusal::Invalid(why)));
        return;
    }
    let step = Step {
        address: format!("cluster.{cluster}.broker.{id}"),
        cluster: cluster.to_string(),
        kind: ResourceKind::Broker,
        name: id.to_string(),
        action: Action::Restart,
        stage: Stage::Pending,
        dynamic: BTreeMap::new(),
    };
    let target = config_of(&core.doc.state);
    start(core, target, vec![step], holder, now, out);
}

fn refuse_if_busy(core: &Core, out: &mut Out) -> bool {
    let Some(run) = &core.doc.scheduler.apply else {
        return false;
    };
    out.push(Command::ApplyRefused(ApplyRefusal::Busy {
        apply_id: run.id.clone(),
        holder: run.holder.clone(),
        since: run.since.clone(),
    }));
    true
}

fn start(
    core: &mut Core,
    target: Config,
    steps: Vec<Step>,
    holder: String,
    now: u64,
    out: &mut Out,
) {
    let id = format!("apply-{}", core.doc.state.serial + 1);
    out.push(Command::ApplyAccepted {
        apply_id: id.clone(),
    });
    out.push(Command::ApplyProgress(Progress::Started {
        apply_id: id.clone(),
        holder: holder.clone(),
        steps: steps.len(),
    }));
    core.doc.scheduler.apply = Some(ApplyRun {
        id,
        holder,
        since: rfc3339(now),
        target,
        steps,
        counts: Counts::default(),
    });
    out.dirty = true;
}

/// The configuration the state records, as a target (for restarts).
fn config_of(state: &State) -> Config {
    let clusters = state
        .clusters
        .iter()
        .map(|(name, c)| {
            let spec = ClusterSpec {
                kafka: c.kafka.clone(),
                config: c.config.clone(),
                brokers: c
                    .brokers
                    .iter()
                    .map(|(id, b)| (*id, b.spec.clone()))
                    .collect(),
                topics: c.topics.clone(),
                clients: c.clients.clone(),
            };
            (name.clone(), spec)
        })
        .collect();
    Config {
        clusters,
        ..Config::default()
    }
}

/// The dynamic Kafka properties a cluster or broker update sets: cluster-wide
/// defaults for the cluster, the broker's own overrides for a broker.
fn dynamic_changes(
    state: &State,
    target: &Config,
    kind: ResourceKind,
    action: Action,
    cluster: &str,
    name: &str,
) -> BTreeMap<String, Option<String>> {
    let empty = KafkaProperties::new();
    let before = state.clusters.get(cluster);
    let after = target.clusters.get(cluster);
    let (old, new, own): (KafkaProperties, KafkaProperties, Vec<String>) = match (kind, action) {
        (ResourceKind::Cluster, Action::Update) => {
            let old = before.map_or(empty.clone(), |c| c.config.clone());
            let new = after.map_or(empty.clone(), |c| c.config.clone());
            let keys = old.keys().chain(new.keys()).cloned().collect();
            (old, new, keys)
        }
        (ResourceKind::Broker, Action::Update) => {
            let Ok(id) = name.parse::<u32>() else {
                return BTreeMap::new();
            };
            let old_spec = before.and_then(|c| c.brokers.get(&id)).map(|b| &b.spec);
            let new_spec = after.and_then(|c| c.brokers.get(&id));
            let old = old_spec.map_or(empty.clone(), |s| {
                s.effective_config(&before.map_or(empty.clone(), |c| c.config.clone()))
            });
            let new = new_spec.map_or(empty.clone(), |s| {
                s.effective_config(&after.map_or(empty.clone(), |c| c.config.clone()))
            });
            let keys = old_spec
                .into_iter()
                .chain(new_spec)
                .flat_map(|s| s.config.keys().cloned())
                .collect();
            (old, new, keys)
        }
        _ => return BTreeMap::new(),
    };
    own.into_iter()
        .filter(|k| update_mode(k).is_dynamic() && old.get(k) != new.get(k))
        .map(|k| {
            let value = new.get(&k).cloned();
            (k, value)
        })
        .collect()
}

/// The phase a step runs in; steps of one phase run together, except
/// restarts and moves (phase 2), which run one at a time.
fn phase(step: &Step) -> u8 {
    match (step.action, step.kind) {
        (Action::Create, ResourceKind::Cluster | ResourceKind::Broker) => 0,
        (Action::Restart | Action::Move, ResourceKind::Broker) => 2,
        (Action::Destroy, ResourceKind::Topic) => 3,
        (Action::Destroy, ResourceKind::Client) => 4,
        (Action::Destroy, ResourceKind::Broker) => 5,
        (Action::Destroy, ResourceKind::Cluster) => 6,
        _ => 1,
    }
}

/// Moves the apply on as far as it can go now.
pub(super) fn advance(core: &mut Core, now: u64, out: &mut Out) {
    loop {
        let Some(run) = &core.doc.scheduler.apply else {
            return;
        };
        let open: Vec<(usize, u8)> = run
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.stage != Stage::Done)
            .map(|(i, s)| (i, phase(s)))
            .collect();
        let Some(current) = open.iter().map(|(_, p)| *p).min() else {
            finish(core, out);
            return;
        };
        let mut active: Vec<usize> = open
            .iter()
            .filter(|(_, p)| *p == current)
            .map(|(i, _)| *i)
            .collect();
        if current == 2 {
            active.truncate(1);
        }
        let mut moved = false;
        for i in active {
            moved |= step(core, i, now, out);
            if core.doc.scheduler.apply.is_none() {
                return;
            }
        }
        if !moved {
            return;
        }
    }
}

fn finish(core: &mut Core, out: &mut Out) {
    if let Some(run) = core.doc.scheduler.apply.take() {
        out.push(Command::ApplyProgress(Progress::Finished {
            apply_id: run.id,
            counts: run.counts,
        }));
        out.dirty = true;
    }
}

/// Ends the apply with an error; brokers stopped for a restart are let go
/// (failover relaunches them as they were).
fn fail(core: &mut Core, message: String, out: &mut Out) {
    if let Some(run) = core.doc.scheduler.apply.take() {
        release(core, &run);
        out.push(Command::ApplyProgress(Progress::Failed {
            apply_id: run.id,
            message,
            counts: run.counts,
        }));
        out.dirty = true;
    }
}

pub(super) fn cancel(core: &mut Core, out: &mut Out) {
    if let Some(run) = core.doc.scheduler.apply.take() {
        release(core, &run);
        out.push(Command::ApplyProgress(Progress::Cancelled {
            apply_id: run.id,
            counts: run.counts,
        }));
        out.dirty = true;
    }
}

fn release(core: &mut Core, run: &ApplyRun) {
    for step in run
        .steps
        .iter()
        .filter(|s| s.kind == ResourceKind::Broker && s.stage != Stage::Done)
    {
        if let Ok(id) = step.name.parse::<u32>() {
            if core.broker(&step.cluster, id).is_some() {
                core.record_mut(&step.cluster, id).held = false;
            }
        }
    }
}

fn run_mut(core: &mut Core) -> Option<&mut ApplyRun> {
    core.doc.scheduler.apply.as_mut()
}

fn set_stage(core: &mut Core, i: usize, stage: Stage, out: &mut Out) {
    if let Some(step) = run_mut(core).and_then(|r| r.steps.get_mut(i)) {
        step.stage = stage;
        out.dirty = true;
    }
}

fn done(core: &mut Core, i: usize, out: &mut Out) {
    let Some(run) = run_mut(core) else {
        return;
    };
    let Some(step) = run.steps.get_mut(i) else {
        return;
    };
    step.stage = Stage::Done;
    let address = step.address.clone();
    match step.action {
        Action::Create => run.counts.created += 1,
        Action::Update => run.counts.updated += 1,
        Action::Restart | Action::Move => run.counts.restarted += 1,
        Action::Destroy => run.counts.destroyed += 1,
        Action::NoOp => {}
    }
    let progress = Progress::StepDone {
        apply_id: run.id.clone(),
        address: step.address.clone(),
        action: step.action,
    };
    out.push(Command::ApplyProgress(progress));
    out.dirty = true;
    // The resource now matches the configuration: its outside changes are undone.
    core.doc.state.clear_drift(&address);
}

/// Works on step `i`; true if it moved on.
fn step(core: &mut Core, i: usize, now: u64, out: &mut Out) -> bool {
    let Some(step) = core
        .doc
        .scheduler
        .apply
        .as_ref()
        .and_then(|r| r.steps.get(i))
        .cloned()
    else {
        return false;
    };
    let before = step.stage.clone();
    match step.kind {
        ResourceKind::Cluster => cluster_step(core, i, &step, out),
        ResourceKind::Broker => match step.name.parse::<u32>() {
            Ok(id) => broker_step(core, i, &step, (step.cluster.clone(), id), now, out),
            Err(_) => fail(core, format!("{}: not a broker id", step.address), out),
        },
        ResourceKind::Topic => topic_step(core, i, &step, out),
        ResourceKind::Client => client_step(core, i, &step, out),
    }
    core.doc
        .scheduler
        .apply
        .as_ref()
        .and_then(|r| r.steps.get(i))
        .is_none_or(|s| s.stage != before)
}

fn target_cluster<'a>(core: &'a Core, cluster: &str) -> Option<&'a ClusterSpec> {
    core.doc
        .scheduler
        .apply
        .as_ref()?
        .target
        .clusters
        .get(cluster)
}

fn cluster_step(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    let name = step.cluster.as_str();
    match (step.action, &step.stage) {
        (Action::Create, Stage::Pending) => {
            let Some(spec) = target_cluster(core, name).cloned() else {
                return fail(
                    core,
                    format!("{}: not in the configuration", step.address),
                    out,
                );
            };
            core.doc.state.clusters.insert(
                name.to_string(),
                ClusterState {
                    kafka: spec.kafka,
                    config: spec.config,
                    brokers: BTreeMap::new(),
                    topics: BTreeMap::new(),
                    clients: BTreeMap::new(),
                    drift: BTreeMap::new(),
                },
            );
            done(core, i, out);
        }
        (Action::Update, _) => {
            let launched = core.doc.state.clusters.get(name).is_some_and(|c| {
                c.brokers
                    .keys()
                    .any(|id| core.record(name, *id).is_some_and(|r| r.task.is_some()))
            });
            // Brokers launched later get the properties at launch.
            if step.dynamic.is_empty() || !launched {
                return done(core, i, out);
            }
            send_dynamic(core, i, step, None, out);
        }
        (Action::Destroy, Stage::Pending) => {
            if core
                .doc
                .state
                .clusters
                .get(name)
                .is_some_and(|c| !c.brokers.is_empty())
            {
                return;
            }
            core.doc.state.clusters.remove(name);
            core.doc.scheduler.cluster_ids.remove(name);
            core.doc.scheduler.quorums.remove(name);
            done(core, i, out);
        }
        _ => {}
    }
}

/// Sends (or, after a restart of the scheduler, sends again) a step's
/// dynamic properties through a live broker.
fn send_dynamic(core: &mut Core, i: usize, step: &Step, broker: Option<u32>, out: &mut Out) {
    if step.stage != Stage::Pending && core.sent.contains(&step.address) {
        return;
    }
    let endpoint = match broker {
        Some(id) => core.endpoint(&step.cluster, id),
        None => core.any_endpoint(&step.cluster),
    };
    let Some(endpoint) = endpoint else {
        return; // no live broker yet: retried on the next event
    };
    out.push(Command::ApplyDynamicConfig {
        cluster: step.cluster.clone(),
        broker,
        endpoint,
        properties: step.dynamic.clone(),
    });
    core.sent.insert(step.address.clone());
    set_stage(core, i, Stage::Started, out);
}

fn broker_step(core: &mut Core, i: usize, step: &Step, key: BrokerKey, now: u64, out: &mut Out) {
    let (cluster, id) = (key.0.as_str(), key.1);
    let target_spec = target_cluster(core, cluster)
        .and_then(|c| c.brokers.get(&id))
        .cloned();
    let record = core.record(cluster, id).cloned().unwrap_or_default();
    let running = record
        .task
        .as_ref()
        .is_some_and(|t| t.phase == TaskPhase::Running);
    match (step.action, &step.stage) {
        (Action::Create, Stage::Pending) => {
            let Some(spec) = target_spec else {
                return fail(
                    core,
                    format!("{}: not in the configuration", step.address),
                    out,
                );
            };
            let Some(cs) = core.doc.state.clusters.get_mut(cluster) else {
                return fail(
                    core,
                    format!("{}: its cluster is not in the state", step.address),
                    out,
                );
            };
            cs.brokers.insert(
                id,
                BrokerState {
                    spec,
                    runtime: None,
                },
            );
            // A task of an earlier broker of that id may still be live (it
            // was unreachable when that broker was destroyed): it stays
            // doomed, and blocks the launch until it is gone.
            let record = core.record_mut(cluster, id);
            *record = BrokerRecord {
                doomed: std::mem::take(&mut record.doomed),
                ..Default::default()
            };
            core.set_pending(&key, now, out);
            set_stage(core, i, Stage::Started, out);
        }
        (Action::Create, _) | (Action::Restart | Action::Move, Stage::Relaunching)
            if record.gave_up =>
        {
            fail(
                core,
                format!("{}: the broker keeps failing; gave up", step.address),
                out,
            );
        }
        (Action::Create, _) if running => done(core, i, out),
        (Action::Update, Stage::Pending) => {
            if let (Some(spec), Some(broker)) = (target_spec, core.broker_mut(cluster, id)) {
                broker.spec = spec;
                out.dirty = true;
            }
            if step.dynamic.is_empty() || !running {
                return done(core, i, out);
            }
            send_dynamic(core, i, step, Some(id), out);
        }
        (Action::Update, Stage::Started) => send_dynamic(core, i, step, Some(id), out),
        (Action::Restart | Action::Move, Stage::Pending)
            if running && replicated(core, cluster) =>
        {
            set_stage(core, i, Stage::CheckingStop, out);
            probe(core, &key, now, true, BrokerPhase::WaitingToStop, out);
        }
        (Action::Restart | Action::Move, Stage::CheckingStop) if running => {
            probe(core, &key, now, false, BrokerPhase::WaitingToStop, out);
        }
        (Action::Restart | Action::Move, Stage::CheckingStop)
        | (Action::Restart | Action::Move | Action::Destroy, Stage::Pending) => {
            tasks::stop(core, &key, now, out);
            set_stage(core, i, Stage::Started, out);
        }
        (Action::Restart | Action::Move, Stage::Started) if record.task.is_none() => {
            // A KRaft voter stays: the quorum every broker runs with names its host.
            let moving = step.action == Action::Move && !quorum::standing(core, cluster, id).voter;
            if let (Some(spec), Some(broker)) = (target_spec, core.broker_mut(cluster, id)) {
                broker.spec = spec;
            }
            let record = core.record_mut(cluster, id);
            record.held = false;
            record.gave_up = false;
            record.failures = 0;
            record.relaunch_at = None;
            if moving {
                // Placed afresh where the constraints hold; the old volume is
                // given back when its agent offers it.
                record.volume = None;
            }
            core.set_pending(&key, now, out);
            set_stage(core, i, Stage::Relaunching, out);
        }
        (Action::Restart | Action::Move, Stage::Relaunching) if running => {
            set_stage(core, i, Stage::Probing, out);
            probe(core, &key, now, true, BrokerPhase::Probing, out);
        }
        (Action::Restart | Action::Move, Stage::Probing) => {
            if running {
                probe(core, &key, now, false, BrokerPhase::Probing, out);
            } else {
                set_stage(core, i, Stage::Relaunching, out);
            }
        }
        (Action::Destroy, Stage::Started) => {
            let doomed_alive = record
                .doomed
                .iter()
                .any(|t| t.phase != TaskPhase::Unreachable);
            if record.task.is_some() || doomed_alive {
                return;
            }
            if let Some(cs) = core.doc.state.clusters.get_mut(cluster) {
                cs.brokers.remove(&id);
            }
            // The record stays while its volume waits to be given back.
            if record.volume.is_none() {
                if let Some(records) = core.doc.scheduler.brokers.get_mut(cluster) {
                    records.remove(&id);
                }
            }
            core.progress_broker(&key, BrokerPhase::Destroyed, None, out);
            done(core, i, out);
        }
        _ => {}
    }
}

/// Whether the cluster's brokers replicate partitions (Apache Kafka), so
/// that stopping one must wait for its partitions' in-sync replicas. tansu
/// brokers hold the only copy of their data: nothing to wait for.
fn replicated(core: &Core, cluster: &str) -> bool {
    core.doc
        .state
        .clusters
        .get(cluster)
        .is_some_and(|c| c.kafka.kind == KafkaKind::Apache)
}

/// Sends a probe if none was sent within the probe interval (or `now`),
/// reporting the broker in `phase` meanwhile.
fn probe(
    core: &mut Core,
    key: &BrokerKey,
    now: u64,
    immediately: bool,
    phase: BrokerPhase,
    out: &mut Out,
) {
    let interval = super::millis(core.config.probe_interval);
    let due = immediately || core.probes.get(key).is_none_or(|at| now >= at + interval);
    if !due {
        return;
    }
    let Some(endpoint) = core.endpoint(&key.0, key.1) else {
        return;
    };
    core.probes.insert(key.clone(), now);
    if immediately {
        core.progress_broker(key, phase, None, out);
    }
    out.push(Command::ProbeBroker {
        cluster: key.0.clone(),
        id: key.1,
        endpoint,
    });
}

pub(super) fn probed(
    core: &mut Core,
    key: BrokerKey,
    healthy: bool,
    partitions: PartitionHealth,
    now: u64,
    out: &mut Out,
) {
    let Some(i) = find_step(core, |s| {
        s.kind == ResourceKind::Broker
            && s.cluster == key.0
            && s.name == key.1.to_string()
            && matches!(s.stage, Stage::Probing | Stage::CheckingStop)
    }) else {
        return;
    };
    let id = key.1;
    let stage = core
        .doc
        .scheduler
        .apply
        .as_ref()
        .map(|a| a.steps[i].stage.clone());
    match (stage, healthy) {
        (Some(Stage::Probing), true) if partitions.catching_up == 0 => {
            core.probes.remove(&key);
            done(core, i, out);
        }
        (Some(Stage::Probing), true) => {
            let detail = format!(
                "waiting for {} to catch up on broker {id}",
                count(partitions.catching_up, "partition")
            );
            core.progress_broker(&key, BrokerPhase::Probing, Some(detail), out);
        }
        (Some(Stage::Probing), false) => {
            let detail = "not answering Kafka requests yet".to_string();
            core.progress_broker(&key, BrokerPhase::Probing, Some(detail), out);
        }
        // A broker that does not answer serves no client: nothing to wait for.
        (Some(Stage::CheckingStop), healthy) if !healthy || partitions.needing_it == 0 => {
            core.probes.remove(&key);
            tasks::stop(core, &key, now, out);
            set_stage(core, i, Stage::Started, out);
        }
        (Some(Stage::CheckingStop), _) => {
            let detail = format!(
                "waiting: {} would fall below min.insync.replicas without broker {id}",
                count(partitions.needing_it, "partition")
            );
            core.progress_broker(&key, BrokerPhase::WaitingToStop, Some(detail), out);
        }
        _ => {}
    }
}

/// "1 partition", "4 partitions".
fn count(n: u32, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn find_step(core: &Core, matches: impl Fn(&Step) -> bool) -> Option<usize> {
    core.doc
        .scheduler
        .apply
        .as_ref()?
        .steps
        .iter()
        .position(matches)
}

pub(super) fn dynamic_config_done(
    core: &mut Core,
    cluster: &str,
    broker: Option<u32>,
    error: Option<String>,
    out: &mut Out,
) {
    let Some(i) = find_step(core, |s| {
        s.cluster == cluster
            && s.action == Action::Update
            && s.stage == Stage::Started
            && match broker {
                None => s.kind == ResourceKind::Cluster,
                Some(id) => s.kind == ResourceKind::Broker && s.name == id.to_string(),
            }
    }) else {
        return;
    };
    match error {
        Some(e) => fail(
            core,
            format!("dynamic configuration of {cluster}: {e}"),
            out,
        ),
        None => done(core, i, out),
    }
}

fn topic_step(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    if step.stage != Stage::Pending && core.sent.contains(&step.address) {
        return;
    }
    let op = match step.action {
        Action::Destroy => TopicOp::Delete {
            name: step.name.clone(),
        },
        action => {
            let Some(spec) = target_cluster(core, &step.cluster)
                .and_then(|c| c.topics.get(&step.name))
                .cloned()
            else {
                return fail(
                    core,
                    format!("{}: not in the configuration", step.address),
                    out,
                );
            };
            if action == Action::Create {
                TopicOp::Create {
                    name: step.name.clone(),
                    spec,
                }
            } else {
                let removed = core
                    .doc
                    .state
                    .clusters
                    .get(&step.cluster)
                    .and_then(|cs| cs.topics.get(&step.name))
                    .map(|before| {
                        let gone = before
                            .config
                            .keys()
                            .filter(|k| !spec.config.contains_key(*k));
                        gone.cloned().collect()
                    })
                    .unwrap_or_default();
                TopicOp::Update {
                    name: step.name.clone(),
                    spec,
                    removed,
                }
            }
        }
    };
    let Some(endpoint) = core.any_endpoint(&step.cluster) else {
        return; // no live broker yet
    };
    out.push(Command::TopicOp {
        cluster: step.cluster.clone(),
        endpoint,
        op,
    });
    core.sent.insert(step.address.clone());
    set_stage(core, i, Stage::Started, out);
}

pub(super) fn topic_done(
    core: &mut Core,
    cluster: &str,
    topic: &str,
    error: Option<String>,
    out: &mut Out,
) {
    let Some(i) = find_step(core, |s| {
        s.kind == ResourceKind::Topic
            && s.cluster == cluster
            && s.name == topic
            && s.stage == Stage::Started
    }) else {
        return;
    };
    if let Some(e) = error {
        return fail(core, format!("topic {topic} of {cluster}: {e}"), out);
    }
    let spec = target_cluster(core, cluster)
        .and_then(|c| c.topics.get(topic))
        .cloned();
    if let Some(cs) = core.doc.state.clusters.get_mut(cluster) {
        match spec {
            Some(spec) => {
                cs.topics.insert(topic.to_string(), spec);
            }
            None => {
                cs.topics.remove(topic);
            }
        }
    }
    done(core, i, out);
}

/// Clients are recorded; running them is not part of the scheduler yet.
fn client_step(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    let spec = target_cluster(core, &step.cluster)
        .and_then(|c| c.clients.get(&step.name))
        .cloned();
    if let Some(cs) = core.doc.state.clusters.get_mut(&step.cluster) {
        match spec {
            Some(spec) if step.action != Action::Destroy => {
                cs.clients.insert(step.name.clone(), spec);
            }
            _ => {
                cs.clients.remove(&step.name);
            }
        }
    }
    done(core, i, out);
}
