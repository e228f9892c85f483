//! Failover and reconciliation: failed brokers come back after a delay that
//! doubles, up to `max_tries`; a lost agent's broker waits for it within
//! `stickiness`, then moves; a restarted scheduler adopts the tasks it owns
//! and kills the ones it does not.

mod core_sim;

use std::time::Duration;

use core_sim::{launches, op_types, Sim};
use engine::state::BrokerStatus;
use kmesos_scheduler::core::{Command, Event, MesosCall};
use mesos::proto::offer::operation::Type as Op;
use mesos::proto::TaskState;

fn cluster(brokers: &str, max_tries: u32, stickiness: &str) -> String {
    format!(
        r#"
cluster "c" {{
  kafka {{
    kind = "tansu"
  }}
  broker "{brokers}" {{
    cpus = 1
    mem  = 1024
    disk = 2048
    port = "31000..31999"
    constraints = {{
      hostname = "unique"
    }}
    failover {{
      delay     = "10s"
      max_delay = "40s"
      max_tries = {max_tries}
    }}
    stickiness = "{stickiness}"
  }}
}}
"#
    )
}

fn started(hosts: &[(&str, &str)], hcl: &str) -> Sim {
    let mut sim = Sim::new(hosts);
    sim.subscribe();
    sim.apply(hcl);
    sim.settle();
    sim
}

/// Offers every 5 s until the broker is launched again; the seconds it took.
fn seconds_until_relaunch(sim: &mut Sim, limit: u64) -> Option<u64> {
    let mut waited = 0;
    loop {
        let launched = launches(&sim.offer_all());
        if !launched.is_empty() {
            let id = launched[0].task_id.as_ref().unwrap().value.clone();
            sim.update(&id, TaskState::TaskRunning);
            return Some(waited);
        }
        if waited >= limit {
            return None;
        }
        sim.advance(Duration::from_secs(5));
        waited += 5;
    }
}

#[test]
fn a_failed_broker_is_relaunched_after_a_delay_doubling_up_to_max_delay() {
    let mut sim = started(&[("node-1", "r1")], &cluster("0..0", 0, "10m"));
    let mut delays = Vec::new();
    for _ in 0..4 {
        let id = sim.task_of("c", 0).task_id.clone();
        sim.update(&id, TaskState::TaskFailed);
        assert_eq!(
            sim.core.state().state.clusters["c"].brokers[&0]
                .runtime
                .as_ref()
                .unwrap()
                .status,
            Some(BrokerStatus::Failed)
        );
        delays.push(seconds_until_relaunch(&mut sim, 120).expect("relaunched"));
    }
    assert_eq!(delays, vec![10, 20, 40, 40]);
    assert_eq!(
        op_types(&sim.log)
            .iter()
            .filter(|t| **t == Op::Create)
            .count(),
        1,
        "relaunched on its volume"
    );
}

#[test]
fn offers_are_refused_until_the_failover_delay_ends_not_for_the_idle_filter() {
    let mut sim = started(&[("node-1", "r1")], &cluster("0..0", 0, "10m"));
    let id = sim.task_of("c", 0).task_id.clone();
    sim.update(&id, TaskState::TaskFailed);
    let refused = |out: &[Command]| -> Vec<f64> {
        out.iter()
            .filter_map(|c| match c {
                Command::Mesos(MesosCall::Decline { refuse_seconds, .. }) => Some(*refuse_seconds),
                _ => None,
            })
            .collect()
    };
    // The broker waits 10 s: the offer is of use again then, not in 300 s.
    assert_eq!(refused(&sim.offer_all()), vec![10.0]);
    sim.advance(Duration::from_secs(4));
    assert_eq!(refused(&sim.offer_all()), vec![6.0]);
    assert_eq!(seconds_until_relaunch(&mut sim, 60), Some(10));
    // Nothing waits any more: the idle filter.
    assert_eq!(refused(&sim.offer_all()), vec![300.0]);
}

#[test]
fn a_broker_that_keeps_failing_is_given_up_after_max_tries() {
    let mut sim = started(&[("node-1", "r1")], &cluster("0..0", 2, "10m"));
    for _ in 0..2 {
        let id = sim.task_of("c", 0).task_id.clone();
        sim.update(&id, TaskState::TaskFailed);
        assert!(seconds_until_relaunch(&mut sim, 60).is_some());
    }
    let id = sim.task_of("c", 0).task_id.clone();
    sim.update(&id, TaskState::TaskFailed);
    assert_eq!(
        seconds_until_relaunch(&mut sim, 600),
        None,
        "no third relaunch"
    );
    assert!(sim.live().is_empty());
}

