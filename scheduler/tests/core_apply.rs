//! The core carries out applies: creates, in-place updates, rolling
//! restarts, destroys, and an apply resumed by a restarted scheduler.

mod core_sim;

use std::time::Duration;

use core_sim::{launches, op_types, Sim};
use engine::state::BrokerStatus;
use kmesos_scheduler::core::{
    ApplyRefusal, Command, Event, KafkaAdmin, MesosCall, PartitionHealth, Progress, Reply, TopicOp,
    TopicPlacement, TopicRefusal,
};
use mesos::proto::offer::operation::Type as Op;
use mesos::proto::TaskState;

const AGENTS: &[(&str, &str)] = &[("node-1", "r1"), ("node-2", "r2"), ("node-3", "r3")];

fn quickstart(mem: u32, retention: &str, brokers: &str) -> String {
    format!(
        r#"
cluster "quickstart" {{
  kafka {{
    kind = "tansu"
  }}
  config = {{
    "log.retention.ms" = "{retention}"
    "compression.type" = "producer"
  }}
  broker "{brokers}" {{
    cpus = 0.5
    mem  = {mem}
    disk = 1024
    port = "31000..31999"
    constraints = {{
      hostname = "unique"
    }}
  }}
  topic "orders" {{
    partitions         = 3
    replication_factor = 1
  }}
}}
"#
    )
}

fn finished(sim: &Sim) -> Option<kmesos_scheduler::core::Counts> {
    sim.log.iter().rev().find_map(|c| match c {
        Command::ApplyProgress(Progress::Finished { counts, .. }) => Some(*counts),
        _ => None,
    })
}

/// Applies the quickstart and runs it to completion.
fn running_quickstart() -> Sim {
    let mut sim = Sim::new(AGENTS);
    sim.subscribe();
    let answer = sim.apply(&quickstart(512, "3600000", "0..2"));
    assert!(
        answer
            .iter()
            .any(|c| matches!(c, Command::Reply(Reply::ApplyAccepted { .. }))),
        "{answer:?}"
    );
    sim.settle();
    sim
}

#[test]
fn quickstart_launches_three_brokers_on_three_agents_and_creates_its_topic() {
    let sim = running_quickstart();
    let live = sim.live();
    assert_eq!(live.len(), 3, "three brokers run");
    let hosts: std::collections::BTreeSet<&str> = (0..3)
        .map(|id| {
            sim.agents[sim.task_of("quickstart", id).agent]
                .hostname
                .as_str()
        })
        .collect();
    assert_eq!(hosts.len(), 3, "hostname = unique: one broker per agent");
    let ports: std::collections::BTreeSet<u16> = (0..3)
        .map(|id| sim.task_of("quickstart", id).launch().port)
        .collect();
    assert_eq!(
        ports.len(),
        3,
        "distinct ports, so agents sharing a machine do not collide"
    );
    for id in 0..3 {
        let task = sim.task_of("quickstart", id);
        let agent = &sim.agents[task.agent];
        assert_eq!(task.launch().advertised_host, agent.hostname);
        assert_eq!(
            task.launch().rack.as_deref(),
            agent.attributes.get("rack").map(String::as_str)
        );
        assert!((31000..=31999).contains(&task.launch().port));
        assert_eq!(task.launch().data_dir, "data");
        assert_eq!(
            task.launch()
                .properties
                .get("log.retention.ms")
                .map(String::as_str),
            Some("3600000")
        );
        assert!(
            task.task_id
                .starts_with(&format!("quickstart.broker-{id}.")),
            "{}",
            task.task_id
        );
    }
    // First placements reserve, create a volume and launch, in that order.
    assert_eq!(
        op_types(&sim.log)
            .iter()
            .filter(|t| **t == Op::Create)
            .count(),
        3
    );
    let state = &sim.persisted.as_ref().unwrap().state;
    let cluster = &state.clusters["quickstart"];
    assert!(
        cluster.topics.contains_key("orders"),
        "topic recorded once created"
    );
    assert!(cluster
        .brokers
        .values()
        .all(|b| b.runtime.as_ref().and_then(|r| r.status) == Some(BrokerStatus::Running)));
    let counts = finished(&sim).expect("the apply finished");
    assert_eq!(
        (
            counts.created,
            counts.updated,
            counts.restarted,
            counts.destroyed
        ),
        (5, 0, 0, 0)
    );
    assert!(!sim.apply_running());
    assert!(sim
        .log
        .iter()
        .any(|c| matches!(c, Command::Kafka(KafkaAdmin::TopicOp { .. }))));
}

