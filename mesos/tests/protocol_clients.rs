//! The scheduler client against the embedded master (`mesos::local`), over
//! real HTTP: both encodings, offer calls, the master's refusals as errors,
//! failover and teardown ending a subscription, and resubscription as the
//! same framework after the master goes away and comes back or its stream
//! goes silent (heartbeats missed); and the
//! executor client, in protobuf, against a real agent. Deadlines are
//! generous (a loaded 2-core machine); nothing waits by sleeping.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use kmesos_mesos::codec::transport::Events as ClientEvents;
use kmesos_mesos::codec::Encoding;
use kmesos_mesos::executor::{Executor, ExecutorConfig, ExecutorEnv, ExecutorEvent};
use kmesos_mesos::local::{LocalCluster, LocalConfig};
use kmesos_mesos::proto::{
    executor_info, value, CommandInfo, ExecutorId, ExecutorInfo, Filters, FrameworkId, Offer,
    Resource, TaskId, TaskInfo, TaskState, TaskStatus,
};
use kmesos_mesos::scheduler::operations;
use kmesos_mesos::scheduler::{
    long_running_framework, CallError, Events, Scheduler, SchedulerConfig, SchedulerEvent,
};

const DEADLINE: Duration = Duration::from_secs(60);

fn cluster_config(listen: SocketAddr, work_dir: &Path) -> LocalConfig {
    let mut config = LocalConfig::with_agents(listen, 1, work_dir.to_path_buf());
    for agent in &mut config.agents {
        agent.hostname = "127.0.0.1".into();
        agent.port = 0;
    }
    config.allocation_interval_secs = 0.2;
    config.heartbeat_interval_secs = 1.0;
    config
}

async fn start_cluster(work_dir: &Path) -> LocalCluster {
    let listen = SocketAddr::from(([127, 0, 0, 1], 0));
    LocalCluster::start(cluster_config(listen, work_dir))
        .await
        .expect("embedded cluster starts")
}

fn client_config(master: &str, id: Option<FrameworkId>, encoding: Encoding) -> SchedulerConfig {
    let mut framework = long_running_framework(
        "root",
        "protocol-test",
        vec!["kafka".into()],
        Duration::from_secs(3600),
    );
    framework.id = id;
    let mut config = SchedulerConfig::new(master, framework);
    config.encoding = encoding;
    config.backoff_initial = Duration::from_millis(50);
    config.backoff_max = Duration::from_millis(500);
    config
}

/// The next event matching `wanted`, skipping others (heartbeats, offers).
async fn next_matching(
    events: &mut Events,
    what: &str,
    wanted: impl Fn(&SchedulerEvent) -> bool,
) -> SchedulerEvent {
    let search = async {
        loop {
            match events.recv().await {
                Some(event) if wanted(&event) => return event,
                Some(_) => continue,
                None => panic!("event stream ended while waiting for {what}"),
            }
        }
    };
    tokio::time::timeout(DEADLINE, search)
        .await
        .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"))
}

async fn subscribed(events: &mut Events) -> (FrameworkId, Duration) {
    match next_matching(events, "SUBSCRIBED", |e| {
        matches!(e, SchedulerEvent::Subscribed { .. })
    })
    .await
    {
        SchedulerEvent::Subscribed {
            framework_id,
            heartbeat_interval,
            ..
        } => (framework_id, heartbeat_interval),
        other => unreachable!("matched {other:?}"),
    }
}

async fn offers(events: &mut Events) -> Vec<kmesos_mesos::proto::Offer> {
    match next_matching(events, "OFFERS", |e| matches!(e, SchedulerEvent::Offers(_))).await {
        SchedulerEvent::Offers(offers) => offers,
        other => unreachable!("matched {other:?}"),
    }
}