#[test]
fn a_lost_agents_broker_moves_after_the_delay_and_its_old_task_is_killed_if_it_returns() {
    let mut sim = started(
        &[("node-1", "r1"), ("node-2", "r2")],
        &cluster("0..0", 0, "0s"),
    );
    let old = sim.task_of("c", 0).task_id.clone();
    let first_agent = sim.tasks[&old].agent;
    let out = sim.lose_agent(first_agent);
    assert!(
        out.iter().any(
            |c| matches!(c, Command::Mesos(MesosCall::Kill { task_id, .. }) if task_id.value == old)
        ),
        "killed should it come back"
    );
    assert!(
        !out.iter()
            .any(|c| matches!(c, Command::Mesos(MesosCall::Acknowledge { .. }))),
        "master-made updates are not acknowledged"
    );
    assert_eq!(seconds_until_relaunch(&mut sim, 60), Some(10));
    let new = sim.task_of("c", 0);
    assert_ne!(new.agent, first_agent);
    assert_eq!(
        op_types(&sim.log)
            .iter()
            .filter(|t| **t == Op::Create)
            .count(),
        2,
        "a fresh volume elsewhere"
    );

    // The partition heals and the old task reports in: it is not the broker's any more.
    sim.agents[first_agent].reachable = true;
    sim.set_state(&old, TaskState::TaskRunning);
    sim.kills.clear();
    let out = sim.update(&old, TaskState::TaskRunning);
    assert!(out.iter().any(
        |c| matches!(c, Command::Mesos(MesosCall::Kill { task_id, .. }) if task_id.value == old)
    ));
    sim.deliver_kills();
    assert_eq!(sim.live().len(), 1);
    // Its volume on the first agent is given back once that agent offers it.
    sim.offer_all();
    assert!(op_types(&sim.log).contains(&Op::Destroy));
}

#[test]
fn within_stickiness_a_broker_waits_for_the_agent_holding_its_volume() {
    let mut sim = started(
        &[("node-1", "r1"), ("node-2", "r2")],
        &cluster("0..0", 0, "5m"),
    );
    let old = sim.task_of("c", 0).task_id.clone();
    let home = sim.tasks[&old].agent;
    sim.lose_agent(home);
    assert_eq!(
        seconds_until_relaunch(&mut sim, 240),
        None,
        "not placed elsewhere within 5m"
    );
    // The agent comes back after a reboot: the task is gone, the volume is not.
    sim.agents[home].reachable = true;
    sim.set_state(&old, TaskState::TaskGone);
    let gone = sim.status(&old, TaskState::TaskGone, false);
    sim.handle(Event::StatusUpdate(gone));
    assert!(seconds_until_relaunch(&mut sim, 60).is_some());
    assert_eq!(sim.task_of("c", 0).agent, home);
    assert_eq!(
        op_types(&sim.log)
            .iter()
            .filter(|t| **t == Op::Create)
            .count(),
        1,
        "its volume reused"
    );
}

#[test]
fn past_stickiness_a_broker_is_placed_elsewhere_with_a_fresh_volume() {
    let mut sim = started(
        &[("node-1", "r1"), ("node-2", "r2")],
        &cluster("0..0", 0, "1m"),
    );
    let home = sim.task_of("c", 0).agent;
    sim.lose_agent(home);
    let waited = seconds_until_relaunch(&mut sim, 300).expect("placed elsewhere");
    assert_eq!(waited, 60, "after the stickiness window, not the 10s delay");
    assert_ne!(sim.task_of("c", 0).agent, home);
}

#[test]
fn a_restarted_scheduler_adopts_its_running_tasks_and_kills_strangers() {
    let mut sim = started(
        &[("node-1", "r1"), ("node-2", "r2"), ("node-3", "r3")],
        &cluster("0..2", 0, "10m"),
    );
    let before: Vec<String> = (0..3)
        .map(|id| sim.task_of("c", id).task_id.clone())
        .collect();
    let out = sim.restart_scheduler();
    let explicit: Vec<String> = out
        .iter()
        .find_map(|c| match c {
            Command::Mesos(MesosCall::Reconcile { tasks }) if !tasks.is_empty() => {
                Some(tasks.iter().map(|(t, _)| t.value.clone()).collect())
            }
            _ => None,
        })
        .expect("explicit reconciliation");
    let mut sorted = before.clone();
    sorted.sort();
    let mut asked = explicit.clone();
    asked.sort();
    assert_eq!(asked, sorted);
    // Until the master answers, nothing is launched for those brokers.
    assert!(launches(&sim.offer_all()).is_empty());
    // Implicit reconciliation turns up a task nobody owns: it is killed.
    let stranger = sim.status("c.broker-7.deadbeef", TaskState::TaskRunning, false);
    let out = sim.handle(Event::StatusUpdate(stranger));
    assert!(out.iter().any(
        |c| matches!(c, Command::Mesos(MesosCall::Kill { task_id, .. }) if task_id.value == "c.broker-7.deadbeef")
    ));
    // Two answer RUNNING: adopted. The third is gone: relaunched after the delay.
    for id in &before[..2] {
        let status = sim.status(id, TaskState::TaskRunning, false);
        sim.handle(Event::StatusUpdate(status));
    }
    sim.set_state(&before[2], TaskState::TaskGone);
    let status = sim.status(&before[2], TaskState::TaskGone, false);
    sim.handle(Event::StatusUpdate(status));
    assert!(seconds_until_relaunch(&mut sim, 60).is_some());
    let after: Vec<String> = (0..3)
        .map(|id| sim.task_of("c", id).task_id.clone())
        .collect();
    assert_eq!(after[..2], before[..2], "adopted, not relaunched");
    assert_ne!(after[2], before[2]);
}