#[test]
fn a_dynamic_config_change_is_applied_through_a_live_broker_without_a_restart() {
    let mut sim = running_quickstart();
    let before: Vec<String> = (0..3)
        .map(|id| sim.task_of("quickstart", id).task_id.clone())
        .collect();
    let mark = sim.log.len();
    sim.apply(&quickstart(512, "7200000", "0..2"));
    let asked: Vec<&Command> = sim
        .since(mark)
        .iter()
        .filter(|c| matches!(c, Command::Kafka(KafkaAdmin::ApplyDynamicConfig { .. })))
        .collect();
    assert_eq!(asked.len(), 1, "{:?}", sim.since(mark));
    let Command::Kafka(KafkaAdmin::ApplyDynamicConfig {
        broker,
        properties,
        endpoint,
        ..
    }) = asked[0]
    else {
        unreachable!()
    };
    assert_eq!(*broker, None, "a cluster-wide default");
    assert_eq!(
        properties.get("log.retention.ms"),
        Some(&Some("7200000".to_string()))
    );
    assert!(endpoint.starts_with("node-"), "{endpoint}");
    sim.settle();
    assert!(
        !sim.log[mark..]
            .iter()
            .any(|c| matches!(c, Command::Mesos(MesosCall::Kill { .. }))),
        "nothing restarted"
    );
    let after: Vec<String> = (0..3)
        .map(|id| sim.task_of("quickstart", id).task_id.clone())
        .collect();
    assert_eq!(before, after, "task ids unchanged");
    assert_eq!(finished(&sim).map(|c| c.updated), Some(1));
}

#[test]
fn a_restart_goes_one_broker_at_a_time_and_waits_for_a_healthy_probe() {
    let mut sim = running_quickstart();
    let creates_before = op_types(&sim.log)
        .iter()
        .filter(|t| **t == Op::Create)
        .count();
    sim.apply(&quickstart(600, "3600000", "0..2"));
    let mut restarted = Vec::new();
    for _round in 0..3 {
        // Exactly one broker is stopped.
        let kills = std::mem::take(&mut sim.kills);
        assert_eq!(kills.len(), 1, "one broker at a time: {kills:?}");
        let old = kills[0].clone();
        let broker = sim.tasks[&old].broker().clone();
        let agent = sim.tasks[&old].agent;
        sim.update(&old, TaskState::TaskKilled);
        let launched = launches(&sim.offer_all());
        assert_eq!(launched.len(), 1);
        let new = launched[0].task_id.as_ref().unwrap().value.clone();
        assert_eq!(*sim.tasks[&new].broker(), broker);
        assert_eq!(
            sim.tasks[&new].agent, agent,
            "relaunched on the agent holding its volume"
        );
        sim.update(&new, TaskState::TaskRunning);
        // Not healthy yet: the next broker must wait.
        sim.answer_all(
            true,
            PartitionHealth {
                catching_up: 2,
                needing_it: 0,
            },
        );
        sim.advance(Duration::from_secs(6));
        assert!(
            sim.kills.is_empty(),
            "waits while partitions are under-replicated"
        );
        assert!(!sim.asked.is_empty(), "probes again");
        sim.answer_all(true, PartitionHealth::default());
        restarted.push(broker.1);
    }
    restarted.sort();
    assert_eq!(restarted, vec![0, 1, 2]);
    assert_eq!(
        op_types(&sim.log)
            .iter()
            .filter(|t| **t == Op::Create)
            .count(),
        creates_before,
        "volumes reused"
    );
    assert_eq!(finished(&sim).map(|c| c.restarted), Some(3));
    for id in 0..3 {
        assert_eq!(
            sim.core.state().state.clusters["quickstart"].brokers[&id]
                .spec
                .mem,
            600
        );
    }
}

