//! Planning: which action each kind of change leads to, and what is refused.

use std::collections::BTreeMap;

use super::*;
use crate::config::{load, SourceFile, Vars};
use crate::state::{BrokerRuntime, BrokerState, BrokerStatus, ClusterState};

fn config(brokers: &str, extra: &str) -> Config {
    let text = format!(
        "cluster \"events\" {{\n  kafka {{ kind = \"tansu\" }}\n  config = {{ \"num.io.threads\" = 8 }}\n  broker \"0..1\" {{\n{brokers}\n  }}\n  topic \"orders\" {{\n    partitions = 3\n  }}\n{extra}}}\n"
    );
    load(&[SourceFile::new("main.hcl", text)], &Vars::new()).unwrap()
}

/// The state after applying `config`, brokers running on h<id> in rack r<id>.
fn applied(config: &Config) -> State {
    let mut state = State::new("lin-1");
    state.serial = 4;
    for (name, c) in &config.clusters {
        let brokers = c
            .brokers
            .iter()
            .map(|(id, spec)| {
                let runtime = BrokerRuntime {
                    task_id: Some(format!("t{id}")),
                    agent_id: None,
                    hostname: Some(format!("h{id}")),
                    attributes: BTreeMap::from([("rack".to_string(), format!("r{id}"))]),
                    port: Some(31000),
                    status: None,
                    updated_at: None,
                    waiting_for: None,
                    restart_seconds: None,
                };
                (
                    *id,
                    BrokerState {
                        spec: spec.clone(),
                        runtime: Some(runtime),
                    },
                )
            })
            .collect();
        let cluster = ClusterState {
            kafka: c.kafka.clone(),
            config: c.config.clone(),
            brokers,
            topics: c.topics.clone(),
            clients: c.clients.clone(),
            drift: BTreeMap::new(),
        };
        state.clusters.insert(name.clone(), cluster);
    }
    state
}

fn actions(plan: &Plan) -> Vec<(String, Action)> {
    plan.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.address.to_string(), c.action))
        .collect()
}

#[test]
fn everything_is_created_against_an_empty_state() {
    let plan = diff(&config("", ""), &State::empty()).unwrap();
    assert_eq!(
        actions(&plan),
        vec![
            ("cluster.events".to_string(), Action::Create),
            ("cluster.events.broker.0".to_string(), Action::Create),
            ("cluster.events.broker.1".to_string(), Action::Create),
            ("cluster.events.topic.orders".to_string(), Action::Create),
        ]
    );
    assert_eq!(plan.summary().create, 4);
}

#[test]
fn an_applied_configuration_plans_no_changes() {
    let c = config("", "");
    let plan = diff(&c, &applied(&c)).unwrap();
    assert!(!plan.has_changes());
    assert_eq!((plan.lineage.as_str(), plan.serial), ("lin-1", 4));
}

#[test]
fn resources_restart_and_dynamic_configs_update_in_place() {
    let state = applied(&config("", ""));
    let plan = diff(&config("cpus = 2", ""), &state).unwrap();
    let b0 = &plan.changes[1];
    assert_eq!(b0.action, Action::Restart);
    assert_eq!(
        b0.reason.as_deref(),
        Some("cpus cannot change while the broker runs")
    );
    assert!(b0.attributes[0].forces_restart);

    let plan = diff(
        &config("config = { \"log.retention.ms\" = 1000 }", ""),
        &state,
    )
    .unwrap();
    assert_eq!(plan.changes[1].action, Action::Update);
    assert_eq!(
        plan.changes[1].dynamic_properties().collect::<Vec<_>>(),
        ["log.retention.ms"],
        "set on the running broker"
    );

    let plan = diff(
        &config("config = { \"auto.create.topics.enable\" = false }", ""),
        &state,
    )
    .unwrap();
    assert_eq!(plan.changes[1].action, Action::Restart);
    assert_eq!(
        plan.changes[1].attributes[0].display_name(),
        "config[\"auto.create.topics.enable\"]"
    );
    assert_eq!(plan.changes[1].dynamic_properties().count(), 0);
}

