//! Brokers added to an Apache Kafka cluster with `rebalance = true`: once
//! they run, the apply spreads the partitions' replicas over every broker
//! (batches of moves, throttled as the cluster says, each asked only once
//! the last one is in place), then elects the preferred leaders; a cluster
//! without it, or a restart, only gets its preferred leaders elected.
//! `kmesos rebalance` runs the same step on demand.

mod core_sim;

use std::time::Duration;

use core_sim::{Sim, APACHE_AGENTS as AGENTS, APACHE_EVENTS};
use engine::plan::availability::LivePartition;
use engine::plan::reassignment::ReplicaMove;
use engine::Address;
use kmesos_scheduler::core::{
    ApplyRefusal, Command, Event, KafkaAdmin, LiveReassignment, PartitionHealth, Progress, Reply,
};

/// Brokers 0..2 of the cluster, with `rebalance` and a throttle.
fn three(rebalance: bool) -> String {
    APACHE_EVENTS
        .replace(
            "dist = \"kafka-4.1.0.tgz\"",
            &format!(
                "dist = \"kafka-4.1.0.tgz\"\n    reassignment_throttle = \"50MB/s\"\n    rebalance = {rebalance}"
            ),
        )
        .replace("broker \"0..3\"", "broker \"0..2\"")
}

fn four(rebalance: bool) -> String {
    three(rebalance).replace("broker \"0..2\"", "broker \"0..3\"")
}

fn partition(index: i32, replicas: &[u32]) -> LivePartition {
    LivePartition {
        topic: "orders".into(),
        partition: index,
        replicas: replicas.to_vec(),
        isr: replicas.to_vec(),
        min_insync_replicas: 2,
    }
}

/// Six partitions of rf 3, all on brokers 0–2.
fn on_three() -> Vec<LivePartition> {
    (0..6)
        .map(|p| {
            let first = (p % 3) as u32;
            partition(p, &[first, (first + 1) % 3, (first + 2) % 3])
        })
        .collect()
}

fn cluster() -> Address {
    Address::of_cluster("events")
}

/// The cluster's progress lines since `mark`.
fn cluster_details(sim: &Sim, mark: usize) -> Vec<String> {
    sim.since(mark)
        .iter()
        .filter_map(|c| match c {
            Command::ApplyProgress(Progress::Cluster { detail, .. }) => Some(detail.clone()),
            _ => None,
        })
        .collect()
}

/// Runs the cluster's brokers (offers, task updates, kills, healthy
/// probes) while the Kafka work on its partitions waits unanswered.
fn run_brokers(sim: &mut Sim) {
    for _ in 0..20 {
        sim.offer_all();
        sim.start_staged();
        sim.deliver_kills();
        let (brokers, partitions): (Vec<Command>, Vec<Command>) =
            std::mem::take(&mut sim.asked).into_iter().partition(|c| {
                matches!(
                    c,
                    Command::Kafka(KafkaAdmin::ProbeBroker { .. })
                        | Command::Kafka(KafkaAdmin::ApplyDynamicConfig { .. })
                        | Command::Kafka(KafkaAdmin::TopicOp { .. })
                )
            });
        sim.asked = partitions;
        for command in brokers {
            if let Some(event) = core_sim::answer(command, true, PartitionHealth::default()) {
                sim.handle(event);
            }
        }
        sim.advance(Duration::from_secs(3));
    }
}

/// Answers the first read with [`on_three`]: the moves asked for, in
/// which broker 3 takes its share (18 replicas over 4 brokers), and the
/// throttle's rate.
fn first_batch(sim: &mut Sim) -> (Vec<ReplicaMove>, Option<u64>) {
    sim.handle(Event::ReassignmentRead {
        address: cluster(),
        read: Ok(LiveReassignment {
            partitions: on_three(),
            running: Vec::new(),
        }),
    });
    let work = sim.take_kafka_work();
    let [KafkaAdmin::Reassign {
        moves, throttle, ..
    }] = work.as_slice()
    else {
        panic!("moves are asked for: {work:?}");
    };
    let gained = moves.iter().filter(|m| m.target.contains(&3)).count();
    assert!(gained >= 4, "broker 3 takes its share: {moves:?}");
    (moves.clone(), throttle.as_ref().map(|t| t.rate))
}

/// Applies `hcl` to the running cluster and runs its brokers.
fn grow(sim: &mut Sim, hcl: &str) {
    sim.apply(hcl);
    run_brokers(sim);
}