#[test]
fn unanswered_reconciliation_is_asked_again_with_backoff() {
    let mut sim = started(&[("node-1", "r1")], &cluster("0..0", 0, "10m"));
    sim.restart_scheduler();
    let mut asked_at = Vec::new();
    for second in 1..=40 {
        let out = sim.advance(Duration::from_secs(1));
        if out.iter().any(
            |c| matches!(c, Command::Mesos(MesosCall::Reconcile { tasks }) if !tasks.is_empty()),
        ) {
            asked_at.push(second);
        }
    }
    assert_eq!(asked_at, vec![5, 15, 35], "5 s, then doubling");
}

#[test]
fn a_launch_the_master_never_saw_is_found_by_reconciliation_and_replaced() {
    let mut sim = Sim::new(&[("node-1", "r1")]);
    sim.subscribe();
    sim.apply(&cluster("0..0", 0, "10m"));
    // The ACCEPT is lost on its way to the master.
    let offers = sim.offers();
    let lost = launches(&sim.core.handle(Event::Offers(offers), sim.now));
    let lost_id = lost[0].task_id.as_ref().unwrap().value.clone();
    let mut asked = None;
    for _ in 0..10 {
        let out = sim.advance(Duration::from_secs(1));
        asked = asked.or(out.into_iter().find_map(|c| match c {
            Command::Mesos(MesosCall::Reconcile { tasks }) if !tasks.is_empty() => Some(tasks),
            _ => None,
        }));
    }
    let asked = asked.expect("the silent task is reconciled");
    assert_eq!(asked[0].0.value, lost_id);
    // The master does not know it.
    let unknown = sim.status(&lost_id, TaskState::TaskGone, false);
    sim.handle(Event::StatusUpdate(unknown));
    assert!(seconds_until_relaunch(&mut sim, 60).is_some());
    assert_ne!(sim.task_of("c", 0).task_id, lost_id);
}

#[test]
fn a_state_without_the_cores_records_does_not_launch_its_brokers_twice() {
    let mut sim = started(
        &[("node-1", "r1"), ("node-2", "r2")],
        &cluster("0..1", 0, "10m"),
    );
    let mut bare = sim.persisted.clone().unwrap();
    bare.scheduler = Default::default();
    let tasks: Vec<String> = (0..2)
        .map(|id| sim.task_of("c", id).task_id.clone())
        .collect();
    sim.core = kmesos_scheduler::core::Core::new(core_sim::config(), bare);
    let out = sim.subscribe();
    let asked: Vec<String> = out
        .iter()
        .filter_map(|c| match c {
            Command::Mesos(MesosCall::Reconcile { tasks }) if !tasks.is_empty() => {
                Some(tasks.iter().map(|(t, _)| t.value.clone()))
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(asked, tasks, "the tasks the state names are reconciled");
    assert!(
        launches(&sim.offer_all()).is_empty(),
        "and not launched again"
    );
    for id in &tasks {
        let status = sim.status(id, TaskState::TaskRunning, false);
        sim.handle(Event::StatusUpdate(status));
    }
    sim.settle();
    assert_eq!(launches(&sim.log).len(), 2, "only the first launches, ever");
}

#[test]
fn a_reconciliation_answer_older_than_the_executors_update_kills_nothing() {
    let mut sim = Sim::new(&[("node-1", "r1")]);
    sim.subscribe();
    sim.apply(&cluster("0..0", 0, "10m"));
    let launched = launches(&sim.offer_all());
    assert_eq!(launched.len(), 1);
    let id = launched[0].task_id.as_ref().unwrap().value.clone();

    // The executor says STARTING; the master's answer to reconciliation,
    // made earlier, arrives after it still saying STAGING, then the
    // executor's STARTING is redelivered.
    let mark = sim.log.len();
    sim.update(&id, TaskState::TaskStarting);
    let stale = sim.status(&id, TaskState::TaskStaging, false);
    sim.handle(Event::StatusUpdate(stale));
    sim.update(&id, TaskState::TaskStarting);
    sim.advance(Duration::from_secs(30));
    sim.update(&id, TaskState::TaskRunning);
    sim.advance(Duration::from_secs(30));

    let kills: Vec<_> = sim
        .since(mark)
        .iter()
        .filter(|c| matches!(c, Command::Mesos(MesosCall::Kill { .. })))
        .collect();
    assert!(kills.is_empty(), "a healthy broker was killed: {kills:?}");
    assert_eq!(sim.task_of("c", 0).task_id, id);
    assert_eq!(
        sim.core.state().state.clusters["c"].brokers[&0]
            .runtime
            .as_ref()
            .unwrap()
            .status,
        Some(BrokerStatus::Running)
    );
}
