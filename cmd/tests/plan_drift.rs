//! `kmesos plan` when things changed outside kmesos (through the scheduler's
//! Kafka endpoint): the drift is listed apart from the changes (text and JSON
//! golden files), the changes bring resources back to the HCL, topics no HCL
//! manages stay out of the plan, and partitions raised outside beyond the HCL
//! are an error that says to update the HCL. The drift is recorded with the
//! same `State` functions the scheduler calls.

mod common;

use std::fs;
use std::path::Path;

use common::{applied_state, golden, kmesos};
use engine::state::{ChangeOrigin, ConfigEdit, OutsideEvent, TopicEvent};
use engine::State;

const CONFIG: &str = r#"cluster "events" {
  kafka {
    kind     = "tansu"
    endpoint = "127.0.0.1:9092"
  }
  config = {
    "log.retention.ms"      = 86400000
    "ssl.keystore.password" = "first-secret"
  }

  broker "0..1" {
    cpus = 0.5
    mem  = 512
  }

  topic "orders" {
    partitions = 3
    config = {
      "retention.ms" = 86400000
    }
  }

  topic "audit" {
    partitions = 1
  }
}
"#;

/// A directory with `main.hcl` = CONFIG and `state.json` = CONFIG applied,
/// then changed outside kmesos by `events`, as the scheduler records them.
fn drifted(events: &[OutsideEvent]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("main.hcl"), CONFIG).expect("write config");
    let planned = kmesos(dir.path(), &["plan", "main.hcl", "--json"]);
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    let text = applied_state(&planned.stdout, "6f1c0a8e-drift", 9)
        .replace("\"(sensitive)\"", "\"first-secret\"");
    let mut state = State::parse(&text, "state.json").expect("applied state");
    for (i, event) in events.iter().enumerate() {
        let origin = ChangeOrigin {
            at: format!("2026-01-02T00:00:0{i}Z"),
            via: format!("Kafka endpoint ({})", api(event)),
        };
        state.record_outside_change("events", event, &origin);
    }
    fs::write(dir.path().join("state.json"), state.to_json()).expect("write state");
    dir
}

/// The Kafka request that makes such a change through the endpoint.
fn api(event: &OutsideEvent) -> &'static str {
    match event {
        OutsideEvent::Topic(TopicEvent::Created { .. }) => "CreateTopics",
        OutsideEvent::Topic(TopicEvent::Deleted { .. }) => "DeleteTopics",
        OutsideEvent::Topic(TopicEvent::PartitionsIncreased { .. }) => "CreatePartitions",
        _ => "IncrementalAlterConfigs",
    }
}

fn topic(event: TopicEvent) -> OutsideEvent {
    OutsideEvent::Topic(event)
}

fn set(name: &str, value: &str) -> ConfigEdit {
    ConfigEdit::Set {
        name: name.into(),
        value: value.into(),
    }
}

fn plan(dir: &Path, json: bool) -> common::Run {
    let mut args = vec!["plan", "main.hcl", "--state", "state.json"];
    if json {
        args.push("--json");
    }
    kmesos(dir, &args)
}

#[test]
fn changes_made_outside_show_as_drift_and_are_planned_back() {
    let dir = drifted(&[
        topic(TopicEvent::Config {
            name: "orders".into(),
            edit: set("retention.ms", "1000"),
        }),
        OutsideEvent::BrokerConfig {
            broker: None,
            edit: set("ssl.keystore.password", "outside-secret"),
        },
        OutsideEvent::BrokerConfig {
            broker: Some(1),
            edit: set("log.cleaner.threads", "4"),
        },
        topic(TopicEvent::Created {
            name: "scratch".into(),
            partitions: 1,
            replication_factor: 1,
            config: Default::default(),
        }),
    ]);
    let text = plan(dir.path(), false);
    assert_eq!(text.code, 0, "{}", text.stderr);
    golden("drift.txt", &text.stdout);
    let json = plan(dir.path(), true);
    assert_eq!(json.code, 0, "{}", json.stderr);
    golden("drift.json", &json.stdout);

    let (drift, changes) = text
        .stdout
        .split_once("kmesos will perform")
        .expect("drift before the changes");
    assert!(
        drift.contains("# cluster.events.topic.orders has changed outside kmesos"),
        "{drift}"
    );
    assert!(
        drift.contains("\"retention.ms\" = \"86400000\" -> \"1000\""),
        "{drift}"
    );
    assert!(
        changes.contains("\"retention.ms\" = \"1000\" -> \"86400000\""),
        "{changes}"
    );
    assert!(!text.stdout.contains("scratch"), "unmanaged topic planned");
    assert!(!text.stdout.contains("secret\"") && !json.stdout.contains("secret\""));

    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let addresses: Vec<&str> = plan["drift"]
        .as_array()
        .expect("drift array")
        .iter()
        .filter_map(|d| d["address"].as_str())
        .collect();
    assert_eq!(
        addresses,
        [
            "cluster.events",
            "cluster.events.broker.1",
            "cluster.events.topic.orders"
        ]
    );
}

#[test]
fn a_topic_deleted_outside_is_created_again() {
    let dir = drifted(&[topic(TopicEvent::Deleted {
        name: "audit".into(),
    })]);
    let text = plan(dir.path(), false);
    assert_eq!(text.code, 0, "{}", text.stderr);
    golden("drift-deleted.txt", &text.stdout);
    assert!(
        text.stdout
            .contains("# cluster.events.topic.audit has been deleted outside kmesos"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .ends_with("Plan: 1 to create, 0 to update, 0 to restart, 0 to destroy.\n"),
        "{}",
        text.stdout
    );
}

#[test]
fn partitions_raised_outside_beyond_the_hcl_are_an_error_that_says_to_update_it() {
    let dir = drifted(&[topic(TopicEvent::PartitionsIncreased {
        name: "orders".into(),
        total: 12,
    })]);
    let text = plan(dir.path(), false);
    assert_eq!(text.code, 1, "{}", text.stdout);
    assert!(
        text.stderr.contains(
            "cannot go from 12 to 3 partitions: Kafka cannot remove partitions from a topic"
        ) && text
            .stderr
            .contains("changed outside kmesos to 12: set partitions = 12 in the configuration"),
        "{}",
        text.stderr
    );
    // Once the HCL follows, only the drift remains to see.
    fs::write(
        dir.path().join("main.hcl"),
        CONFIG.replace("partitions = 3", "partitions = 12"),
    )
    .expect("write config");
    let accepted = plan(dir.path(), false);
    assert_eq!(accepted.code, 0, "{}", accepted.stderr);
    assert!(
        accepted.stdout.contains("~ partitions = 3 -> 12")
            && accepted.stdout.contains("the next apply accepts them")
            && accepted.stdout.contains("No changes."),
        "{}",
        accepted.stdout
    );
}
