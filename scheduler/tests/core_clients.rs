//! The core runs `client` blocks: one task per instance, launched once the
//! cluster's brokers run and its topics exist, stopped gracefully when the
//! client (or its cluster) is destroyed, relaunched by the failover rules.

mod core_sim;

use std::time::Duration;

use core_sim::{launches, Sim};
use kmesos_executor::launch::{TaskLaunch, Workload};
use kmesos_scheduler::core::{Command, KafkaAdmin, MesosCall, Progress};
use mesos::proto::TaskState;

const AGENTS: &[(&str, &str)] = &[("node-1", "r1"), ("node-2", "r2"), ("node-3", "r3")];

/// A tansu cluster of three brokers with a topic, and `clients` blocks.
fn cluster(clients: &str) -> String {
    format!(
        r#"
cluster "events" {{
  kafka {{
    kind = "tansu"
  }}
  broker "0..2" {{
    cpus = 0.5
    mem  = 512
    port = "31000..31999"
  }}
  topic "orders" {{
    partitions = 3
  }}
{clients}
}}
"#
    )
}

const LOAD: &str = r#"
  client "load" {
    kind         = "producer"
    topic        = "orders"
    rate         = 500
    message_size = 200
    properties   = { "acks" = "all" }
  }
"#;

const READERS: &str = r#"
  client "readers" {
    kind      = "consumer"
    topic     = "orders"
    instances = 3
  }
"#;

/// Live client tasks: (client, instance) → task id.
/// The producer and three consumer instances.
fn pair() -> String {
    cluster(&format!("{LOAD}{READERS}"))
}

fn client_tasks(sim: &Sim) -> Vec<((String, u32), String)> {
    let live = sim.live_instances();
    live.into_iter()
        .map(|((_, name, i), tasks)| {
            assert_eq!(tasks.len(), 1, "one live task for {name} {i}");
            ((name, i), tasks[0].task_id.clone())
        })
        .collect()
}

/// The task ids the core killed since log position `mark`, in order.
fn killed_since(sim: &Sim, mark: usize) -> Vec<String> {
    sim.since(mark)
        .iter()
        .filter_map(|c| match c {
            Command::Mesos(MesosCall::Kill { task_id, .. }) => Some(task_id.value.clone()),
            _ => None,
        })
        .collect()
}

/// Indices in the log of the commands that launched a client instance.
fn client_launch_positions(sim: &Sim) -> Vec<usize> {
    sim.log
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            launches(std::slice::from_ref(c)).iter().any(|t| {
                matches!(
                    TaskLaunch::decode(t.data.as_deref().unwrap_or_default()),
                    Ok(TaskLaunch::Client(_))
                )
            })
        })
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn clients_launch_once_the_brokers_run_and_the_topic_exists() {
    let sim = Sim::running(AGENTS, &pair());

    let created_topic = sim
        .log
        .iter()
        .position(|c| matches!(c, Command::Kafka(KafkaAdmin::TopicOp { .. })))
        .expect("the topic is created");
    let first_client = client_launch_positions(&sim)[0];
    assert!(
        first_client > created_topic,
        "clients launch after the topic is created"
    );
    let brokers: Vec<String> = (0..3)
        .map(|id| {
            let task = sim.task_of("events", id);
            format!("{}:{}", task.launch().advertised_host, task.launch().port)
        })
        .collect();
    for task in sim.tasks.values().filter_map(|t| t.client()) {
        let (_, client) = task;
        let mut servers = client.bootstrap_servers.clone();
        servers.sort();
        assert_eq!(servers, brokers, "bootstrapped from every running broker");
        assert_eq!(client.topic, "orders");
    }
    let producer = sim
        .tasks
        .values()
        .filter_map(|t| t.client())
        .find(|(key, _)| key.1 == "load")
        .map(|(_, c)| c.clone())
        .expect("the producer runs");
    assert_eq!(
        producer.workload,
        Workload::Producer {
            rate: 500,
            message_size: 200
        }
    );
    assert_eq!(producer.properties["acks"], "all");
}

#[test]
fn a_client_with_n_instances_runs_n_tasks() {
    let sim = Sim::running(AGENTS, &pair());
    let running: Vec<(String, u32)> = client_tasks(&sim).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        running,
        vec![
            ("load".to_string(), 0),
            ("readers".to_string(), 0),
            ("readers".to_string(), 1),
            ("readers".to_string(), 2),
        ]
    );
}

#[test]
fn destroying_a_client_kills_its_tasks_gracefully() {
    let mut sim = Sim::running(AGENTS, &pair());
    let readers: Vec<String> = client_tasks(&sim)
        .into_iter()
        .filter(|((name, _), _)| name == "readers")
        .map(|(_, id)| id)
        .collect();
    let mark = sim.log.len();
    sim.apply(&cluster(LOAD));
    let kills: Vec<(String, Option<Duration>)> = sim
        .since(mark)
        .iter()
        .filter_map(|c| match c {
            Command::Mesos(MesosCall::Kill { task_id, grace, .. }) => {
                Some((task_id.value.clone(), *grace))
            }
            _ => None,
        })
        .collect();
    let mut killed: Vec<String> = kills.iter().map(|(id, _)| id.clone()).collect();
    killed.sort();
    assert_eq!(killed, readers, "every instance of the client is killed");
    assert!(
        kills.iter().all(|(_, grace)| grace.is_some()),
        "with a grace period: {kills:?}"
    );
    assert!(sim.apply_running(), "the apply waits for the tasks to end");
    sim.settle();
    assert!(!sim.apply_running());
    let running: Vec<String> = client_tasks(&sim).into_iter().map(|(k, _)| k.0).collect();
    assert_eq!(running, vec!["load".to_string()]);
    let state = &sim.core.state().state.clusters["events"];
    assert!(!state.clients.contains_key("readers"));
}