#[test]
fn added_brokers_get_an_even_share_of_replicas_then_leaders_are_elected() {
    let mut sim = Sim::running(AGENTS, &three(true));
    sim.take_kafka_work();
    grow(&mut sim, &four(true));
    let work = sim.take_kafka_work();
    // Read every probe interval until answered.
    assert!(
        !work.is_empty()
            && work.iter().all(
                |w| matches!(w, KafkaAdmin::ReadReassignment { address, .. } if *address == cluster())
            ),
        "the partitions are read once broker 3 runs: {work:?}"
    );
    let (moves, throttle) = first_batch(&mut sim);
    assert_eq!(throttle, Some(50_000_000));
    let after: Vec<LivePartition> = on_three()
        .into_iter()
        .map(|p| {
            let m = moves.iter().find(|m| m.partition == p.partition);
            partition(p.partition, m.map_or(&p.replicas, |m| &m.target))
        })
        .collect();
    sim.handle(Event::ReassignmentAsked {
        address: cluster(),
        error: None,
    });
    // While the moves run, nothing more is asked.
    sim.advance(Duration::from_secs(6));
    let read = sim.take_kafka_work();
    assert!(
        matches!(read.as_slice(), [KafkaAdmin::ReadReassignment { .. }]),
        "{read:?}"
    );
    let mark = sim.log.len();
    sim.handle(Event::ReassignmentRead {
        address: cluster(),
        read: Ok(LiveReassignment {
            partitions: after.clone(),
            running: vec![("orders".into(), 0)],
        }),
    });
    assert!(sim.take_kafka_work().is_empty());
    assert!(cluster_details(&sim, mark)
        .iter()
        .any(|d| d.ends_with("moving to spread replicas")));
    // In place and balanced: the throttle goes, then the leaders are elected.
    sim.advance(Duration::from_secs(6));
    sim.take_kafka_work();
    sim.handle(Event::ReassignmentRead {
        address: cluster(),
        read: Ok(LiveReassignment {
            partitions: after,
            running: Vec::new(),
        }),
    });
    let work = sim.take_kafka_work();
    assert!(
        matches!(work.as_slice(), [KafkaAdmin::ClearThrottle { .. }]),
        "{work:?}"
    );
    sim.handle(Event::ThrottleCleared {
        address: cluster(),
        error: None,
    });
    let work = sim.take_kafka_work();
    assert!(
        matches!(work.as_slice(), [KafkaAdmin::ElectPreferredLeaders { cluster, .. }] if cluster == "events"),
        "{work:?}"
    );
    assert!(sim.apply_running());
    sim.handle(Event::LeadersElected {
        cluster: "events".into(),
        elected: Ok(2),
    });
    assert!(!sim.apply_running(), "done");
}

#[test]
fn without_rebalance_added_brokers_move_no_partition() {
    let mut sim = Sim::running(AGENTS, &three(false));
    sim.take_kafka_work();
    grow(&mut sim, &four(false));
    assert!(!sim.apply_running());
    let work = sim.take_kafka_work();
    assert!(
        !work.iter().any(|w| matches!(
            w,
            KafkaAdmin::ReadReassignment { .. } | KafkaAdmin::ElectPreferredLeaders { .. }
        )),
        "{work:?}"
    );
}

#[test]
fn a_failed_election_is_reported_and_the_apply_completes() {
    let mut sim = Sim::running(AGENTS, &three(false));
    sim.handle(Event::BrokerRestartRequested {
        cluster: "events".into(),
        id: 1,
        holder: "tester".into(),
    });
    run_brokers(&mut sim);
    let work = sim.take_kafka_work();
    assert!(
        work.iter()
            .any(|w| matches!(w, KafkaAdmin::ElectPreferredLeaders { .. })),
        "{work:?}"
    );
    let mark = sim.log.len();
    sim.handle(Event::LeadersElected {
        cluster: "events".into(),
        elected: Err("the controller did not answer".into()),
    });
    assert!(!sim.apply_running());
    assert!(cluster_details(&sim, mark)
        .iter()
        .any(|d| d.contains("the controller did not answer")));
}

#[test]
fn a_rebalance_asked_for_moves_replicas_onto_a_broker_that_holds_too_few() {
    // Broker 3 was added without `rebalance`: it holds nothing.
    let mut sim = Sim::running(AGENTS, &four(false));
    sim.take_kafka_work();
    let out = sim.handle(Event::RebalanceRequested {
        cluster: "events".into(),
        holder: "tester".into(),
    });
    assert!(out
        .iter()
        .any(|c| matches!(c, Command::Reply(Reply::ApplyAccepted { .. }))));
    let work = sim.take_kafka_work();
    assert!(
        matches!(work.as_slice(), [KafkaAdmin::ReadReassignment { address, .. }] if *address == cluster()),
        "{work:?}"
    );
    first_batch(&mut sim);
    assert!(sim.apply_running(), "the apply waits for the moves");
}

#[test]
fn a_rebalance_of_a_cluster_that_cannot_have_one_is_refused_naming_why() {
    let mut sim = Sim::running(AGENTS, &three(false));
    let refusal = |sim: &mut Sim, cluster: &str| {
        let out = sim.handle(Event::RebalanceRequested {
            cluster: cluster.into(),
            holder: "tester".into(),
        });
        match out.as_slice() {
            [Command::Reply(Reply::ApplyRefused(ApplyRefusal::Invalid(why)))] => why.clone(),
            other => panic!("not refused: {other:?}"),
        }
    };
    assert!(refusal(&mut sim, "orders").contains("no cluster \"orders\""));
    let tansu = core_sim::APACHE_EVENTS
        .replace("kind = \"apache\"", "kind = \"tansu\"")
        .replace("dist = \"kafka-4.1.0.tgz\"", "");
    let mut sim = Sim::running(AGENTS, &tansu);
    let why = refusal(&mut sim, "events");
    assert!(why.contains("runs tansu"), "{why}");
    assert!(!sim.apply_running());
}
