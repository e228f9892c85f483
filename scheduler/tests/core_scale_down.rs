//! Scale-down of an Apache Kafka cluster: a destroyed broker's partitions
//! move to the brokers that stay (partition reassignment, throttled as the
//! cluster says) before it is stopped; a scale-down below a topic's
//! replication factor fails without stopping anything; a scheduler restart
//! mid-way resumes without asking again for the moves already running.

mod core_sim;

use std::time::Duration;

use core_sim::{Sim, APACHE_AGENTS as AGENTS, APACHE_EVENTS};
use engine::plan::availability::LivePartition;
use engine::Address;
use kmesos_scheduler::core::{
    BrokerPhase, Command, Event, KafkaAdmin, LiveReassignment, PartitionHealth, Progress, Throttle,
};

/// The cluster, with a replication throttle for partition moves.
fn events() -> String {
    APACHE_EVENTS.replace(
        "dist = \"kafka-4.1.0.tgz\"",
        "dist = \"kafka-4.1.0.tgz\"\n    reassignment_throttle = \"50MB/s\"",
    )
}

fn scaled_down() -> String {
    events().replace("broker \"0..3\"", "broker \"0..2\"")
}

fn partition(topic: &str, index: i32, replicas: &[u32], isr: &[u32]) -> LivePartition {
    LivePartition {
        topic: topic.into(),
        partition: index,
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        min_insync_replicas: 2,
    }
}

/// Answers the one reassignment read asked with `live`.
fn read(sim: &mut Sim, live: LiveReassignment) {
    let work = sim.take_kafka_work();
    assert!(
        matches!(
            work.as_slice(),
            [KafkaAdmin::ReadReassignment { address, .. }] if *address == leaving()
        ),
        "one read of the partitions: {work:?}"
    );
    sim.handle(Event::ReassignmentRead {
        address: leaving(),
        read: Ok(live),
    });
}

fn reassigning_details(sim: &Sim, mark: usize) -> Vec<String> {
    sim.since(mark)
        .iter()
        .filter_map(|c| match c {
            Command::ApplyProgress(Progress::Broker {
                id: 3,
                phase: BrokerPhase::Reassigning,
                detail: Some(detail),
                ..
            }) => Some(detail.clone()),
            _ => None,
        })
        .collect()
}

/// Broker 3 holds one replica of each partition of `orders`.
fn before() -> LiveReassignment {
    LiveReassignment {
        partitions: vec![
            partition("orders", 0, &[1, 2, 3], &[1, 2, 3]),
            partition("orders", 1, &[3, 0, 1], &[3, 0, 1]),
        ],
        running: Vec::new(),
    }
}

/// Both partitions moving: Metadata lists old and new replicas together.
fn moving() -> LiveReassignment {
    LiveReassignment {
        partitions: vec![
            partition("orders", 0, &[1, 2, 0, 3], &[1, 2, 3]),
            partition("orders", 1, &[2, 0, 1, 3], &[0, 1, 3]),
        ],
        running: vec![("orders".into(), 0), ("orders".into(), 1)],
    }
}

fn moved() -> LiveReassignment {
    LiveReassignment {
        partitions: vec![
            partition("orders", 0, &[1, 2, 0], &[1, 2, 0]),
            partition("orders", 1, &[2, 0, 1], &[2, 0, 1]),
        ],
        running: Vec::new(),
    }
}

/// Scales the running cluster down to brokers 0..2 and answers the first
/// read with [`before`]: the moves are asked for.
fn scale_down_until_the_moves_are_asked() -> (Sim, String) {
    let mut sim = Sim::running(AGENTS, &events());
    let broker_3 = sim.task_of("events", 3).task_id.clone();
    sim.apply(&scaled_down());
    read(&mut sim, before());
    let work = sim.take_kafka_work();
    let [KafkaAdmin::Reassign {
        moves, throttle, ..
    }] = work.as_slice()
    else {
        panic!("the moves are asked for: {work:?}");
    };
    let targets: Vec<(i32, Vec<u32>)> = moves
        .iter()
        .map(|m| (m.partition, m.target.clone()))
        .collect();
    assert_eq!(targets, [(0, vec![1, 2, 0]), (1, vec![2, 0, 1])]);
    let throttled = throttle
        .as_ref()
        .map(|t: &Throttle| (t.rate, t.brokers.keys().copied().collect::<Vec<_>>()));
    assert_eq!(throttled, Some((50_000_000, vec![0, 1, 2, 3])));
    sim.handle(Event::ReassignmentAsked {
        address: leaving(),
        error: None,
    });
    assert!(
        sim.kills.is_empty(),
        "not stopped while its partitions move"
    );
    (sim, broker_3)
}