/// The stream's end, skipping what comes before it.
async fn end_of(events: &mut Events) -> Vec<SchedulerEvent> {
    let drain = async {
        let mut seen = Vec::new();
        while let Some(event) = events.recv().await {
            seen.push(event);
        }
        seen
    };
    tokio::time::timeout(DEADLINE, drain)
        .await
        .expect("event stream ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_flow_in_both_encodings() {
    for encoding in [Encoding::Protobuf, Encoding::Json] {
        let dir = tempfile::tempdir().expect("temp dir");
        let cluster = start_cluster(dir.path()).await;
        let (scheduler, mut events) =
            Scheduler::subscribe(client_config(&cluster.master_url(), None, encoding))
                .expect("client");

        let (framework_id, heartbeat) = subscribed(&mut events).await;
        assert!(!framework_id.value.is_empty(), "{encoding}");
        assert_eq!(heartbeat, Duration::from_secs(1), "{encoding}");
        assert_eq!(scheduler.framework_id(), Some(framework_id));
        let first = offers(&mut events).await;
        next_matching(&mut events, "HEARTBEAT", |e| {
            *e == SchedulerEvent::Heartbeat
        })
        .await;
        let offer = first.first().expect("one offer");
        assert_eq!(offer.hostname, "127.0.0.1", "{encoding}");
        assert!(
            offer.resources.iter().any(|r| r.name == "cpus"),
            "{encoding}"
        );

        // Declined for an hour: only REVIVE brings the agent back.
        let ids = first.iter().filter_map(|o| o.id.clone()).collect();
        let hour = Filters {
            refuse_seconds: Some(3600.0),
        };
        scheduler.decline(ids, Some(hour)).await.expect("DECLINE");
        scheduler.suppress(vec![]).await.expect("SUPPRESS");
        scheduler
            .revive(vec!["kafka".into()])
            .await
            .expect("REVIVE");
        let again = offers(&mut events).await;
        assert_eq!(
            again.first().map(|o| &o.agent_id),
            Some(&offer.agent_id),
            "{encoding}"
        );
        assert_ne!(
            again.first().map(|o| &o.id),
            Some(&offer.id),
            "{encoding}: fresh offer id"
        );

        cluster.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_failover_and_teardown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let master = cluster.master_url();
    let (first, mut first_events) =
        Scheduler::subscribe(client_config(&master, None, Encoding::Json)).expect("client");
    let (framework_id, _) = subscribed(&mut first_events).await;

    // A 4xx answer carries the master's reason.
    let bogus = TaskStatus {
        task_id: Some(TaskId {
            value: "nope".into(),
        }),
        state: TaskState::TaskRunning as i32,
        agent_id: Some(kmesos_mesos::proto::AgentId { value: "S0".into() }),
        uuid: Some(vec![1, 2, 3]),
        ..Default::default()
    };
    match first.acknowledge(&bogus).await {
        Err(error @ CallError::Status { .. }) => {
            assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
            assert!(error.to_string().contains("Not a valid UUID"), "{error}");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    // Reconciliation answers have no uuid: nothing to acknowledge.
    let unreliable = TaskStatus {
        uuid: None,
        ..bogus
    };
    assert_eq!(first.acknowledge(&unreliable).await.ok(), Some(false));

    // Another client subscribing with the same id takes over.
    let (second, mut second_events) = Scheduler::subscribe(client_config(
        &master,
        Some(framework_id.clone()),
        Encoding::Protobuf,
    ))
    .expect("client");
    assert_eq!(subscribed(&mut second_events).await.0, framework_id);
    let rest = end_of(&mut first_events).await;
    assert_eq!(
        rest.last(),
        Some(&SchedulerEvent::Error("Framework failed over".into())),
        "{rest:?}"
    );
    assert!(!rest
        .iter()
        .any(|e| matches!(e, SchedulerEvent::Subscribed { .. })));
    assert!(matches!(
        first.revive(vec![]).await,
        Err(CallError::NotSubscribed(_))
    ));

    // TEARDOWN ends the stream without resubscribing, and the id is gone.
    second.teardown().await.expect("TEARDOWN");
    let rest = end_of(&mut second_events).await;
    assert!(
        !rest.iter().any(|e| matches!(
            e,
            SchedulerEvent::Subscribed { .. } | SchedulerEvent::Disconnected(_)
        )),
        "{rest:?}"
    );
    let (_, mut third_events) =
        Scheduler::subscribe(client_config(&master, Some(framework_id), Encoding::Json))
            .expect("client");
    let refused = end_of(&mut third_events).await;
    assert_eq!(
        refused,
        vec![SchedulerEvent::Error("Framework has been removed".into())]
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubscribes_as_the_same_framework_when_the_master_returns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let address = cluster.master_addr();
    let (scheduler, mut events) =
        Scheduler::subscribe(client_config(&cluster.master_url(), None, Encoding::Json))
            .expect("client");
    let (framework_id, _) = subscribed(&mut events).await;

    cluster.shutdown().await;
    next_matching(&mut events, "Disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected(_))
    })
    .await;
    assert!(!scheduler.is_subscribed());

    // A new master on the same address: the client keeps retrying and
    // fails over to it with its framework id.
    let restarted = LocalCluster::start(cluster_config(address, dir.path()))
        .await
        .expect("master restarts on the same address");
    let (resubscribed_id, _) = subscribed(&mut events).await;
    assert_eq!(resubscribed_id, framework_id);
    assert!(scheduler.is_subscribed());
    let offer = offers(&mut events).await;
    assert!(!offer.is_empty());
    restarted.shutdown().await;
}

fn scalar(offer: &Offer, name: &str, amount: f64) -> Resource {
    Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: amount }),
        allocation_info: offer.allocation_info.clone(),
        ..Default::default()
    }
}

/// The next executor event matching `wanted`, skipping others.
async fn next_executor_event(
    events: &mut ClientEvents<ExecutorEvent>,
    what: &str,
    wanted: impl Fn(&ExecutorEvent) -> bool,
) -> ExecutorEvent {
    let search = async {
        loop {
            match events.recv().await {
                Some(event) if wanted(&event) => return event,
                Some(_) => continue,
                None => panic!("executor events ended while waiting for {what}"),
            }
        }
    };
    tokio::time::timeout(DEADLINE, search)
        .await
        .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"))
}

async fn scheduler_update(events: &mut Events, state: TaskState) -> TaskStatus {
    let wanted = |e: &SchedulerEvent| matches!(e, SchedulerEvent::Update(s) if s.state() == state);
    match next_matching(events, state.as_str_name(), wanted).await {
        SchedulerEvent::Update(status) => status,
        other => unreachable!("matched {other:?}"),
    }
}

/// The agent starts `sleep` as the executor process; this test subscribes
/// in its place, in-process, with the executor's ids, as the real
/// executor would from its environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executor_client_in_protobuf_against_a_real_agent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let (scheduler, mut events) =
        Scheduler::subscribe(client_config(&cluster.master_url(), None, Encoding::Json))
            .expect("client");
    let (framework_id, _) = subscribed(&mut events).await;
    let offer = offers(&mut events)
        .await
        .into_iter()
        .next()
        .expect("an offer");

    let executor_id = ExecutorId {
        value: "stand-in".into(),
    };
    let task = TaskInfo {
        name: "t1".into(),
        task_id: Some(TaskId { value: "t1".into() }),
        agent_id: offer.agent_id.clone(),
        resources: vec![scalar(&offer, "cpus", 0.5), scalar(&offer, "mem", 64.0)],
        executor: Some(ExecutorInfo {
            executor_id: Some(executor_id.clone()),
            r#type: Some(executor_info::Type::Custom as i32),
            command: Some(CommandInfo {
                value: Some("sleep 600".into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        data: Some(b"payload".to_vec()),
        ..Default::default()
    };
    let offer_id = offer.id.clone().expect("offer id");
    scheduler
        .accept(vec![offer_id], vec![operations::launch(vec![task])], None)
        .await
        .expect("ACCEPT");

    let agent = cluster.agents().first().expect("one agent");
    let env = ExecutorEnv::from_lookup(|name| {
        let value = match name {
            "MESOS_FRAMEWORK_ID" => framework_id.value.clone(),
            "MESOS_EXECUTOR_ID" => executor_id.value.clone(),
            "MESOS_AGENT_ENDPOINT" => agent.address.to_string(),
            "MESOS_SANDBOX" => dir.path().display().to_string(),
            "MESOS_CHECKPOINT" => "1".into(),
            _ => return None,
        };
        Some(value)
    })
    .expect("environment");
    let mut config = ExecutorConfig::new(env);
    config.encoding = Encoding::Protobuf;

    // Until the agent has launched the executor it answers "Executor cannot
    // be found"; poll, as a process started a moment too early would.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let (executor, mut executor_events) = loop {
        let (executor, mut executor_events) = Executor::subscribe(config.clone()).expect("client");
        match next_executor_event(&mut executor_events, "SUBSCRIBED or Lost", |e| {
            matches!(e, ExecutorEvent::Subscribed(_) | ExecutorEvent::Lost(_))
        })
        .await
        {
            ExecutorEvent::Subscribed(subscribed) => {
                let framework = subscribed.framework_info.expect("framework_info");
                assert_eq!(framework.id.as_ref(), Some(&framework_id));
                let info = subscribed.executor_info.expect("executor_info");
                assert_eq!(info.executor_id.as_ref(), Some(&executor_id));
                assert!(subscribed.agent_info.is_some());
                break (executor, executor_events);
            }
            ExecutorEvent::Lost(reason) => {
                assert!(reason.contains("cannot be found"), "{reason}");
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "executor never launched"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => unreachable!("matched {other:?}"),
        }
    };

    let launched = next_executor_event(&mut executor_events, "LAUNCH", |e| {
        matches!(e, ExecutorEvent::Launch(_))
    })
    .await;
    let ExecutorEvent::Launch(task) = launched else {
        unreachable!()
    };
    assert_eq!(task.data.as_deref(), Some(&b"payload"[..]));

    // A reliable update: acknowledged by the agent, delivered with its uuid.
    let running = TaskStatus {
        task_id: task.task_id.clone(),
        state: TaskState::TaskRunning as i32,
        message: Some("up".into()),
        ..Default::default()
    };
    let uuid = executor.update(running).await.expect("UPDATE");
    let acknowledged = next_executor_event(&mut executor_events, "ACKNOWLEDGED", |e| {
        matches!(e, ExecutorEvent::Acknowledged { .. })
    })
    .await;
    assert_eq!(
        acknowledged,
        ExecutorEvent::Acknowledged {
            task_id: TaskId { value: "t1".into() },
            uuid
        }
    );
    assert_eq!(executor.unacknowledged_updates(), 0);
    let status = scheduler_update(&mut events, TaskState::TaskRunning).await;
    assert_eq!(status.uuid.as_deref(), Some(&uuid.as_bytes()[..]));
    assert_eq!(status.message.as_deref(), Some("up"));
    assert_eq!(scheduler.acknowledge(&status).await.ok(), Some(true));

    // Messages both ways.
    let agent_id = offer.agent_id.clone().expect("agent id");
    scheduler
        .message(agent_id.clone(), executor_id.clone(), b"ping".to_vec())
        .await
        .expect("MESSAGE to the executor");
    let ping = next_executor_event(&mut executor_events, "MESSAGE", |e| {
        matches!(e, ExecutorEvent::Message(_))
    })
    .await;
    assert_eq!(ping, ExecutorEvent::Message(b"ping".to_vec()));
    executor
        .message(b"pong".to_vec())
        .await
        .expect("MESSAGE to the scheduler");
    let pong = next_matching(&mut events, "MESSAGE", |e| {
        matches!(e, SchedulerEvent::Message(_))
    })
    .await;
    let SchedulerEvent::Message(pong) = pong else {
        unreachable!()
    };
    assert_eq!(pong.data, b"pong");
    executor.heartbeat().await.expect("HEARTBEAT");

    // KILL reaches the executor; its TASK_KILLED reaches the scheduler.
    scheduler
        .kill(TaskId { value: "t1".into() }, Some(agent_id), None)
        .await
        .expect("KILL");
    let kill = next_executor_event(&mut executor_events, "KILL", |e| {
        matches!(e, ExecutorEvent::Kill { .. })
    })
    .await;
    assert!(matches!(kill, ExecutorEvent::Kill { task_id, .. } if task_id.value == "t1"));
    let killed = TaskStatus {
        task_id: Some(TaskId { value: "t1".into() }),
        state: TaskState::TaskKilled as i32,
        ..Default::default()
    };
    executor.update(killed).await.expect("UPDATE");
    let status = scheduler_update(&mut events, TaskState::TaskKilled).await;
    assert_eq!(scheduler.acknowledge(&status).await.ok(), Some(true));
    cluster.shutdown().await;
}

/// A TCP relay to the master whose existing connections can be frozen:
/// bytes stop flowing but nothing is closed, as in a network partition.
/// Connections made after the freeze flow normally.
struct Relay {
    address: SocketAddr,
    freeze: tokio::sync::watch::Sender<u64>,
}

impl Relay {
    async fn start(target: SocketAddr) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("relay binds");
        let address = listener.local_addr().expect("relay address");
        let (freeze, frozen) = tokio::sync::watch::channel(0u64);
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let generation = *frozen.borrow();
                let mut frozen = frozen.clone();
                tokio::spawn(async move {
                    let Ok(outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    let (mut a, mut b) = (inbound, outbound);
                    let frozen_later = async move {
                        let _ = frozen.wait_for(|g| *g > generation).await.map(|_| ());
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut a, &mut b) => {}
                        _ = frozen_later => {
                            // Hold both sockets open, silent, until the test ends.
                            std::future::pending::<()>().await;
                        }
                    }
                });
            }
        });
        Relay { address, freeze }
    }

    /// Freezes every connection made so far.
    fn freeze(&self) {
        self.freeze.send_modify(|generation| *generation += 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubscribes_when_heartbeats_stop_arriving() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let relay = Relay::start(cluster.master_addr()).await;
    let mut config = client_config(&format!("http://{}", relay.address), None, Encoding::Json);
    config.missed_heartbeats = 3;
    let (scheduler, mut events) = Scheduler::subscribe(config).expect("client");
    let (framework_id, heartbeat) = subscribed(&mut events).await;
    assert_eq!(heartbeat, Duration::from_secs(1));
    next_matching(&mut events, "HEARTBEAT", |e| {
        *e == SchedulerEvent::Heartbeat
    })
    .await;

    relay.freeze();
    let lost = next_matching(&mut events, "Disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected(_))
    })
    .await;
    assert_eq!(
        lost,
        SchedulerEvent::Disconnected("no event from the master for 3s".into())
    );
    let (again, _) = subscribed(&mut events).await;
    assert_eq!(again, framework_id);
    assert!(scheduler.is_subscribed());
    scheduler
        .revive(vec![])
        .await
        .expect("calls work on the new subscription");
    cluster.shutdown().await;
}