#[test]
fn destroying_a_broker_kills_it_removes_it_and_gives_its_volume_back() {
    let mut sim = running_quickstart();
    let victim = sim.task_of("quickstart", 2).task_id.clone();
    let agent = sim.tasks[&victim].agent;
    sim.apply(&quickstart(512, "3600000", "0..1"));
    assert_eq!(sim.kills, vec![victim.clone()]);
    sim.settle();
    assert!(!sim.core.state().state.clusters["quickstart"]
        .brokers
        .contains_key(&2));
    assert_eq!(finished(&sim).map(|c| c.destroyed), Some(1));
    let types = op_types(&sim.log);
    assert!(
        types.contains(&Op::Destroy) && types.contains(&Op::Unreserve),
        "{types:?}"
    );
    assert!(
        sim.agents[agent]
            .reserved
            .values()
            .all(|(_, amount)| *amount < 1e-9),
        "nothing stays reserved"
    );
    assert!(sim.live().len() == 2);
}

#[test]
fn a_scheduler_restarted_mid_apply_resumes_it() {
    let mut sim = running_quickstart();
    sim.apply(&quickstart(600, "3600000", "0..2"));
    let old = sim.kills.remove(0);
    sim.update(&old, TaskState::TaskKilled);
    let launched = launches(&sim.offer_all());
    let new = launched[0].task_id.as_ref().unwrap().value.clone();
    sim.set_state(&new, TaskState::TaskRunning);

    // The scheduler dies before it hears that the relaunched broker runs.
    let mark = sim.log.len();
    sim.restart_scheduler();
    let reconciles: Vec<usize> = sim
        .since(mark)
        .iter()
        .filter_map(|c| match c {
            Command::Mesos(MesosCall::Reconcile { tasks }) => Some(tasks.len()),
            _ => None,
        })
        .collect();
    assert_eq!(
        reconciles,
        vec![3, 0],
        "explicit for the three known tasks, then implicit"
    );
    // Reconciliation answers (no uuid): all three run.
    let ids: Vec<String> = sim
        .live()
        .values()
        .flatten()
        .map(|t| t.task_id.clone())
        .collect();
    for id in &ids {
        let status = sim.status(id, TaskState::TaskRunning, false);
        let out = sim.handle(Event::StatusUpdate(status));
        assert!(
            !out.iter()
                .any(|c| matches!(c, Command::Mesos(MesosCall::Acknowledge { .. }))),
            "answers are not acknowledged"
        );
    }
    assert!(sim.apply_running());
    sim.settle();
    assert_eq!(finished(&sim).map(|c| c.restarted), Some(3));
    assert_eq!(sim.live().len(), 3);
    assert_eq!(
        launches(&sim.log).len(),
        6,
        "3 creates and 3 relaunches, none twice"
    );
}

#[test]
fn a_stale_plan_or_a_second_apply_is_refused() {
    let mut sim = running_quickstart();
    let config = core_sim::load(&quickstart(600, "3600000", "0..2"));
    let mut plan = engine::diff(&config, &sim.core.state().state).unwrap();
    plan.serial -= 1;
    let out = sim.handle(Event::ApplySubmitted {
        plan: Box::new(plan),
        config: Box::new(config.clone()),
        holder: "late".into(),
        allow_unavailable: false,
    });
    assert!(
        matches!(
            out.as_slice(),
            [Command::Reply(Reply::ApplyRefused(ApplyRefusal::Stale(_)))]
        ),
        "{out:?}"
    );

    sim.apply(&quickstart(600, "3600000", "0..2"));
    let plan = engine::diff(&config, &sim.core.state().state).unwrap();
    let out = sim.handle(Event::ApplySubmitted {
        plan: Box::new(plan),
        config: Box::new(config),
        holder: "second".into(),
        allow_unavailable: false,
    });
    let refused = out.iter().find_map(|c| match c {
        Command::Reply(Reply::ApplyRefused(ApplyRefusal::Busy { holder, .. })) => {
            Some(holder.clone())
        }
        _ => None,
    });
    assert_eq!(
        refused.as_deref(),
        Some("tester"),
        "the answer names the holder"
    );
}

