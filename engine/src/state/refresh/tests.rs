//! Refreshing from the brokers: which differences become drift, what the
//! state takes on, and what is never drift (static and default values,
//! secrets, values kmesos itself set).

use std::collections::BTreeMap;

use super::*;
use crate::state::{Applied, BrokerState};
use crate::{SourceFile, Vars};

const HCL: &str = r#"cluster "events" {
  kafka {
    kind = "apache"
  }
  config = {
    "min.insync.replicas"        = 2
    "default.replication.factor" = 3
    "ssl.keystore.password"      = "first-secret"
  }
  broker "0" {}
  broker "1" {
    config = { "log.cleaner.threads" = 2 }
  }
  topic "orders" {
    partitions = 3
    config = { "retention.ms" = 86400000 }
  }
}
"#;

const AT: &str = "2026-01-02T00:00:00Z";

/// The state after applying HCL.
fn state() -> State {
    let config = crate::load(&[SourceFile::new("main.hcl", HCL)], &Vars::new())
        .unwrap_or_else(|d| panic!("{d:?}"));
    let spec = &config.clusters["events"];
    let mut state = State::new("lin");
    let brokers = spec
        .brokers
        .iter()
        .map(|(id, b)| {
            let broker = BrokerState {
                spec: b.clone(),
                runtime: None,
            };
            (*id, broker)
        })
        .collect();
    let cluster = ClusterState {
        kafka: spec.kafka.clone(),
        config: spec.config.clone(),
        brokers,
        topics: spec.topics.clone(),
        clients: BTreeMap::new(),
        drift: BTreeMap::new(),
    };
    state.clusters.insert("events".into(), cluster);
    state
}

fn config(pairs: &[(&str, Option<&str>)]) -> LiveConfig {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect()
}

/// What the brokers report right after the apply: the properties rendered
/// into each broker's file in force (static), the topic's override, no
/// dynamic broker config.
fn as_applied() -> LiveCluster {
    let effective = |threads: &str| {
        config(&[
            ("min.insync.replicas", Some("2")),
            ("default.replication.factor", Some("3")),
            ("ssl.keystore.password", None),
            ("log.cleaner.threads", Some(threads)),
            ("log.retention.ms", Some("604800000")),
        ])
    };
    let broker = |threads| LiveBroker {
        dynamic: LiveConfig::new(),
        effective: effective(threads),
    };
    LiveCluster {
        defaults: LiveConfig::new(),
        brokers: BTreeMap::from([(0, broker("1")), (1, broker("2"))]),
        topics: BTreeMap::from([(
            "orders".to_string(),
            Some(LiveTopic {
                partitions: 3,
                config: config(&[("retention.ms", Some("86400000"))]),
            }),
        )]),
    }
}

fn broker(live: &mut LiveCluster, id: u32) -> &mut LiveBroker {
    live.brokers.get_mut(&id).expect("a broker read")
}

fn topic(live: &mut LiveCluster) -> &mut LiveTopic {
    live.topics
        .get_mut("orders")
        .and_then(Option::as_mut)
        .expect("orders read")
}

#[test]
fn a_cluster_as_applied_has_no_drift() {
    let mut s = state();
    let before = s.clone();
    assert!(s.refresh("events", &as_applied(), AT).is_empty());
    assert_eq!(s, before);
}

