//! Changes made outside kmesos (through the Kafka endpoint) reach the core as
//! events: they are recorded in the state as drift and persisted before
//! anything else, topics no HCL manages are ignored, and an apply that brings
//! a resource back to the configuration clears its drift.

mod core_sim;

use core_sim::Sim;
use engine::state::{ConfigEdit, OutsideEvent, TopicEvent};
use engine::Address;
use kmesos_scheduler::core::{Command, Event};

const AGENTS: &[(&str, &str)] = &[("node-1", "r1"), ("node-2", "r2")];

const HCL: &str = r#"
cluster "quickstart" {
  kafka {
    kind = "tansu"
  }
  broker "0..1" {
    cpus = 0.5
    mem  = 512
    disk = 1024
    port = "31000..31999"
  }
  topic "events" {
    partitions = 3
    config = {
      "retention.ms" = "3600000"
    }
  }
}
"#;

fn outside(change: OutsideEvent) -> Event {
    Event::ChangedOutside {
        cluster: "quickstart".into(),
        change,
        via: "Kafka endpoint (IncrementalAlterConfigs)".into(),
    }
}

fn retention(value: &str) -> OutsideEvent {
    OutsideEvent::Topic(TopicEvent::Config {
        name: "events".into(),
        edit: ConfigEdit::Set {
            name: "retention.ms".into(),
            value: value.into(),
        },
    })
}

#[test]
fn an_outside_change_to_a_managed_topic_is_persisted_as_drift() {
    let mut sim = Sim::running(AGENTS, HCL);
    let serial = sim.core.state().state.serial;
    let commands = sim.handle(outside(retention("1000")));
    let Some(Command::PersistState(doc)) = commands.first() else {
        panic!("the change is persisted first: {commands:?}");
    };
    assert_eq!(doc.state.serial, serial + 1);
    let cluster = &doc.state.clusters["quickstart"];
    assert_eq!(cluster.topics["events"].config["retention.ms"], "1000");
    let record = &cluster.drift[&Address::of_topic("quickstart", "events")];
    assert_eq!(
        record.changes[0].via,
        "Kafka endpoint (IncrementalAlterConfigs)"
    );
    assert!(!record.changes[0].at.is_empty());
}

#[test]
fn topics_no_hcl_manages_change_nothing() {
    let mut sim = Sim::running(AGENTS, HCL);
    let before = sim.core.state().clone();
    let created = OutsideEvent::Topic(TopicEvent::Created {
        name: "scratch".into(),
        partitions: 1,
        replication_factor: 1,
        config: Default::default(),
    });
    let commands = sim.handle(outside(created));
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::PersistState(_))),
        "{commands:?}"
    );
    assert_eq!(sim.core.state(), &before);
}

#[test]
fn applying_the_configuration_again_clears_the_drift() {
    let mut sim = Sim::running(AGENTS, HCL);
    sim.handle(outside(retention("1000")));
    sim.handle(outside(OutsideEvent::BrokerConfig {
        broker: Some(1),
        edit: ConfigEdit::Set {
            name: "log.cleaner.threads".into(),
            value: "2".into(),
        },
    }));
    let plan = engine::diff(&core_sim::load(HCL), &sim.core.state().state).expect("a plan");
    assert_eq!(plan.drift.len(), 2, "{:?}", plan.drift);
    sim.apply(HCL);
    sim.settle();
    assert!(!sim.apply_running(), "the apply finished");
    let state = &sim.core.state().state;
    assert!(
        !state.has_drift(),
        "{:?}",
        state.clusters["quickstart"].drift
    );
    let plan = engine::diff(&core_sim::load(HCL), state).expect("a plan");
    assert!(!plan.has_changes() && plan.drift.is_empty(), "{plan:?}");
}

#[test]
fn applying_a_configuration_that_accepts_the_outside_change_clears_the_drift() {
    let mut sim = Sim::running(AGENTS, HCL);
    sim.handle(outside(retention("1000")));
    let accepting = HCL.replace("\"3600000\"", "\"1000\"");
    let plan = engine::diff(&core_sim::load(&accepting), &sim.core.state().state).expect("a plan");
    assert!(!plan.has_changes() && plan.drift.len() == 1, "{plan:?}");
    sim.apply(&accepting);
    sim.settle();
    assert!(!sim.core.state().state.has_drift());
}