#[test]
fn a_destroyed_broker_stops_only_once_its_partitions_moved_and_the_throttle_is_gone() {
    let (mut sim, broker_3) = scale_down_until_the_moves_are_asked();

    let mark = sim.log.len();
    sim.advance(Duration::from_secs(6));
    read(&mut sim, moving());
    assert!(
        sim.take_kafka_work().is_empty(),
        "moves running are not asked again"
    );
    assert!(
        sim.kills.is_empty(),
        "not stopped while its partitions move"
    );
    assert_eq!(
        reassigning_details(&sim, mark),
        ["2 partitions left to move off broker 3"]
    );

    // Moved, but one new replica is not in sync yet.
    let mut catching_up = moved();
    catching_up.partitions[1].isr = vec![0, 1];
    sim.advance(Duration::from_secs(6));
    read(&mut sim, catching_up);
    assert!(sim.kills.is_empty(), "not stopped before every ISR is full");

    sim.advance(Duration::from_secs(6));
    read(&mut sim, moved());
    let work = sim.take_kafka_work();
    let [KafkaAdmin::ClearThrottle { brokers, .. }] = work.as_slice() else {
        panic!("the throttle is removed: {work:?}");
    };
    assert_eq!(brokers.keys().copied().collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert!(
        sim.kills.is_empty(),
        "not stopped before the throttle is gone"
    );
    sim.handle(Event::ThrottleCleared {
        address: leaving(),
        error: None,
    });
    assert_eq!(sim.kills, [broker_3], "stopped once nothing is left on it");

    sim.deliver_kills();
    sim.settle();
    assert!(!sim.apply_running());
    let brokers = &sim.core.state().state.clusters["events"].brokers;
    assert_eq!(brokers.keys().copied().collect::<Vec<_>>(), [0, 1, 2]);
}

#[test]
fn a_scheduler_restart_mid_reassignment_resumes_without_asking_for_the_running_moves() {
    let (mut sim, broker_3) = scale_down_until_the_moves_are_asked();

    sim.restart_scheduler();
    // Reconciliation finds every broker running.
    sim.reconcile_as_running();
    assert!(sim.apply_running(), "the apply resumes");
    read(&mut sim, moving());
    assert!(
        sim.take_kafka_work().is_empty(),
        "moves running are not asked again"
    );
    assert!(sim.kills.is_empty());

    sim.advance(Duration::from_secs(6));
    read(&mut sim, moved());
    assert!(matches!(
        sim.take_kafka_work().as_slice(),
        [KafkaAdmin::ClearThrottle { .. }]
    ));
    sim.handle(Event::ThrottleCleared {
        address: leaving(),
        error: None,
    });
    assert_eq!(sim.kills, [broker_3]);
}

#[test]
fn a_replica_out_of_sync_on_a_broker_that_is_not_running_does_not_hold_the_stop() {
    let (mut sim, _) = scale_down_until_the_moves_are_asked();
    let mut stranded = moved();
    // Broker 9 is not running: its replica cannot catch up now.
    stranded
        .partitions
        .push(partition("audit", 0, &[0, 9], &[0]));
    sim.advance(Duration::from_secs(6));
    read(&mut sim, stranded);
    assert!(matches!(
        sim.take_kafka_work().as_slice(),
        [KafkaAdmin::ClearThrottle { .. }]
    ));
}

#[test]
fn a_scale_down_cancelled_mid_way_removes_its_throttle_and_keeps_the_broker() {
    let (mut sim, _) = scale_down_until_the_moves_are_asked();
    sim.handle(Event::ApplyCancelled);
    assert!(!sim.apply_running());
    let work = sim.take_kafka_work();
    assert!(
        matches!(work.as_slice(), [KafkaAdmin::ClearThrottle { address, .. }] if *address == leaving()),
        "{work:?}"
    );
    sim.handle(Event::ThrottleCleared {
        address: leaving(),
        error: None,
    });
    assert!(sim.kills.is_empty(), "the broker keeps running");
    assert_eq!(sim.live().len(), 4);
}

#[test]
fn a_scale_down_below_a_topics_replication_factor_fails_without_stopping_the_broker() {
    let mut sim = Sim::running(AGENTS, &events());
    sim.apply(&scaled_down());
    let wide = LiveReassignment {
        partitions: vec![partition("wide", 0, &[0, 1, 2, 3], &[0, 1, 2, 3])],
        running: Vec::new(),
    };
    read(&mut sim, wide);
    let failed = sim.log.iter().find_map(|c| match c {
        Command::ApplyProgress(Progress::Failed { message, .. }) => Some(message.clone()),
        _ => None,
    });
    assert_eq!(
        failed.as_deref(),
        Some(
            "cluster.events.broker.3: cannot move its replicas: topic wide has replication factor 4, \
             but only 3 brokers would remain ([0, 1, 2]): add brokers or keep this one"
        )
    );
    assert!(sim.kills.is_empty(), "nothing stopped");
    let work = sim.take_kafka_work();
    assert!(
        !work
            .iter()
            .any(|w| matches!(w, KafkaAdmin::Reassign { .. })),
        "no move asked: {work:?}"
    );
    sim.answer_all(true, PartitionHealth::default());
    assert_eq!(sim.live().len(), 4, "broker 3 still runs");
}

/// The broker the scale-down destroys.
fn leaving() -> Address {
    Address::of_broker("events", 3)
}