#[test]
fn dynamic_values_set_outside_are_recorded_as_read_from_the_brokers() {
    let mut s = state();
    let mut live = as_applied();
    live.defaults = config(&[("log.retention.ms", Some("3600000"))]);
    broker(&mut live, 0).dynamic = config(&[("log.cleaner.threads", Some("4"))]);
    topic(&mut live)
        .config
        .insert("retention.ms".into(), Some("1000".into()));
    let changed = s.refresh("events", &live, AT);
    assert_eq!(
        changed,
        [
            Address::of_cluster("events"),
            Address::of_broker("events", 0),
            Address::of_topic("events", "orders")
        ]
    );
    let cs = &s.clusters["events"];
    assert_eq!(cs.config["log.retention.ms"], "3600000");
    assert_eq!(cs.brokers[&0].spec.config["log.cleaner.threads"], "4");
    assert_eq!(cs.topics["orders"].config["retention.ms"], "1000");
    let record = &cs.drift[&Address::of_topic("events", "orders")];
    assert_eq!(record.changes[0].at, AT);
    assert_eq!(
        record.changes[0].via,
        "refresh from the brokers (DescribeConfigs)"
    );
    assert_eq!(
        record.changes[0].change,
        "config[\"retention.ms\"] set to \"1000\""
    );
    match &record.applied {
        Applied::Topic { spec } => assert_eq!(spec.config["retention.ms"], "86400000"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn refreshing_again_records_nothing_new() {
    let mut s = state();
    let mut live = as_applied();
    live.defaults = config(&[("log.retention.ms", Some("3600000"))]);
    s.refresh("events", &live, AT);
    let once = s.clone();
    assert!(s
        .refresh("events", &live, "2026-01-03T00:00:00Z")
        .is_empty());
    assert_eq!(s, once);
}

#[test]
fn a_broker_config_kmesos_set_to_the_broker_effective_value_is_no_drift() {
    let mut s = state();
    let mut live = as_applied();
    // kmesos sets a broker's dynamic properties to its effective values:
    // the cluster's, over which its own.
    broker(&mut live, 0).dynamic = config(&[("min.insync.replicas", Some("2"))]);
    broker(&mut live, 1).dynamic = config(&[("log.cleaner.threads", Some("2"))]);
    assert!(s.refresh("events", &live, AT).is_empty());
}

#[test]
fn static_default_and_read_only_values_are_never_drift() {
    let mut s = state();
    let mut live = as_applied();
    for id in [0, 1] {
        let effective = &mut broker(&mut live, id).effective;
        // A read-only property in force with another value (the file was
        // rendered before the HCL changed: a restart is the plan's business).
        effective.insert("default.replication.factor".into(), Some("1".into()));
        // A property no HCL names, at Kafka's default.
        effective.insert("num.io.threads".into(), Some("8".into()));
    }
    assert!(s.refresh("events", &live, AT).is_empty());
}

#[test]
fn a_dynamic_value_removed_outside_is_recorded_when_another_value_holds() {
    let mut s = state();
    let mut live = as_applied();
    // Broker 1's own dynamic config was deleted: it runs with the default.
    broker(&mut live, 1)
        .effective
        .insert("log.cleaner.threads".into(), Some("1".into()));
    // The cluster-wide default kmesos set was deleted: the brokers run with
    // another value than the state's.
    for id in [0, 1] {
        broker(&mut live, id)
            .effective
            .insert("min.insync.replicas".into(), Some("1".into()));
    }
    topic(&mut live).config.clear();
    let changed = s.refresh("events", &live, AT);
    assert_eq!(changed.len(), 3, "{changed:?}");
    let cs = &s.clusters["events"];
    assert!(!cs.config.contains_key("min.insync.replicas"));
    assert!(!cs.brokers[&1]
        .spec
        .config
        .contains_key("log.cleaner.threads"));
    assert!(cs.topics["orders"].config.is_empty());
    let logged = &cs.drift[&Address::of_broker("events", 1)].changes[0].change;
    assert_eq!(logged, "config[\"log.cleaner.threads\"] removed");
}

#[test]
fn a_cluster_value_a_broker_overrides_is_judged_by_the_others() {
    let mut s = state();
    let mut live = as_applied();
    let b0 = broker(&mut live, 0);
    b0.dynamic = config(&[("min.insync.replicas", Some("2"))]);
    b0.effective
        .insert("min.insync.replicas".into(), Some("2".into()));
    // Broker 1 inherits and runs with the state's value: nothing is gone.
    assert!(s.refresh("events", &live, AT).is_empty());
}

#[test]
fn secrets_are_unknown_never_drift() {
    let mut s = state();
    let before = s.clone();
    let mut live = as_applied();
    // Kafka hands secrets out as null; a name kmesos counts as secret is
    // never compared even when Kafka gives its value.
    live.defaults = config(&[("ssl.truststore.password", None)]);
    let b0 = broker(&mut live, 0);
    b0.dynamic = config(&[
        ("ssl.keystore.password", None),
        ("listener.name.ext.sasl.jaas.config", Some("visible")),
    ]);
    b0.effective.remove("ssl.keystore.password");
    assert!(s.refresh("events", &live, AT).is_empty());
    assert_eq!(s, before);
    assert!(!s.to_json().contains("visible"));
}

#[test]
fn topics_raised_or_deleted_outside_are_recorded_from_metadata() {
    let mut s = state();
    let mut live = as_applied();
    topic(&mut live).partitions = 6;
    s.refresh("events", &live, AT);
    let cs = &s.clusters["events"];
    assert_eq!(cs.topics["orders"].partitions, 6);
    let change = &cs.drift[&Address::of_topic("events", "orders")].changes[0];
    assert_eq!(change.via, "refresh from the brokers (Metadata)");
    assert_eq!(change.change, "partitions increased to 6");

    live.topics.insert("orders".into(), None);
    s.refresh("events", &live, AT);
    assert!(!s.clusters["events"].topics.contains_key("orders"));
}

#[test]
fn what_was_not_read_is_left_alone() {
    let mut s = state();
    let before = s.clone();
    let live = LiveCluster::default();
    assert!(s.refresh("events", &live, AT).is_empty());
    assert!(s.refresh("other", &as_applied(), AT).is_empty());
    assert_eq!(s, before);
}