/// The message of an `Invalid` refusal in `out`.
fn invalid(out: &[Command]) -> String {
    match out {
        [Command::Reply(Reply::ApplyRefused(ApplyRefusal::Invalid(why)))] => why.clone(),
        other => panic!("not refused as invalid: {other:?}"),
    }
}

#[test]
fn a_change_set_the_state_contradicts_is_refused_and_no_broker_runs_twice() {
    let mut sim = running_quickstart();
    let tasks: Vec<String> = (0..3)
        .map(|id| sim.task_of("quickstart", id).task_id.clone())
        .collect();
    // Issue 12: "create" for the running cluster and its broker 0, against
    // the current lineage and serial.
    let config = core_sim::load(&quickstart(512, "3600000", "0"));
    let mut forged = engine::diff(&config, &engine::State::empty()).unwrap();
    forged.lineage = sim.core.state().state.lineage.clone();
    forged.serial = sim.core.state().state.serial;
    let submit = |sim: &mut Sim, plan: &engine::Plan| {
        sim.handle(Event::ApplySubmitted {
            plan: Box::new(plan.clone()),
            config: Box::new(config.clone()),
            holder: "forger".into(),
            allow_unavailable: false,
        })
    };
    let why = invalid(&submit(&mut sim, &forged));
    assert!(
        why.contains("cluster.quickstart: the change set says create"),
        "{why}"
    );
    let mut future = engine::diff(&config, &sim.core.state().state).unwrap();
    future.format_version = 2;
    let why = invalid(&submit(&mut sim, &future));
    assert!(why.contains("format_version 2"), "{why}");

    sim.settle();
    assert!(!sim.apply_running());
    let still: Vec<String> = (0..3)
        .map(|id| sim.task_of("quickstart", id).task_id.clone())
        .collect();
    assert_eq!(still, tasks, "every broker keeps its one task");
    let cluster = &sim.core.state().state.clusters["quickstart"];
    assert_eq!(
        cluster.brokers.keys().copied().collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(cluster.topics.contains_key("orders"));
}

#[test]
fn broker_restart_relaunches_that_broker_alone_on_its_volume() {
    let mut sim = running_quickstart();
    let old = sim.task_of("quickstart", 1).task_id.clone();
    let others: Vec<String> = [0, 2]
        .iter()
        .map(|id| sim.task_of("quickstart", *id).task_id.clone())
        .collect();
    let restart = |sim: &mut Sim, id| {
        sim.handle(Event::BrokerRestartRequested {
            cluster: "quickstart".into(),
            id,
            holder: "ops".into(),
        })
    };
    let out = restart(&mut sim, 9);
    assert!(
        matches!(
            out.as_slice(),
            [Command::Reply(Reply::ApplyRefused(ApplyRefusal::Invalid(
                _
            )))]
        ),
        "{out:?}"
    );
    let out = restart(&mut sim, 1);
    assert!(out
        .iter()
        .any(|c| matches!(c, Command::Reply(Reply::ApplyAccepted { .. }))));
    assert_eq!(sim.kills, vec![old.clone()]);
    sim.settle();
    let new = sim.task_of("quickstart", 1);
    assert_ne!(new.task_id, old);
    assert_eq!(
        sim.agents[new.agent].hostname,
        sim.tasks[&old].launch().advertised_host
    );
    let unchanged: Vec<String> = [0, 2]
        .iter()
        .map(|id| sim.task_of("quickstart", *id).task_id.clone())
        .collect();
    assert_eq!(unchanged, others);
    assert_eq!(finished(&sim).map(|c| c.restarted), Some(1));
}

#[test]
fn a_broker_whose_agent_no_longer_fits_moves_and_its_old_volume_is_given_back() {
    let agents = [
        ("node-1", "r1"),
        ("node-2", "r2"),
        ("node-3", "r3"),
        ("node-4", "r4"),
    ];
    let mut sim = Sim::new(&agents);
    sim.subscribe();
    let r4_excluded = quickstart(512, "3600000", "0..2").replace(
        "hostname = \"unique\"",
        "hostname = \"unique\"\n      rack = \"unlike:r4\"",
    );
    sim.apply(&r4_excluded);
    sim.settle();
    let on_r3 = (0..3)
        .find(|id| sim.agents[sim.task_of("quickstart", *id).agent].hostname == "node-3")
        .expect("a broker on node-3");
    let r3_excluded = r4_excluded.replace("unlike:r4", "unlike:r3");
    let plan = engine::diff(&core_sim::load(&r3_excluded), &sim.core.state().state).unwrap();
    let moves: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.action == engine::plan::Action::Move)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(moves, vec![on_r3.to_string().as_str()]);
    sim.apply(&r3_excluded);
    sim.settle();
    let moved = sim.task_of("quickstart", on_r3);
    assert_eq!(sim.agents[moved.agent].hostname, "node-4");
    assert_eq!(finished(&sim).map(|c| c.restarted), Some(1));
    assert!(
        op_types(&sim.log).contains(&Op::Destroy),
        "the volume on node-3 is given back"
    );
    assert!(sim.agents[2]
        .reserved
        .values()
        .all(|(_, amount)| *amount < 1e-9));
}