#[test]
fn a_broken_constraint_moves_the_broker() {
    let state = applied(&config("", ""));
    let plan = diff(&config("constraints = { rack = \"like:r0\" }", ""), &state).unwrap();
    assert_eq!(
        plan.changes[1].action,
        Action::Update,
        "broker 0 is in r0: it stays"
    );
    assert_eq!(plan.changes[2].action, Action::Move);
    let reason = plan.changes[2].reason.as_deref().unwrap_or_default();
    assert_eq!(
        reason,
        "constraint rack=\"like:r0\" is not met on h1: rack is \"r1\""
    );
}

#[test]
fn removed_resources_are_destroyed() {
    let state = applied(&config("", "  topic \"old\" {}\n"));
    let plan = diff(&config("", ""), &state).unwrap();
    assert_eq!(
        actions(&plan),
        vec![("cluster.events.topic.old".to_string(), Action::Destroy)]
    );
    let plan = diff(&Config::default(), &state).unwrap();
    assert_eq!(plan.summary().destroy, 5);
}

#[test]
fn topics_grow_in_place_but_never_shrink_or_change_replication() {
    let mut state = applied(&config("", ""));
    let plan = diff(&config("", "").clone(), &{
        let mut s = state.clone();
        s.clusters
            .get_mut("events")
            .unwrap()
            .topics
            .get_mut("orders")
            .unwrap()
            .partitions = 2;
        s
    })
    .unwrap();
    assert_eq!(plan.changes[3].action, Action::Update);

    let topic = state
        .clusters
        .get_mut("events")
        .unwrap()
        .topics
        .get_mut("orders")
        .unwrap();
    topic.partitions = 6;
    topic.replication_factor = 2;
    let errors: Vec<String> = diff(&config("", ""), &state)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        vec![
            "main.hcl:7:3: cluster.events.topic.orders.replication_factor: cannot change replication_factor from 2 to 1: that needs a partition reassignment, which kmesos does not do",
            "main.hcl:8:18: cluster.events.topic.orders.partitions: cannot go from 6 to 3 partitions: Kafka cannot remove partitions from a topic (create a new topic instead)",
        ]
    );
}

#[test]
fn secrets_never_reach_the_plan() {
    let state = applied(&config(
        "config = { \"ssl.keystore.password\" = \"old-pw\" }",
        "",
    ));
    let plan = diff(
        &config("config = { \"ssl.keystore.password\" = \"new-pw\" }", ""),
        &state,
    )
    .unwrap();
    let json = serde_json::to_string(&plan).unwrap();
    assert!(
        !json.contains("old-pw") && !json.contains("new-pw"),
        "{json}"
    );
    assert!(json.contains("(sensitive)"));
    assert_eq!(plan.changes[1].action, Action::Update);
}

#[test]
fn a_saved_plan_is_refused_once_the_state_moves() {
    let c = config("", "");
    let mut state = applied(&c);
    let plan = diff(&c, &state).unwrap();
    assert_eq!(plan.check_current(&state), Ok(()));
    state.serial += 1;
    assert!(matches!(
        plan.check_current(&state),
        Err(StalePlan::StateMoved {
            planned: 4,
            current: 5
        })
    ));
    let other = State::new("lin-2");
    assert!(matches!(
        plan.check_current(&other),
        Err(StalePlan::OtherLineage { .. })
    ));
    let text = crate::render::json::render(&plan);
    assert_eq!(Plan::from_json(&text, "p.json").unwrap(), plan);
}

#[test]
fn a_new_endpoint_restarts_tansu_brokers_whose_fronts_use_it() {
    let with_endpoint = |kind: &str, addr: &str| {
        let text = format!(
            "cluster \"events\" {{\n  kafka {{\n    kind = \"{kind}\"\n    endpoint = \"{addr}\"\n  }}\n  broker \"0..1\" {{}}\n}}\n"
        );
        load(&[SourceFile::new("main.hcl", text)], &Vars::new()).unwrap()
    };
    let state = applied(&with_endpoint("tansu", "127.0.0.1:9092"));
    let plan = diff(&with_endpoint("tansu", "127.0.0.1:9093"), &state).unwrap();
    assert_eq!(plan.changes[0].action, Action::Update);
    for broker in &plan.changes[1..3] {
        assert_eq!(broker.action, Action::Restart);
        assert_eq!(
            broker.reason.as_deref(),
            Some("kafka.endpoint cannot change while the broker runs")
        );
    }
    // Apache brokers have no front: the endpoint moves alone.
    let state = applied(&with_endpoint("apache", "127.0.0.1:9092"));
    let plan = diff(&with_endpoint("apache", "127.0.0.1:9093"), &state).unwrap();
    assert_eq!(plan.changes[0].action, Action::Update);
    assert!(plan.changes[1..3].iter().all(|c| c.action == Action::NoOp));
}