#[test]
fn destroying_the_cluster_stops_its_clients_before_its_brokers() {
    let mut sim = Sim::running(AGENTS, &pair());
    let clients: Vec<String> = client_tasks(&sim).into_iter().map(|(_, id)| id).collect();
    let mark = sim.log.len();
    sim.apply("");
    let killed = killed_since(&sim, mark);
    let mut first: Vec<String> = killed.clone();
    first.sort();
    assert_eq!(first, clients, "only the clients are stopped first");
    sim.settle();
    assert!(sim.live().is_empty() && sim.live_instances().is_empty());
    assert!(sim.core.state().state.clusters.is_empty());
    assert!(sim.core.state().scheduler.clients.is_empty());
}

#[test]
fn a_failed_instance_is_relaunched_after_its_failover_delay_until_max_tries() {
    let clients = r#"
  client "readers" {
    kind  = "consumer"
    topic = "orders"
    failover {
      delay     = "10s"
      max_tries = 1
    }
  }
"#;
    let mut sim = Sim::running(AGENTS, &cluster(clients));
    let [(_, first)] = client_tasks(&sim).try_into().unwrap();
    sim.update(&first, TaskState::TaskFailed);
    assert!(
        launches(&sim.offer_all()).is_empty(),
        "not before the failover delay"
    );
    sim.advance(Duration::from_secs(10));
    let relaunched = launches(&sim.offer_all());
    assert_eq!(relaunched.len(), 1, "relaunched after 10 s");
    sim.settle();
    let [((name, instance), second)] = client_tasks(&sim).try_into().unwrap();
    assert_eq!((name.as_str(), instance), ("readers", 0));
    assert_ne!(second, first);

    sim.update(&second, TaskState::TaskFailed);
    sim.advance(Duration::from_secs(600));
    assert!(
        launches(&sim.offer_all()).is_empty(),
        "max_tries = 1: not relaunched after a second failure"
    );
    assert!(sim.live_instances().is_empty());
}

#[test]
fn an_apply_fails_when_an_instance_gives_up() {
    let clients = r#"
  client "readers" {
    kind  = "consumer"
    topic = "orders"
    failover {
      delay     = "1s"
      max_tries = 1
    }
  }
"#;
    let mut sim = Sim::new(AGENTS);
    sim.subscribe();
    sim.apply(&cluster(clients));
    for _ in 0..20 {
        sim.offer_all();
        let staging: Vec<String> = sim
            .tasks
            .values()
            .filter(|t| t.state == TaskState::TaskStaging)
            .map(|t| t.task_id.clone())
            .collect();
        for id in staging {
            let client = sim.tasks[&id].client().is_some();
            sim.update(&id, TaskState::TaskStarting);
            let end = if client {
                TaskState::TaskFailed
            } else {
                TaskState::TaskRunning
            };
            sim.update(&id, end);
        }
        sim.answer_all(true, Default::default());
        sim.advance(Duration::from_secs(2));
    }
    let failed = sim.log.iter().find_map(|c| match c {
        Command::ApplyProgress(Progress::Failed { message, .. }) => Some(message.clone()),
        _ => None,
    });
    let message = failed.expect("the apply fails");
    assert!(
        message.contains("cluster.events.client.readers") && message.contains("instance 0"),
        "{message}"
    );
}

#[test]
fn scaling_instances_launches_and_stops_only_the_difference() {
    let scaled = |n: u32| {
        cluster(&format!(
            "client \"readers\" {{\n kind = \"consumer\"\n topic = \"orders\"\n instances = {n}\n}}"
        ))
    };
    let mut sim = Sim::running(AGENTS, &scaled(1));
    let [(_, first)] = client_tasks(&sim).try_into().unwrap();
    sim.apply(&scaled(3));
    sim.settle();
    let three = client_tasks(&sim);
    let instances: Vec<u32> = three.iter().map(|((_, i), _)| *i).collect();
    assert_eq!(instances, vec![0, 1, 2]);
    assert_eq!(three[0].1, first, "instance 0 keeps running");

    let mark = sim.log.len();
    sim.apply(&scaled(1));
    sim.settle();
    let killed = killed_since(&sim, mark);
    assert_eq!(killed, vec![three[1].1.clone(), three[2].1.clone()]);
    assert_eq!(
        client_tasks(&sim),
        vec![(("readers".to_string(), 0), first)]
    );
}

#[test]
fn a_command_client_runs_its_line_with_its_uris_fetched_and_needs_no_topic() {
    let sim = Sim::running(
        AGENTS,
        &cluster(
            r#"
  client "mirror" {
    kind    = "command"
    command = "./mirror.sh --to backup"
    uris    = ["http://files.example/mirror.tgz"]
  }
"#,
        ),
    );
    let (_, client) = sim
        .tasks
        .values()
        .filter_map(|t| t.client())
        .find(|(key, _)| key.1 == "mirror")
        .expect("the command client runs");
    assert_eq!(
        client.workload,
        Workload::Command {
            command: "./mirror.sh --to backup".into()
        }
    );
    assert_eq!(client.topic, "", "it names no topic");
    let launched = launches(&sim.log)
        .into_iter()
        .find(|t| t.name == "events.client-mirror-0")
        .expect("its launch");
    let uris = &launched
        .executor
        .as_ref()
        .unwrap()
        .command
        .as_ref()
        .unwrap()
        .uris;
    let mirror = uris
        .iter()
        .find(|u| u.value == "http://files.example/mirror.tgz")
        .expect("its URI is fetched");
    assert_eq!((mirror.extract, mirror.cache), (Some(true), Some(false)));
}