/// The placement of the topic creates an apply sent.
fn topic_creates(sim: &Sim) -> Vec<TopicPlacement> {
    sim.log
        .iter()
        .filter_map(|c| match c {
            Command::Kafka(KafkaAdmin::TopicOp {
                op: TopicOp::Create { .. },
                placement,
                ..
            }) => Some(placement.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_topic_is_created_on_every_tansu_broker_and_once_through_an_apache_controller() {
    let tansu = topic_creates(&running_quickstart());
    let [TopicPlacement::EveryBroker {
        brokers,
        done_already,
    }] = tansu.as_slice()
    else {
        panic!("one create on every broker: {tansu:?}");
    };
    assert_eq!(brokers.len(), 3, "{brokers:?}");
    assert_eq!(
        *done_already,
        Some(TopicRefusal::AlreadyExists),
        "a broker an earlier try reached has it already"
    );

    let hcl = quickstart(512, "3600000", "0..2").replace(
        r#"kind = "tansu""#,
        r#"kind = "apache"
    dist = "kafka-4.1.0.tgz""#,
    );
    let apache = topic_creates(&Sim::running(AGENTS, &hcl));
    let [TopicPlacement::Controller { brokers }] = apache.as_slice() else {
        panic!("one create through the controller: {apache:?}");
    };
    assert_eq!(brokers.len(), 3, "every broker must report it: {brokers:?}");
}

#[test]
fn a_secret_left_as_it_is_is_not_set_on_the_running_brokers_again() {
    let with_secret = |retention: &str| {
        quickstart(512, retention, "0..2").replace(
            r#""compression.type" = "producer""#,
            r#""compression.type" = "producer"
    "ssl.keystore.password" = "hunter2""#,
        )
    };
    let mut sim = Sim::new(AGENTS);
    sim.subscribe();
    sim.apply(&with_secret("3600000"));
    sim.settle();

    // A client plans against the state the API serves, its secrets redacted,
    // so the secret looks changed there.
    let config = core_sim::load(&with_secret("7200000"));
    let plan = engine::diff(&config, &sim.core.state().state.redacted()).expect("a plan");
    let mark = sim.log.len();
    sim.handle(Event::ApplySubmitted {
        plan: Box::new(plan),
        config: Box::new(config),
        holder: "tester".into(),
        allow_unavailable: false,
    });
    let sent: Vec<Vec<&String>> = sim
        .since(mark)
        .iter()
        .filter_map(|c| match c {
            Command::Kafka(KafkaAdmin::ApplyDynamicConfig { properties, .. }) => {
                Some(properties.keys().collect())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [["log.retention.ms"]],
        "only what changed, read against the state with its secrets"
    );
    sim.settle();
    assert!(!sim.apply_running());
}