#[test]
fn a_new_broker_distribution_restarts_every_broker() {
    let c = config("", "");
    let mut state = applied(&c);
    state.clusters.get_mut("events").unwrap().kafka.dist = Some("old.tgz".into());
    let plan = diff(&c, &state).unwrap();
    assert_eq!(plan.changes[0].action, Action::Update);
    for broker in &plan.changes[1..3] {
        assert_eq!(broker.action, Action::Restart);
        assert_eq!(
            broker.reason.as_deref(),
            Some("kafka.dist cannot change while the broker runs")
        );
    }
}

#[test]
fn brokers_not_running_carry_what_they_wait_for_into_the_plan() {
    let config = config("", "");
    let mut state = applied(&config);
    let brokers = &mut state.clusters.get_mut("events").unwrap().brokers;
    let wait = crate::state::WaitingFor::Agent(crate::state::AgentWait {
        agent_id: "S1".into(),
        hostname: "h1".into(),
        why: "a KRaft controller voter is relaunched only there".into(),
        lost_at: None,
        since: "2026-01-01T00:00:00Z".into(),
    });
    for (id, status) in [(0, BrokerStatus::Running), (1, BrokerStatus::Failed)] {
        let runtime = brokers.get_mut(&id).unwrap().runtime.as_mut().unwrap();
        runtime.status = Some(status);
        runtime.waiting_for = Some(wait.clone());
    }
    let plan = diff(&config, &state).unwrap();
    assert!(!plan.has_changes(), "waiting changes nothing");
    assert_eq!(
        plan.waiting
            .iter()
            .map(|w| (w.address.to_string(), w.status, &w.waiting_for))
            .collect::<Vec<_>>(),
        vec![(
            "cluster.events.broker.1".to_string(),
            Some(BrokerStatus::Failed),
            &wait
        )],
        "only the broker that is not running"
    );
    let json = crate::render::json::render(&plan);
    assert_eq!(Plan::from_json(&json, "plan.json").unwrap(), plan);
    let without = diff(&config, &applied(&config)).unwrap();
    assert!(
        !crate::render::json::render(&without).contains("\"waiting\""),
        "absent when no broker waits"
    );
}

#[test]
fn a_roll_lists_the_brokers_in_order_with_their_last_restart_and_the_estimate() {
    let mut state = applied(&config("cpus = 1", ""));
    let brokers = &mut state.clusters.get_mut("events").unwrap().brokers;
    brokers
        .get_mut(&0)
        .unwrap()
        .runtime
        .as_mut()
        .unwrap()
        .restart_seconds = Some(20);
    let roll = diff(&config("cpus = 2", ""), &state)
        .unwrap()
        .roll
        .expect("restarts");
    let shown: Vec<(String, Option<u64>)> = roll
        .brokers
        .iter()
        .map(|b| (b.address.to_string(), b.last_restart_seconds))
        .collect();
    assert_eq!(
        shown,
        [
            ("cluster.events.broker.0".to_string(), Some(20)),
            ("cluster.events.broker.1".to_string(), None),
        ]
    );
    // Broker 1 was never timed: it counts as the mean of those that were.
    assert_eq!(roll.estimate_seconds, Some(40));
}

#[test]
fn a_roll_none_timed_has_no_estimate_and_a_plan_without_restarts_no_roll() {
    let state = applied(&config("cpus = 1", ""));
    let roll = diff(&config("cpus = 2", ""), &state)
        .unwrap()
        .roll
        .expect("restarts");
    assert_eq!(roll.brokers.len(), 2);
    assert_eq!(roll.estimate_seconds, None);
    assert_eq!(diff(&config("cpus = 1", ""), &state).unwrap().roll, None);
}
