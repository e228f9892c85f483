//! Recording changes made outside kmesos: what the state takes on, what the
//! drift record keeps, and what is left alone.

use std::collections::BTreeMap;

use super::*;
use crate::config::{KafkaKind, KafkaSpec};
use crate::state::ClusterState;

fn state() -> State {
    let mut state = State::new("lin");
    let cluster = ClusterState {
        kafka: KafkaSpec {
            kind: KafkaKind::Tansu,
            dist: None,
            endpoint: None,
            reassignment_throttle: None,
            rebalance: false,
        },
        config: BTreeMap::new(),
        brokers: BTreeMap::new(),
        topics: BTreeMap::from([(
            "orders".to_string(),
            TopicSpec {
                partitions: 3,
                replication_factor: 1,
                config: BTreeMap::from([("retention.ms".into(), "86400000".into())]),
            },
        )]),
        clients: BTreeMap::new(),
        drift: BTreeMap::new(),
    };
    state.clusters.insert("events".into(), cluster);
    state
}

fn origin() -> ChangeOrigin {
    ChangeOrigin {
        at: "2026-01-01T00:00:00Z".into(),
        via: "Kafka endpoint 127.0.0.1:9092".into(),
    }
}

fn set(name: &str, value: &str) -> ConfigEdit {
    ConfigEdit::Set {
        name: name.into(),
        value: value.into(),
    }
}

#[test]
fn a_managed_topic_takes_the_outside_value_and_remembers_the_applied_one() {
    let mut s = state();
    let event = TopicEvent::Config {
        name: "orders".into(),
        edit: set("retention.ms", "1000"),
    };
    assert!(s.record_topic_change("events", &event, &origin()));
    let cs = &s.clusters["events"];
    assert_eq!(cs.topics["orders"].config["retention.ms"], "1000");
    let record = &cs.drift[&Address::of_topic("events", "orders")];
    match &record.applied {
        Applied::Topic { spec } => assert_eq!(spec.config["retention.ms"], "86400000"),
        other => panic!("{other:?}"),
    }
    assert_eq!(record.changes[0].via, "Kafka endpoint 127.0.0.1:9092");
    assert_eq!(
        record.changes[0].change,
        "config[\"retention.ms\"] set to \"1000\""
    );
    // The record survives the state document's round trip.
    assert_eq!(State::parse(&s.to_json(), "s.json").unwrap(), s);
}

#[test]
fn unmanaged_topics_and_unknown_clusters_are_left_alone() {
    let mut s = state();
    let before = s.clone();
    let created = TopicEvent::Created {
        name: "scratch".into(),
        partitions: 1,
        replication_factor: 1,
        config: BTreeMap::new(),
    };
    assert!(!s.record_topic_change("events", &created, &origin()));
    assert!(!s.record_topic_change("other", &created, &origin()));
    assert!(!s.record_broker_config_change("events", Some(7), &set("a", "b"), &origin()));
    assert_eq!(s, before);
    assert!(!s.to_json().contains("drift"), "no drift field when none");
}

#[test]
fn a_change_back_to_the_applied_value_leaves_no_drift() {
    let mut s = state();
    let edit = |v: &str| TopicEvent::Config {
        name: "orders".into(),
        edit: set("retention.ms", v),
    };
    s.record_topic_change("events", &edit("1"), &origin());
    s.record_topic_change("events", &edit("86400000"), &origin());
    assert!(!s.has_drift());
}

#[test]
fn a_deleted_topic_created_again_keeps_its_record() {
    let mut s = state();
    let deleted = TopicEvent::Deleted {
        name: "orders".into(),
    };
    assert!(s.record_topic_change("events", &deleted, &origin()));
    assert!(!s.clusters["events"].topics.contains_key("orders"));
    let created = TopicEvent::Created {
        name: "orders".into(),
        partitions: 6,
        replication_factor: 1,
        config: BTreeMap::new(),
    };
    assert!(s.record_topic_change("events", &created, &origin()));
    let record = &s.clusters["events"].drift[&Address::of_topic("events", "orders")];
    assert_eq!(record.changes.len(), 2);
    assert_eq!(s.clusters["events"].topics["orders"].partitions, 6);
}

#[test]
fn broker_configs_change_per_broker_or_cluster_wide_and_clear() {
    let mut s = state();
    assert!(s.record_broker_config_change(
        "events",
        None,
        &set("ssl.keystore.password", "hunter2"),
        &origin()
    ));
    let cs = &s.clusters["events"];
    assert_eq!(cs.config["ssl.keystore.password"], "hunter2");
    let logged = &cs.drift[&Address::of_cluster("events")].changes[0].change;
    assert!(!logged.contains("hunter2"), "{logged}");
    assert!(s.clear_drift(&Address::of_cluster("events")));
    assert!(!s.has_drift());
    assert!(!s.clear_drift(&Address::of_cluster("events")));
}
