//! Refreshing from the brokers before a plan: the core asks for a read of
//! every running `apache` cluster, records what the brokers report that the
//! state does not hold as drift (persisted first), and answers per cluster;
//! a read is not recorded while an apply runs or when the state moved under
//! it; applying the configuration again brings the brokers back to it.

mod core_sim;

use std::collections::BTreeMap;

use core_sim::Sim;
use engine::state::{LiveBroker, LiveCluster, LiveTopic};
use engine::Address;
use kmesos_scheduler::core::{
    Command, Event, KafkaAdmin, MesosCall, RefreshOutcome, Reply, TopicOp,
};

const AGENTS: &[(&str, &str)] = &[("node-1", "r1"), ("node-2", "r2"), ("node-3", "r3")];

const HCL: &str = r#"
cluster "events" {
  kafka {
    kind = "apache"
    dist = "kafka-4.1.0.tgz"
  }
  config = {
    "min.insync.replicas" = 2
  }
  broker "0..2" {
    cpus = 1
    mem  = 2048
    disk = 4096
    port = "31000..31009"
    constraints = {
      hostname = "unique"
    }
  }
  topic "orders" {
    partitions         = 3
    replication_factor = 3
    config = {
      "retention.ms" = "3600000"
    }
  }
}

cluster "light" {
  kafka {
    kind = "tansu"
  }
  broker "0" {
    cpus = 0.5
    mem  = 512
    disk = 1024
    port = "31000..31009"
  }
}
"#;

/// The reads a batch of commands asks for: cluster → (brokers, topics).
fn reads(commands: &[Command]) -> BTreeMap<String, (BTreeMap<u32, String>, Vec<String>)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Kafka(KafkaAdmin::ReadLive {
                cluster,
                brokers,
                topics,
            }) => Some((cluster.clone(), (brokers.clone(), topics.clone()))),
            _ => None,
        })
        .collect()
}

fn outcomes(commands: &[Command]) -> Vec<RefreshOutcome> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Reply(Reply::Refreshed(outcome)) => Some(outcome.clone()),
            _ => None,
        })
        .collect()
}

/// The brokers' answer: the cluster as applied, then changed outside:
/// retention.ms of orders set to 1000, broker 1's own log.cleaner.threads
/// set to 4.
fn changed_outside() -> LiveCluster {
    let broker = |dynamic: &[(&str, &str)]| LiveBroker {
        dynamic: dynamic
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect(),
        effective: BTreeMap::from([("min.insync.replicas".into(), Some("2".into()))]),
    };
    LiveCluster {
        defaults: BTreeMap::new(),
        brokers: BTreeMap::from([
            (0, broker(&[])),
            (1, broker(&[("log.cleaner.threads", "4")])),
            (2, broker(&[])),
        ]),
        topics: BTreeMap::from([(
            "orders".to_string(),
            Some(LiveTopic {
                partitions: 3,
                config: BTreeMap::from([("retention.ms".into(), Some("1000".into()))]),
            }),
        )]),
    }
}

fn answer(sim: &mut Sim, live: LiveCluster) -> Vec<Command> {
    sim.handle(Event::LiveRead {
        cluster: "events".into(),
        live: Ok(Box::new(live)),
    })
}

#[test]
fn a_refresh_reads_each_running_apache_broker_and_records_what_differs_as_drift() {
    let mut sim = Sim::running(AGENTS, HCL);
    let asked = sim.handle(Event::RefreshRequested);
    let reads = reads(&asked);
    assert_eq!(
        reads.keys().collect::<Vec<_>>(),
        ["events"],
        "tansu is not read"
    );
    let (brokers, topics) = &reads["events"];
    assert_eq!(brokers.keys().copied().collect::<Vec<_>>(), [0, 1, 2]);
    assert!(
        brokers.values().all(|e| e.starts_with("node-")),
        "{brokers:?}"
    );
    assert_eq!(topics, &["orders"]);

    let serial = sim.core.state().state.serial;
    let recorded = answer(&mut sim, changed_outside());
    let Some(Command::PersistState(doc)) = recorded.first() else {
        panic!("the drift is persisted first: {recorded:?}");
    };
    assert_eq!(doc.state.serial, serial + 1);
    let cluster = &doc.state.clusters["events"];
    assert_eq!(cluster.topics["orders"].config["retention.ms"], "1000");
    assert_eq!(cluster.brokers[&1].spec.config["log.cleaner.threads"], "4");
    let via = &cluster.drift[&Address::of_topic("events", "orders")].changes[0].via;
    assert_eq!(via, "refresh from the brokers (DescribeConfigs)");
    assert_eq!(
        outcomes(&recorded),
        [RefreshOutcome {
            cluster: "events".into(),
            drifted: vec![
                Address::of_broker("events", 1),
                Address::of_topic("events", "orders")
            ],
            skipped: None,
        }]
    );

    let plan = engine::diff(&core_sim::load(HCL), &sim.core.state().state).expect("a plan");
    assert_eq!(plan.drift.len(), 2, "{:?}", plan.drift);
    assert!(plan.has_changes());
}

