//! Apache Kafka clusters: the KRaft controller quorum. Voters are reserved
//! first (resources, volume and both ports), then every broker launches
//! with the same quorum; a voter that fails comes back on its agent and ports.

mod core_sim;

use std::time::Duration;

use core_sim::{launches, op_types, Sim};
use kmesos_executor::launch::{BrokerProgram, LaunchSpec};
use mesos::proto::offer::operation::Type as Op;
use mesos::proto::TaskState;

const AGENTS: &[(&str, &str)] = &[
    ("node-1", "r1"),
    ("node-2", "r2"),
    ("node-3", "r3"),
    ("node-4", "r1"),
];

const EVENTS: &str = r#"
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

#[test]
fn voters_are_reserved_first_then_every_broker_runs_with_the_same_quorum() {
    let mut sim = Sim::new(AGENTS);
    sim.subscribe();
    sim.apply(EVENTS);
    let first = sim.offer_all();
    let ops = op_types(&first);
    assert_eq!(
        ops.iter().filter(|t| **t == Op::Create).count(),
        4,
        "{ops:?}"
    );
    // The voters are only reserved; the fourth broker launches once they are.
    let launched: Vec<u32> = launches(&first)
        .iter()
        .map(|t| {
            LaunchSpec::decode(t.data.as_deref().unwrap())
                .unwrap()
                .broker_id
        })
        .collect();
    assert_eq!(launched, vec![3]);
    sim.settle();
    assert_eq!(sim.live().len(), 4);
    let quorum = sim.core.state().scheduler.quorums["events"].clone();
    assert_eq!(
        quorum.iter().map(|v| v.node_id).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    for id in 0..4 {
        let task = sim.task_of("events", id);
        let BrokerProgram::Apache(apache) = &task.launch.broker else {
            panic!("broker {id} is not apache")
        };
        assert_eq!(apache.quorum, quorum, "broker {id} has the same quorum");
        assert_eq!(apache.heap_mib, 1024, "half of mem by default");
        assert_eq!(apache.distribution, "kafka.tgz");
        match quorum.iter().find(|v| v.node_id == id) {
            Some(voter) => {
                assert_eq!(apache.controller_port, Some(voter.port));
                assert_eq!(voter.host, sim.agents[task.agent].hostname);
                assert_ne!(voter.port, task.launch.port);
            }
            None => assert_eq!(apache.controller_port, None),
        }
    }
}

#[test]
fn a_failed_voter_comes_back_on_its_agent_and_ports_even_past_stickiness() {
    let mut sim = Sim::new(AGENTS);
    sim.subscribe();
    sim.apply(EVENTS);
    sim.settle();
    let before = sim.task_of("events", 1);
    let (old, agent, port) = (before.task_id.clone(), before.agent, before.launch.port);
    sim.update(&old, TaskState::TaskFailed);
    sim.agents[agent].reachable = false;
    for _ in 0..30 {
        sim.advance(Duration::from_secs(10));
        assert!(
            launches(&sim.offer_all()).is_empty(),
            "a voter does not move"
        );
    }
    sim.agents[agent].reachable = true;
    sim.settle();
    let after = sim.task_of("events", 1);
    assert_ne!(after.task_id, old);
    assert_eq!((after.agent, after.launch.port), (agent, port));
}

#[test]
fn an_apache_cluster_without_a_served_distribution_fails_its_apply_clearly() {
    let mut sim = Sim::new(AGENTS);
    sim.subscribe();
    sim.apply(
        &EVENTS
            .replace("kafka-4.1.0.tgz", "kafka-9.9.tgz")
            .replace("broker \"0..3\"", "broker \"0\""),
    );
    sim.settle();
    let failed = sim.log.iter().find_map(|c| match c {
        kmesos_scheduler::core::Command::ApplyProgress(
            kmesos_scheduler::core::Progress::Broker {
                detail: Some(detail),
                phase: kmesos_scheduler::core::BrokerPhase::Failed,
                ..
            },
        ) => Some(detail.clone()),
        _ => None,
    });
    let failed = failed.expect("the broker is reported failed");
    assert!(
        failed.contains("does not serve the distribution \"kafka-9.9.tgz\""),
        "{failed}"
    );
    assert!(!sim.apply_running(), "the apply failed");
}