#[test]
fn applying_the_configuration_again_sets_the_brokers_back_and_clears_the_drift() {
    let mut sim = Sim::running(AGENTS, HCL);
    sim.handle(Event::RefreshRequested);
    let mut live = changed_outside();
    // A topic property no HCL names, set outside: the apply deletes it.
    if let Some(Some(orders)) = live.topics.get_mut("orders") {
        orders
            .config
            .insert("cleanup.policy".into(), Some("compact".into()));
    }
    answer(&mut sim, live);
    let mark = sim.log.len();
    sim.apply(HCL);
    let asked: Vec<Command> = sim.asked.clone();
    sim.settle();
    assert!(!sim.apply_running(), "the apply finished");
    let dynamic = asked.iter().find_map(|c| match c {
        Command::Kafka(KafkaAdmin::ApplyDynamicConfig {
            broker: Some(1),
            properties,
            ..
        }) => Some(properties.clone()),
        _ => None,
    });
    assert_eq!(
        dynamic,
        Some(BTreeMap::from([("log.cleaner.threads".to_string(), None)])),
        "broker 1's outside value is deleted: {asked:?}"
    );
    let topic_op = sim.since(mark).iter().find_map(|c| match c {
        Command::Kafka(KafkaAdmin::TopicOp { op, .. }) => Some(op.clone()),
        _ => None,
    });
    let Some(TopicOp::Update { spec, removed, .. }) = topic_op else {
        panic!("orders is updated: {topic_op:?}");
    };
    assert_eq!(spec.config["retention.ms"], "3600000");
    assert_eq!(removed, ["cleanup.policy"]);
    assert!(!sim.core.state().state.has_drift());
    assert!(
        sim.since(mark)
            .iter()
            .all(|c| !matches!(c, Command::Mesos(MesosCall::Kill { .. }))),
        "no broker is restarted"
    );
}

#[test]
fn no_cluster_is_read_while_an_apply_runs() {
    let mut sim = Sim::running(AGENTS, HCL);
    sim.apply(&HCL.replace("\"3600000\"", "\"7200000\""));
    assert!(sim.apply_running());
    let asked = sim.handle(Event::RefreshRequested);
    assert!(reads(&asked).is_empty(), "{asked:?}");
    let [outcome] = outcomes(&asked).try_into().expect("one apache cluster");
    assert!(
        outcome
            .skipped
            .as_deref()
            .is_some_and(|why| why.contains("is running")),
        "{outcome:?}"
    );
}

#[test]
fn a_read_the_state_moved_under_is_not_recorded() {
    let mut sim = Sim::running(AGENTS, HCL);
    sim.handle(Event::RefreshRequested);
    // An apply changes the topic while the brokers are read.
    sim.apply(&HCL.replace("\"3600000\"", "\"7200000\""));
    sim.settle();
    let before = sim.core.state().clone();
    let answered = answer(&mut sim, changed_outside());
    assert_eq!(sim.core.state(), &before, "nothing recorded");
    let [outcome] = outcomes(&answered).try_into().expect("one outcome");
    assert!(outcome.skipped.is_some() && outcome.drifted.is_empty());
}

#[test]
fn a_read_that_failed_is_answered_with_its_error() {
    let mut sim = Sim::running(AGENTS, HCL);
    sim.handle(Event::RefreshRequested);
    let before = sim.core.state().clone();
    let answered = sim.handle(Event::LiveRead {
        cluster: "events".into(),
        live: Err("reading its brokers: connection refused".into()),
    });
    assert_eq!(sim.core.state(), &before);
    let [outcome] = outcomes(&answered).try_into().expect("one outcome");
    assert_eq!(
        outcome.skipped.as_deref(),
        Some("reading its brokers: connection refused")
    );
}
